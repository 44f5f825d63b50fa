"""The override log's query: every warned, justified or blocked check, and its override.

One filter drives the page, its paging and the CSV export, so the export is
exactly what the page shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ..rules import RULES
from ..store.audit_query import day_start
from ..store.models import Check, CheckFinding, Override

ACTIONS = ("warn", "confirm", "block")
STATUSES = {"": "Any", "overridden": "Sent anyway", "not_overridden": "Fixed or not sent",
            "unreviewed": "To review", "reviewed": "Reviewed"}


@dataclass(frozen=True)
class LogFilter:
    since: str = ""        # ISO dates, inclusive
    until: str = ""
    sender: str = ""       # part of the sender's address
    rule: str = ""
    action: str = ""
    school: str = ""       # the sender's domain (a school's subdomain, or the district's)
    status: str = ""
    q: str = ""            # search: sender, who overrode, justification, review note, check id

    @classmethod
    def from_args(cls, args) -> tuple[LogFilter, dict[str, str]]:
        errors: dict[str, str] = {}
        values = {name: (args.get(name) or "").strip()[:200] for name in cls.__dataclass_fields__}
        for name in ("since", "until"):
            if values[name] and day_start(values[name]) is None:
                errors[name] = "Use a date like 2026-01-31."
                values[name] = ""
        if values["rule"] and values["rule"] not in RULES:
            errors["rule"], values["rule"] = "Unknown rule.", ""
        if values["action"] and values["action"] not in ACTIONS:
            errors["action"], values["action"] = "Unknown action.", ""
        if values["status"] not in STATUSES:
            errors["status"], values["status"] = "Unknown status.", ""
        return cls(**values), errors

    def args(self) -> dict[str, str]:
        """The filter as query arguments (for paging and export links)."""
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args())


def log_query(tenant_id: str, flt: LogFilter) -> Select:
    query = (select(Check).outerjoin(Override, Override.check_id == Check.id)
             .where(Check.tenant_id == tenant_id, Check.action != "allow"))
    if flt.since:
        query = query.where(Check.created_at >= day_start(flt.since))
    if flt.until:
        query = query.where(Check.created_at < day_start(flt.until) + timedelta(days=1))
    if flt.sender:
        query = query.where(Check.sender.contains(flt.sender.lower(), autoescape=True))
    if flt.school:
        domain = flt.school.lower().lstrip("@")
        query = query.where(or_(Check.sender.endswith("@" + domain, autoescape=True),
                                Check.sender.endswith("." + domain, autoescape=True)))
    if flt.action:
        query = query.where(Check.action == flt.action)
    if flt.rule:
        query = query.where(Check.id.in_(select(CheckFinding.check_id).where(
            CheckFinding.rule == flt.rule, CheckFinding.audit.is_(False))))
    query = _status(query, flt.status)
    if flt.q:
        needle = flt.q.lower()
        query = query.where(or_(*(func.lower(column).contains(needle, autoescape=True) for column in (
            Check.sender, Check.actor, Override.actor, Override.justification, Override.review_note,
            Check.review_note)), Check.id.startswith(needle, autoescape=True)))
    return query


def _status(query: Select, status: str) -> Select:
    reviewed = or_(Override.reviewed_at.is_not(None),
                   and_(Override.id.is_(None), Check.reviewed_at.is_not(None)))
    if status == "overridden":
        return query.where(Override.id.is_not(None))
    if status == "not_overridden":
        return query.where(Override.id.is_(None))
    if status == "reviewed":
        return query.where(reviewed)
    if status == "unreviewed":
        # Only overrides wait for a review: a message that was fixed or not sent does not.
        return query.where(Override.id.is_not(None), Override.reviewed_at.is_(None))
    return query


def neighbours(db: Session, tenant_id: str, flt: LogFilter, check: Check
               ) -> tuple[str | None, str | None]:
    """(newer, older) check ids next to `check` in the filtered log's order (newest first).
    Works for a check that no longer matches the filter (just reviewed): by position."""
    query = log_query(tenant_id, flt)
    at, ident = check.created_at, check.id
    newer = db.scalar(query.where(or_(Check.created_at > at, and_(Check.created_at == at,
                                                                  Check.id < ident)))
                      .order_by(Check.created_at.asc(), Check.id.desc()).limit(1))
    older = db.scalar(query.where(or_(Check.created_at < at, and_(Check.created_at == at,
                                                                  Check.id > ident)))
                      .order_by(Check.created_at.desc(), Check.id.asc()).limit(1))
    return (newer.id if newer else None), (older.id if older else None)


def filter_of_log_url(url: str) -> LogFilter:
    """The filter a log page address carries ('/admin/log?status=...'): for next/previous."""
    from urllib.parse import parse_qsl, urlsplit

    flt, _ = LogFilter.from_args(dict(parse_qsl(urlsplit(url).query)))
    return flt


def page_of(db: Session, tenant_id: str, flt: LogFilter, page: int, per_page: int
            ) -> tuple[list[Check], int]:
    query = log_query(tenant_id, flt)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(Check.created_at.desc(), Check.id)
                      .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def every_row(db: Session, tenant_id: str, flt: LogFilter) -> Iterator[Check]:
    query = log_query(tenant_id, flt).order_by(Check.created_at.desc(), Check.id)
    yield from db.scalars(query.execution_options(yield_per=500))


def sender_domains(db: Session, tenant_id: str, limit: int = 5000) -> list[str]:
    """Domains of senders in the log: the 'school' filter's choices."""
    senders = db.scalars(select(Check.sender).where(Check.tenant_id == tenant_id, Check.action != "allow")
                         .distinct().limit(limit))
    return sorted({s.rpartition("@")[2] for s in senders if "@" in s})


def review_of(check: Check) -> tuple[datetime | None, str, str]:
    """(reviewed at, by, note): an override carries its own review, other checks theirs."""
    holder = check.override if check.override is not None else check
    return holder.reviewed_at, holder.reviewed_by or "", holder.review_note or ""


def enforced_rules(check: Check) -> list[str]:
    return sorted({f.rule for f in check.findings if not f.audit and f.action != "allow"})
