"""Sent-mail scans (incident response, part 1): a scan, its jobs (one per
mailbox or slice of a large one) with their checkpoints, and the messages it
flagged. Nothing here holds a body, subject, attachment or file name: per
flagged message only what the audit trail of a send-time check keeps, plus
the matched roster students as references (keyed ID hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


class Scan(Base):
    __tablename__ = "scans"
    __table_args__ = (Index("ix_scans_tenant_time", "tenant_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    source: Mapped[str] = mapped_column(String(20))
    # Where to read: a path for exports (never shown to auditors), nothing for the APIs.
    location: Mapped[str] = mapped_column(Text, default="")
    since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ScanJob(Base):
    """One queue job: a mailbox, or one slice of it. `checkpoint` is where the
    next message is (source-specific, e.g. an mbox index or a page link and a
    position in it); it moves in the same transaction as the counts and the
    flagged messages, so a job resumed after a crash neither rescans nor duplicates."""

    __tablename__ = "scan_jobs"
    __table_args__ = (UniqueConstraint("scan_id", "mailbox", "slice_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[str] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    mailbox: Mapped[str] = mapped_column(String(320))
    slice_no: Mapped[int] = mapped_column(Integer, default=0)
    # The slice's bounds, source-specific (e.g. {"start": 0, "stop": 2000}).
    bounds: Mapped[dict] = mapped_column(JSON, default=dict)
    expected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # queued | running | retrying | done | failed
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    checkpoint: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    unreadable: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    # Which worker holds the job, and until when; an expired lease means the
    # worker died and the job may be taken over from its checkpoint.
    owner: Mapped[str] = mapped_column(String(120), default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FlaggedMessage(Base):
    __tablename__ = "scan_flagged"
    __table_args__ = (UniqueConstraint("scan_id", "message_key"),
                      Index("ix_scan_flagged_tenant", "tenant_id", "scan_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)   # the `incident` id people use
    scan_id: Mapped[str] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("scan_jobs.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    # Keyed hash of the source's id for the message: the same message is never kept twice.
    message_key: Mapped[str] = mapped_column(String(64))
    # The Message-ID header: an identifier the mail system already shows, not content.
    message_id: Mapped[str] = mapped_column(String(998), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sender: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(10))
    rules: Mapped[list] = mapped_column(JSON, default=list)
    recipients_total: Mapped[int] = mapped_column(Integer, default=0)
    recipients_visible: Mapped[int] = mapped_column(Integer, default=0)
    recipients_outside: Mapped[int] = mapped_column(Integer, default=0)
    students: Mapped[int] = mapped_column(Integer, default=0)
    students_sensitive: Mapped[int] = mapped_column(Integer, default=0)
    roster_refs: Mapped[list] = mapped_column(JSON, default=list)
    sensitive_refs: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScanWorker(Base):
    """A running `safesend worker` (or embedded one), seen by its heartbeat."""

    __tablename__ = "scan_workers"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
