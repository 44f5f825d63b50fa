"""The audit trail: every change to policy, roster, keys and users.

Entries are appended in the same transaction as the change they record, so
a change and its entry commit together or not at all. Each entry carries the
SHA-256 of the tenant's previous entry and its own; `verify_chain` recomputes
them, so an edited, inserted or removed entry shows as a broken chain. The
database refuses UPDATEs on the table (a trigger, migration 0002).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .models import AuditEntry, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainStatus:
    intact: bool
    entries: int
    head: str                    # hash of the newest entry (GENESIS when empty)
    broken_at: int | None = None  # seq of the first entry that does not verify
    reason: str = ""


def append(session: Session, tenant_id: str, actor: str, action: str, target: str = "",
           details: dict | None = None) -> AuditEntry:
    """Add an entry after the tenant's newest one."""
    _lock_chain(session, tenant_id)
    last = session.scalar(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
                          .order_by(AuditEntry.seq.desc()).limit(1))
    entry = AuditEntry(tenant_id=tenant_id, seq=(last.seq + 1) if last else 1,
                       created_at=utcnow(), actor=(actor or _request_actor())[:320],
                       action=action, target=target[:200], details=details or {},
                       prev_hash=last.hash if last else GENESIS)
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over a canonical JSON of the entry's content and the previous hash."""
    payload = {"tenant": entry.tenant_id, "seq": entry.seq, "at": _timestamp(entry.created_at),
               "actor": entry.actor, "action": entry.action, "target": entry.target,
               "details": entry.details or {}, "prev": entry.prev_hash}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_chain(session: Session, tenant_id: str) -> ChainStatus:
    """Walk the tenant's chain oldest first; stop at the first entry that does not verify."""
    expected_prev, count = GENESIS, 0
    rows = session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
                           .order_by(AuditEntry.seq).execution_options(yield_per=500))
    for entry in rows:
        count += 1
        if entry.seq != count:
            return ChainStatus(False, count, expected_prev, entry.seq,
                               f"entry {count} is missing (the next one is {entry.seq})")
        if entry.prev_hash != expected_prev:
            return ChainStatus(False, count, expected_prev, entry.seq,
                               f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        if entry_hash(entry) != entry.hash:
            return ChainStatus(False, count, expected_prev, entry.seq,
                               f"entry {entry.seq} was changed after it was written")
        expected_prev = entry.hash
    return ChainStatus(True, count, expected_prev)


def list_entries(session: Session, tenant_id: str, limit: int, offset: int = 0
                 ) -> tuple[list[AuditEntry], int]:
    base = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset))
    return list(rows), total


def tenants_with_entries(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.tenant_id).distinct().order_by(AuditEntry.tenant_id)))


def _timestamp(moment: datetime) -> str:
    # SQLite hands datetimes back without their zone: they were written in UTC.
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_chain(session: Session, tenant_id: str) -> None:
    """Two workers appending at once must not both follow the same entry.
    PostgreSQL: a transaction-scoped advisory lock per tenant. SQLite allows
    one writer at a time; the (tenant, seq) unique key catches the rest."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                        {"key": f"safesend-audit:{tenant_id}"})


def _request_actor() -> str:
    """Who is calling, for store functions called without an actor (the JSON
    API's roster DELETE predates the argument). Outside a request: unknown."""
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - flask is a dependency
        return "unknown"
    principal = g.get("principal") if has_request_context() else None
    if principal is None:
        return "unknown"
    return principal.email or principal.subject
