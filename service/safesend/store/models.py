"""SQLAlchemy models. Nothing here holds message content: counts, rule
names, actions, a keyed hash of the message, and who did what."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the whole key: keys are 256-bit random, so no slow hash is needed.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


class Check(Base):
    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_tenant_time", "tenant_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sender: Mapped[str] = mapped_column(String(320), index=True)
    actor: Mapped[str] = mapped_column(String(320), default="")
    client_app: Mapped[str] = mapped_column(String(64), default="")
    client_version: Mapped[str] = mapped_column(String(64), default="")
    to_count: Mapped[int] = mapped_column(Integer, default=0)
    cc_count: Mapped[int] = mapped_column(Integer, default=0)
    bcc_count: Mapped[int] = mapped_column(Integer, default=0)
    visible_external: Mapped[int] = mapped_column(Integer, default=0)
    audience: Mapped[int] = mapped_column(Integer, default=0)
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)
    students_matched: Mapped[int] = mapped_column(Integer, default=0)
    action: Mapped[str] = mapped_column(String(10), index=True)
    # What enforcing every audit-mode rule would have given.
    audit_action: Mapped[str] = mapped_column(String(10))
    policy_version: Mapped[int] = mapped_column(Integer)
    message_hash: Mapped[str] = mapped_column(String(64))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    # Console review of a warned or blocked check that has no override
    # (an override carries its own review); added in migration 0002.
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reviewed_by: Mapped[str] = mapped_column(String(320), default="")
    review_note: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[list[CheckFinding]] = relationship(
        back_populates="check", cascade="all, delete-orphan", lazy="selectin")
    override: Mapped[Override | None] = relationship(back_populates="check", lazy="selectin")


class CheckFinding(Base):
    __tablename__ = "check_findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[str] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(Integer, default=0)
    audit: Mapped[bool] = mapped_column(Boolean, default=False)
    check: Mapped[Check] = relationship(back_populates="findings")


class Override(Base):
    __tablename__ = "overrides"
    __table_args__ = (Index("ix_overrides_tenant_time", "tenant_id", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    check_id: Mapped[str] = mapped_column(ForeignKey("checks.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(10))
    justification: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reviewed_by: Mapped[str] = mapped_column(String(320), default="")
    review_note: Mapped[str] = mapped_column(Text, default="")
    check: Mapped[Check] = relationship(back_populates="override", lazy="joined")


class RosterSnapshot(Base):
    """The district roster as keyed hashes only (see detect.roster)."""

    __tablename__ = "roster_snapshots"
    # Ids are never reused: loaded rosters are kept by snapshot id (migration 0007).
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    students: Mapped[int] = mapped_column(Integer, default=0)
    with_flags: Mapped[int] = mapped_column(Integer, default=0)
    guardians: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


# --- Admin console (migration 0002): users, the audit chain, sign-in throttling.


class User(Base):
    """A console user: a local password, or an Entra ID / Google identity."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    # One person, one district: sign-in finds the user by address alone.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    # "local" (set in the console or CLI) or "groups" (from the identity provider).
    role_source: Mapped[str] = mapped_column(String(20), default="local")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # "entra:<tid>:<oid>" or "google:<sub>" once signed in with a provider.
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_sign_in_method: Mapped[str] = mapped_column(String(20), default="")
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Bumped on sign-out, role change, password change or disable: older
    # session cookies stop working at once.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Append-only (UPDATE and DELETE refused): each entry carries the HMAC of the tenant's previous one."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("tenant_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SignInFailure(Base):
    """Failed sign-ins, counted per client address and per account to slow guessing."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_time", "key", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# Tables of later features live in their own modules (registered here for Alembic):
# issue 10's internal errors (0004) and sign-in counters (0003), sent-mail scans (0005),
# incident response (0006).
from . import incident_models, internal_errors, scans  # noqa: E402,F401
from .signin_counters import SignInCounter  # noqa: E402,F401
