"""Migration 0002 upgrades a database that already holds checks, and downgrades cleanly."""

from __future__ import annotations

from sqlalchemy import inspect, text

from safesend.store.db import make_engine, upgrade


def test_upgrade_keeps_existing_checks_and_adds_the_console_tables(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO tenants (id, name, created_at) "
                                "VALUES ('default', 'd', '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO checks (id, tenant_id, created_at, sender, actor, client_app, client_version, "
            "to_count, cc_count, bcc_count, visible_external, audience, attachment_count, students_matched, "
            "action, audit_action, policy_version, message_hash, duration_ms) VALUES ('c1', 'default', "
            "'2026-01-02 10:00:00', 't@d.org', '', 'outlook', '1', 30, 0, 0, 30, 30, 0, 0, 'warn', 'warn', "
            "1, 'h', 5)"))
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"users", "audit_log", "sign_in_failures"} <= tables
    with engine.connect() as connection:
        row = connection.execute(text("SELECT reviewed_at, reviewed_by, review_note FROM checks")).one()
    assert tuple(row) == (None, "", "")
    upgrade_down(engine)
    assert "users" not in set(inspect(engine).get_table_names())
    engine.dispose()


def upgrade_down(engine) -> None:
    from alembic import command
    from alembic.config import Config

    from safesend.store.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
