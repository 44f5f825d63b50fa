"""audit log refuses DELETE too; atomic sign-in counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 20:00:00

Existing audit chains were hashed without a key (SHA-256). They are not
rewritten here (a migration has no access to the key): at the next start
the service pins each intact old chain as the "legacy prefix" of a signed
head kept outside the database (store/audit.py, seal_legacy_chains), and
every later entry is HMAC-keyed.
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Migration 0002's function raises 'audit_log is append-only'; it now also
# guards DELETE (row by row) and TRUNCATE (PostgreSQL).
SQLITE_TRIGGER = """
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
"""
POSTGRES_TRIGGERS = (
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
)


def upgrade() -> None:
    # Sign-in attempts counted with one atomic upsert per key (accounts/throttle.py).
    op.create_table('sign_in_counters',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_log")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.drop_table('sign_in_counters')
