"""The audit trail: every change recorded by whoever made it, in a verifiable hash chain."""

from __future__ import annotations

import importlib
import json
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

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
    with tampering(services.engine) as connection:
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


def test_the_database_refuses_to_delete_an_entry(services):
    with transaction(services.sessions) as session:
        audit.append(session, "default", "tester", "policy.save")
    with pytest.raises(Exception, match="append-only"):
        with services.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
    if services.engine.dialect.name == "postgresql":
        with pytest.raises(Exception, match="append-only"):
            with services.engine.begin() as connection:
                connection.execute(text("TRUNCATE audit_log"))
    with transaction(services.sessions) as session:
        assert audit.verify_chain(session, "default").entries == 1


def _chain(services, tenant="default", entries=4):
    from safesend.store.tenants import ensure_tenant

    with transaction(services.sessions) as session:
        ensure_tenant(session, tenant)
        for n in range(entries):
            audit.append(session, tenant, "tester", "policy.save", f"version {n}", {"n": n})


def _status(services, tenant="default"):
    with transaction(services.sessions) as session:
        return audit.verify_chain(session, tenant)


def test_a_removed_last_entry_is_a_short_tail(services):
    _chain(services)
    with tampering(services.engine) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    status = _status(services)
    assert not status.intact and status.broken_at == 4
    assert "the signed head records 4 entries, the table holds 3" in status.reason


def test_a_removed_tenant_chain_is_reported(services):
    _chain(services, "other", 2)
    _chain(services, "default", 1)
    with tampering(services.engine) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE tenant_id = 'other'"))
    with transaction(services.sessions) as session:
        assert "other" in audit.tenants_with_entries(session)
    status = _status(services, "other")
    assert not status.intact and "the whole chain is missing" in status.reason
    assert _status(services, "default").intact


def test_a_recomputed_tail_is_detected(services):
    """Cut the last two entries and write new ones with freshly computed hashes,
    as the unkeyed chain allowed: without the key the MACs cannot be made."""
    from safesend.store.models import AuditEntry

    _chain(services)
    with tampering(services.engine) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq >= 3"))
    with transaction(services.sessions) as session:
        prev = session.scalar(text("SELECT hash FROM audit_log WHERE seq = 2"))
        for seq in (3, 4):
            forged = AuditEntry(tenant_id="default", seq=seq, created_at=datetime.now(UTC),
                                actor="mallory", action="policy.save", target="", details={},
                                prev_hash=prev)
            forged.hash = prev = audit.entry_hash(forged)   # the old recipe, or any guess
            session.add(forged)
    status = _status(services)
    assert not status.intact and status.broken_at == 3
    assert "changed after it was written" in status.reason


def test_an_edited_head_is_refused(services, app):
    _chain(services)
    folder = Path(app.instance_path) / "audit-heads"
    [head_file] = list(folder.glob("*.json"))
    body = json.loads(head_file.read_text())
    body["count"] = 2
    head_file.write_text(json.dumps(body))
    status = _status(services)
    assert not status.intact and "signature does not verify" in status.reason


def test_the_head_is_written_only_after_the_commit(services):
    _chain(services, entries=2)
    with pytest.raises(RuntimeError):
        with transaction(services.sessions) as session:
            audit.append(session, "default", "tester", "policy.save")
            raise RuntimeError("the change failed: its entry is rolled back")
    status = _status(services)
    assert status.intact and status.entries == 2


def test_chains_from_before_the_key_are_pinned_as_a_legacy_prefix(tmp_path):
    """Upgrade path: entries hashed the old way (SHA-256, no key) stay verifiable,
    but only as the prefix the signed head pins; rewriting them, or passing keyed
    entries off as old ones, breaks the chain."""
    from safesend.config import load_settings
    from safesend.services import build_services
    from safesend.store.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO tenants (id, name, created_at) "
                                "VALUES ('default', 'd', '2026-01-01')"))
    _write_unkeyed(engine, ["policy.save", "user.create"])
    engine.dispose()
    services = build_services(load_settings({"instance_path": str(tmp_path / "instance"),
                                             "database_url": url, "secret_key": "k" * 32}))
    try:
        assert _status(services).intact and _status(services).entries == 2
        _chain(services, entries=2)            # keyed entries 3 and 4 follow the old ones
        assert _status(services).intact and _status(services).entries == 4
        with tampering(services.engine) as connection:   # rewrite an old entry and its successor
            connection.execute(text("DELETE FROM audit_log WHERE seq <= 2"))
        _write_unkeyed(services.engine, ["policy.save", "user.disable"], tamper=True)
        status = _status(services)
        assert not status.intact and status.broken_at == 3
        with tampering(services.engine) as connection:   # every entry re-hashed the old way
            connection.execute(text("DELETE FROM audit_log"))
        _write_unkeyed(services.engine, ["policy.save", "user.create", "a", "b"], tamper=True)
        status = _status(services)
        assert not status.intact and status.broken_at == 3
    finally:
        services.close()


def _write_unkeyed(engine, actions, tamper=False):
    """Entries as the code before migration 0003 wrote them."""
    from safesend.store.models import AuditEntry

    prev = audit.GENESIS
    context = tampering(engine) if tamper else engine.begin()
    with context as connection:
        for seq, action in enumerate(actions, start=1):
            entry = AuditEntry(tenant_id="default", seq=seq, created_at=datetime(2026, 1, 2, tzinfo=UTC),
                               actor="it@x.org", action=action, target="", details={}, prev_hash=prev)
            entry.hash = prev = audit.entry_hash(entry)
            connection.execute(text(
                "INSERT INTO audit_log (tenant_id, seq, created_at, actor, action, target, details, "
                "prev_hash, hash) VALUES ('default', :seq, '2026-01-02 00:00:00.000000', 'it@x.org', "
                ":action, '', '{}', :prev, :hash)"),
                {"seq": seq, "action": action, "prev": entry.prev_hash, "hash": entry.hash})


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


def test_cli_audit_verify_reports_a_cut_tail_and_a_missing_chain(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from safesend.cli import main
    from safesend.store.db import make_engine

    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "cli-test-secret")
    runner = CliRunner()
    for _ in range(3):
        assert runner.invoke(main, ["apikey", "create", "--role", "client"]).exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'safesend.db'}")
    with tampering(engine) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "default: BROKEN at entry 3: the newest entries were removed" in result.output
    with tampering(engine) as connection:
        connection.execute(text("DELETE FROM audit_log"))
    engine.dispose()
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and "default: BROKEN" in result.output
    assert "the whole chain is missing" in result.output


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
    """A connection without the append-only triggers (an attacker with DDL rights);
    the triggers are put back afterwards, as other tests share the PostgreSQL schema."""
    m2 = importlib.import_module("safesend.migrations.versions.0002_console_users_audit")
    m3 = importlib.import_module("safesend.migrations.versions.0003_audit_integrity_signin_counters")
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        for trigger in ("audit_log_append_only", "audit_log_no_delete", "audit_log_no_truncate"):
            on_table = " ON audit_log" if postgres else ""
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}{on_table}"))
        yield connection
        if postgres:
            for statement in (m2.POSTGRES_TRIGGER, *m3.POSTGRES_TRIGGERS):
                connection.execute(text(statement))
        else:
            connection.execute(text(m2.SQLITE_TRIGGER))
            connection.execute(text(m3.SQLITE_TRIGGER))


def test_an_unwritable_head_folder_is_logged_and_reported_not_a_failed_change(make_app, tmp_path,
                                                                              caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app = make_app(audit_head_dir=str(blocker / "heads"))
    services = app.extensions["safesend"]
    with transaction(services.sessions) as session:
        audit.append(session, "default", "tester", "policy.save")
    assert "signed head of tenant default cannot be written" in caplog.text
    status = _status(services)
    assert not status.intact and "the signed head cannot be read" in status.reason
    with transaction(services.sessions) as session:                  # the change did commit
        assert audit.list_entries(session, "default", 10)[1] == 1
