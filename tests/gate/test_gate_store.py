"""The gate against both stores (SQLite and PostgreSQL): the same records as the API."""

from __future__ import annotations

from click.testing import CliRunner
from gate.mail import build

from messages import DISTRICT, TEACHER, check_request, parents

SENSITIVE = {"subject": "504 plan meetings next week",
             "body": "Dear families, our 504 plan meetings are next week."}


def test_api_verdicts_carry_a_stamp_the_gate_accepts_for_the_same_content(app, client, auth):
    from safesend.gate.decide import Gate, envelope_message
    from safesend.gate.stamp import stamp_key, verified_check_id

    to = [f"colleague@{DISTRICT}"]
    verdict = client.post("/api/v1/checks", headers=auth["client"],
                          json=check_request(to=to, subject="Agenda", body="See you Monday.")).get_json()
    assert verdict["action"] == "allow" and verdict["stamp"].split()[1] == verdict["check_id"]
    raw = build(to=to, subject="Agenda", body="See you Monday.\n")
    key = stamp_key(app.extensions["safesend"].settings.secret_key)
    assert verified_check_id(verdict["stamp"], envelope_message(raw, TEACHER, to), key) == verdict["check_id"]
    decision = Gate(app.extensions["safesend"]).decide(raw, TEACHER, to, stamp_value=verdict["stamp"])
    assert decision.reason == "stamp" and decision.check_id == verdict["check_id"]


def test_a_held_message_passes_after_an_override_and_is_recorded_once(app, client, auth):
    from safesend.gate.decide import Gate

    gate = Gate(app.extensions["safesend"], public_url="https://safesend.test")
    to = parents(12)
    raw = build(to=to, **SENSITIVE)
    held = gate.decide(raw, TEACHER, to)
    assert (held.kind, held.code, held.status) == ("reject", "550", "5.7.1")
    assert client.post(f"/api/v1/checks/{held.check_id}/overrides", headers=auth["client"],
                       json={"justification": "The families asked to meet as a group."}).status_code == 201
    again = gate.decide(raw, TEACHER, to)
    assert again.kind == "accept" and again.reason == "released" and again.check_id == held.check_id
    # Another sender with the same words is not released by it.
    other = build(to=to, sender=f"other@{DISTRICT}", **SENSITIVE)
    assert gate.decide(other, f"other@{DISTRICT}", to).reason == "confirm"
    checks = client.get("/api/v1/checks", headers=auth["admin"]).get_json()
    assert checks["total"] == 2 and {c["client"] for c in checks["items"]} == {"gate"}
    overrides = client.get("/api/v1/overrides", headers=auth["admin"]).get_json()["items"]
    assert [o["check_id"] for o in overrides] == [held.check_id]


def test_gate_config_prints_the_postfix_lines_for_the_policys_fail_mode(tmp_path, monkeypatch):
    from safesend.cli import main

    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    policy = tmp_path / "policy.yaml"
    policy.write_text("clients:\n  fail_mode: closed\n")
    runner = CliRunner()
    assert runner.invoke(main, ["policy", "load", str(policy)]).exit_code == 0
    result = runner.invoke(main, ["gate", "config", "--port", "9901", "--listen", "127.0.0.1:2525"])
    assert result.exit_code == 0, result.output
    assert "smtpd_milters = inet:127.0.0.1:9901" in result.output
    assert "milter_default_action = tempfail" in result.output
    assert "127.0.0.1:2525 inet n - n - - smtpd" in result.output
    opened = runner.invoke(main, ["gate", "config", "--fail-mode", "open"])
    assert "milter_default_action = accept" in opened.output
    unix = runner.invoke(main, ["gate", "config", "--socket", "/run/safesend/gate.sock"])
    assert unix.exit_code == 0, unix.output
    assert "smtpd_milters = unix:/run/safesend/gate.sock" in unix.output


def test_a_reason_given_in_the_gmail_extension_lets_the_same_message_through_the_gate(app, client, auth):
    """Gmail cannot stamp a message; the gate finds the override by the content's fingerprint."""
    from safesend.gate.decide import Gate

    to = parents(12, start=50)
    request = check_request(to=to, **SENSITIVE, client={"app": "gmail-extension", "version": "1"})
    request["body"] = {"text": None, "html": f"<div>{SENSITIVE['body']}</div>"}
    verdict = client.post("/api/v1/checks", headers=auth["client"], json=request).get_json()
    assert verdict["action"] == "confirm"
    raw = build(to=to, **SENSITIVE)    # what Gmail then relays: MIME, a text part, new headers
    gate = Gate(app.extensions["safesend"], public_url="https://safesend.test")
    assert gate.decide(raw, TEACHER, to).reason == "confirm"          # no reason yet: held
    assert client.post(f"/api/v1/checks/{verdict['check_id']}/overrides", headers=auth["client"],
                       json={"justification": "The families asked to meet as a group."}).status_code == 201
    again = gate.decide(raw, TEACHER, to)
    assert again.reason == "released" and again.check_id == verdict["check_id"]
    # One word more in the body is another message.
    changed = build(to=to, subject=SENSITIVE["subject"], body=SENSITIVE["body"] + " Thanks!")
    assert gate.decide(changed, TEACHER, to).reason == "confirm"
