"""The roster students a send-time check matched, by reference only, so an
overridden check can later be opened as an incident (incident/check_exposure.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .incident_models import CheckStudent


def record_check_students(session: Session, check_id: str, facts) -> int:
    """Keep the references the content scan named (keyed ID hashes, never names)."""
    detections = getattr(getattr(facts, "content", None), "detections", None)
    if detections is None:
        return 0
    sensitive = set(detections.sensitive_roster_students)
    refs = set(detections.roster_students) | sensitive
    session.add_all(CheckStudent(check_id=check_id, ref=ref, sensitive=ref in sensitive)
                    for ref in sorted(refs))
    return len(refs)


def check_students(session: Session, check_id: str) -> list[CheckStudent]:
    return list(session.scalars(select(CheckStudent).where(CheckStudent.check_id == check_id)
                                .order_by(CheckStudent.ref)))
