"""incident response: sent-mail scans, their jobs and checkpoints, flagged messages, workers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scans',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_scans_tenant_time', 'scans', ['tenant_id', 'created_at'], unique=False)

    op.create_table('scan_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scan_id', sa.String(length=32), nullable=False),
    sa.Column('mailbox', sa.String(length=320), nullable=False),
    sa.Column('slice_no', sa.Integer(), nullable=False),
    sa.Column('bounds', sa.JSON(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('checkpoint', sa.JSON(), nullable=True),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scanned', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.Column('unreadable', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scan_id'], ['scans.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scan_id', 'mailbox', 'slice_no')
    )
    op.create_index('ix_scan_jobs_scan_id', 'scan_jobs', ['scan_id'], unique=False)
    op.create_index('ix_scan_jobs_status', 'scan_jobs', ['status'], unique=False)

    op.create_table('scan_flagged',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('scan_id', sa.String(length=32), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('message_key', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=998), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('recipients_total', sa.Integer(), nullable=False),
    sa.Column('recipients_visible', sa.Integer(), nullable=False),
    sa.Column('recipients_outside', sa.Integer(), nullable=False),
    sa.Column('students', sa.Integer(), nullable=False),
    sa.Column('students_sensitive', sa.Integer(), nullable=False),
    sa.Column('roster_refs', sa.JSON(), nullable=False),
    sa.Column('sensitive_refs', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['scan_jobs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scan_id'], ['scans.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ref'),
    sa.UniqueConstraint('scan_id', 'message_key')
    )
    op.create_index('ix_scan_flagged_tenant', 'scan_flagged', ['tenant_id', 'scan_id'], unique=False)

    op.create_table('scan_workers',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_scan_workers_seen_at', 'scan_workers', ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_scan_workers_seen_at', table_name='scan_workers')
    op.drop_table('scan_workers')
    op.drop_index('ix_scan_flagged_tenant', table_name='scan_flagged')
    op.drop_table('scan_flagged')
    op.drop_index('ix_scan_jobs_status', table_name='scan_jobs')
    op.drop_index('ix_scan_jobs_scan_id', table_name='scan_jobs')
    op.drop_table('scan_jobs')
    op.drop_index('ix_scans_tenant_time', table_name='scans')
    op.drop_table('scans')
