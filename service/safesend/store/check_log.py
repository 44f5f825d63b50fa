"""The log of checks and their overrides: one filter, one query, one export format,
for the API, the console and the command line.

The console's override log lists every warned, justified or blocked check and
its override; the API and `safesend overrides export` list the overrides
(`overrides`: the same log, only the entries that were sent anyway); the
API's check list is the same query over every check, allowed ones too. A
rule filter matches enforced findings only: what the sender was shown
(findings of rules in test mode are on the check's page and the dashboard).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ..rules import RULES
from ..spreadsheet import safe_cell
from .filter_args import TextFilter, day_bounds
from .models import Check, CheckFinding, Override

ACTIONS = ("warn", "confirm", "block")          # what the log holds
STATUSES = {"": "Any", "overridden": "Sent anyway", "not_overridden": "Fixed or not sent",
            "unreviewed": "To review", "reviewed": "Reviewed"}
# One export format: one row per log entry, its override (if any) and the review.
EXPORT_COLUMNS = ("check_id", "time", "sender", "action", "rules", "students_matched",
                  "visible_recipients", "audience", "attachments", "client", "client_version",
                  "policy_version", "override_id", "overridden_at", "overridden_by",
                  "justification", "reviewed_at", "reviewed_by", "review_note")
_WHOLE_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class LogFilter:
    since: datetime | None = None   # inclusive
    until: datetime | None = None   # exclusive
    sender: str = ""                # a whole address (that sender only), or part of one
    rule: str = ""                  # an enforced finding of this rule
    action: str = ""
    school: str = ""                # the sender's domain (a school's subdomain, or the district's)
    status: str = ""                # one of STATUSES
    q: str = ""                     # sender, who overrode, justification, review notes, check id


@dataclass(frozen=True)
class LogForm(TextFilter):
    """The console's log filter as typed (ISO days, inclusive); `log_filter()` is what it asks."""

    since: str = ""
    until: str = ""
    sender: str = ""
    rule: str = ""
    action: str = ""
    school: str = ""
    status: str = ""
    q: str = ""

    @classmethod
    def _checked(cls, values: dict[str, str], errors: dict[str, str]) -> None:
        if values["rule"] and values["rule"] not in RULES:
            errors["rule"], values["rule"] = "Unknown rule.", ""
        if values["action"] and values["action"] not in ACTIONS:
            errors["action"], values["action"] = "Unknown action.", ""
        if values["status"] not in STATUSES:
            errors["status"], values["status"] = "Unknown status.", ""

    def log_filter(self) -> LogFilter:
        since, until = day_bounds(self.since, self.until)
        return LogFilter(since=since, until=until, sender=self.sender, rule=self.rule,
                         action=self.action, school=self.school, status=self.status, q=self.q)


def log_query(tenant_id: str, flt: LogFilter, everything: bool = False) -> Select:
    """Checks (with their override) matching `flt`; only flagged ones unless `everything`."""
    query = (select(Check).outerjoin(Override, Override.check_id == Check.id)
             .where(Check.tenant_id == tenant_id))
    if not everything:
        query = query.where(Check.action != "allow")
    if flt.since:
        query = query.where(Check.created_at >= flt.since)
    if flt.until:
        query = query.where(Check.created_at < flt.until)
    if flt.sender:
        sender = flt.sender.strip().lower()
        query = query.where(Check.sender == sender if _WHOLE_ADDRESS.fullmatch(sender)
                            else Check.sender.contains(sender, autoescape=True))
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


_NEWEST_FIRST = (Check.created_at.desc(), Check.id)


def page_of(db: Session, tenant_id: str, flt: LogFilter, limit: int | None, offset: int = 0,
            everything: bool = False) -> tuple[list[Check], int]:
    """One page of the log, newest first, and how many entries match in all."""
    return _page(db, log_query(tenant_id, flt, everything), limit, offset)


def overrides(db: Session, tenant_id: str, flt: LogFilter, limit: int | None = None,
              offset: int = 0) -> tuple[list[Check], int]:
    """THE answer to "overrides for these filters" (API, console, command line): the log
    entries that were sent anyway, newest first, each with its `override`."""
    if flt.status == "not_overridden":
        return [], 0
    return _page(db, log_query(tenant_id, flt).where(Override.id.is_not(None)), limit, offset)


def _page(db: Session, query: Select, limit: int | None, offset: int) -> tuple[list[Check], int]:
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(*_NEWEST_FIRST).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query)), total


def every_row(db: Session, tenant_id: str, flt: LogFilter) -> Iterator[Check]:
    query = log_query(tenant_id, flt).order_by(*_NEWEST_FIRST)
    yield from db.scalars(query.execution_options(yield_per=500))


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
                      .order_by(*_NEWEST_FIRST).limit(1))
    return (newer.id if newer else None), (older.id if older else None)


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


# --- the one export format (CSV; cells made safe for spreadsheets)

def export_row(check: Check) -> list[str]:
    override = check.override
    reviewed_at, reviewed_by, note = review_of(check)
    values = [check.id, _iso(check.created_at), check.sender, check.action,
              " ".join(enforced_rules(check)), check.students_matched, check.visible_external,
              check.audience, check.attachment_count, check.client_app, check.client_version,
              check.policy_version, override.id if override else "",
              _iso(override.created_at) if override else "", override.actor if override else "",
              override.justification if override else "", _iso(reviewed_at), reviewed_by, note]
    return [safe_cell(v) for v in values]


def stream_csv(checks: Iterable[Check]) -> Iterator[str]:
    """The export, in pieces of about 64 KB (an export can be large)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for check in checks:
        writer.writerow(export_row(check))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(checks: Iterable[Check]) -> str:
    return "".join(stream_csv(checks))


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
