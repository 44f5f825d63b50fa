"""The roster as stored: one active snapshot per tenant, keyed hashes only.

The snapshot an import replaces (or a removal takes away) is kept, inactive,
so `restore_roster` can bring it back after a mistaken import. Only that one
previous snapshot is kept: the district's student list should live in its
SIS, not in a history table here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import audit
from .incident_models import VaultContact
from .models import RosterSnapshot


@dataclass(frozen=True)
class RosterCounts:
    students: int = 0
    with_flags: int = 0
    guardians: int = 0

    @classmethod
    def of(cls, row: RosterSnapshot | None) -> RosterCounts:
        return cls(row.students, row.with_flags, row.guardians) if row is not None else cls()

    def as_dict(self) -> dict[str, int]:
        return {"students": self.students, "with_flags": self.with_flags, "guardians": self.guardians}


def save_roster(session: Session, tenant_id: str, blob: bytes, students: int, with_flags: int,
                guardians: int, author: str) -> RosterSnapshot:
    before = roster_summary(session, tenant_id)
    _keep_only(session, tenant_id, before)
    if before is not None:
        before.active = False
    row = RosterSnapshot(tenant_id=tenant_id, data=blob, students=students, with_flags=with_flags,
                         guardians=guardians, created_by=author, active=True)
    session.add(row)
    session.flush()
    # Audit trail: counts only, never a student's data.
    audit.append(session, tenant_id, author, "roster.import", f"{students} students",
                 _change(RosterCounts.of(before), RosterCounts.of(row)))
    return row


def active_roster_id(session: Session, tenant_id: str) -> int | None:
    return session.scalar(select(RosterSnapshot.id).where(RosterSnapshot.tenant_id == tenant_id,
                                                          RosterSnapshot.active.is_(True)))


def roster_summary(session: Session, tenant_id: str) -> RosterSnapshot | None:
    """The active snapshot's counts (the blob is loaded only when read)."""
    return session.scalar(select(RosterSnapshot).where(RosterSnapshot.tenant_id == tenant_id,
                                                       RosterSnapshot.active.is_(True)))


def previous_roster(session: Session, tenant_id: str) -> RosterSnapshot | None:
    """The snapshot the last import or removal replaced: what `restore_roster` brings back."""
    return session.scalar(select(RosterSnapshot).where(RosterSnapshot.tenant_id == tenant_id,
                                                       RosterSnapshot.active.is_(False))
                          .order_by(RosterSnapshot.id.desc()).limit(1))


def roster_blob(session: Session, snapshot_id: int) -> bytes | None:
    return session.scalar(select(RosterSnapshot.data).where(RosterSnapshot.id == snapshot_id))


def remove_roster(session: Session, tenant_id: str, actor: str) -> bool:
    """Stop using the roster; it stays restorable as the previous one."""
    current = roster_summary(session, tenant_id)
    if current is None:
        return False
    _keep_only(session, tenant_id, current)
    # The hashes stay restorable; the sealed names and family contacts go (a re-import brings them).
    session.execute(delete(VaultContact).where(VaultContact.tenant_id == tenant_id))
    current.active = False
    session.flush()
    audit.append(session, tenant_id, actor, "roster.remove", "",  # audit trail
                 _change(RosterCounts.of(current), RosterCounts()))
    return True


def restore_roster(session: Session, tenant_id: str, actor: str) -> RosterSnapshot | None:
    """Make the previous snapshot active again; the one it replaces becomes the previous
    (so a restore can itself be undone). None when there is nothing to restore."""
    previous = previous_roster(session, tenant_id)
    if previous is None:
        return None
    current = roster_summary(session, tenant_id)
    if current is not None:
        current.active = False
        session.flush()   # one active snapshot at a time
    previous.active = True
    session.flush()
    audit.append(session, tenant_id, actor, "roster.restore",
                 f"{previous.students} students",
                 {**_change(RosterCounts.of(current), RosterCounts.of(previous)),
                  "imported_at": previous.created_at.isoformat()})
    return previous


def _keep_only(session: Session, tenant_id: str, keep: RosterSnapshot | None) -> None:
    """Delete every snapshot of the tenant but `keep` (which is about to become the previous)."""
    query = delete(RosterSnapshot).where(RosterSnapshot.tenant_id == tenant_id)
    if keep is not None:
        query = query.where(RosterSnapshot.id != keep.id)
    session.execute(query)


def _change(before: RosterCounts, after: RosterCounts) -> dict:
    """Audit details: the counts before and after, and the plain counts of the new roster."""
    return {**after.as_dict(), "before": before.as_dict(), "after": after.as_dict()}


def summary_json(row: RosterSnapshot | None, previous: RosterSnapshot | None = None) -> dict:
    if row is None:
        result = {"loaded": False, "students": 0, "with_flags": 0, "guardians": 0}
    else:
        result = {"loaded": True, "students": row.students, "with_flags": row.with_flags,
                  "guardians": row.guardians, "imported_at": row.created_at.isoformat(),
                  "imported_by": row.created_by}
    if previous is not None:
        result["previous"] = {**RosterCounts.of(previous).as_dict(),
                              "imported_at": previous.created_at.isoformat()}
    return result
