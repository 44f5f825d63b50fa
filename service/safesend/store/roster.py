"""The roster as stored: one active snapshot per tenant, keyed hashes only.

A replaced or removed roster is deleted, not kept: the district's student
list should live in its SIS, not in a history table here.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import audit
from .incident_models import VaultContact
from .models import RosterSnapshot


def save_roster(session: Session, tenant_id: str, blob: bytes, students: int, with_flags: int,
                guardians: int, author: str) -> RosterSnapshot:
    session.execute(delete(RosterSnapshot).where(RosterSnapshot.tenant_id == tenant_id))
    row = RosterSnapshot(tenant_id=tenant_id, data=blob, students=students, with_flags=with_flags,
                         guardians=guardians, created_by=author, active=True)
    session.add(row)
    session.flush()
    # Audit trail: counts only, never a student's data.
    audit.append(session, tenant_id, author, "roster.import", f"{students} students",
                 {"students": students, "with_flags": with_flags, "guardians": guardians})
    return row


def active_roster_id(session: Session, tenant_id: str) -> int | None:
    return session.scalar(select(RosterSnapshot.id).where(RosterSnapshot.tenant_id == tenant_id,
                                                          RosterSnapshot.active.is_(True)))


def roster_summary(session: Session, tenant_id: str) -> RosterSnapshot | None:
    """The active snapshot's counts (the blob is loaded only when read)."""
    return session.scalar(select(RosterSnapshot).where(RosterSnapshot.tenant_id == tenant_id,
                                                       RosterSnapshot.active.is_(True)))


def roster_blob(session: Session, snapshot_id: int) -> bytes | None:
    return session.scalar(select(RosterSnapshot.data).where(RosterSnapshot.id == snapshot_id))


def remove_roster(session: Session, tenant_id: str, actor: str = "") -> bool:
    result = session.execute(delete(RosterSnapshot).where(RosterSnapshot.tenant_id == tenant_id))
    session.execute(delete(VaultContact).where(VaultContact.tenant_id == tenant_id))  # names go too
    if result.rowcount:
        audit.append(session, tenant_id, actor, "roster.remove")  # audit trail
    return bool(result.rowcount)


def summary_json(row: RosterSnapshot | None) -> dict:
    if row is None:
        return {"loaded": False, "students": 0, "with_flags": 0, "guardians": 0}
    return {"loaded": True, "students": row.students, "with_flags": row.with_flags,
            "guardians": row.guardians, "imported_at": row.created_at.isoformat(),
            "imported_by": row.created_by}
