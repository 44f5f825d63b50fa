"""The audit trail: every change recorded by whoever made it, in a verifiable hash chain."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

import pytest
from admin.console_helpers import post_form
from sqlalchemy import text

from safesend.store import audit
from safesend.store.db import transaction


def _entries(services, tenant="default"):
    with transaction(services.sessions) as session:
        rows, _ = audit.list_entries(session, tenant, 100)
        return [(e.actor, e.action, e.target, dict(e.details)) for e in reversed(rows)]


def test_api_console_and_store_changes_are_all_audited(app, services, auth, console):
    client = app.test_client()
    client.put("/api/v1/policy?comment=tighten", headers=auth["it"],
               json={"rules": {"visible_recipients": {"warn_at": 5}}})
    client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
               data="Student Number,First Name,Last Name\n12345678,Ana,Lopez\n")
    client.delete("/api/v1/roster", headers=auth["it"])
    post_form(console["it"], "/admin/access/keys", {"role": "client", "name": "Outlook"})
    actions = [(actor, action) for actor, action, _, _ in _entries(services)]
    key_actor = next(a for a, act in actions if act == "policy.save")
    assert key_actor.startswith("key:")                      # the API key that saved it
    assert ("it@default.example.org", "apikey.create") in actions   # the console user
    assert {"policy.save", "roster.import", "roster.remove", "user.create", "apikey.create"} <= \
        {a for _, a in actions}
    roster_remove = next(e for e in _entries(services) if e[1] == "roster.remove")
    assert roster_remove[0].startswith("key:")               # actor from the API request


def test_entries_never_hold_a_key_or_student_data(app, services, auth):
    app.test_client().put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
                          data="Student Number,First Name,Last Name\n12345678,Ana,Lopez\n")
    dump = repr(_entries(services))
    assert "Lopez" not in dump and "12345678" not in dump
    for key_header in auth.values():
        assert key_header["Authorization"].split()[1] not in dump


def test_chain_verifies_and_names_a_changed_entry(services, database_url):
    with transaction(services.sessions) as session:
        for n in range(5):
            audit.append(session, "default", "tester", "policy.save", f"version {n}", {"n": n})
    with transaction(services.sessions) as session:
        status = audit.verify_chain(session, "default")
    assert status.intact and status.entries == 5
    with tampering(services.engine) as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE seq = 3"))
    with transaction(services.sessions) as session:
        status = audit.verify_chain(session, "default")
    assert not status.intact and status.broken_at == 3
    assert "changed after it was written" in status.reason


def test_rewriting_an_entry_and_its_hash_breaks_the_next_link(services):
    with transaction(services.sessions) as session:
        for n in range(3):
            audit.append(session, "default", "tester", "roster.import", "", {"students": n})
    with tampering(services.engine) as connection:
        connection.execute(text("UPDATE audit_log SET hash = :h WHERE seq = 2"), {"h": "f" * 64})
    with transaction(services.sessions) as session:
        status = audit.verify_chain(session, "default")
    assert not status.intact and status.broken_at == 2


def test_a_removed_entry_is_detected(services):
    with transaction(services.sessions) as session:
        for n in range(4):
            audit.append(session, "default", "tester", "user.create", f"u{n}")
    with services.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    with transaction(services.sessions) as session:
        status = audit.verify_chain(session, "default")
    assert not status.intact and status.broken_at == 3 and "missing" in status.reason


def test_the_database_refuses_to_update_an_entry(services):
    with transaction(services.sessions) as session:
        audit.append(session, "default", "tester", "policy.save")
    with pytest.raises(Exception, match="append-only"):
        with services.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET actor = 'x'"))


def test_chains_are_per_tenant(services):
    from safesend.store.tenants import ensure_tenant

    with transaction(services.sessions) as session:
        ensure_tenant(session, "other")
        audit.append(session, "default", "a", "policy.save")
        audit.append(session, "other", "b", "policy.save")
        audit.append(session, "default", "a", "policy.save")
    with transaction(services.sessions) as session:
        assert audit.verify_chain(session, "default").entries == 2
        assert audit.verify_chain(session, "other").entries == 1


def test_audit_page_badge_says_intact_then_broken(console, services):
    with transaction(services.sessions) as session:
        audit.append(session, "default", "tester", "policy.save", "version 9")
    page = console["auditor"].get("/admin/audit").get_data(as_text=True)
    assert "Chain intact" in page
    with tampering(services.engine) as connection:
        connection.execute(text("UPDATE audit_log SET target = 'version 1' WHERE target = 'version 9'"))
    page = console["auditor"].get("/admin/audit").get_data(as_text=True)
    assert "Chain broken at entry" in page


def test_cli_audit_verify_exit_codes(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from safesend.cli import main

    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "cli-test-secret")
    runner = CliRunner()
    created = runner.invoke(main, ["apikey", "create", "--role", "client"])
    assert created.exit_code == 0
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0 and "default: intact, 1 entries" in result.output
    from safesend.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'safesend.db'}")
    with tampering(engine) as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory'"))
    engine.dispose()
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at entry 1" in result.output


@contextmanager
def tampering(engine):
    """A connection without the append-only trigger (an attacker with DDL rights);
    the trigger is put back afterwards, as other tests share the PostgreSQL schema."""
    migration = importlib.import_module("safesend.migrations.versions.0002_console_users_audit")
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        connection.execute(text("DROP TRIGGER IF EXISTS audit_log_append_only"
                                + (" ON audit_log" if postgres else "")))
        yield connection
        connection.execute(text(migration.POSTGRES_TRIGGER if postgres else migration.SQLITE_TRIGGER))
