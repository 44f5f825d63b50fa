"""Searching the audit trail (who, what, when, free text) and its CSV.

Read-only: it never touches the chain's hashes (store/audit.py owns those).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from ..spreadsheet import safe_cell
from .filter_args import TextFilter, day_bounds
from .models import AuditEntry

# What an entry is about, for the "what" filter: the action's first part.
KINDS = {"policy": "Policy", "roster": "Roster", "override": "Override reviews",
         "overrides": "Override log exports", "audit": "Audit trail exports",
         "apikey": "API keys", "user": "Users"}
CSV_COLUMNS = ("seq", "time", "actor", "action", "target", "details", "hash", "prev_hash")


@dataclass(frozen=True)
class AuditFilter(TextFilter):
    actor: str = ""      # part of who made the change
    kind: str = ""       # one of KINDS
    since: str = ""      # ISO dates, inclusive
    until: str = ""
    q: str = ""          # free text: action, target, details

    @classmethod
    def _checked(cls, values: dict[str, str], errors: dict[str, str]) -> None:
        if values["kind"] and values["kind"] not in KINDS:
            errors["kind"], values["kind"] = "Unknown kind of change.", ""


def audit_query(tenant_id: str, flt: AuditFilter) -> Select:
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    if flt.actor:
        query = query.where(func.lower(AuditEntry.actor).contains(flt.actor.lower(), autoescape=True))
    if flt.kind:
        query = query.where(AuditEntry.action.startswith(flt.kind + ".", autoescape=True))
    since, until = day_bounds(flt.since, flt.until)
    if since:
        query = query.where(AuditEntry.created_at >= since)
    if until:
        query = query.where(AuditEntry.created_at < until)
    if flt.q:
        needle = flt.q.lower()
        query = query.where(or_(*(func.lower(column).contains(needle, autoescape=True) for column in (
            AuditEntry.action, AuditEntry.target, cast(AuditEntry.details, String)))))
    return query


def page_of(db: Session, tenant_id: str, flt: AuditFilter, limit: int, offset: int
            ) -> tuple[list[AuditEntry], int]:
    query = audit_query(tenant_id, flt)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset))
    return list(rows), total


def count(db: Session, tenant_id: str, flt: AuditFilter) -> int:
    return db.scalar(select(func.count()).select_from(audit_query(tenant_id, flt).subquery())) or 0


def stream_csv(db: Session, tenant_id: str, flt: AuditFilter) -> Iterator[str]:
    """Newest first, like the page; details as JSON; cells made safe for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    query = audit_query(tenant_id, flt).order_by(AuditEntry.seq.desc())
    for entry in db.scalars(query.execution_options(yield_per=500)):
        writer.writerow([safe_cell(v) for v in (
            entry.seq, _iso(entry.created_at), entry.actor, entry.action, entry.target,
            json.dumps(entry.details or {}, sort_keys=True, ensure_ascii=False),
            entry.hash, entry.prev_hash)])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _iso(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")

