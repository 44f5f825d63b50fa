"""One profiled table, read row by row by the registered detectors.

Rows are taken in order (the first ones give the evidence, and the deadline
is checked every 128 rows), but a chunk of rows is first handed to each
detector's `RowReader` whole, column by column, so it can read each distinct
value of a column once (the roster matcher), find the sensitive terms of all
text cells in one pass, or skip columns that cannot hold what it looks for.
What is left per row is adding up: keys of students, categories, evidence.

A row is one student: an ID the roster does not know next to a roster name
is that student's ID, not a second student. A row nobody identified may
still be a student of a roster-like table (a `fallback` detector).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

from .dates import parse_date
from .detectors.base import IDENTIFY, RowFindings, RowReader
from .normalize import normalize_text
from .redact import redact_date
from .results import Acc, Evidence, StudentKey
from .tables import NOT_STUDENT_PEOPLE, Role, TableProfile, columns_of

if TYPE_CHECKING:
    from .scan import ScanState

_CHUNK_ROWS = 1024  # rows read column by column at a time (the deadline is checked within)

_VALUE_ROLES = frozenset({Role.STUDENT_NAME, Role.NAME, Role.FIRST_NAME, Role.LAST_NAME,
                         Role.MIDDLE_NAME, Role.STUDENT_ID, Role.GENERIC_ID, Role.DOB,
                         Role.EMAIL, Role.GUARDIAN_EMAIL, Role.PHONE, Role.GRADE})


@dataclass(frozen=True)
class TableColumns:
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
    def of(cls, profile: TableProfile, rows: list[list[str]]) -> TableColumns:
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


class TableView:
    """What a detector sees of one table: its normalized rows, profile and
    columns, and the totals of its source file (`acc`)."""

    def __init__(self, scan: ScanState, acc: Acc, source: str, rows: list[list[str]],
                 profile: TableProfile) -> None:
        self.scan = scan
        self.acc = acc
        self.source = source
        self.rows = rows
        self.profile = profile
        self.columns = TableColumns.of(profile, rows)
        self.roster_like = profile.looks_like_student_roster
        self.staff_directory = profile.kind == "staff_directory"
        self.limit = scan.config.max_evidence_per_source
        self.identifies = False  # whether some detector can identify students here
        # the dates of birth of the rows of the chunk being read (None: none)
        self.chunk_dobs: list[dt.date | None] | None = None
        self._dates: dict[str, dt.date | None] = {}
        self._occurrences: dict[tuple[object, ...], int] = {}

    def location(self, r: int) -> str:
        return f"{self.source}, row {r + 1}"

    def row_key(self, kind: str, identity: tuple[object, ...]) -> StudentKey:
        """The key of a student known only by a row: its identifying cells and
        how many rows of this table had them before. The same table in the
        text and the HTML alternative of a body gives the same keys (one
        student), while two rows alike in one table stay two."""
        occurrences, counted = self._occurrences, (kind, identity)
        seen = occurrences.get(counted, 0)
        occurrences[counted] = seen + 1
        return (kind, self.acc.source, identity, seen)

    def read(self) -> None:
        """Let the registered detectors read the rows. When none of them can
        identify a student here, their `table_reader` calls were all there is
        (a budget, a staff list: only the terms it mentions are counted)."""
        identify: list[RowReader] = []
        fallback: list[RowReader] = []
        registry = self.scan.registry
        for detector in registry:
            if detector.stage == IDENTIFY:
                reader = detector.table_reader(self)
                if reader is not None:
                    (fallback if detector.fallback else identify).append(reader)
        self.identifies = bool(identify or fallback)
        relate = [reader for detector in registry if detector.stage != IDENTIFY
                  for reader in (detector.table_reader(self),) if reader is not None]
        if not self.identifies:
            return
        self._read_rows(identify, fallback, relate)

    def _read_rows(self, identify: list[RowReader], fallback: list[RowReader],
                   relate: list[RowReader]) -> None:
        rows, header = self.rows, self.columns.header
        readers = identify + fallback + relate
        for start in range(self.profile.first_data_row, len(rows), _CHUNK_ROWS):
            end = min(start + _CHUNK_ROWS, len(rows))
            chunk = rows[start:end]
            columns = columns_of(chunk)  # None: ragged, read row by row
            self.chunk_dobs = [self._dob(row) for row in chunk] if self.columns.dob else None
            for reader in readers:
                reader.start_chunk(start, chunk, columns)
            dobs = self.chunk_dobs if self.chunk_dobs is not None else repeat(None)
            for r, dob in zip(range(start, end), dobs, strict=False):
                if r % 128 == 0 and self.scan.expired():
                    self.acc.partial = True
                    return
                row = rows[r]
                if not any(row) or (header and row == header):
                    continue
                found = RowFindings(dob=dob)
                for reader in identify:
                    reader.read_row(r, row, found)
                keys = found.keys
                if len(keys) > 1 and any(k[0] != "id" for k in keys):
                    found.keys = [k for k in keys if k[0] != "id"]
                if not found.keys:
                    for reader in fallback:
                        reader.read_row(r, row, found)
                for reader in relate:
                    reader.read_row(r, row, found)
                self._add_row(r, row, found)

    def _add_row(self, r: int, row: list[str], found: RowFindings) -> None:
        acc, limit, dob_value = self.acc, self.limit, found.dob
        if not found.keys:
            if dob_value is not None and self.roster_like:
                acc.dobs.add(self.row_key("dob", tuple(row)))
            return
        row_categories = found.categories
        for key in found.keys:
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

    def _dob(self, row: list[str]) -> dt.date | None:
        """The first date in a date-of-birth column of the row (the roster
        matcher confirms a student's DOB only where the row has none)."""
        for col in self.columns.dob:
            if col < len(row) and row[col]:
                value = row[col]
                if value not in self._dates:
                    self._dates[value] = parse_date(value)
                if self._dates[value] is not None:
                    return self._dates[value]
        return None


def normal_rows(raw_rows: Iterable[Iterable[object]]) -> list[list[str]]:
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
