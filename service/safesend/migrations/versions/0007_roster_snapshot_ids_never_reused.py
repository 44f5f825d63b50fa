"""roster snapshot ids are never reused (SQLite AUTOINCREMENT)

A removed roster followed by an import deletes every snapshot of the tenant, and
SQLite then gave the new snapshot the old one's id: processes that keep a loaded
roster by its snapshot id (the web workers, their scan processes) went on
matching against the old roster. PostgreSQL's sequences never reuse an id.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:00:00
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("roster_snapshots", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("roster_snapshots", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": False}):
            pass
