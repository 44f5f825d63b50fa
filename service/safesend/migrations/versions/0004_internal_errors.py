"""internal errors while reading or scanning files (type and module:line only), for the dashboard

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 20:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('internal_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('check_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('internal_errors', schema=None) as batch_op:
        batch_op.create_index('ix_internal_errors_tenant_time', ['tenant_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('internal_errors', schema=None) as batch_op:
        batch_op.drop_index('ix_internal_errors_tenant_time')
    op.drop_table('internal_errors')
