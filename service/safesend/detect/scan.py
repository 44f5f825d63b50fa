"""One entry point: text segments and tables -> `ContentDetections`.

`scan_content` returns facts, per source file and in total: how many
distinct students are identified (roster matches by ID or name, IDs that
match an IT pattern, and rows of tables that look like a student roster even
when their names are not in the roster), how many of them carry a plan/flag
in the roster or appear next to sensitive information, dates of birth,
sensitive-term mentions, and a few redacted examples. It knows nothing of
recipients or policy actions.

"Next to" means: in the same table row (a '504' column whose cell says yes,
a diagnosis cell, a sensitive term in another cell, or a sensitive sheet /
file name or title above the header of a roster-like table), or in running
text within `near_window` characters or in the same (not over-long)
paragraph. So a roster with a 504 column is sensitive student data, while a
policy document that discusses 504 plans without naming a student is not.

A range pasted from a spreadsheet into text (three or more tab-separated
lines) is scanned as a table; a sensitive file or sheet name ('504
list.xlsx', 'IEP_notes.docx') counts as context for the students in it.
Sources are grouped by file: "roster.xlsx › Sheet1" belongs to "roster.xlsx".

The scan itself knows no detector: it normalizes each segment and table,
hands it to the registered detectors (`detectors/`, one module each; see
`detectors/base.py` for the interface and the stages) and adds up what they
report per source file and in total.

The scan honours `deadline` (a `time.monotonic()` value): when it is
reached the result is marked `partial` and holds what was found so far.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..bugs import where
from .config import DEFAULT_DOB_WORDS, SOURCE_SEPARATOR, CompiledDetectors, DetectConfig
from .detectors import default_registry
from .detectors.base import IDENTIFY, Registry
from .flags import flag_category
from .inputs import TableLike, TextSegmentLike
from .normalize import normalize_text
from .results import (
    Acc,
    ContentDetections,
    Evidence,
    EvidenceKind,
    SourceDetections,
    StudentKey,
    merge_sensitive,
    shared_categories,
    source_result,
)
from .text_view import TextView, split_tabbed_blocks

if TYPE_CHECKING:  # the roster module loads only with a roster
    from .roster import RosterHit, RosterIndex, RosterSession

__all__ = [
    "DEFAULT_DOB_WORDS", "SOURCE_SEPARATOR", "ContentDetections", "DetectConfig", "Evidence",
    "ScanState", "SourceDetections", "scan_content", "split_tabbed_blocks",
]

log = logging.getLogger("safesend.detect")


class ScanState:
    """One scan: its settings, roster session, per-source totals, and the
    helpers detectors share (student keys, roster hits, per-scan caches)."""

    def __init__(self, config: DetectConfig, roster: RosterIndex | None, deadline: float,
                 registry: Registry) -> None:
        self.config = config
        self.detectors: CompiledDetectors = config.compiled()
        self.registry = registry
        self.roster = roster
        self.session: RosterSession | None = roster.session() if roster is not None else None
        self.deadline = deadline
        self.accs: dict[str, Acc] = {}
        self.partial = False
        self.timed_out: list[str] = []
        self.failed: list[str] = []
        self.internal: list[tuple[str, str]] = []  # (source, where)
        self._caches: dict[str, dict[Any, Any]] = {}
        self._flag_categories: dict[int, frozenset[str]] = {}  # flag mask -> categories
        self._group_categories: dict[int, frozenset[str]] = {}  # shared-name key -> categories

    def acc(self, source: str) -> Acc:
        name = source.split(SOURCE_SEPARATOR, 1)[0].strip() or source
        found = self.accs.get(name)
        if found is None:
            found = self.accs[name] = Acc(name)
        return found

    def expired(self) -> bool:
        if time.monotonic() > self.deadline:
            self.partial = True
        return self.partial

    def cache(self, name: str) -> dict[Any, Any]:
        """A dict a detector keeps for this scan only (named after the detector)."""
        found = self._caches.get(name)
        if found is None:
            found = self._caches[name] = {}
        return found

    # -- students ----------------------------------------------------------------

    def add_roster_hit(self, acc: Acc, hit: RosterHit, location: str | Callable[..., str],
                       key: StudentKey | None = None, at: int | None = None) -> StudentKey:
        """Count a roster student; `location` is called (with `at`, when given)
        only if an example is still wanted."""
        key = key or ("r", hit.student)
        acc.students.add(key)
        acc.in_roster.add(key)
        if hit.flagged:
            acc.flagged.add(key)
            acc.mark_sensitive(key, self.flag_categories(hit.student))
        if hit.dob_confirmed:
            acc.dobs.add(key)
        kind: EvidenceKind = "student_name" if hit.kind == "name" else "student_id"
        if acc.wants(kind, self.config.max_evidence_per_source):
            where = location if isinstance(location, str) else (
                location() if at is None else location(at))
            acc.add_evidence(Evidence(kind, hit.evidence, where, "roster match"),
                             self.config.max_evidence_per_source)
        return key

    def flag_categories(self, student: int) -> frozenset[str]:
        """Categories of a roster student's flags ('504' -> '504', 'FRL' -> 'lunch'),
        read once per combination of flags (a shared frozenset, see `results.py`)."""
        assert self.roster is not None
        if student < 0:  # a shared name: the flags of all its students, read once
            found = self._group_categories.get(student)
            if found is None:
                found = self._group_categories[student] = self._categories_of(
                    self.roster.flag_mask(student))
            return found
        return self._categories_of(self.roster.flag_mask(student))

    def _categories_of(self, mask: int) -> frozenset[str]:
        found = self._flag_categories.get(mask)
        if found is None:
            assert self.roster is not None
            found = self._flag_categories[mask] = shared_categories(
                flag_category(f) for f in self.roster.flags_in(mask))
        return found

    def id_key(self, value: str) -> StudentKey:
        """The key of the student with this ID: their roster index when the
        roster knows it, else the ID itself."""
        if self.session is not None:
            student = self.session.student_for_id(value)
            if student >= 0:
                return ("r", student)
        return ("id", value.upper())

    def note_id_scan(self, acc: Acc, id_scan: object) -> None:
        """Patterns that timed out, or the deadline reached, make the result partial."""
        timed_out = getattr(id_scan, "timed_out", ())
        if timed_out or getattr(id_scan, "deadline_reached", False):
            acc.partial = True
            self.partial = self.partial or getattr(id_scan, "deadline_reached", False)
            for name in timed_out:
                if name not in self.timed_out:
                    self.timed_out.append(name)

    # -- text and tables -----------------------------------------------------------

    def scan_text(self, segment: TextSegmentLike) -> None:
        acc = self.acc(segment.source)
        text = normalize_text(segment.text or "")
        if not text.strip():
            return
        text, blocks = split_tabbed_blocks(text)
        for line, rows in blocks:  # a range pasted from a spreadsheet is a table
            self.scan_rows(f"{segment.source}{SOURCE_SEPARATOR}table at line {line}", rows)
        view = TextView(self, acc, segment.source, text)
        identifying = True
        for detector in self.registry:
            if identifying and detector.stage > IDENTIFY:
                identifying = False
                view.identifiers.sort(key=lambda item: item[0])
            detector.scan_text(view)
            if view.stopped:
                self.partial = acc.partial = True
                return

    def scan_table(self, table: TableLike) -> None:
        self.scan_rows(table.source, table.rows or [])

    def scan_rows(self, source: str, raw_rows: Iterable[Iterable[object]]) -> None:
        from .table_scan import TableView, normal_rows  # only a message with a table needs these
        from .tables import profile_table

        acc = self.acc(source)
        rows = normal_rows(raw_rows)
        if not any(any(row) for row in rows):
            return
        profile = profile_table(rows)
        if profile.looks_like_student_roster:
            acc.roster_like_tables += 1
        TableView(self, acc, source, rows, profile).read()

    # -- results -----------------------------------------------------------------

    def resolve_ambiguous(self, acc: Acc) -> None:
        """Drop a name shared by several roster students when one of them is
        matched directly (by ID, or by a unique name) in the same scope."""
        if self.roster is None:
            return
        direct = {key[1] for key in acc.students if key[0] == "r" and key[1] >= 0}  # type: ignore[operator]
        for key in [k for k in acc.students if k[0] == "r" and k[1] < 0]:  # type: ignore[operator]
            if direct.intersection(self.roster.students_of(key[1])):  # type: ignore[arg-type]
                for group in (acc.students, acc.in_roster, acc.flagged, acc.dobs):
                    group.discard(key)
                acc.sensitive.pop(key, None)

    def result(self, started: float) -> ContentDetections:
        sources = []
        totals = Acc("")
        for acc in self.accs.values():
            self.resolve_ambiguous(acc)
            sources.append(source_result(acc))
            totals.students |= acc.students
            totals.in_roster |= acc.in_roster
            totals.flagged |= acc.flagged
            merge_sensitive(totals.sensitive, acc.sensitive)
            totals.id_values |= acc.id_values
            totals.dobs |= acc.dobs
            totals.mentions.update(acc.mentions)
            totals.roster_like_tables += acc.roster_like_tables
            totals.evidence.extend(acc.evidence[:2])
            totals.partial = totals.partial or acc.partial
        if sum(1 for acc in self.accs.values() if acc.students) > 1:
            # (with one source of students, its own resolution was the totals')
            self.resolve_ambiguous(totals)
        summary = source_result(totals)
        matched, sensitive = self.roster_references(totals)
        return ContentDetections(
            sources=tuple(sources),
            students=summary.students,
            students_in_roster=summary.students_in_roster,
            flagged_students=summary.flagged_students,
            students_with_sensitive=summary.students_with_sensitive,
            student_ids=summary.student_ids,
            dobs=summary.dobs,
            sensitive_mentions=summary.sensitive_mentions,
            sensitive_students=summary.sensitive_students,
            roster_like_tables=summary.roster_like_tables,
            evidence=tuple(totals.evidence[:max(self.config.max_evidence_per_source, 1) * 2]),
            partial=self.partial or totals.partial,
            timed_out_patterns=tuple(self.timed_out),
            failed_sources=tuple(self.failed),
            internal_errors=tuple(dict.fromkeys(source for source, _ in self.internal)),
            internal_error_locations=tuple(location for _, location in self.internal),
            elapsed_ms=round((time.monotonic() - started) * 1000, 3),
            roster_students=matched,
            sensitive_roster_students=sensitive,
            roster_indexes=frozenset(
                k[1] for k in totals.students if k[0] == "r" and k[1] >= 0),  # type: ignore[operator,misc]
        )

    def roster_references(self, totals: Acc) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """References of the roster students named without ambiguity (a name
        shared by several students names none of them)."""
        if self.roster is None:
            return (), ()
        roster = self.roster

        def refs(keys: Iterable[StudentKey]) -> tuple[str, ...]:
            return tuple(sorted({roster.reference(k[1]) for k in keys  # type: ignore[arg-type]
                                 if k[0] == "r" and k[1] >= 0}))  # type: ignore[operator]

        return refs(totals.in_roster), refs(set(totals.sensitive) | totals.flagged)



def scan_content(segments: Iterable[TextSegmentLike], tables: Iterable[TableLike],
                 config: DetectConfig | None = None, roster: RosterIndex | None = None,
                 deadline: float = math.inf, registry: Registry | None = None
                 ) -> ContentDetections:
    """Detect student data in text segments and tables (see the module docstring).

    `deadline` is a `time.monotonic()` timestamp. Never raises on content: a
    segment or table that cannot be scanned is skipped and the result marked
    partial. (A bad ID pattern raises `PatternError` from `config.compiled()`,
    which the policy validator calls first.) `registry`: the detectors to run
    (by default every registered one, `detectors.default_registry`).
    """
    started = time.monotonic()
    scan = ScanState(config or DetectConfig(), roster, deadline,
                     registry if registry is not None else default_registry)
    for segment in segments:
        if scan.expired():
            break
        _guarded(scan, segment.source, scan.scan_text, segment)
    for table in tables:
        if scan.expired():
            break
        _guarded(scan, table.source, scan.scan_table, table)
    return scan.result(started)


def _guarded(scan: ScanState, source: str, step: object, item: object) -> None:
    try:
        step(item)  # type: ignore[operator]
    except RecursionError:  # pragma: no cover - pathological nesting
        scan.acc(source).partial = True
        scan.failed.append(source)
    except (TypeError, AttributeError, KeyError) as exc:
        # A bug of ours must not crash a check: it is reported, logged (type and
        # module:line only, never the source's name or text) and counted.
        location = where(exc)
        log.error("detect: internal error (%s)", location)
        scan.acc(source).partial = True
        scan.internal.append((source, location))
    except (ValueError, IndexError, OverflowError):
        # odd content a detector could not handle; the scan is reported incomplete
        scan.acc(source).partial = True
        scan.failed.append(source)
