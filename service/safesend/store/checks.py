"""Check records: what was checked and decided, never what was written.

Listing and filtering them (with their overrides) is check_log.py."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..client_names import stored_client
from ..facts import Facts
from ..message import Message
from ..verdict import Verdict
from . import internal_errors
from .check_students import record_check_students
from .models import Check, CheckFinding


def record_check(session: Session, tenant_id: str, message: Message, verdict: Verdict,
                 facts: Facts | None, message_hash: str, actor: str = "",
                 duration_ms: int = 0) -> Check:
    visible_external = facts.external_count(facts.visible) if facts else 0
    client_app, client_version = stored_client(message.client.app, message.client.version)
    row = Check(
        id=verdict.check_id, tenant_id=tenant_id, sender=message.sender, actor=actor,
        client_app=client_app, client_version=client_version,
        to_count=len(message.to), cc_count=len(message.cc), bcc_count=len(message.bcc),
        visible_external=visible_external,
        audience=facts.total_audience if facts else len(message.recipients()),
        attachment_count=len(message.attachments), students_matched=verdict.students_matched,
        action=verdict.action, audit_action=verdict.audit_action,
        policy_version=verdict.policy_version, message_hash=message_hash,
        duration_ms=duration_ms,
        findings=[CheckFinding(rule=f.rule, action=f.action, count=f.count, audit=f.audit)
                  for f in (*verdict.findings, *verdict.audit_findings)],
    )
    session.add(row)
    internal = getattr(facts.content, "internal_errors", None) if facts else None
    if internal:  # bugs of ours while reading or scanning, for the dashboard
        internal_errors.record(session, tenant_id, row.id, internal)
    session.flush()
    record_check_students(session, row.id, facts)  # incident response: who was matched
    return row


def get_check(session: Session, tenant_id: str, check_id: str) -> Check | None:
    row = session.get(Check, check_id)
    return row if row is not None and row.tenant_id == tenant_id else None
