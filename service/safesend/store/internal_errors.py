"""SafeSend's own errors while reading or scanning a file, for the dashboard.

One row per error: where it happened (exception type and module:line, e.g.
"TypeError at safesend/extract/wordproc.py:42") and which check. Never a
file name, text or anything else from the message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, utcnow

MAX_LOCATION = 200


class InternalError(Base):
    __tablename__ = "internal_errors"
    __table_args__ = (Index("ix_internal_errors_tenant_time", "tenant_id", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    check_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    location: Mapped[str] = mapped_column(String(MAX_LOCATION))


def record(session: Session, tenant_id: str, check_id: str | None, locations: list[str]) -> None:
    session.add_all(InternalError(tenant_id=tenant_id, check_id=check_id, location=loc[:MAX_LOCATION])
                    for loc in locations)


def summary(session: Session, tenant_id: str, since: datetime, limit: int = 5
            ) -> tuple[int, int, list[tuple[str, int]]]:
    """(errors, checks affected, the most frequent locations with counts) since `since`."""
    window = [InternalError.tenant_id == tenant_id, InternalError.created_at >= since]
    errors, checks = session.execute(select(func.count(), func.count(func.distinct(InternalError.check_id)))
                                     .where(*window)).one()
    top = session.execute(select(InternalError.location, func.count()).where(*window)
                          .group_by(InternalError.location)
                          .order_by(func.count().desc(), InternalError.location).limit(limit))
    return int(errors), int(checks), [(location, int(count)) for location, count in top]
