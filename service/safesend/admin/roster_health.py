"""Dashboard warnings about the roster: too old, or smaller than the one it replaced.

A stale or shrunken roster silently stops SafeSend from recognizing students,
so the dashboard says so where everyone looks first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ..store.roster import previous_roster, roster_summary
from .filters import utc, when


def roster_warnings(db: Session, tenant_id: str, max_age_days: int,
                    now: datetime | None = None) -> list[str]:
    current = roster_summary(db, tenant_id)
    if current is None:
        return []
    now = now or datetime.now(UTC)
    warnings = []
    age = (now - utc(current.created_at)).days
    if age > max_age_days:
        warnings.append(f"The roster was imported {age} days ago ({when(current.created_at)}); "
                        f"import the current export from your SIS (this warning shows after "
                        f"{max_age_days} days).")
    previous = previous_roster(db, tenant_id)
    if previous is not None and current.students < previous.students:
        warnings.append(f"The roster shrank from {previous.students:,} to {current.students:,} "
                        f"students on {when(current.created_at)}. If that was a mistake, "
                        "restore the previous roster on the Roster page.")
    return warnings
