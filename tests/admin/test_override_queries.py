"""One query answers "overrides for these filters" for the API, the console and the
command line (store/check_log.py), in one export format: the three CSVs must be the
same text for the same filters."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from safesend.cli import main
from safesend.demo_data import synthetic_activity
from safesend.store import check_log
from safesend.store.db import transaction


@pytest.fixture
def activity(services):
    with transaction(services.sessions) as session:
        synthetic_activity(session, "default", weeks=6, flagged=160, allowed=40,
                           reviewer="admin@default.example.org")
        rows, _ = check_log.overrides(session, "default", check_log.LogFilter())
        return [(r.sender, r.created_at.date().isoformat()) for r in rows]


@pytest.fixture
def run_cli(monkeypatch, tmp_path, database_url):
    # The app fixture's database, instance folder and key (audit chain) on the command line.
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_DATABASE_URL", database_url)
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "test-secret-key")

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout_bytes.decode()   # as written (CSV rows end in CRLF)

    return run


def _filters(activity) -> list[dict[str, str]]:
    sender, day = activity[len(activity) // 2]
    return [{}, {"rule": "unscannable_attachment"},     # also a rule in test mode on many checks
            {"rule": "visible_recipients", "action": "confirm"}, {"action": "warn"},
            {"sender": sender}, {"since": day, "until": day}, {"sender": sender, "since": day}]


def test_api_console_and_command_line_export_the_same_overrides(app, auth, console, activity,
                                                                 run_cli, services):
    api, admin = app.test_client(), console["admin"]
    for filters in _filters(activity):
        from_api = api.get("/api/v1/overrides", headers=auth["admin"],
                           query_string={**filters, "format": "csv", "limit": 500})
        from_console = admin.get("/admin/log.csv", query_string={**filters, "status": "overridden"})
        from_cli = run_cli("overrides", "export", "--format", "csv",
                           *(arg for name, value in filters.items() for arg in (f"--{name}", value)))
        text = from_api.get_data(as_text=True)
        assert text == from_console.get_data(as_text=True) == from_cli, filters
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows and all(row["override_id"] and row["overridden_at"] for row in rows), filters
        if "rule" in filters:   # enforced findings only, everywhere: what the sender was shown
            assert all(filters["rule"] in row["rules"].split() for row in rows)
        # JSON: the API's page and the command line's lines list the same overrides.
        listed = api.get("/api/v1/overrides", headers=auth["admin"],
                         query_string={**filters, "limit": 500}).get_json()
        lines = run_cli("overrides", "export", "--format", "json",
                        *(arg for name, value in filters.items() for arg in (f"--{name}", value)))
        assert [item["id"] for item in listed["items"]] == \
            [json.loads(line)["id"] for line in lines.splitlines()] == \
            [int(row["override_id"]) for row in rows]
        assert listed["total"] == len(rows)


def test_a_rule_in_test_mode_does_not_match(services, activity):
    """synthetic_activity adds unscannable_attachment in test mode to a quarter of flagged checks."""
    with transaction(services.sessions) as session:
        rows, total = check_log.overrides(session, "default",
                                          check_log.LogFilter(rule="unscannable_attachment"))
        everything, _ = check_log.overrides(session, "default", check_log.LogFilter())
        audit_only = [c for c in everything
                      if {(f.rule, f.audit) for f in c.findings} >= {("unscannable_attachment", True)}
                      and "unscannable_attachment" not in check_log.enforced_rules(c)]
        assert audit_only and total == len(rows)
        assert not {c.id for c in audit_only} & {c.id for c in rows}


def test_a_whole_address_is_that_sender_and_a_part_matches_more(services, activity):
    sender = activity[0][0]                      # e.g. a.rivera@lincoln.district.example.org
    with transaction(services.sessions) as session:
        exact, _ = check_log.overrides(session, "default", check_log.LogFilter(sender=sender.upper()))
        part, _ = check_log.overrides(session, "default",
                                      check_log.LogFilter(sender=sender.split("@")[0][1:]))
        assert exact and {c.sender for c in exact} == {sender}
        assert {c.id for c in exact} <= {c.id for c in part}
        # "ivera@lincoln..." is part of "a.rivera@lincoln..." but not a whole address of a sender.
        none, _ = check_log.overrides(session, "default", check_log.LogFilter(sender=sender[2:]))
        assert none == []


def test_not_overridden_has_no_overrides(services, activity):
    with transaction(services.sessions) as session:
        assert check_log.overrides(session, "default",
                                   check_log.LogFilter(status="not_overridden")) == ([], 0)
