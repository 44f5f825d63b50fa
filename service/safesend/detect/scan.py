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

The scan honours `deadline` (a `time.monotonic()` value): when it is
reached the result is marked `partial` and holds what was found so far.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Literal

from ..bugs import where
from .dates import find_dates, parse_date
from .ids import (
    DEFAULT_ID_PATTERNS,
    CompiledIdPatterns,
    IdPatternConfig,
    all_one_token,
    compile_id_patterns,
    is_one_token,
)
from .inputs import TableLike, TextSegmentLike
from .normalize import id_runs, lower_same_length, normalize_text
from .phrases import PhraseHit, PhraseMatcher
from .redact import redact_date, redact_id, redact_name
from .roster import RosterHit, RosterIndex, RosterSession, RowMatcher
from .roster_csv import flag_label, is_truthy
from .tables import NOT_STUDENT_PEOPLE, Role, TableProfile, columns_of, profile_table
from .topics import DEFAULT_SENSITIVE_TERMS, SensitiveTerms, TermHit

log = logging.getLogger("safesend.detect")

DEFAULT_DOB_WORDS: tuple[str, ...] = (
    "dob", "d.o.b", "d.o.b.", "date of birth", "birth date", "birthdate", "birthday", "born",
    "born on", "bday", "b-day", "fecha de nacimiento",
)
SOURCE_SEPARATOR = " › "


@dataclass(frozen=True)
class DetectConfig:
    """Detector settings; the policy maps onto this. Build once per policy version
    and reuse: the compiled detectors are cached on the instance."""

    id_patterns: tuple[IdPatternConfig, ...] = DEFAULT_ID_PATTERNS
    sensitive_terms: Mapping[str, Sequence[str]] = field(
        default_factory=lambda: dict(DEFAULT_SENSITIVE_TERMS))
    dob_context_words: tuple[str, ...] = DEFAULT_DOB_WORDS
    near_window: int = 200  # characters between a sensitive term and an identifier
    paragraph_max_chars: int = 2000  # longer paragraphs count by the window only
    dob_window: int = 80  # characters between a date of birth and its student
    min_text_id_length: int = 5  # shortest roster ID matched outside an ID column
    max_student_age: int = 25  # a labelled date of birth older than this is not a student's
    max_evidence_per_source: int = 5
    regex_timeout: float = 0.02  # seconds per ID-pattern match
    _compiled: CompiledDetectors | None = field(default=None, init=False, repr=False,
                                                compare=False)

    def compiled(self) -> CompiledDetectors:
        """Compile (once) and return the detectors; raises `PatternError`."""
        if self._compiled is None:
            object.__setattr__(self, "_compiled", CompiledDetectors(
                ids=compile_id_patterns(self.id_patterns, match_timeout=self.regex_timeout),
                terms=SensitiveTerms(self.sensitive_terms),
                keywords=PhraseMatcher(
                    [(term, category) for category, terms in self.sensitive_terms.items()
                     for term in terms]
                    + [(word, _DOB_LABEL) for word in self.dob_context_words]),
            ))
        assert self._compiled is not None
        return self._compiled

    def validate(self) -> None:
        """Raise `PatternError` (naming the pattern) if an ID pattern is unusable."""
        self.compiled()


_DOB_LABEL = "\x00dob"


@dataclass(frozen=True)
class CompiledDetectors:
    ids: CompiledIdPatterns
    terms: SensitiveTerms
    keywords: PhraseMatcher  # sensitive terms (label = category) and DOB words, one pass


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
class _Acc:
    """Running totals for one source file."""

    source: str
    students: set[StudentKey] = field(default_factory=set)
    in_roster: set[StudentKey] = field(default_factory=set)
    flagged: set[StudentKey] = field(default_factory=set)
    sensitive: dict[StudentKey, set[str]] = field(default_factory=dict)
    id_values: set[str] = field(default_factory=set)
    dobs: set[object] = field(default_factory=set)
    mentions: Counter[str] = field(default_factory=Counter)
    roster_like_tables: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    evidence_kinds: Counter[str] = field(default_factory=Counter)
    partial: bool = False

    def mark_sensitive(self, key: StudentKey, categories: Iterable[str]) -> None:
        self.sensitive.setdefault(key, set()).update(categories)

    def wants(self, kind: str, limit: int) -> bool:
        """Whether another example of `kind` would be kept: at most `limit` items,
        spread over kinds (no kind takes more than half, or two)."""
        return len(self.evidence) < limit and self.evidence_kinds[kind] < max(2, limit // 2)

    def add_evidence(self, item: Evidence, limit: int) -> None:
        if not self.wants(item.kind, limit):
            return
        if any(e.text == item.text and e.kind == item.kind for e in self.evidence):
            return
        self.evidence.append(item)
        self.evidence_kinds[item.kind] += 1


class _Scan:
    def __init__(self, config: DetectConfig, roster: RosterIndex | None, deadline: float
                 ) -> None:
        self.config = config
        self.detectors = config.compiled()
        self.roster = roster
        self.session: RosterSession | None = roster.session() if roster is not None else None
        self.deadline = deadline
        self.accs: dict[str, _Acc] = {}
        self.partial = False
        self.timed_out: list[str] = []
        self.failed: list[str] = []
        self.internal: list[tuple[str, str]] = []  # (source, where)
        self._labels: dict[str, set[str]] = {}
        self._flag_categories: dict[int, tuple[str, ...]] = {}

    def acc(self, source: str) -> _Acc:
        name = source.split(SOURCE_SEPARATOR, 1)[0].strip() or source
        found = self.accs.get(name)
        if found is None:
            found = self.accs[name] = _Acc(name)
        return found

    def expired(self) -> bool:
        if time.monotonic() > self.deadline:
            self.partial = True
        return self.partial

    def roster_key(self, hit: RosterHit) -> StudentKey:
        return ("r", hit.student)

    def add_roster_hit(self, acc: _Acc, hit: RosterHit, location: str | Callable[[], str],
                       key: StudentKey | None = None) -> StudentKey:
        key = key or self.roster_key(hit)
        acc.students.add(key)
        acc.in_roster.add(key)
        if hit.flagged:
            acc.flagged.add(key)
            acc.mark_sensitive(key, self.flag_categories(hit.student))
        if hit.dob_confirmed:
            acc.dobs.add(key)
        kind: EvidenceKind = "student_name" if hit.kind == "name" else "student_id"
        if acc.wants(kind, self.config.max_evidence_per_source):
            where = location if isinstance(location, str) else location()
            acc.add_evidence(Evidence(kind, hit.evidence, where, "roster match"),
                             self.config.max_evidence_per_source)
        return key

    def flag_categories(self, student: int) -> tuple[str, ...]:
        """Categories of a roster student's flags ('504' -> '504', 'FRL' -> 'lunch')."""
        found = self._flag_categories.get(student)
        if found is None:
            assert self.roster is not None
            found = self._flag_categories[student] = tuple(
                _flag_category(f) for f in self.roster.flags_of(student))
        return found

    def id_key(self, value: str) -> StudentKey:
        if self.session is not None:
            student = self.session.student_for_id(value)
            if student >= 0:
                return ("r", student)
        return ("id", value.upper())

    # -- text --------------------------------------------------------------------

    def scan_text(self, segment: TextSegmentLike) -> None:
        acc = self.acc(segment.source)
        text = normalize_text(segment.text or "")
        if not text.strip():
            return
        text, blocks = split_tabbed_blocks(text)
        for line, rows in blocks:  # a range pasted from a spreadsheet is a table
            self.scan_table(_Block(f"{segment.source}{SOURCE_SEPARATOR}table at line {line}",
                                   rows))
        lowered = lower_same_length(text)
        config = self.config
        source = segment.source
        terms: list[TermHit] = []
        dob_words: list[PhraseHit] = []
        for found in self.detectors.keywords.find(lowered):
            if found.label == _DOB_LABEL:
                dob_words.append(found)
            else:
                terms.append(TermHit(found.start, found.end, found.phrase, found.label))
                acc.mentions[found.label] += 1
        runs = list(id_runs(text))
        identifiers: list[tuple[int, int, StudentKey]] = []
        if self.session is not None:
            for hit in self.session.match_text(text, min_id_length=config.min_text_id_length,
                                               dob_window=config.dob_window, lowered=lowered,
                                               runs=runs, deadline=self.deadline):
                key = self.add_roster_hit(
                    acc, hit, lambda h=hit: _line_location(source, text, h.start))
                identifiers.append((hit.start, hit.end, key))
            if self.session.deadline_reached:
                self.partial = acc.partial = True
                return
        id_scan = self.detectors.ids.find_in_text(text, self.deadline, normalized=True,
                                                  lowered=lowered, runs=runs)
        self._note_id_scan(acc, id_scan)
        for id_hit in id_scan.hits:
            key = self.id_key(id_hit.value)
            acc.students.add(key)
            acc.id_values.add(id_hit.value)
            if key[0] == "r":
                acc.in_roster.add(key)
                assert self.roster is not None
                if self.roster.is_flagged(key[1]):  # type: ignore[arg-type]
                    acc.flagged.add(key)
                    acc.mark_sensitive(key, self.flag_categories(key[1]))  # type: ignore[arg-type]
            identifiers.append((id_hit.start, id_hit.end, key))
            if acc.wants("student_id", config.max_evidence_per_source):
                acc.add_evidence(Evidence("student_id", redact_id(id_hit.value),
                                          _line_location(source, text, id_hit.start),
                                          id_hit.explanation), config.max_evidence_per_source)
        identifiers.sort(key=lambda item: item[0])
        if dob_words:
            self._dobs_in_text(acc, source, text, dob_words, identifiers)
        if terms and identifiers:
            self._sensitive_near(acc, source, text, terms, identifiers)
        label = self.label_categories(source)  # 'IEP notes - Garcia.docx'
        if label and identifiers:
            for _, _, key in identifiers:
                acc.mark_sensitive(key, label)

    def label_categories(self, source: str) -> set[str]:
        """Sensitive categories named by a source label (file or sheet name)."""
        found = self._labels.get(source)
        if found is None:
            words = _LABEL_SEPARATORS.sub(" ", _CAMEL_CASE.sub(" ", source))
            found = self._labels[source] = self.detectors.terms.categories_in(words)
        return found

    def _note_id_scan(self, acc: _Acc, id_scan: object) -> None:
        timed_out = getattr(id_scan, "timed_out", ())
        if timed_out or getattr(id_scan, "deadline_reached", False):
            acc.partial = True
            self.partial = self.partial or getattr(id_scan, "deadline_reached", False)
            for name in timed_out:
                if name not in self.timed_out:
                    self.timed_out.append(name)

    def _dobs_in_text(self, acc: _Acc, source: str, text: str, dob_words: list[PhraseHit],
                      identifiers: list[tuple[int, int, StudentKey]]) -> None:
        starts = [i[0] for i in identifiers]
        window = self.config.dob_window
        oldest = dt.date.today().year - self.config.max_student_age
        for word in dob_words:
            segment_end = min(len(text), word.end + 40)
            for date_hit in find_dates(text[word.end:segment_end]):
                start = word.end + date_hit.start
                if date_hit.dates[0].year < oldest:
                    break
                key = _nearest(identifiers, starts, start, window)
                acc.dobs.add(key if key is not None else ("dob", date_hit.dates[0]))
                if acc.wants("dob", self.config.max_evidence_per_source):
                    acc.add_evidence(Evidence("dob", redact_date(date_hit.dates[0]),
                                              _line_location(source, text, start),
                                              "labelled date"),
                                     self.config.max_evidence_per_source)
                break

    def _sensitive_near(self, acc: _Acc, source: str, text: str, terms: list[TermHit],
                        identifiers: list[tuple[int, int, StudentKey]]) -> None:
        config = self.config
        term_starts = [t.start for t in terms]
        paragraphs = _paragraph_starts(text)
        used_terms: set[int] = set()
        for start, end, key in identifiers:
            categories: set[str] = set()
            # within the window
            lo = bisect.bisect_left(term_starts, start - config.near_window - 64)
            hi = bisect.bisect_right(term_starts, end + config.near_window)
            for i in range(lo, hi):
                term = terms[i]
                gap = max(term.start - end, start - term.end, 0)
                if gap <= config.near_window:
                    categories.add(term.category)
                    used_terms.add(i)
            # or in the same paragraph
            p = bisect.bisect_right(paragraphs, start) - 1
            p_start = paragraphs[p]
            p_end = paragraphs[p + 1] if p + 1 < len(paragraphs) else len(text)
            if p_end - p_start <= config.paragraph_max_chars:
                for i in range(bisect.bisect_left(term_starts, p_start),
                               bisect.bisect_left(term_starts, p_end)):
                    categories.add(terms[i].category)
                    used_terms.add(i)
            if categories:
                acc.mark_sensitive(key, categories)
        for i in sorted(used_terms)[:2]:
            term = terms[i]
            acc.add_evidence(Evidence("sensitive", term.term, _line_location(source, text,
                                                                             term.start),
                                      term.category), config.max_evidence_per_source)

    # -- tables ------------------------------------------------------------------

    def scan_table(self, table: TableLike) -> None:
        acc = self.acc(table.source)
        rows = _normal_rows(table.rows or [])
        if not any(any(row) for row in rows):
            return
        profile = profile_table(rows)
        columns = _TableColumns.of(profile, rows)
        roster_like = profile.looks_like_student_roster
        if roster_like:
            acc.roster_like_tables += 1
        caption_categories = self.label_categories(table.source) | {
            t.category for t in self.detectors.terms.find(profile.caption)}
        for category in caption_categories:
            acc.mentions[category] += 1
        if self.session is None and not roster_like and not columns.eligible_id \
                and not columns.headerless:
            # a budget, a staff list...: no row can identify a student; only count
            # the sensitive terms it mentions, in one pass
            self._count_table_terms(acc, rows[profile.first_data_row:], columns.no_terms)
            return
        _TableRows(self, acc, table.source, rows, profile, columns, caption_categories).read()

    def _count_table_terms(self, acc: _Acc, rows: list[list[str]], skip: set[int]) -> None:
        text = "\n".join(cell for row in rows for col, cell in enumerate(row)
                         if cell and col not in skip)
        for term in self.detectors.terms.find(text, normalized=True):
            acc.mentions[term.category] += 1

    # -- results -----------------------------------------------------------------

    def resolve_ambiguous(self, acc: _Acc) -> None:
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
        totals = _Acc("")
        for acc in self.accs.values():
            self.resolve_ambiguous(acc)
            sources.append(_source_result(acc))
            totals.students |= acc.students
            totals.in_roster |= acc.in_roster
            totals.flagged |= acc.flagged
            _merge_sensitive(totals.sensitive, acc.sensitive)
            totals.id_values |= acc.id_values
            totals.dobs |= acc.dobs
            totals.mentions.update(acc.mentions)
            totals.roster_like_tables += acc.roster_like_tables
            totals.evidence.extend(acc.evidence[:2])
            totals.partial = totals.partial or acc.partial
        self.resolve_ambiguous(totals)
        summary = _source_result(totals)
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

    def roster_references(self, totals: _Acc) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """References of the roster students named without ambiguity (a name
        shared by several students names none of them)."""
        if self.roster is None:
            return (), ()
        roster = self.roster

        def refs(keys: Iterable[StudentKey]) -> tuple[str, ...]:
            return tuple(sorted({roster.reference(k[1]) for k in keys  # type: ignore[arg-type]
                                 if k[0] == "r" and k[1] >= 0}))  # type: ignore[operator]

        return refs(totals.in_roster), refs(set(totals.sensitive) | totals.flagged)


def _merge_sensitive(into: dict[StudentKey, set[str]],
                     more: Mapping[StudentKey, set[str]]) -> None:
    """Add the categories of `more`'s students to `into` (as `_Acc.mark_sensitive`
    does for one student; this loop is for the totals of many)."""
    for key, categories in more.items():
        existing = into.get(key)
        if existing is None:
            into[key] = set(categories)
        else:
            existing.update(categories)


def _source_result(acc: _Acc) -> SourceDetections:
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


def scan_content(segments: Iterable[TextSegmentLike], tables: Iterable[TableLike],
                 config: DetectConfig | None = None, roster: RosterIndex | None = None,
                 deadline: float = math.inf) -> ContentDetections:
    """Detect student data in text segments and tables (see the module docstring).

    `deadline` is a `time.monotonic()` timestamp. Never raises on content: a
    segment or table that cannot be scanned is skipped and the result marked
    partial. (A bad ID pattern raises `PatternError` from `config.compiled()`,
    which the policy validator calls first.)
    """
    started = time.monotonic()
    scan = _Scan(config or DetectConfig(), roster, deadline)
    for segment in segments:
        if scan.expired():
            break
        _guarded(scan, segment.source, scan.scan_text, segment)
    for table in tables:
        if scan.expired():
            break
        _guarded(scan, table.source, scan.scan_table, table)
    return scan.result(started)


def _guarded(scan: _Scan, source: str, step: object, item: object) -> None:
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


# --- tables -------------------------------------------------------------------------

@dataclass(frozen=True)
class _TableColumns:
    """What each column of a profiled table is read for (sets of column indexes)."""

    header: list[str]  # the header row's cells ([] when there is none)
    headerless: bool
    id_columns: set[int]  # whole-cell roster ID lookups
    eligible_id: set[int]  # ID patterns, with the header as context
    name_columns: set[int] | None  # roster names (None: any column)
    skip: set[int]  # teachers, guardians, staff: never students
    identity: set[int]  # a value here makes a row of a roster-like table a student
    sensitive: dict[int, str]  # yes/no or plan cells -> category ('plan': named by the cell)
    dob: set[int]
    no_terms: set[int]  # values, never sensitive terms: names, IDs, dates, contacts, flags

    @classmethod
    def of(cls, profile: TableProfile, rows: list[list[str]]) -> _TableColumns:
        id_columns = set(profile.id_columns)
        sensitive = {c.index: c.category or "plan" for c in profile.sensitive_columns}
        return cls(
            header=rows[profile.header_row] if profile.header_row is not None else [],
            headerless=profile.header_row is None,
            id_columns=id_columns,
            eligible_id=set(profile.columns_with({Role.STUDENT_ID})) | (
                id_columns if profile.kind in ("student_roster", "unknown")
                and profile.name_columns else set()),
            name_columns=set(profile.name_columns) or None,
            skip={c.index for c in profile.columns if c.role in NOT_STUDENT_PEOPLE},
            identity=set(profile.identity_columns),
            sensitive=sensitive,
            dob=set(profile.dob_columns),
            no_terms=set(sensitive) | {c.index for c in profile.columns
                                       if c.role in _VALUE_ROLES},
        )


# (column, header, whether a one-token cell can be an ID under that header)
_IdColumn = tuple[int, str, bool]
_CHUNK_ROWS = 1024  # rows read column by column at a time (the deadline is checked within)


class _TableRows:
    """The data rows of one profiled table, read into its source's totals.

    Rows are taken in order (the first ones give the evidence, and the
    deadline is checked every 128 rows), but a chunk of rows is first read
    column by column: the roster matcher reads each distinct value of a
    column once and skips columns that hold nothing (`RowMatcher`); the
    sensitive terms of all text cells are found in one pass; an ID column
    whose header gives no pattern its context is skipped when all its cells
    are single tokens (such a cell can only be an ID by its header). What
    is left per row is adding up: keys of students, categories, evidence.
    """

    def __init__(self, scan: _Scan, acc: _Acc, source: str, rows: list[list[str]],
                 profile: TableProfile, columns: _TableColumns,
                 caption_categories: set[str]) -> None:
        self.scan = scan
        self.acc = acc
        self.source = source
        self.rows = rows
        self.profile = profile
        self.columns = columns
        self.caption_categories = caption_categories
        self.roster_like = profile.looks_like_student_roster
        self.staff_directory = profile.kind == "staff_directory"
        self.limit = scan.config.max_evidence_per_source
        self.ids = scan.detectors.ids
        self.matcher: RowMatcher | None = None
        if scan.session is not None:
            self.matcher = scan.session.row_matcher(
                columns.id_columns, columns.name_columns, columns.skip,
                min_id_length=scan.config.min_text_id_length,
                ids_outside_id_columns=profile.kind not in ("financial", "staff_directory"))
        self._context_cache: dict[tuple[str, str], str | None] = {}
        header = columns.header
        # (column, header, whether a one-token cell there can be an ID), in column order
        self.id_pattern_columns = [
            (col, context, self.ids.may_match_one_token(context, self._context_cache))
            for col in sorted(columns.eligible_id - columns.skip)
            for context in (header[col] if col < len(header) else "",)]
        self.term_excluded = columns.skip | columns.no_terms
        self._truthy: dict[str, set[str]] = {}
        self._dates: dict[str, dt.date | None] = {}
        self._occurrences: Counter[tuple[object, ...]] = Counter()

    def row_key(self, kind: str, identity: tuple[object, ...]) -> StudentKey:
        """The key of a student known only by a row: its identifying cells and
        how many rows of this table had them before. The same table in the
        text and the HTML alternative of a body gives the same keys (one
        student), while two rows alike in one table stay two."""
        seen = self._occurrences[(kind, identity)]
        self._occurrences[(kind, identity)] += 1
        return (kind, self.acc.source, identity, seen)

    def read(self) -> None:
        rows, header = self.rows, self.columns.header
        for start in range(self.profile.first_data_row, len(rows), _CHUNK_ROWS):
            end = min(start + _CHUNK_ROWS, len(rows))
            chunk = rows[start:end]
            columns = columns_of(chunk)  # None: ragged, read row by row
            dobs = [self._dob(row) for row in chunk] if self.columns.dob else repeat(None)
            roster_hits = repeat(())
            if self.matcher is not None:  # a row's DOB counts for all its students anyway
                roster_hits = self.matcher.match_rows(
                    chunk, columns, confirm_dobs=None if not self.columns.dob
                    else [dob is None for dob in dobs])
            id_columns = self._id_columns_in(chunk, columns)
            terms = self._terms_by_row(start, chunk, columns)
            for r, hits, dob in zip(range(start, end), roster_hits, dobs, strict=False):
                if r % 128 == 0 and self.scan.expired():
                    self.acc.partial = True
                    return
                row = rows[r]
                if not any(row) or (header and row == header):
                    continue
                self._scan_row(r, row, hits, id_columns, terms.get(r, ()), dob)

    def location(self, r: int) -> str:
        return f"{self.source}, row {r + 1}"

    def _scan_row(self, r: int, row: list[str], roster_hits: Sequence[RosterHit],
                  id_columns: Sequence[_IdColumn], term_categories: Sequence[str],
                  dob_value: dt.date | None) -> None:
        acc, limit = self.acc, self.limit
        keys: list[StudentKey] = []
        if roster_hits:
            self._roster_keys(r, roster_hits, keys)
        if id_columns or self.columns.headerless:
            self._id_pattern_keys(r, row, id_columns, keys)
            if len(keys) > 1 and any(k[0] != "id" for k in keys):
                # one row, one student: an ID the roster does not know next to
                # a roster name is that student's ID, not a second student
                keys = [k for k in keys if k[0] != "id"]
        row_categories = set(term_categories)
        for category in term_categories:
            acc.mentions[category] += 1
        # a row of a roster-like table is a student even when not in the roster
        if not keys and self.roster_like and _identifies(row, self.columns.identity):
            keys.append(self.row_key("row", _row_identity(row, self.columns.identity)))
            if acc.wants("roster_row", limit):
                names = " ".join(row[c] for c in sorted(self.profile.name_columns)
                                 if c < len(row) and row[c])
                if names:
                    acc.add_evidence(Evidence("roster_row", redact_name(names), self.location(r),
                                              "row of a student list"), limit)
        if self.columns.sensitive:
            self._sensitive_cells(row, row_categories)
        if not keys:
            if dob_value is not None and self.roster_like:
                acc.dobs.add(self.row_key("dob", tuple(row)))
            return
        if self.caption_categories and (self.roster_like or any(k[0] == "r" for k in keys)):
            row_categories |= self.caption_categories
        for key in keys:
            acc.students.add(key)
            if dob_value is not None:
                acc.dobs.add(key)
            if row_categories:
                acc.mark_sensitive(key, row_categories)
        if dob_value is not None and acc.wants("dob", limit):
            acc.add_evidence(Evidence("dob", redact_date(dob_value), self.location(r),
                                      "date of birth column"), limit)
        if row_categories and acc.wants("sensitive", limit):
            acc.add_evidence(Evidence("sensitive", ", ".join(sorted(row_categories)),
                                      self.location(r), "in the same row as a student"), limit)

    def _roster_keys(self, r: int, row_hits: Sequence[RosterHit], keys: list[StudentKey]
                     ) -> None:
        assert self.scan.roster is not None
        if self.staff_directory:  # a namesake on staff is not a student
            row_hits = [h for h in row_hits if h.kind == "id"]
        known = {h.student for h in row_hits if h.student >= 0} if len(row_hits) > 1 else ()
        for hit in row_hits:
            key = None
            if hit.student < 0:
                if known and known.intersection(  # type: ignore[union-attr]
                        self.scan.roster.students_of(hit.student)):
                    continue  # the same student, also matched by ID
                key = self.row_key("r?", (*self.rows[r], hit.student))  # a row is one student
            keys.append(self.scan.add_roster_hit(self.acc, hit, lambda: self.location(r), key))

    def _id_columns_in(self, chunk: list[list[str]], columns: list[tuple[str, ...]] | None
                       ) -> list[_IdColumn]:
        """The ID columns to read in these rows: a column whose header gives no
        pattern its context only if some cell holds more than one token (an ID
        may then have context of its own: 'SID 1234567')."""
        return [column for column in self.id_pattern_columns
                if column[2] or not all_one_token(
                    columns[column[0]] if columns is not None and column[0] < len(columns)
                    else [row[column[0]] if column[0] < len(row) else "" for row in chunk])]

    def _id_pattern_keys(self, r: int, row: list[str], id_columns: Sequence[_IdColumn],
                         keys: list[StudentKey]) -> None:
        """IDs matching a pattern: the header is the context; in a table without
        a header, the cell to the left ('Student ID:' | '67123412')."""
        acc, limit = self.acc, self.limit
        for cell, context in self._id_cells(row, id_columns):
            id_scan = self.ids.find_in_cell(cell, context, self.scan.deadline,
                                            context_cache=self._context_cache)
            self.scan._note_id_scan(acc, id_scan)
            for id_hit in id_scan.hits:
                key = self.scan.id_key(id_hit.value)
                acc.id_values.add(id_hit.value)
                if key not in keys:
                    keys.append(key)
                if key[0] == "r":
                    acc.in_roster.add(key)
                if acc.wants("student_id", limit):
                    acc.add_evidence(Evidence("student_id", redact_id(id_hit.value),
                                              self.location(r), id_hit.explanation), limit)

    def _id_cells(self, row: list[str], id_columns: Sequence[_IdColumn]
                  ) -> list[tuple[str, str]]:
        """(cell, context) of the cells of a row that may hold an ID matching a
        pattern, in column order: 4 digits or more, in an ID column (under a
        header that gives context, or not one token), or next to a short cell
        in a table without a header."""
        if self.columns.headerless:
            return [(row[col], row[col - 1]) for col in range(1, len(row))
                    if row[col] and row[col - 1] and len(row[col - 1]) <= 40
                    and _has_digits(row[col], 4)]
        return [(row[col], context) for col, context, one_token_ok in id_columns
                if col < len(row) and row[col] and _has_digits(row[col], 4)
                and (one_token_ok or not is_one_token(row[col]))]

    def _terms_by_row(self, start: int, chunk: list[list[str]],
                      columns: list[tuple[str, ...]] | None) -> dict[int, tuple[str, ...]]:
        """Categories of the sensitive terms in the text cells of a chunk of rows
        (starting at row `start`), by row, in column order."""
        excluded = self.term_excluded
        cells: list[str] = []
        owners: list[int] = []  # the row of each cell
        if columns is not None:  # column by column: cell order within a row is kept
            for col, values in enumerate(columns):
                if col not in excluded:
                    cells += values
                    owners += range(start, start + len(values))
        else:
            for r, row in enumerate(chunk, start):
                for col, cell in enumerate(row):
                    if cell and col not in excluded:
                        cells.append(cell)
                        owners.append(r)
        found: dict[int, tuple[str, ...]] = {}
        for i, categories in self.scan.detectors.terms.categories_in_cells(cells).items():
            if _LETTER.search(cells[i]):  # a cell without letters is a value, not text
                found[owners[i]] = found.get(owners[i], ()) + categories
        return found

    def _sensitive_cells(self, row: list[str], row_categories: set[str]) -> None:
        """A '504' column whose cell says yes, a plan column naming a plan..."""
        for col, category in self.columns.sensitive.items():
            if col < len(row) and row[col]:
                cats = self._truthy.get(row[col])
                if cats is None:
                    cats = self._truthy[row[col]] = (
                        set() if not is_truthy(row[col])
                        else _plan_categories(row[col]) if category == "plan"
                        else {category})
                row_categories |= cats
                for cat in cats:
                    self.acc.mentions[cat] += 1

    def _dob(self, row: list[str]) -> dt.date | None:
        """The first date in a date-of-birth column of the row."""
        for col in self.columns.dob:
            if col < len(row) and row[col]:
                value = row[col]
                if value not in self._dates:
                    self._dates[value] = parse_date(value)
                if self._dates[value] is not None:
                    return self._dates[value]
        return None


def _normal_rows(raw_rows: Iterable[Iterable[object]]) -> list[list[str]]:
    """Cells as stripped, normalized strings. A row of ASCII strings (most rows)
    is only stripped, and kept as it is when nothing changed (fewer objects
    for the garbage collector to track)."""
    cache: dict[str, str] = {}
    rows = []
    for raw in raw_rows:
        row = raw if type(raw) is list else list(raw)
        try:
            joined = "".join(row)  # type: ignore[arg-type]
        except TypeError:  # None, numbers
            joined = None
        if joined is not None and joined.isascii():
            stripped = [c.strip() for c in row]  # type: ignore[union-attr]
            rows.append(row if stripped == row else stripped)  # keep no second copy
        else:
            rows.append([_normal_cell(c, cache) for c in row])
    return rows


# --- small helpers ------------------------------------------------------------------

@dataclass(frozen=True)
class _Block:
    source: str
    rows: list[list[str]]


_TABBED_BLOCK = re.compile(r"(?:^[^\n]*\t[^\n]*(?:\n|\Z)){3,}", re.MULTILINE)
_CELL_TAB_CELL = re.compile(r"\S[ ]*\t+[ ]*\S")


def split_tabbed_blocks(text: str) -> tuple[str, list[tuple[int, list[list[str]]]]]:
    """Ranges pasted from a spreadsheet: three or more consecutive lines with
    tabs, at least two of which separate two values. Returns the text with
    those lines blanked (offsets kept) and, per block, its first line number
    and its rows."""
    if "\t" not in text:
        return text, []
    blocks: list[tuple[int, list[list[str]]]] = []
    pieces: list[str] = []
    last = 0
    for match in _TABBED_BLOCK.finditer(text):
        lines = match.group().split("\n")
        if sum(1 for line in lines if _CELL_TAB_CELL.search(line)) < 2:
            continue
        blocks.append((text.count("\n", 0, match.start()) + 1,
                       [line.rstrip("\r").split("\t") for line in lines if line.strip()]))
        pieces.append(text[last:match.start()])
        pieces.append(re.sub(r"[^\n]", " ", match.group()))
        last = match.end()
    if not blocks:
        return text, []
    pieces.append(text[last:])
    return "".join(pieces), blocks


_PARAGRAPH = re.compile(r"\n[ \t\r]*\n")
_TOTAL_WORDS = ("total", "totals", "count", "average", "sum", "grand total", "subtotal")


def _paragraph_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _PARAGRAPH.finditer(text)]


def _line_location(source: str, text: str, position: int) -> str:
    return f"{source}, line {text.count(chr(10), 0, position) + 1}"


def _nearest(identifiers: list[tuple[int, int, StudentKey]], starts: list[int], position: int,
             window: int) -> StudentKey | None:
    i = bisect.bisect_right(starts, position)
    best: tuple[int, StudentKey] | None = None
    for j in (i - 1, i):
        if 0 <= j < len(identifiers):
            start, end, key = identifiers[j]
            gap = max(start - position, position - end, 0)
            if gap <= window and (best is None or gap < best[0]):
                best = (gap, key)
    return best[1] if best else None


def _normal_cell(cell: object, cache: dict[str, str]) -> str:
    if cell is None:
        return ""
    if not isinstance(cell, str):
        cell = str(cell)
    if cell.isascii():
        return cell.strip()
    found = cache.get(cell)
    if found is None:
        found = cache[cell] = normalize_text(cell).strip()
    return found


def _has_digits(cell: str, n: int) -> bool:
    count = 0
    for char in cell:
        if char.isdigit():
            count += 1
            if count >= n:
                return True
    return False


def _row_identity(row: Sequence[str], identity_columns: set[int]) -> tuple[str, ...]:
    """What makes a row of a student list one student (its names and IDs),
    so the same row read twice (text and HTML alternatives) counts once."""
    return tuple(row[c].casefold() for c in sorted(identity_columns) if c < len(row))


def _identifies(row: Sequence[str], identity_columns: set[int]) -> bool:
    for col in identity_columns:
        if col < len(row) and row[col]:
            value = row[col].casefold()
            if value.startswith(_TOTAL_WORDS):
                return False
            if any(c.isalnum() for c in value):
                return True
    return False


_VALUE_ROLES = frozenset({Role.STUDENT_NAME, Role.NAME, Role.FIRST_NAME, Role.LAST_NAME,
                         Role.MIDDLE_NAME, Role.STUDENT_ID, Role.GENERIC_ID, Role.DOB,
                         Role.EMAIL, Role.GUARDIAN_EMAIL, Role.PHONE, Role.GRADE})
_LETTER = re.compile(r"[^\W\d_]")
_LABEL_SEPARATORS = re.compile(r"[_.]+")
_CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=\d)(?=[A-Za-z])|(?<=[A-Za-z])(?=\d)")

_FLAG_CATEGORIES = {"504": "504", "IEP": "iep", "MEDICAL": "health", "FRL": "lunch",
                    "HOMELESS": "welfare", "FOSTER": "welfare"}


def _flag_category(label: str) -> str:
    return _FLAG_CATEGORIES.get(label, "flag")


def _plan_categories(value: str) -> set[str]:
    """Categories named by a plan/flags cell ('504', 'IEP; ELL' -> {'iep', 'flag'})."""
    labels = {flag_label(part) for part in re.split(r"[;,|/]\s*", value) if is_truthy(part)}
    return {_flag_category(label) for label in labels} or {"flag"}
