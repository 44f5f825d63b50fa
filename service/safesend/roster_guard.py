"""The roster replace guard: an import that would lose much of the current
roster needs an explicit confirmation, whichever way it comes in (console,
API, CLI). One bad export must not silently switch off student detection."""

from __future__ import annotations

from .store.roster import RosterCounts

MAX_STUDENT_DROP = 0.10   # more than 10% fewer students asks first


def shrink_reasons(before: RosterCounts, after: RosterCounts) -> list[str]:
    """Why replacing `before` by `after` needs a confirmation; empty when it does not."""
    reasons = []
    if before.students and after.students < before.students * (1 - MAX_STUDENT_DROP):
        lost = before.students - after.students
        reasons.append(f"{lost:,} of {before.students:,} students "
                       f"({lost / before.students:.0%}) would no longer be recognized")
    if after.with_flags < before.with_flags:
        reasons.append(f"students with a plan or flag would go from {before.with_flags:,} "
                       f"to {after.with_flags:,}")
    return reasons


def before_after(before: RosterCounts, after: RosterCounts) -> str:
    """'students 1,200 -> 10, with a plan or flag 180 -> 0, guardian addresses 2,100 -> 15'."""
    return ", ".join(f"{label} {getattr(before, name):,} -> {getattr(after, name):,}"
                     for name, label in (("students", "students"),
                                         ("with_flags", "with a plan or flag"),
                                         ("guardians", "guardian addresses")))
