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
from .check_writer import CheckRecord
from .models import Check, CheckFinding

# Built once: a statement with its values given as parameters compiles once per process.
_INSERT_CHECK = insert(Check.__table__)
_INSERT_FINDING = insert(CheckFinding.__table__)


def record_check(connection: Connection, tenant_id: str, message: Message, verdict: Verdict,
                 facts: Facts | None, message_hash: str, actor: str = "",
                 duration_ms: int = 0) -> None:
    """Insert the check and its findings in the caller's transaction."""
    write_check_records(connection, [check_record(tenant_id, message, verdict, facts, message_hash,
                                                  actor, duration_ms)])


def check_record(tenant_id: str, message: Message, verdict: Verdict, facts: Facts | None,
                 message_hash: str, actor: str = "", duration_ms: int = 0) -> CheckRecord:
    """The rows of one check, ready for `write_check_records` (check_writer.py batches them)."""
    visible_external = facts.external_count(facts.visible) if facts else 0
    client_app, client_version = stored_client(message.client.app, message.client.version)
    check = dict(
        id=verdict.check_id, tenant_id=tenant_id, sender=message.sender, actor=actor,
        client_app=client_app, client_version=client_version,
        to_count=len(message.to), cc_count=len(message.cc), bcc_count=len(message.bcc),
        visible_external=visible_external,
        audience=facts.total_audience if facts else len(message.recipients()),
        attachment_count=len(message.attachments), students_matched=verdict.students_matched,
        action=verdict.action, audit_action=verdict.audit_action,
        policy_version=verdict.policy_version, message_hash=message_hash,
        duration_ms=duration_ms)
    findings = [{"check_id": verdict.check_id, "rule": f.rule, "action": f.action, "count": f.count,
                 "audit": f.audit} for f in (*verdict.findings, *verdict.audit_findings)]
    return CheckRecord(check, findings, _extra_rows(tenant_id, verdict.check_id, facts))


def _extra_rows(tenant_id: str, check_id: str, facts: Facts | None):
    """The less common rows of a check, through their own ORM helpers; None when there are none."""
    content = getattr(facts, "content", None)
    internal = getattr(content, "internal_errors", None)
    detections = getattr(content, "detections", None)
    if not (internal or getattr(detections, "roster_students", None)
            or getattr(detections, "sensitive_roster_students", None)):
        return None

    def write(connection: Connection) -> None:
        with Session(bind=connection) as session:
            if internal:  # bugs of ours while reading or scanning, for the dashboard
                internal_errors.record(session, tenant_id, check_id, internal)
            record_check_students(session, check_id, facts)  # incident response: who was matched
            session.flush()

    return write


def write_check_records(connection: Connection, records: list[CheckRecord]) -> None:
    """Insert checks and their findings in the caller's transaction: Core inserts, one
    statement per table for the whole batch (the ORM unit of work cost more CPU than
    the check itself)."""
    checks = [r.check for r in records]
    # One row goes through execute(), several through the driver's executemany.
    connection.execute(_INSERT_CHECK, checks if len(checks) > 1 else checks[0])
    findings = [row for r in records for row in r.findings]
    if findings:
        connection.execute(_INSERT_FINDING, findings if len(findings) > 1 else findings[0])
    for record in records:
        if record.extra is not None:
            record.extra(connection)


def get_check(session: Session, tenant_id: str, check_id: str) -> Check | None:
    row = session.get(Check, check_id)
    return row if row is not None and row.tenant_id == tenant_id else None
