"""Marking a log entry reviewed (or undoing it): on its override when it has one, else on
the check. Either way the audit trail records who, when and the note."""

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
    again = check.reviewed_at is not None
    check.reviewed_at = utcnow()
    check.reviewed_by = reviewer
    check.review_note = note
    override_store.record_review(db, check.tenant_id, reviewer, check.id, note, again)


def undo_review(db: Session, check: Check, actor: str) -> bool:
    if check.override is not None:
        return override_store.clear_review(db, check.tenant_id, check.override.id, actor) is not None
    if check.reviewed_at is None:
        return False
    check.reviewed_at, check.reviewed_by, check.review_note = None, "", ""
    override_store.record_review_undone(db, check.tenant_id, actor, check.id)
    return True
