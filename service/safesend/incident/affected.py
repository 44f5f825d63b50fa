"""Who a disclosure affected: the students an Exposure names, which of them
have plans, and the guardians to tell, grouped by family.

Built on `Exposure` alone, so a sent-mail scan finding and a send-time check
give the same report. Names come from the contact vault; without it the
report still has the counts and says why there are no names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .exposure import Exposure
from .vault import Contact, Guardian, VaultRead, read_contacts


@dataclass(frozen=True)
class AffectedStudent:
    contact: Contact
    sensitive: bool        # a plan, or next to sensitive data in the message

    @property
    def exposed(self) -> str:
        """What the message disclosed about this student, in plain words. Detection
        knows a student was identified and whether they have a plan or were named
        next to sensitive terms, not which exact cell: say no more than that."""
        what = "information that identifies them (their name or student ID)"
        if self.sensitive and self.contact.plans:
            return f"{what}, in a message that may reveal their {' / '.join(self.contact.plans)} plan"
        if self.sensitive:
            return f"{what}, next to sensitive information"
        return what


@dataclass(frozen=True)
class Family:
    key: str                               # sorted guardian emails ('' when none on file)
    guardians: tuple[Guardian, ...]
    students: tuple[AffectedStudent, ...]


@dataclass(frozen=True)
class AffectedReport:
    exposure: Exposure
    vault: VaultRead
    students: tuple[AffectedStudent, ...]
    families: tuple[Family, ...]
    not_in_vault: int                      # matched students the vault has no record of

    @property
    def names_available(self) -> bool:
        return self.vault.state == "ok"

    @property
    def student_count(self) -> int:
        return len(self.exposure.roster_refs) or self.exposure.students

    @property
    def sensitive_count(self) -> int:
        return len(self.exposure.sensitive_refs) or self.exposure.students_sensitive

    @property
    def guardian_count(self) -> int:
        return sum(len(f.guardians) for f in self.families)

    @property
    def without_contact(self) -> int:
        return sum(len(f.students) for f in self.families if not f.guardians)


def affected_report(session: Session, exposure: Exposure) -> AffectedReport:
    refs = tuple(dict.fromkeys((*exposure.roster_refs, *exposure.sensitive_refs)))
    vault = read_contacts(session, exposure.tenant_id, refs)
    sensitive = set(exposure.sensitive_refs)
    students = tuple(AffectedStudent(vault.contacts[ref], ref in sensitive)
                     for ref in refs if ref in vault.contacts)
    students = tuple(sorted(students, key=lambda s: (s.contact.last_name.casefold(),
                                                      s.contact.first_name.casefold(),
                                                      s.contact.student_id)))
    return AffectedReport(exposure, vault, students, _families(students),
                          not_in_vault=len(refs) - len(students) if vault.state == "ok" else 0)


def _families(students: tuple[AffectedStudent, ...]) -> tuple[Family, ...]:
    """Students who share the same guardian addresses are one family: one letter.
    A student with no guardian address on file is a family of one, for print."""
    grouped: dict[str, list[AffectedStudent]] = {}
    guardians: dict[str, tuple[Guardian, ...]] = {}
    for student in students:
        emails = sorted({g.email.lower() for g in student.contact.guardians if g.email})
        key = ",".join(emails) or f"no-contact:{student.contact.ref}"
        grouped.setdefault(key, []).append(student)
        guardians.setdefault(key, tuple(g for g in student.contact.guardians if g.email))
    return tuple(Family(key if not key.startswith("no-contact:") else "", guardians[key],
                        tuple(members)) for key, members in grouped.items())
