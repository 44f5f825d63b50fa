"""Incident records: one per disclosure (a check or a scan finding), with a
status, the dates counsel asks for, notes, links, and a timeline of every
view, export and letter run. Every view or export of the affected-people
report is also an audit-trail entry naming who and why (FERPA 34 CFR 99.32
asks districts to record disclosures; this is that record).

Nothing here stores a name: counts, references, and what people wrote.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import audit
from ..store.incident_models import Incident, IncidentEvent
from ..store.models import utcnow
from .exposure import Exposure, find_exposure

STATUSES = ("open", "families_notified", "closed")
STATUS_WORDS = {"open": "Open", "families_notified": "Families notified", "closed": "Closed"}


class IncidentError(ValueError):
    """Not found, or a change that does not apply (the message says which)."""


def incident_label(incident: Incident) -> str:
    return f"INC-{incident.id}"


def open_incident(session: Session, tenant_id: str, ident: str, actor: str) -> tuple[Incident, Exposure]:
    """The incident `ident` names (INC-12, or 12), or the one for the exposure whose
    ref it is, opened now if it does not exist yet."""
    incident = _by_label(session, tenant_id, ident)
    if incident is not None:
        exposure = find_exposure(session, tenant_id, incident.ref)
        if exposure is None:
            raise IncidentError(f"the message behind {incident_label(incident)} is no longer on record")
        return incident, exposure
    exposure = find_exposure(session, tenant_id, ident.strip())
    if exposure is None:
        raise IncidentError(f"no incident, check or scan finding {ident!r} in this district")
    incident = session.scalar(select(Incident).where(Incident.tenant_id == tenant_id,
                                                     Incident.kind == exposure.kind,
                                                     Incident.ref == exposure.ref))
    if incident is None:
        incident = Incident(tenant_id=tenant_id, kind=exposure.kind, ref=exposure.ref, status="open",
                            occurred_at=exposure.occurred_at, discovered_at=utcnow(),
                            opened_by=actor, students=exposure.students,
                            students_sensitive=exposure.students_sensitive, steps_taken="")
        session.add(incident)
        session.flush()
        add_event(session, incident, actor, "status", "Opened",
                  {"kind": exposure.kind, "ref": exposure.ref})
        audit.append(session, tenant_id, actor, "incident.open", incident_label(incident),
                     {"kind": exposure.kind, "ref": exposure.ref})
    return incident, exposure


def _by_label(session: Session, tenant_id: str, ident: str) -> Incident | None:
    text = ident.strip().upper().removeprefix("INC-")
    if not text.isdigit() or len(text) > 9:
        return None
    row = session.get(Incident, int(text))
    return row if row is not None and row.tenant_id == tenant_id else None


def get_incident(session: Session, tenant_id: str, incident_id: int) -> Incident | None:
    row = session.get(Incident, incident_id)
    return row if row is not None and row.tenant_id == tenant_id else None


def list_incidents(session: Session, tenant_id: str) -> list[Incident]:
    return list(session.scalars(select(Incident).where(Incident.tenant_id == tenant_id)
                                .order_by(Incident.discovered_at.desc(), Incident.id.desc())))


def events(session: Session, incident: Incident) -> list[IncidentEvent]:
    return list(session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
                                .order_by(IncidentEvent.created_at, IncidentEvent.id)))


def add_event(session: Session, incident: Incident, actor: str, kind: str, text: str,
              details: dict | None = None) -> IncidentEvent:
    event = IncidentEvent(incident_id=incident.id, actor=actor, kind=kind, text=text[:4000],
                          details=details or {}, created_at=utcnow())
    session.add(event)
    session.flush()
    return event


def record_access(session: Session, incident: Incident, actor: str, action: str, reason: str,
                  details: dict | None = None) -> None:
    """A view or export of the people affected: the timeline and the audit trail both
    say who and why. Raises IncidentError when no reason is given."""
    reason = " ".join(reason.split())
    if len(reason) < 3:
        raise IncidentError("say why you are opening the names of the students (a reason is required)")
    details = {"reason": reason[:500], **(details or {})}
    add_event(session, incident, actor, action, reason[:500], details)
    audit.append(session, incident.tenant_id, actor, f"incident.{action}", incident_label(incident),
                 details)


def set_status(session: Session, incident: Incident, status: str, actor: str) -> None:
    if status not in STATUSES:
        raise IncidentError(f"status must be one of {', '.join(STATUSES)}")
    if status == incident.status:
        return
    now = utcnow()
    if status == "families_notified" and incident.notified_at is None:
        incident.notified_at = now
    incident.closed_at = now if status == "closed" else None
    incident.status = status
    add_event(session, incident, actor, "status", STATUS_WORDS[status])
    audit.append(session, incident.tenant_id, actor, "incident.status", incident_label(incident),
                 {"status": status})


def add_note(session: Session, incident: Incident, actor: str, text: str) -> None:
    text = text.strip()
    if not text:
        raise IncidentError("the note is empty")
    add_event(session, incident, actor, "note", text)


def add_link(session: Session, incident: Incident, actor: str, label: str, url: str) -> None:
    url = url.strip()
    if not url or len(url) > 1000:
        raise IncidentError("give the link (up to 1000 characters)")
    # Shown as a link in the console: web addresses and console paths only (no javascript:).
    if not (url.lower().startswith(("https://", "http://")) or (url.startswith("/") and
                                                                 not url.startswith("//"))):
        raise IncidentError("a link starts with https://, http:// or / (a console page)")
    add_event(session, incident, actor, "link", label.strip() or url, {"url": url})


def set_steps(session: Session, incident: Incident, actor: str, steps: str) -> None:
    incident.steps_taken = steps.strip()[:4000]
    add_event(session, incident, actor, "note", "Updated the steps taken")


def deadline(incident: Incident, notify_within_days: int | None) -> datetime | None:
    """When families should have been told, from the policy's setting (none when unset)."""
    if not notify_within_days:
        return None
    return incident.discovered_at + timedelta(days=notify_within_days)
