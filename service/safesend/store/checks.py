"""Check records: what was checked and decided, never what was written.

Listing and filtering them (with their overrides) is check_log.py."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Engine
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
    the check itself); on PostgreSQL, one statement for both tables."""
    if writes_in_one_statement(connection.engine, records):
        connection.exec_driver_sql(*_one_statement(records))
        return
    checks = [r.check for r in records]
    # One row goes through execute(), several through the driver's executemany.
    connection.execute(_INSERT_CHECK, checks if len(checks) > 1 else checks[0])
    findings = [row for r in records for row in r.findings]
    if findings:
        connection.execute(_INSERT_FINDING, findings if len(findings) > 1 else findings[0])
    for record in records:
        if record.extra is not None:
            record.extra(connection)


def writes_in_one_statement(engine: Engine, records: list[CheckRecord]) -> bool:
    """Whether `write_check_records` writes these in a single statement, atomic on its own
    (so the check writer need not open a transaction around it)."""
    return engine.dialect.name == "postgresql" and all(r.extra is None for r in records)


def _one_statement(records: list[CheckRecord]) -> tuple[str, tuple]:
    """INSERT INTO checks ... in a WITH, then INSERT INTO check_findings: one round trip
    to the server where there were four (BEGIN, two inserts, COMMIT), each of which the
    writer thread followed by a wait for the interpreter lock behind the checks running."""
    findings = [row for r in records for row in r.findings]
    check_columns, finding_columns = _columns(Check.__table__), _columns(CheckFinding.__table__)
    params = [value for r in records for value in _row(check_columns, r.check)]
    params += [value for row in findings for value in _row(finding_columns, row)]
    return _statement_text(len(records), len(findings)), tuple(params)


@lru_cache(maxsize=2)
def _columns(table: Table) -> tuple[tuple[str, object], ...]:
    """(name, default) of the columns a row supplies: all but an autoincrement key."""
    return tuple((column.name, column.default) for column in table.columns
                 if column is not table.autoincrement_column)


def _row(columns: tuple[tuple[str, object], ...], values: dict) -> list:
    row = []
    for name, default in columns:
        if name in values:
            row.append(values[name])
        elif default is None:
            row.append(None)
        else:  # the column's Python-side default, as a Core insert applies it
            row.append(default.arg(None) if default.is_callable else default.arg)
    return row


@lru_cache(maxsize=512)
def _statement_text(checks: int, findings: int) -> str:
    def insert_text(table: Table, rows: int) -> str:
        names = [name for name, _ in _columns(table)]
        one = "(" + ", ".join(["%s"] * len(names)) + ")"
        return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES {', '.join([one] * rows)}"
    checks_text = insert_text(Check.__table__, checks)
    if not findings:
        return checks_text
    # The findings' foreign key is checked at the end of the statement, the checks inserted.
    return f"WITH new_checks AS ({checks_text}) {insert_text(CheckFinding.__table__, findings)}"


def get_check(session: Session, tenant_id: str, check_id: str) -> Check | None:
    row = session.get(Check, check_id)
    return row if row is not None and row.tenant_id == tenant_id else None
