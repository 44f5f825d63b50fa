"""Rows of a table that looks like a student list: a student each, even when
their names are not in the roster (a fallback: only rows no other detector
identified)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..redact import redact_name
from ..results import Evidence
from .base import IDENTIFY, Detector, RowFindings

if TYPE_CHECKING:
    from ..table_scan import TableView

_TOTAL_WORDS = ("total", "totals", "count", "average", "sum", "grand total", "subtotal")


class StudentListRows(Detector):
    name = "student_list_rows"
    stage = IDENTIFY
    fallback = True

    def table_reader(self, view: TableView) -> _ListRows | None:
        return _ListRows(view) if view.roster_like else None


class _ListRows:
    def __init__(self, view: TableView) -> None:
        self.view = view
        self.identity = view.columns.identity
        self.name_columns = sorted(view.profile.name_columns)

    def start_chunk(self, start: int, chunk: list[list[str]],
                    columns: list[tuple[str, ...]] | None) -> None:
        pass

    def read_row(self, r: int, row: list[str], found: RowFindings) -> None:
        if not _identifies(row, self.identity):
            return
        view = self.view
        acc, limit = view.acc, view.limit
        found.keys.append(view.row_key("row", _row_identity(row, self.identity)))
        if acc.wants("roster_row", limit):
            names = " ".join(row[c] for c in self.name_columns if c < len(row) and row[c])
            if names:
                acc.add_evidence(Evidence("roster_row", redact_name(names), view.location(r),
                                          "row of a student list"), limit)


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
