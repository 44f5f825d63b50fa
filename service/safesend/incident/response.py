"""The steps the CLI and the console share: open an incident, build the
affected-people report (recording who looked and why), draft the letters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..store.incident_models import Incident
from ..store.models import Tenant
from . import (
    check_exposure,  # noqa: F401  (registers send-time checks as a source)
    letter_templates,
)
from .affected import AffectedReport, affected_report
from .exposure import Exposure
from .letters import Letters, draft_letters
from .records import open_incident, record_access


@dataclass(frozen=True)
class Opened:
    incident: Incident
    exposure: Exposure
    report: AffectedReport


def open_report(session: Session, tenant_id: str, ident: str, actor: str, reason: str,
                action: str = "view") -> Opened:
    """The report for `ident`; the view (or export) is on the incident's timeline
    and in the audit trail with `reason`. Counts only go into the record."""
    incident, exposure = open_incident(session, tenant_id, ident, actor)
    report = affected_report(session, exposure)
    incident.students, incident.students_sensitive = report.student_count, report.sensitive_count
    if report.names_available:
        incident.families = len(report.families)
    record_access(session, incident, actor, action, reason,
                  {"students": report.student_count, "families": len(report.families),
                   "contacts": report.vault.state})
    return Opened(incident, exposure, report)


def district_name(session: Session, tenant_id: str) -> str:
    tenant = session.get(Tenant, tenant_id)
    return tenant.name if tenant is not None and tenant.name else tenant_id


def open_letters(session: Session, tenant_id: str, ident: str, actor: str, reason: str
                 ) -> tuple[Opened, Letters]:
    opened = open_report(session, tenant_id, ident, actor, reason, action="letters")
    letters = draft_letters(opened.report, opened.incident, district_name(session, tenant_id),
                            letter_templates.load(session, tenant_id, "family"),
                            letter_templates.load(session, tenant_id, "community"))
    return opened, letters
