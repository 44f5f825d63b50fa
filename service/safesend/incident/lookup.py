"""Flagged messages from sent-mail scans, opened by their `incident` id
through `find_exposure` (the reports and letters of part 2 read nothing else)."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.scans import FlaggedMessage
from .exposure import Exposure, register_lookup


@register_lookup
def flagged_message_exposure(session: Session, tenant_id: str, ref: str) -> Exposure | None:
    if not ref.startswith("scan-"):
        return None
    row = session.scalar(select(FlaggedMessage).where(FlaggedMessage.ref == ref,
                                                      FlaggedMessage.tenant_id == tenant_id))
    if row is None:
        return None
    occurred = row.sent_at or row.created_at
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    return Exposure(
        kind="scan", ref=row.ref, tenant_id=row.tenant_id, occurred_at=occurred, sender=row.sender,
        action=row.action, rules=tuple(row.rules), recipients_total=row.recipients_total,
        recipients_visible=row.recipients_visible, recipients_outside=row.recipients_outside,
        students=row.students, students_sensitive=row.students_sensitive,
        roster_refs=tuple(row.roster_refs), sensitive_refs=tuple(row.sensitive_refs))
