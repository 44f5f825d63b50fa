"""What roster matching returns (hits, per-check summaries, guardian
matches) and the key encoding shared by the index and the matcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# hashing domains: equal strings in different fields hash differently
_ID, _NAME, _DOB, _EMAIL = b"id\x00", b"name\x00", b"dob\x00", b"email\x00"
# roles of a name hash in the index
_FIRST, _LAST, _PREFIX = 1, 2, 4


def _int(digest: bytes) -> int:
    return int.from_bytes(digest, "big")



# --- matching results ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RosterHit:
    """A roster student found in text or in a table row.

    `student` is the roster index of the student, or a negative number when a
    name belongs to several roster students (then `flagged` is true if any is).
    """

    kind: Literal["id", "name"]
    student: int
    flagged: bool
    start: int  # offsets in the text, or in the cell for a table hit
    end: int
    evidence: str  # redacted
    cell: int | None = None
    row: int | None = None
    source: str = ""
    dob_confirmed: bool = False


@dataclass(frozen=True)
class RosterMatch:
    students: int  # distinct roster students
    flagged_students: int  # ... of whom with a plan/flag
    by_id: int
    by_name: int
    dobs_confirmed: int
    hits: tuple[RosterHit, ...]
    partial: bool = False

    @property
    def student_keys(self) -> frozenset[int]:
        return frozenset(h.student for h in self.hits)


@dataclass(frozen=True)
class GuardianMatch:
    guardians: int  # recipients who are guardians of roster students
    guardians_of_flagged: int  # ... of students with a plan/flag
    evidence: tuple[str, ...] = ()
    # per distinct address, in order: the roster students it is a guardian of
    wards: tuple[frozenset[int], ...] = ()

    def all_guardians_of(self, student: int) -> bool:
        """Every address given is a guardian of this roster student."""
        return bool(self.wards) and all(student in w for w in self.wards)
