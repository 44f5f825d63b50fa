"""Marking a log entry reviewed: on its override when it has one, else on the check."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..store import overrides as override_store
from ..store.models import Check, utcnow

MAX_NOTE = 4000


def mark_reviewed(db: Session, check: Check, reviewer: str, note: str) -> None:
    note = note.strip()[:MAX_NOTE]
    if check.override is not None:
        override_store.mark_reviewed(db, check.tenant_id, check.override.id, reviewer, note)
        return
    check.reviewed_at = utcnow()
    check.reviewed_by = reviewer
    check.review_note = note
