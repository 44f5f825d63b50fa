"""The prevention report: what SafeSend checked, warned about, stopped and saw
overridden since it was deployed, per week, per rule and per school, and how
fast overrides were reviewed. Counts only: no content, no names, no senders.

"School" is the sender's address domain (ms.district.org, hs.district.org):
the one signal every check carries. A district on one domain gets one row;
a directory OU would be better where a directory is configured (not yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..store import stats
from ..store.incident_models import Incident
from ..store.models import Check, CheckFinding, Override

MAX_WEEKS = 104


@dataclass(frozen=True)
class Outcomes:
    checks: int = 0
    warned: int = 0        # warn or justification asked
    blocked: int = 0
    overridden: int = 0


@dataclass(frozen=True)
class ReviewTimes:
    reviewed: int
    unreviewed: int
    median_hours: float | None
    p90_hours: float | None


@dataclass
class PreventionReport:
    district: str
    since: date | None
    until: date
    totals: Outcomes
    weekly: stats.Weekly | None
    by_rule: dict[str, Outcomes] = field(default_factory=dict)
    by_school: dict[str, Outcomes] = field(default_factory=dict)
    reviews: ReviewTimes = ReviewTimes(0, 0, None, None)
    incidents: int = 0
    families_notified: int = 0


def prevention_report(db: Session, tenant_id: str, district: str,
                      now: datetime | None = None) -> PreventionReport:
    now = now or datetime.now(UTC)
    first = db.scalar(select(func.min(Check.created_at)).where(Check.tenant_id == tenant_id))
    if first is None:
        return PreventionReport(district, None, now.date(), Outcomes(), None)
    first_day = first.date()
    weeks = min(MAX_WEEKS, (now.date() - first_day).days // 7 + 2)
    report = PreventionReport(district, first_day, now.date(), _totals(db, tenant_id),
                              stats.weekly(db, tenant_id, weeks))
    report.by_rule = _by_rule(db, tenant_id)
    report.by_school = _by_school(db, tenant_id)
    report.reviews = _review_times(db, tenant_id)
    report.incidents, report.families_notified = db.execute(
        select(func.count(), func.coalesce(func.sum(case((Incident.notified_at.is_not(None),
                                                          Incident.families), else_=0)), 0))
        .where(Incident.tenant_id == tenant_id)).one()
    return report


def _outcome_columns():
    return (func.count(Check.id),
            func.coalesce(func.sum(case((Check.action.in_(("warn", "confirm")), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Check.action == "block", 1), else_=0)), 0),
            func.count(Override.id))


def _totals(db: Session, tenant_id: str) -> Outcomes:
    row = db.execute(select(*_outcome_columns()).outerjoin(Override, Override.check_id == Check.id)
                     .where(Check.tenant_id == tenant_id)).one()
    return Outcomes(*(int(v) for v in row))


def _by_rule(db: Session, tenant_id: str) -> dict[str, Outcomes]:
    """Per rule: checks where it acted (enforced, not allow), and their outcomes."""
    rows = db.execute(select(CheckFinding.rule, *_outcome_columns())
                      .join(Check, CheckFinding.check_id == Check.id)
                      .outerjoin(Override, Override.check_id == Check.id)
                      .where(Check.tenant_id == tenant_id, CheckFinding.audit.is_(False),
                             CheckFinding.action != "allow")
                      .group_by(CheckFinding.rule).order_by(CheckFinding.rule))
    return {rule: Outcomes(*(int(v) for v in values)) for rule, *values in rows}


def _domain(db: Session):
    if db.get_bind().dialect.name == "postgresql":
        return func.lower(func.split_part(Check.sender, "@", 2))
    return func.lower(func.substr(Check.sender, func.instr(Check.sender, "@") + 1))


def _by_school(db: Session, tenant_id: str) -> dict[str, Outcomes]:
    domain = _domain(db)
    rows = db.execute(select(domain, *_outcome_columns())
                      .outerjoin(Override, Override.check_id == Check.id)
                      .where(Check.tenant_id == tenant_id).group_by(domain).order_by(domain))
    return {school or "(no domain)": Outcomes(*(int(v) for v in values)) for school, *values in rows}


def _review_times(db: Session, tenant_id: str) -> ReviewTimes:
    rows = db.execute(select(Override.created_at, Override.reviewed_at)
                      .where(Override.tenant_id == tenant_id)).all()
    hours = sorted((_utc(done) - _utc(made)).total_seconds() / 3600 for made, done in rows if done)
    unreviewed = sum(1 for _, done in rows if done is None)
    if not hours:
        return ReviewTimes(0, unreviewed, None, None)
    return ReviewTimes(len(hours), unreviewed, round(_quantile(hours, 0.5), 1),
                       round(_quantile(hours, 0.9), 1))


def _quantile(values: list[float], q: float) -> float:
    position = (len(values) - 1) * q
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
