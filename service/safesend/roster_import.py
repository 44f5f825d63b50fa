"""Importing the district roster: parse, hash, store; plaintext is dropped
as soon as each row is hashed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .detect import RosterFormatError, RosterHasher, RosterRowError, import_roster, serialize_roster
from .incident.vault import store_roster_contacts
from .store.roster import save_roster


@dataclass
class RosterImport:
    students: int
    with_flags: int
    guardians: int
    errors: list[RosterRowError]
    columns: dict[str, list[str]]


class RosterImportError(ValueError):
    """The file as a whole is not a roster (no header, no ID column, ...)."""


def parse_mapping(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """'student_id=Student Number' pairs -> {field: header}."""
    mapping = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise RosterImportError(f"--map {pair!r}: write it as field=Header Name")
        mapping[field.strip()] = header.strip()
    return mapping


def import_roster_file(session: Session, tenant_id: str, data: bytes, secret: bytes,
                       mapping: dict[str, str] | None, author: str) -> RosterImport:
    hasher = RosterHasher(secret)
    try:
        students, result = import_roster(data, hasher, mapping)
    except RosterFormatError as exc:
        raise RosterImportError(str(exc)) from None
    if not students:
        raise RosterImportError("no student rows could be read: " + "; ".join(
            str(e) for e in result.errors[:5]) if result.errors else "the file has no student rows")
    with_flags = sum(1 for s in students if s.flags)
    guardians = len({g for s in students for g in s.guardians})
    save_roster(session, tenant_id, serialize_roster(students, hasher), len(students), with_flags,
                guardians, author)
    # Incident response: names and family contacts, sealed (a no-op without a vault key).
    store_roster_contacts(session, tenant_id, data, secret, mapping)
    return RosterImport(len(students), with_flags, guardians, result.errors, result.columns)
