"""Overrides: a sender's justified decision to send despite a verdict."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..policy import Policy
from . import audit
from .models import Check, Override, utcnow


class OverrideRefused(ValueError):
    def __init__(self, code: str, message: str, status: int = 409, field: str | None = None):
        super().__init__(message)
        self.code, self.status, self.field = code, status, field


def record_override(session: Session, check: Check, actor: str, justification: str,
                    policy: Policy) -> Override:
    justification = " ".join(justification.split())
    if check.action == "block":
        raise OverrideRefused("override_not_allowed",
                              "This message was blocked: it must be fixed, it cannot be overridden.")
    if check.action == "allow":
        raise OverrideRefused("nothing_to_override", "This message was allowed: nothing to override.")
    if check.override is not None:
        raise OverrideRefused("already_overridden", "This check already has an override.")
    minimum = policy.overrides.justification_min_length
    if check.action == "confirm" and len(justification) < minimum:
        raise OverrideRefused(
            "justification_required",
            f"A justification of at least {minimum} characters is required to send this message.",
            status=422, field="justification")
    row = Override(tenant_id=check.tenant_id, check_id=check.id, actor=actor,
                   action=check.action, justification=justification)
    session.add(row)
    session.flush()
    check.override = row
    return row


def mark_reviewed(session: Session, tenant_id: str, override_id: int, reviewer: str,
                  note: str) -> Override | None:
    row = session.get(Override, override_id)
    if row is None or row.tenant_id != tenant_id:
        return None
    again = row.reviewed_at is not None
    row.reviewed_at = utcnow()
    row.reviewed_by = reviewer
    row.review_note = note.strip()
    record_review(session, tenant_id, reviewer, row.check_id, row.review_note, again)
    return row


def clear_review(session: Session, tenant_id: str, override_id: int, actor: str) -> Override | None:
    """Undo a review: the override is open again (the audit trail keeps both)."""
    row = session.get(Override, override_id)
    if row is None or row.tenant_id != tenant_id or row.reviewed_at is None:
        return None
    row.reviewed_at, row.reviewed_by, row.review_note = None, "", ""
    record_review_undone(session, tenant_id, actor, row.check_id)
    return row


def record_review(session: Session, tenant_id: str, reviewer: str, check_id: str, note: str,
                  again: bool = False) -> None:
    """Audit trail: who reviewed which log entry, with the note (never message content)."""
    audit.append(session, tenant_id, reviewer, "override.review", f"check {check_id}",
                 {"check_id": check_id, "note": note[:1000], "updated": again})


def record_review_undone(session: Session, tenant_id: str, actor: str, check_id: str) -> None:
    audit.append(session, tenant_id, actor, "override.unreview", f"check {check_id}",
                 {"check_id": check_id})


def override_json(row: Override) -> dict:
    check = row.check
    return {
        "id": row.id, "check_id": row.check_id, "created_at": row.created_at.isoformat(),
        "actor": row.actor, "sender": check.sender, "action": row.action,
        "justification": row.justification,
        "rules": sorted({f.rule for f in check.findings if not f.audit}),
        "students_matched": check.students_matched, "visible_recipients": check.visible_external,
        "audience": check.audience, "client": check.client_app,
        "policy_version": check.policy_version,
        "reviewed_at": row.reviewed_at.isoformat() if row.reviewed_at else None,
        "reviewed_by": row.reviewed_by or None, "review_note": row.review_note or None,
    }


def check_json(row: Check) -> dict:
    return {
        "id": row.id, "created_at": row.created_at.isoformat(), "sender": row.sender,
        "action": row.action, "audit_action": row.audit_action,
        "policy_version": row.policy_version, "client": row.client_app,
        "to": row.to_count, "cc": row.cc_count, "bcc": row.bcc_count,
        "visible_recipients": row.visible_external, "audience": row.audience,
        "attachments": row.attachment_count, "students_matched": row.students_matched,
        "findings": [{"rule": f.rule, "action": f.action, "count": f.count, "audit": f.audit}
                     for f in row.findings],
        "overridden": row.override is not None,
    }


def record_export(session: Session, tenant_id: str, actor: str, via: str, fmt: str, rows: int,
                  filters: dict) -> None:
    """Audit trail: every export of the override log (console, API, command line)."""
    audit.append(session, tenant_id, actor, "overrides.export", f"{rows} rows as {fmt}",
                 {"via": via, "format": fmt, "rows": rows,
                  "filters": {k: str(v)[:200] for k, v in filters.items() if v}})
