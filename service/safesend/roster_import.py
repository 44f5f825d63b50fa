"""Importing the district roster: parse, hash, store, in one pass over the
file; plaintext is dropped as soon as each row is hashed (or, with a vault
key, once the contact vault has sealed it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from .detect import RosterFormatError, RosterHasher, RosterParseResult, RosterRowError
from .detect.roster_blob import KeptRow, RosterBlob, import_roster_blob
from .incident.vault import import_key, store_roster_contacts
from .roster_guard import before_after, shrink_reasons
from .store.roster import RosterCounts, roster_summary, save_roster


@dataclass
class RosterImport:
    students: int
    with_flags: int
    guardians: int
    errors: list[RosterRowError]
    columns: dict[str, list[str]]
    before: RosterCounts = field(default_factory=RosterCounts)
    saved: bool = True            # False for a dry run

    @property
    def after(self) -> RosterCounts:
        return RosterCounts(self.students, self.with_flags, self.guardians)

    @property
    def shrink_reasons(self) -> list[str]:
        return shrink_reasons(self.before, self.after)


class RosterImportError(ValueError):
    """The file as a whole is not a roster (no header, no ID column, ...)."""


class RosterShrinks(RosterImportError):
    """The import would lose much of the current roster and was not confirmed."""

    def __init__(self, before: RosterCounts, after: RosterCounts, reasons: list[str]):
        super().__init__(f"not replaced: {'; '.join(reasons)} "
                         f"({before_after(before, after)}). Confirm to replace the roster anyway.")
        self.before, self.after, self.reasons = before, after, reasons


def parse_mapping(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """'student_id=Student Number' pairs -> {field: header}."""
    mapping = {}
    for pair in pairs:
        field_, sep, header = pair.partition("=")
        if not sep or not field_.strip() or not header.strip():
            raise RosterImportError(f"--map {pair!r}: write it as field=Header Name")
        mapping[field_.strip()] = header.strip()
    return mapping


def import_roster_file(session: Session, tenant_id: str, data: bytes, secret: bytes,
                       mapping: dict[str, str] | None, author: str, replace: bool = False,
                       dry_run: bool = False) -> RosterImport:
    """Parse and store the roster. Without `replace`, refuses (RosterShrinks) an import
    that would drop many students or any plan; `dry_run` counts without storing."""
    vault_key = None if dry_run else import_key()
    kept: list[KeptRow] | None = [] if vault_key is not None else None
    built, result = read_roster_file(data, RosterHasher(secret), mapping, keep=kept)
    outcome = RosterImport(built.students, built.with_flags, built.guardians, result.errors,
                           result.columns, before=RosterCounts.of(roster_summary(session, tenant_id)),
                           saved=not dry_run)
    if dry_run:
        return outcome
    if outcome.shrink_reasons and not replace:
        raise RosterShrinks(outcome.before, outcome.after, outcome.shrink_reasons)
    save_roster(session, tenant_id, built.data, built.students, built.with_flags,
                built.guardians, author)
    # Incident response: names and family contacts, sealed (none kept without a vault key).
    store_roster_contacts(session, tenant_id, vault_key, data, result, kept or ())
    return outcome


def read_roster_file(data: bytes, hasher: RosterHasher, mapping: dict[str, str] | None,
                     keep: list[KeptRow] | None = None) -> tuple[RosterBlob, RosterParseResult]:
    """The stored roster and its counts, in one pass over the file (no database):
    what `import_roster_file` stores. Raises RosterImportError when no student can be read."""
    try:
        built, result = import_roster_blob(data, hasher, mapping, keep=keep)
    except RosterFormatError as exc:
        raise RosterImportError(str(exc)) from None
    if not built.students:
        raise RosterImportError("no student rows could be read: " + "; ".join(
            str(e) for e in result.errors[:5]) if result.errors else "the file has no student rows")
    return built, result
