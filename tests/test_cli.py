"""The `safesend` command, with real .eml/.msg files and a real database."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from messages import DISTRICT, eml_bytes, parents
from safesend.cli import main

POLICY_YAML = f"internal_domains: [{DISTRICT}]\n"


@pytest.fixture
def cli(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_DATABASE_URL", database_url)
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "cli-test-secret")
    from conftest import _clean

    _clean(database_url)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY_YAML)
    assert run("policy", "load", policy).exit_code == 0
    return run


@pytest.fixture
def files(tmp_path):
    def write(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def test_504_meeting_to_visible_parents_needs_confirmation(cli, files):
    to_parents = files("to.eml", eml_bytes(to=parents(40), subject="504 meeting next week",
                                           body="Your child's Section 504 plan review is due."))
    in_bcc = files("bcc.eml", eml_bytes(to=[f"teacher@{DISTRICT}"], bcc=parents(40),
                                        subject="504 meeting next week"))
    result = cli("check", "--json", to_parents, in_bcc)
    assert result.exit_code == 1
    first, second = [json.loads(line) for line in result.output.splitlines()]
    assert first["action"] == "confirm" and first["file"].endswith("to.eml")
    (finding,) = first["findings"]
    assert finding["rule"] == "visible_recipients" and finding["fixes"] == ["move_to_bcc"]
    assert finding["count"] == 40
    assert second["action"] == "allow" and second["findings"] == []


def test_bcc_over_audience_threshold_only_warns_on_audience(cli, files):
    path = files("big.eml", eml_bytes(to=[f"teacher@{DISTRICT}"], bcc=parents(150),
                                      subject="504 meeting"))
    result = cli("check", "--json", path)
    verdict = json.loads(result.output)
    assert [f["rule"] for f in verdict["findings"]] == ["audience_size"]
    assert result.exit_code == 1


def test_exit_codes_and_human_output(cli, files, tmp_path):
    fine = files("fine.eml", eml_bytes(to=parents(2)))
    result = cli("check", fine)
    assert result.exit_code == 0 and "ALLOW" in result.output
    warned = files("warn.eml", eml_bytes(to=parents(12)))
    result = cli("check", warned)
    assert result.exit_code == 1
    assert "visible_recipients" in result.output and "fixes: move_to_bcc" in result.output
    broken = files("broken.msg", b"not an outlook file")
    result = cli("check", "--json", fine, broken)
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert lines[0]["action"] == "allow" and lines[1]["error"]["code"] == "unreadable_file"
    assert cli("check", tmp_path / "missing.eml").exit_code == 2
    assert cli("check").exit_code == 2


def test_policy_option_overrides_the_stored_policy(cli, files, tmp_path):
    strict = tmp_path / "strict.yaml"
    strict.write_text(POLICY_YAML + "rules:\n  visible_recipients:\n    warn_at: 2\n"
                      "    block_at: 3\n")
    path = files("three.eml", eml_bytes(to=parents(3)))
    assert json.loads(cli("check", "--json", "--policy", strict, path).output)["action"] == "block"
    assert json.loads(cli("check", "--json", path).output)["action"] == "allow"
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  audience_size:\n    warn_at: many\n")
    assert cli("check", "--policy", bad, path).exit_code == 2


def test_policy_show_and_validate(cli, tmp_path):
    shown = cli("policy", "show")
    assert shown.exit_code == 0 and DISTRICT in shown.output and "version 1" in shown.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("internal_domains: [ok.org]\nrules:\n  visible_recipients:\n    warn_at: 0\n")
    result = cli("policy", "validate", bad)
    assert result.exit_code == 2
    assert "rules.visible_recipients.warn_at" in result.output
    good = tmp_path / "good.yaml"
    good.write_text(POLICY_YAML)
    assert cli("policy", "validate", good).exit_code == 0


def test_apikey_create_prints_the_key_last_and_it_works(cli):
    result = cli("apikey", "create", "--role", "client", "--name", "outlook add-in")
    assert result.exit_code == 0
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("ss_") and " " not in key
    listed = cli("apikey", "list")
    assert "client" in listed.output and key not in listed.output
    assert cli("apikey", "create", "--role", "root").exit_code == 2
    key_id = listed.output.split()[0]
    assert cli("apikey", "revoke", key_id).exit_code == 0
    assert cli("apikey", "revoke", key_id).exit_code == 2


def test_overrides_export_after_api_round_trip(cli, make_app, database_url, tmp_path):
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction

    app = make_app(secret_key="cli-test-secret")
    with transaction(app.extensions["safesend"].sessions) as session:
        key = create_key(session, "default", "client").key
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    from messages import check_request

    verdict = client.post("/api/v1/checks", headers=headers,
                          json=check_request(to=parents(40), subject="IEP meeting")).json
    assert verdict["action"] == "confirm"
    client.post(f"/api/v1/checks/{verdict['check_id']}/overrides", headers=headers,
                json={"justification": "=HYPERLINK(\"x\") families agreed to share"})
    result = cli("overrides", "export", "--format", "csv")
    assert result.exit_code == 0
    header, row = result.output.strip().splitlines()
    assert header.startswith("check_id,time,sender")   # the one export format (store/check_log.py)
    assert verdict["check_id"] in row and "'=HYPERLINK" in row
    as_json = cli("overrides", "export", "--format", "json", "--since", "2000-01-01")
    assert json.loads(as_json.output)["check_id"] == verdict["check_id"]
    assert cli("overrides", "export", "--until", "2000-01-01").output.count("\n") == 1
    out = tmp_path / "o.csv"
    assert cli("overrides", "export", "--output", out).exit_code == 0 and out.exists()
    assert cli("overrides", "export", "--since", "yesterday").exit_code == 2


def test_db_upgrade(cli):
    result = cli("db", "upgrade")
    assert result.exit_code == 0 and "latest schema" in result.output


def test_msg_files_from_the_corpus(cli, corpora):
    many = corpora / "poi" / "hsmf" / "lots-of-recipients.msg"
    if not many.exists():
        pytest.skip("lots-of-recipients.msg not in the corpus")
    verdict = json.loads(cli("check", "--json", many).output)
    audience = [f for f in verdict["findings"] if f["rule"] == "audience_size"]
    assert audience and audience[0]["count"] >= 1000


def test_console_script_is_installed(tmp_path):
    result = subprocess.run([sys.executable, "-m", "safesend.cli", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "check" in result.stdout
