"""Check records: what was checked and decided, never what was written.

Listing and filtering them (with their overrides) is check_log.py."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..client_names import stored_client
from ..facts import Facts
from ..message import Message
from ..verdict import Verdict
from . import internal_errors
from .check_students import record_check_students
from .models import Check, CheckFinding

# Built once: a statement with its values given as parameters compiles once per process.
_INSERT_CHECK = insert(Check.__table__)
_INSERT_FINDING = insert(CheckFinding.__table__)


def record_check(connection: Connection, tenant_id: str, message: Message, verdict: Verdict,
                 facts: Facts | None, message_hash: str, actor: str = "",
                 duration_ms: int = 0) -> None:
    """Insert the check and its findings in the caller's transaction: Core inserts on
    a connection, since the ORM unit of work cost more CPU than the check itself."""
    visible_external = facts.external_count(facts.visible) if facts else 0
    client_app, client_version = stored_client(message.client.app, message.client.version)
    connection.execute(_INSERT_CHECK, dict(
        id=verdict.check_id, tenant_id=tenant_id, sender=message.sender, actor=actor,
        client_app=client_app, client_version=client_version,
        to_count=len(message.to), cc_count=len(message.cc), bcc_count=len(message.bcc),
        visible_external=visible_external,
        audience=facts.total_audience if facts else len(message.recipients()),
        attachment_count=len(message.attachments), students_matched=verdict.students_matched,
        action=verdict.action, audit_action=verdict.audit_action,
        policy_version=verdict.policy_version, message_hash=message_hash,
        duration_ms=duration_ms))
    findings = [{"check_id": verdict.check_id, "rule": f.rule, "action": f.action, "count": f.count,
                 "audit": f.audit} for f in (*verdict.findings, *verdict.audit_findings)]
    if findings:
        connection.execute(_INSERT_FINDING, findings)
    content = getattr(facts, "content", None)
    internal = getattr(content, "internal_errors", None)
    detections = getattr(content, "detections", None)
    if internal or getattr(detections, "roster_students", None) or \
            getattr(detections, "sensitive_roster_students", None):
        # Less common rows, through their own ORM helpers, in the same transaction.
        with Session(bind=connection) as session:
            if internal:  # bugs of ours while reading or scanning, for the dashboard
                internal_errors.record(session, tenant_id, verdict.check_id, internal)
            record_check_students(session, verdict.check_id, facts)  # incident response: who was matched
            session.flush()


def get_check(session: Session, tenant_id: str, check_id: str) -> Check | None:
    row = session.get(Check, check_id)
    return row if row is not None and row.tenant_id == tenant_id else None
