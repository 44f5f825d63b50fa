"""Numbers for the dashboard, counted in SQL (a district sends millions of checks).

Weeks start on Monday, in UTC. Only enforced findings count as warnings or
blocks; findings of rules in test mode are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import DateTime, Integer, case, func, literal, select
from sqlalchemy.orm import Session

from ..rules import RULES
from . import internal_errors as internal_error_store
from .models import Check, CheckFinding, Override

HIGH_SEVERITY = ("confirm", "block")


@dataclass
class Weekly:
    starts: list[date]
    checks: list[int]
    warned: list[int]       # warn: the sender was warned
    confirmed: list[int]    # confirm: a justification was required
    blocked: list[int]
    overrides: list[int]
    by_rule: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Totals:
    checks: int
    warned: int     # warn or confirm
    blocked: int
    overrides: int
    unreviewed: int


def first_week(weeks: int, today: date | None = None) -> datetime:
    today = today or datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def weekly(db: Session, tenant_id: str, weeks: int) -> Weekly:
    start = first_week(weeks)
    result = Weekly(starts=[(start + timedelta(weeks=i)).date() for i in range(weeks)],
                    checks=[0] * weeks, warned=[0] * weeks, confirmed=[0] * weeks,
                    blocked=[0] * weeks, overrides=[0] * weeks,
                    by_rule={name: [0] * weeks for name in RULES})
    week = _week_index(db, Check.created_at, start)
    rows = db.execute(select(week, Check.action, func.count())
                      .where(Check.tenant_id == tenant_id, Check.created_at >= start)
                      .group_by(week, Check.action))
    columns = {"warn": result.warned, "confirm": result.confirmed, "block": result.blocked}
    for index, action, count in rows:
        if 0 <= int(index) < weeks:
            result.checks[int(index)] += count
            if action in columns:
                columns[action][int(index)] += count
    override_week = _week_index(db, Override.created_at, start)
    for index, count in db.execute(select(override_week, func.count())
                                   .where(Override.tenant_id == tenant_id, Override.created_at >= start)
                                   .group_by(override_week)):
        if 0 <= int(index) < weeks:
            result.overrides[int(index)] = count
    rows = db.execute(select(week, CheckFinding.rule, func.count())
                      .join(Check, CheckFinding.check_id == Check.id)
                      .where(Check.tenant_id == tenant_id, Check.created_at >= start,
                             CheckFinding.audit.is_(False), CheckFinding.action != "allow")
                      .group_by(week, CheckFinding.rule))
    for index, rule, count in rows:
        if 0 <= int(index) < weeks and rule in result.by_rule:
            result.by_rule[rule][int(index)] = count
    return result


def totals(db: Session, tenant_id: str, since: datetime, until: datetime | None = None) -> Totals:
    window = [Check.tenant_id == tenant_id, Check.created_at >= since]
    override_window = [Override.tenant_id == tenant_id, Override.created_at >= since]
    if until is not None:
        window.append(Check.created_at < until)
        override_window.append(Override.created_at < until)
    checks, warned, blocked = db.execute(select(
        func.count(),
        func.coalesce(func.sum(case((Check.action.in_(("warn", "confirm")), 1), else_=0)), 0),
        func.coalesce(func.sum(case((Check.action == "block", 1), else_=0)), 0),
    ).where(*window)).one()
    overrides, unreviewed = db.execute(select(
        func.count(), func.coalesce(func.sum(case((Override.reviewed_at.is_(None), 1), else_=0)), 0),
    ).where(*override_window)).one()
    return Totals(int(checks), int(warned), int(blocked), int(overrides), int(unreviewed))


def top_override_senders(db: Session, tenant_id: str, since: datetime, limit: int = 8
                         ) -> list[tuple[str, int, int]]:
    """(sender, overrides, not yet reviewed), most overrides first."""
    unreviewed = func.sum(case((Override.reviewed_at.is_(None), 1), else_=0))
    rows = db.execute(select(Check.sender, func.count(Override.id), unreviewed)
                      .join(Override, Override.check_id == Check.id)
                      .where(Override.tenant_id == tenant_id, Override.created_at >= since)
                      .group_by(Check.sender)
                      .order_by(func.count(Override.id).desc(), Check.sender).limit(limit))
    return [(sender, int(count), int(open_ or 0)) for sender, count, open_ in rows]


def latest_high_severity(db: Session, tenant_id: str, limit: int = 8) -> list[Check]:
    return list(db.scalars(select(Check).where(Check.tenant_id == tenant_id,
                                               Check.action.in_(HIGH_SEVERITY))
                           .order_by(Check.created_at.desc()).limit(limit)))


def test_mode_findings(db: Session, tenant_id: str, since: datetime) -> dict[str, dict[str, int]]:
    """rule -> {action: count} of findings of rules in test mode (never shown to senders)."""
    result: dict[str, dict[str, int]] = {}
    for rule, action, count in db.execute(
            select(CheckFinding.rule, CheckFinding.action, func.count())
            .join(Check, CheckFinding.check_id == Check.id)
            .where(Check.tenant_id == tenant_id, Check.created_at >= since,
                   CheckFinding.audit.is_(True))
            .group_by(CheckFinding.rule, CheckFinding.action)):
        result.setdefault(rule, {})[action] = int(count)
    return result


def internal_errors(db: Session, tenant_id: str, since: datetime) -> tuple[int, int, list[tuple[str, int]]]:
    """(errors, checks affected, most frequent locations): bugs of ours while reading files."""
    return internal_error_store.summary(db, tenant_id, since)


def _week_index(db: Session, column, start: datetime):
    """Whole weeks between `start` and the column's time, in the database's own date arithmetic."""
    if db.get_bind().dialect.name == "postgresql":
        elapsed = column - literal(start, DateTime(timezone=True))
        return func.floor(func.extract("epoch", elapsed) / 604800)
    # SQLite keeps UTC times as text without a zone.
    origin = start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return func.cast((func.julianday(column) - func.julianday(origin)) / 7, Integer)
