"""IDs matching the district's ID patterns (`ids.py`): in text, and in the ID
columns of a table (the header is the context) or, in a table without a
header, next to a short label cell ('Student ID:' | '67123412')."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..ids import all_one_token, is_one_token
from ..redact import redact_id
from ..results import Evidence
from .base import IDENTIFY, Detector, RowFindings

if TYPE_CHECKING:
    from ..table_scan import TableView
    from ..text_view import TextView

# (column, header, whether a one-token cell can be an ID under that header)
_IdColumn = tuple[int, str, bool]


class StudentIds(Detector):
    name = "student_ids"
    stage = IDENTIFY

    def scan_text(self, view: TextView) -> None:
        scan = view.scan
        acc, limit = view.acc, scan.config.max_evidence_per_source
        id_scan = scan.detectors.ids.find_in_text(view.text, scan.deadline, normalized=True,
                                                  lowered=view.lowered, runs=view.runs)
        scan.note_id_scan(acc, id_scan)
        for id_hit in id_scan.hits:
            key = scan.id_key(id_hit.value)
            acc.students.add(key)
            acc.id_values.add(id_hit.value)
            if key[0] == "r":
                acc.in_roster.add(key)
                assert scan.roster is not None
                if scan.roster.is_flagged(key[1]):  # type: ignore[arg-type]
                    acc.flagged.add(key)
                    acc.mark_sensitive(key, scan.flag_categories(key[1]))  # type: ignore[arg-type]
            view.add_identifier(id_hit.start, id_hit.end, key)
            if acc.wants("student_id", limit):
                acc.add_evidence(Evidence("student_id", redact_id(id_hit.value),
                                          view.location(id_hit.start), id_hit.explanation),
                                 limit)

    def table_reader(self, view: TableView) -> _IdRows | None:
        columns = view.columns
        if not columns.eligible_id and not columns.headerless:
            return None
        return _IdRows(view)


class _IdRows:
    def __init__(self, view: TableView) -> None:
        self.view = view
        self.ids = view.scan.detectors.ids
        self._context_cache: dict[tuple[str, str], str | None] = {}
        header, columns = view.columns.header, view.columns
        # (column, header, whether a one-token cell there can be an ID), in column order
        self.id_pattern_columns: list[_IdColumn] = [
            (col, context, self.ids.may_match_one_token(context, self._context_cache))
            for col in sorted(columns.eligible_id - columns.skip)
            for context in (header[col] if col < len(header) else "",)]
        self.id_columns: list[_IdColumn] = []

    def start_chunk(self, start: int, chunk: list[list[str]],
                    columns: list[tuple[str, ...]] | None) -> None:
        """The ID columns to read in these rows: a column whose header gives no
        pattern its context only if some cell holds more than one token (an ID
        may then have context of its own: 'SID 1234567')."""
        self.id_columns = [
            column for column in self.id_pattern_columns
            if column[2] or not all_one_token(
                columns[column[0]] if columns is not None and column[0] < len(columns)
                else [row[column[0]] if column[0] < len(row) else "" for row in chunk])]

    def read_row(self, r: int, row: list[str], found: RowFindings) -> None:
        """IDs matching a pattern: the header is the context; in a table without
        a header, the cell to the left."""
        view = self.view
        if not self.id_columns and not view.columns.headerless:
            return
        scan, acc, limit, keys = view.scan, view.acc, view.limit, found.keys
        for cell, context in self._id_cells(row):
            id_scan = self.ids.find_in_cell(cell, context, scan.deadline,
                                            context_cache=self._context_cache)
            if id_scan.timed_out or id_scan.deadline_reached:  # (rare: no call per cell)
                scan.note_id_scan(acc, id_scan)
            for id_hit in id_scan.hits:
                key = scan.id_key(id_hit.value)
                acc.id_values.add(id_hit.value)
                if key not in keys:
                    keys.append(key)
                if key[0] == "r":
                    acc.in_roster.add(key)
                if acc.wants("student_id", limit):
                    acc.add_evidence(Evidence("student_id", redact_id(id_hit.value),
                                              view.location(r), id_hit.explanation), limit)

    def _id_cells(self, row: Sequence[str]) -> list[tuple[str, str]]:
        """(cell, context) of the cells of a row that may hold an ID matching a
        pattern, in column order: 4 digits or more, in an ID column (under a
        header that gives context, or not one token), or next to a short cell
        in a table without a header."""
        if self.view.columns.headerless:
            return [(row[col], row[col - 1]) for col in range(1, len(row))
                    if row[col] and row[col - 1] and len(row[col - 1]) <= 40
                    and _has_digits(row[col], 4)]
        return [(row[col], context) for col, context, one_token_ok in self.id_columns
                if col < len(row) and row[col] and _has_digits(row[col], 4)
                and (one_token_ok or not is_one_token(row[col]))]


def _has_digits(cell: str, n: int) -> bool:
    count = 0
    for char in cell:
        if char.isdigit():
            count += 1
            if count >= n:
                return True
    return False
