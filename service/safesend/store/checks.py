"""Check records: what was checked and decided, never what was written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..client_names import stored_client
from ..facts import Facts
from ..message import Message
from ..verdict import Verdict
from . import internal_errors
from .check_students import record_check_students
from .models import Check, CheckFinding, Override


@dataclass
class CheckFilter:
    sender: str | None = None
    rule: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


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


def filtered(query: Select, model, flt: CheckFilter) -> Select:
    """Apply a CheckFilter to a query over Check (joined as needed)."""
    if flt.sender:
        query = query.where(Check.sender == flt.sender.lower())
    if flt.action:
        query = query.where(Check.action == flt.action)
    if flt.rule:
        query = query.where(Check.id.in_(select(CheckFinding.check_id)
                                         .where(CheckFinding.rule == flt.rule)))
    if flt.since:
        query = query.where(model.created_at >= flt.since)
    if flt.until:
        query = query.where(model.created_at < flt.until)
    return query


def list_checks(session: Session, tenant_id: str, flt: CheckFilter, limit: int,
                offset: int) -> tuple[list[Check], int]:
    base = filtered(select(Check).where(Check.tenant_id == tenant_id), Check, flt)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(Check.created_at.desc(), Check.id)
                           .limit(limit).offset(offset))
    return list(rows), total


def list_overrides(session: Session, tenant_id: str, flt: CheckFilter, limit: int | None,
                   offset: int = 0) -> tuple[list[Override], int]:
    base = filtered(select(Override).join(Override.check).where(Override.tenant_id == tenant_id),
                    Override, flt)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    query = base.order_by(Override.created_at.desc(), Override.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total
