"""Tables for incident response (migration 0006): the roster students a check
matched (by reference), the encrypted contact vault, incident records with
their timeline, and each district's letter templates.

Nothing here holds a name in clear: students are roster references (hex of
the keyed ID hash); contacts are AES-GCM ciphertext under SAFESEND_VAULT_KEY.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


class CheckStudent(Base):
    """A roster student a send-time check matched: what incident response opens."""

    __tablename__ = "check_students"
    __table_args__ = (UniqueConstraint("check_id", "ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[str] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(64))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)


class VaultContact(Base):
    """One student's contact record, sealed with AES-GCM (see incident/vault.py)."""

    __tablename__ = "vault_contacts"
    __table_args__ = (UniqueConstraint("tenant_id", "ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    ref: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))   # which vault key sealed it
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Incident(Base):
    """A disclosure record (FERPA 34 CFR 99.32): what, when, who was told."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))    # Exposure.kind: "check" or "scan"
    ref: Mapped[str] = mapped_column(String(100))    # Exposure.ref
    status: Mapped[str] = mapped_column(String(20), default="open")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    discovered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    opened_by: Mapped[str] = mapped_column(String(320), default="")
    # Counts only, as of the last report: the names stay in the vault.
    students: Mapped[int] = mapped_column(Integer, default=0)
    students_sensitive: Mapped[int] = mapped_column(Integer, default=0)
    families: Mapped[int] = mapped_column(Integer, default=0)
    steps_taken: Mapped[str] = mapped_column(Text, default="")


class IncidentEvent(Base):
    """The incident's timeline: notes, status changes, links, views and exports."""

    __tablename__ = "incident_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(320), default="")
    kind: Mapped[str] = mapped_column(String(20))    # note, status, link, view, export, letters
    text: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class LetterTemplate(Base):
    """A district's own wording for one letter ("family" or "community")."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320), default="")
