"""`safesend check` of a text-only message starts no extraction worker, imports
no file parser and,
on a SQLite database that is ready, imports neither Alembic nor SQLAlchemy
(it reads the policy and roster with sqlite3: store/sqlite_reads.py) and
judges exactly as the service's path does; an attachment that needs a worker
still gets one."""

from __future__ import annotations

import importlib
import json
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from detect.synthetic import synthetic_roster

from messages import DISTRICT, eml_bytes, parents
from safesend.cli import main
from safesend.extract import isolation
from safesend.extract.model import ExtractLimits
from safesend.extract.walk import extract_attachments
from safesend.store import sqlite_reads

PROBE = """
import json, sys
from safesend.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
parsers = "safesend.extract.walk" in sys.modules
lazy = sorted(name for name in {LAZY} if name in sys.modules)
from safesend.extract import isolation
print(json.dumps({"exit": code, "workers_started": isolation._default is not None,
                  "parsers_imported": parsers, "lazy_imported": lazy,
                  "alembic_imported": "alembic" in sys.modules,
                  "sqlalchemy_imported": "sqlalchemy" in sys.modules}))
"""
# What a text-only check never needs: the roster and its CSV import reader (no roster
# imported yet), table detection (no table), YAML (a policy from the database is JSON).
LAZY_FOR_TEXT = ("safesend.detect.roster", "safesend.detect.roster_csv",
                 "safesend.detect.roster_blob", "safesend.detect.roster_load",
                 "safesend.detect.roster_match",
                 "safesend.detect.tables", "safesend.detect.table_scan", "yaml",
                 "safesend.cli_admin")
PROBE = PROBE.replace("{LAZY}", repr(LAZY_FOR_TEXT))


def _probe(tmp_path, *args, env: dict | None = None) -> dict:
    env = {"SAFESEND_INSTANCE_PATH": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin", **(env or {})}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True,
                          text=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_text_only_check_starts_no_worker_and_no_migration(tmp_path):
    small = tmp_path / "small.eml"
    small.write_bytes(eml_bytes(to=parents(3)))
    first = _probe(tmp_path, "check", str(small))  # a new instance: the database is created
    assert first["exit"] == 0
    assert first["alembic_imported"] is True
    assert first["workers_started"] is False
    again = _probe(tmp_path, "check", str(small))
    assert again == {"exit": 0, "workers_started": False, "parsers_imported": False,
                     "lazy_imported": [], "alembic_imported": False, "sqlalchemy_imported": False}


def test_what_a_text_only_check_loads_is_loaded_when_needed(tmp_path):
    """A table pasted into the body loads table detection, a policy file YAML; the
    verdict is the same as when everything is imported up front (the in-process runs)."""
    table = "Name\tGrade\tPlan\nAna Ruiz\t4\t504\nBo Li\t5\tIEP\nCy Dahl\t4\t504\n"
    pasted = tmp_path / "pasted.eml"
    pasted.write_bytes(eml_bytes(to=parents(3), body=table))
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  audience_size:\n    warn_at: 2\n")
    _probe(tmp_path, "check", str(pasted))  # creates the database
    done = _probe(tmp_path, "check", "--policy", str(policy), str(pasted))
    assert done["exit"] == 1
    assert {"safesend.detect.tables", "safesend.detect.table_scan", "yaml"} <= set(done["lazy_imported"])
    assert "safesend.detect.roster_csv" not in done["lazy_imported"]


def test_the_detect_package_names_resolve_to_their_modules():
    import safesend.detect as detect

    assert set(detect.__all__) == set(detect._MODULE_OF)
    for name in detect.__all__:  # each name is found in the module the table gives
        module = importlib.import_module(f"safesend.detect.{detect._MODULE_OF[name]}")
        assert getattr(detect, name) is getattr(module, name)
    with pytest.raises(AttributeError):
        detect.no_such_name  # noqa: B018


def test_on_postgresql_the_check_takes_sqlalchemys_path(tmp_path, postgres_schema_url):
    small = tmp_path / "small.eml"
    small.write_bytes(eml_bytes(to=parents(3)))
    done = _probe(tmp_path, "check", str(small), env={"SAFESEND_DATABASE_URL": postgres_schema_url})
    assert done["exit"] == 0 and done["sqlalchemy_imported"] is True


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "startup-secret")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


def test_sqlite_reads_judge_as_the_service_path_does(cli, tmp_path, monkeypatch):
    """A saved policy and an imported roster read with sqlite3 give the same verdicts
    as the same rows read through SQLAlchemy (the path every other database takes)."""
    roster = synthetic_roster(80, seed=3, plan_rate=0.4)
    (tmp_path / "sis.csv").write_text(roster.csv_text())
    (tmp_path / "policy.yaml").write_text(f"internal_domains: [{DISTRICT}]\n"
                                          "rules:\n  audience_size:\n    warn_at: 4\n")
    assert cli("policy", "load", tmp_path / "policy.yaml").exit_code == 0
    assert cli("roster", "import", tmp_path / "sis.csv").exit_code == 0
    named = [s for s in roster.students if s.flags][:5]
    listed = "Reminder:\n" + "\n".join(f"{s.last.upper()}, {s.first} - 504 review" for s in named)
    files = []
    for index, (to, body) in enumerate([
            (parents(3), "See you Friday."),
            (parents(6), listed),
            ([named[0].guardians[0]], f"{named[0].first} {named[0].last} did great on the 504 goals."),
            ([f"a@{DISTRICT}"], "Staff only.")]):
        path = tmp_path / f"m{index}.eml"
        path.write_bytes(eml_bytes(to=to, body=body))
        files.append(path)
    read = sqlite_reads.current_inputs
    calls = []
    monkeypatch.setattr(sqlite_reads, "current_inputs", lambda *a: calls.append(a) or read(*a))
    quick = [json.loads(line) for line in cli("check", "--json", *files).output.splitlines()]
    assert calls, "the sqlite3 path was not taken"
    monkeypatch.setattr(sqlite_reads, "current_inputs", lambda *a: None)
    full = [json.loads(line) for line in cli("check", "--json", *files).output.splitlines()]

    def without_ids(verdicts):
        return [{k: v for k, v in verdict.items() if k != "check_id"} for verdict in verdicts]

    assert without_ids(quick) == without_ids(full)
    assert [v["policy_version"] for v in quick] == [1] * 4
    assert quick[1]["students_matched"] == 5 and quick[1]["action"] != "allow"
    assert [v["action"] for v in quick] != ["allow"] * 4


def test_a_database_not_ready_is_not_read_with_sqlite3(tmp_path):
    assert sqlite_reads.current_inputs(f"sqlite:///{tmp_path / 'none.db'}", "default") is None
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert sqlite_reads.current_inputs(f"sqlite:///{empty}", "default") is None  # no tables yet
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql+psycopg://x@127.0.0.1/db",
                f"sqlite:///{empty}?mode=ro"):
        assert sqlite_reads.current_inputs(url, "default") is None


def test_attachment_that_needs_a_worker_still_gets_one(tmp_path):
    previous = isolation.set_default_pool(None)
    try:
        text_only = extract_attachments([("notes.txt", "text/plain", b"hello")], ExtractLimits())
        assert text_only.segments and isolation._default is None
        # A .docx is parsed only in a worker: the pool starts on demand.
        import io

        import docx

        document = docx.Document()
        document.add_paragraph("Field trip list")
        buffer = io.BytesIO()
        document.save(buffer)
        result = extract_attachments([("trip.docx", None, buffer.getvalue())], ExtractLimits())
        assert isolation._default is not None
        assert not result.problems
        assert any("Field trip list" in s.text for s in result.segments)
    finally:
        isolation.shutdown()
        isolation.set_default_pool(previous)
