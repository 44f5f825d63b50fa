"""`safesend incident report|letters` and `safesend vault keygen|rotate` on a
real SQLite database, with the roster imported by `safesend roster import`."""

from __future__ import annotations

import base64

import pytest
from click.testing import CliRunner
from incident.roster_fixture import XLSX, district, plan_spreadsheet, roster_csv

from messages import DISTRICT, check_request, parents
from safesend.cli import main

KIDS = district(25, 15)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "incident-cli-secret")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    key = run("vault", "keygen").output.strip()
    assert len(base64.urlsafe_b64decode(key)) == 32
    monkeypatch.setenv("SAFESEND_VAULT_KEY", key)
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"internal_domains: [{DISTRICT}]\nlimits: {{time_budget_seconds: 60}}\n"
                      "incidents: {notify_within_days: 10}\n")
    assert run("policy", "load", policy).exit_code == 0
    roster = tmp_path / "sis.csv"
    roster.write_text(roster_csv(KIDS))
    assert run("roster", "import", roster).exit_code == 0
    return run


def _check_id() -> str:
    # `safesend check` does not record checks; the API does: use the app in-process.
    from safesend.app import create_app
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction

    app = create_app()
    with transaction(app.extensions["safesend"].sessions) as session:
        key = create_key(session, "default", "client").key
    payload = check_request(to=parents(2), subject="504")
    payload["attachments"] = [{"name": "l.xlsx", "content_type": XLSX,
                               "content_base64": base64.b64encode(plan_spreadsheet(KIDS[:25])).decode()}]
    verdict = app.test_client().post("/api/v1/checks", headers={"Authorization": f"Bearer {key}"},
                                     json=payload).json
    app.extensions["safesend"].close()
    assert verdict["students_matched"] == 25
    return verdict["check_id"]


def test_report_letters_and_rotate(cli, tmp_path, monkeypatch):
    check_id = _check_id()
    assert cli("incident", "report", check_id).exit_code == 2        # --reason is required
    shown = cli("incident", "report", check_id, "--reason", "principal asked")
    assert shown.exit_code == 0, shown.output
    assert "INC-1" in shown.output and "families 25" in shown.output
    assert "notify families by" in shown.output
    assert all(k.student_id in shown.output for k in KIDS[:25])
    assert not any(k.student_id in shown.output for k in KIDS[25:])
    out = tmp_path / "affected.csv"
    assert cli("incident", "report", "INC-1", "--reason", "merge", "--csv", out).exit_code == 0
    assert out.read_text("utf-8-sig").splitlines()[0].startswith("family,student_id")

    letters = cli("incident", "letters", "INC-1", "--reason", "letters", "--output", tmp_path / "out")
    assert letters.exit_code == 0, letters.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len([f for f in files if f.startswith("family-")]) == 25 and "community.eml" in files

    new_key = cli("vault", "keygen").output.strip()
    rotated = cli("vault", "rotate", "--new-key", new_key)
    assert rotated.exit_code == 0 and "re-encrypted 40 contacts" in rotated.output
    unreadable = cli("incident", "report", "INC-1", "--reason", "old key")
    assert "unreadable" in unreadable.output and unreadable.exit_code == 0
    monkeypatch.setenv("SAFESEND_VAULT_KEY", new_key)
    assert KIDS[0].student_id in cli("incident", "report", "INC-1", "--reason", "new key").output
    wrong = cli("vault", "rotate", "--new-key", cli("vault", "keygen").output.strip())
    assert wrong.exit_code == 0
    monkeypatch.setenv("SAFESEND_VAULT_KEY", new_key)   # no longer the key in use
    refused = cli("vault", "rotate", "--new-key", new_key)
    assert refused.exit_code == 2 and "nothing was changed" in refused.output

    assert cli("incident", "report", "nope", "--reason", "x y z").exit_code == 2
    verified = cli("audit", "verify")
    assert verified.exit_code == 0 and "intact" in verified.output
    # File names carry no child's name.
    assert not any(k.last.lower() in " ".join(files).lower() for k in KIDS)
