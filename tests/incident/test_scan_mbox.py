"""`safesend incident scan` over an mbox export and a folder of .eml files:
the one seed-like message among 520 ordinary ones, with exactly the students it exposed."""

from __future__ import annotations

import json

from click.testing import CliRunner
from incident import sent_mail
from incident.conftest import expected_refs

from safesend.cli import main
from safesend.incident.exposure import find_exposure
from safesend.store.db import transaction


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_an_mbox_scan_finds_the_seed_like_message_and_exactly_its_students(scan_env, mail, tmp_path):
    _, services = scan_env
    box = sent_mail.write_mbox(tmp_path / "Sent.mbox", mail.messages)
    result = run("incident", "scan", "--source", "mbox", "--path", box, "--json")
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    *flagged, summary = lines
    assert summary == {"scanned": 521, "flagged": 1, "failed": 0}
    (found,) = flagged
    assert found["message_id"] == mail.seed_message_id
    assert found["action"] == "block" and "student_data" in found["rules"]
    assert found["students"] == 230 and found["students_sensitive"] == 230
    assert found["sender"] == sent_mail.STAFF[0] and found["date"].startswith("2026-09-10")
    with transaction(services.sessions) as session:
        exposure = find_exposure(session, "default", found["incident"])
    assert exposure is not None and exposure.kind == "scan"
    assert set(exposure.roster_refs) == expected_refs(services, mail.exposed_ids)
    assert len(exposure.roster_refs) == 230 and set(exposure.sensitive_refs) == set(exposure.roster_refs)
    assert exposure.recipients_total == 2000 and exposure.recipients_outside == 1960
    assert "messages" in result.stderr and "521" in result.stderr


def test_nothing_of_the_message_is_kept(scan_env, mail, tmp_path):
    """Names, subjects, file names and bodies never reach the database."""
    _, services = scan_env
    box = sent_mail.write_mbox(tmp_path / "Sent.mbox", mail.messages)
    run("incident", "scan", "--source", "mbox", "--path", box, "--json")
    from sqlalchemy import select

    from safesend.store.scans import FlaggedMessage

    with transaction(services.sessions) as session:
        row = session.scalars(select(FlaggedMessage)).one()
        stored = json.dumps({c.name: str(getattr(row, c.name)) for c in FlaggedMessage.__table__.columns})
    roster = sent_mail.roster()
    exposed = [s for s in roster.students if s.student_id in set(mail.exposed_ids)]
    for word in ("schedule", "fall schedule.xlsx", exposed[0].last, exposed[0].student_id, "families"):
        assert word not in stored


def test_a_folder_of_eml_files_gives_the_same_answer(scan_env, mail, tmp_path):
    folder = tmp_path / "export" / "a.rivera"
    folder.mkdir(parents=True)
    for n, raw in enumerate(mail.messages):
        (folder / f"{n:04d}.eml").write_bytes(raw)
    result = run("incident", "scan", "--source", "folder", "--path", tmp_path / "export", "--json")
    *flagged, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert summary == {"scanned": 521, "flagged": 1, "failed": 0}
    assert flagged[0]["message_id"] == mail.seed_message_id and flagged[0]["students"] == 230


def test_since_and_until_limit_the_scan(scan_env, mail, tmp_path):
    box = sent_mail.write_mbox(tmp_path / "Sent.mbox", mail.messages)
    result = run("incident", "scan", "--source", "mbox", "--path", box, "--json",
                 "--since", "2026-09-11", "--until", "2026-09-12")
    *flagged, summary = [json.loads(line) for line in result.stdout.splitlines()]
    # 37 minutes apart from 1 Sep 08:00: the messages of 11 and 12 September, not the seed (10 Sep).
    assert flagged == [] and summary["flagged"] == 0 and 70 <= summary["scanned"] <= 80
    assert result.exit_code == 0


def test_a_broken_file_is_counted_not_fatal(scan_env, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "broken.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (folder / "empty.eml").write_bytes(b"no headers at all")
    result = run("incident", "scan", "--source", "folder", "--path", folder, "--json")
    assert json.loads(result.stdout.splitlines()[-1]) == {"scanned": 2, "flagged": 0, "failed": 0}
    assert "2 unreadable" in result.stderr


def test_a_missing_or_wrong_path_is_a_clear_error(scan_env, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = run("incident", "scan", "--source", "folder", "--path", tmp_path)
    assert result.exit_code == 2 and "no .eml or .msg files" in result.stderr
    result = run("incident", "scan", "--source", "graph")
    assert result.exit_code == 2 and "--mailbox" in result.output


def test_starting_a_scan_is_in_the_audit_trail(scan_env, mail, tmp_path):
    _, services = scan_env
    box = sent_mail.write_mbox(tmp_path / "Sent.mbox", mail.messages[:5])
    run("incident", "scan", "--source", "mbox", "--path", box, "--since", "2026-09-01")
    from safesend.store.audit import list_entries, verify_chain

    with transaction(services.sessions) as session:
        entries, _ = list_entries(session, "default", 10)
        started = [e for e in entries if e.action == "scan.start"]
        assert len(started) == 1 and started[0].actor == "cli"
        assert started[0].details == {"source": "mbox", "jobs": 1, "since": "2026-09-01T00:00:00+00:00",
                                      "until": None}
        assert verify_chain(session, "default").intact


def test_a_scan_gives_each_message_a_longer_time_budget_than_a_send(scan_env):
    from safesend.incident.jobs import scan_policy
    from safesend.policy import parse_policy

    policy = parse_policy(sent_mail.POLICY)
    assert policy.limits.time_budget_seconds < 60
    relaxed = scan_policy(policy)
    assert relaxed.limits.time_budget_seconds == 60
    assert relaxed.rules == policy.rules and relaxed.limits.max_rows == policy.limits.max_rows
