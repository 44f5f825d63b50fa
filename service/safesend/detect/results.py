"""What a scan returns (`ContentDetections`, per source `SourceDetections`,
redacted `Evidence`) and the running totals detectors add to (`Acc`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Literal

EvidenceKind = Literal["student_name", "student_id", "roster_row", "dob", "sensitive"]


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: EvidenceKind
    text: str  # redacted value, or the sensitive term as configured
    location: str  # source label and line/row, e.g. "list.xlsx › Sheet1, row 12"
    detail: str = ""  # pattern, category, how it matched


@dataclass(frozen=True)
class SourceDetections:
    """What one source (the body, or one attachment file) contains."""

    source: str
    students: int = 0  # distinct students identified
    students_in_roster: int = 0
    flagged_students: int = 0  # roster students with a plan/flag
    students_with_sensitive: int = 0  # flagged, or next to sensitive information
    student_ids: int = 0  # distinct values matching an ID pattern
    dobs: int = 0  # distinct dates of birth (of a student, or labelled as such)
    sensitive_mentions: Mapping[str, int] = field(default_factory=dict)  # category -> count
    sensitive_students: Mapping[str, int] = field(default_factory=dict)  # category -> students
    roster_like_tables: int = 0
    evidence: tuple[Evidence, ...] = ()
    partial: bool = False


@dataclass(frozen=True)
class ContentDetections:
    """Totals over all sources (students are counted once across sources)."""

    sources: tuple[SourceDetections, ...]
    students: int = 0
    students_in_roster: int = 0
    flagged_students: int = 0
    students_with_sensitive: int = 0
    student_ids: int = 0
    dobs: int = 0
    sensitive_mentions: Mapping[str, int] = field(default_factory=dict)
    sensitive_students: Mapping[str, int] = field(default_factory=dict)
    roster_like_tables: int = 0
    evidence: tuple[Evidence, ...] = ()
    partial: bool = False
    timed_out_patterns: tuple[str, ...] = ()
    failed_sources: tuple[str, ...] = ()  # sources a detector failed on (scan incomplete)
    internal_errors: tuple[str, ...] = ()  # sources a bug of ours stopped (scan incomplete)
    internal_error_locations: tuple[str, ...] = ()  # "TypeError at safesend/detect/x.py:12"
    elapsed_ms: float = 0.0
    # Roster references (RosterIndex.reference) of the students matched, and of
    # those with a plan or next to sensitive data: keyed hashes, never names.
    roster_students: tuple[str, ...] = ()
    sensitive_roster_students: tuple[str, ...] = ()
    # roster indexes of the students matched without doubt (for "is this the
    # recipient's own child?"; kept in memory for the check, never stored)
    roster_indexes: frozenset[int] = frozenset()

    @property
    def has_student_data(self) -> bool:
        return self.students > 0 or self.dobs > 0

    def source(self, name: str) -> SourceDetections | None:
        return next((s for s in self.sources if s.source == name), None)


StudentKey = tuple[object, ...]


@dataclass
class Acc:
    """Running totals for one source file."""

    source: str
    students: set[StudentKey] = field(default_factory=set)
    in_roster: set[StudentKey] = field(default_factory=set)
    flagged: set[StudentKey] = field(default_factory=set)
    # categories per student, as shared frozensets (`shared_categories`): never changed in place
    sensitive: dict[StudentKey, frozenset[str]] = field(default_factory=dict)
    id_values: set[str] = field(default_factory=set)
    dobs: set[object] = field(default_factory=set)
    mentions: Counter[str] = field(default_factory=Counter)
    roster_like_tables: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    evidence_kinds: Counter[str] = field(default_factory=Counter)
    partial: bool = False

    def mark_sensitive(self, key: StudentKey, categories: Iterable[str]) -> None:
        existing = self.sensitive.get(key)
        if existing is None:  # a frozenset is kept as it is (`flag_categories` shares them)
            self.sensitive[key] = categories if type(categories) is frozenset \
                else shared_categories(categories)
        elif not existing.issuperset(categories):
            self.sensitive[key] = shared_categories(existing.union(categories))

    def wants(self, kind: str, limit: int) -> bool:
        """Whether another example of `kind` would be kept: at most `limit` items,
        spread over kinds (no kind takes more than half, or two)."""
        return len(self.evidence) < limit and \
            self.evidence_kinds.get(kind, 0) < (limit // 2 if limit > 3 else 2)

    def add_evidence(self, item: Evidence, limit: int) -> None:
        if not self.wants(item.kind, limit):
            return
        if any(e.text == item.text and e.kind == item.kind for e in self.evidence):
            return
        self.evidence.append(item)
        self.evidence_kinds[item.kind] += 1



def merge_sensitive(into: dict[StudentKey, frozenset[str]],
                    more: Mapping[StudentKey, frozenset[str]]) -> None:
    """Add the categories of `more`'s students to `into` (as `Acc.mark_sensitive`
    does for one student; this loop is for the totals of many). The frozensets
    are shared, not copied: nobody changes them in place."""
    if not into:
        into.update(more)  # the first source: a copy of its dict, at C speed
        return
    for key, categories in more.items():
        existing = into.get(key)
        if existing is None:
            into[key] = categories
        elif not existing.issuperset(categories):
            into[key] = shared_categories(existing | categories)


# One frozenset per combination of categories, shared by every student who has
# it: tens of thousands of students hold a handful of combinations, and a set
# each would be that many more objects for the garbage collector to walk.
_SHARED: dict[object, frozenset[str]] = {}
_MAX_SHARED = 4096  # combinations kept (roster flags are few; more are simply not shared)


def shared_categories(categories: Iterable[str]) -> frozenset[str]:
    """The shared frozenset of these categories (a tuple or frozenset is looked
    up as it is; other iterables are made a frozenset first)."""
    key = categories if isinstance(categories, (tuple, frozenset)) else frozenset(categories)
    found = _SHARED.get(key)
    if found is None:
        found = key if isinstance(key, frozenset) else frozenset(key)
        found = _SHARED.get(found, found)  # the same set reached as a tuple first
        if len(_SHARED) < _MAX_SHARED:
            _SHARED[key] = found
            _SHARED.setdefault(found, found)
    return found


def source_result(acc: Acc) -> SourceDetections:
    per_category = Counter(chain.from_iterable(acc.sensitive.values()))
    return SourceDetections(
        source=acc.source,
        students=len(acc.students),
        students_in_roster=len(acc.in_roster),
        flagged_students=len(acc.flagged),
        students_with_sensitive=len(acc.sensitive),
        student_ids=len(acc.id_values),
        dobs=len(acc.dobs),
        sensitive_mentions=dict(acc.mentions),
        sensitive_students=dict(per_category),
        roster_like_tables=acc.roster_like_tables,
        evidence=tuple(acc.evidence),
        partial=acc.partial,
    )
