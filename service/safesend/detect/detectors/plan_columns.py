"""A column that says who has a plan: a '504' column whose cell says yes, a
plan/flags column naming the plan ('IEP; ELL'). Its categories are the row's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..flags import is_truthy, plan_categories
from .base import RELATE, Detector, RowFindings

if TYPE_CHECKING:
    from ..table_scan import TableView


class PlanColumns(Detector):
    name = "plan_columns"
    stage = RELATE

    def table_reader(self, view: TableView) -> _PlanCells | None:
        return _PlanCells(view) if view.columns.sensitive else None


class _PlanCells:
    def __init__(self, view: TableView) -> None:
        self.acc = view.acc
        self.columns = view.columns.sensitive
        self._truthy: dict[str, set[str]] = {}

    def start_chunk(self, start: int, chunk: list[list[str]],
                    columns: list[tuple[str, ...]] | None) -> None:
        pass

    def read_row(self, r: int, row: list[str], found: RowFindings) -> None:
        for col, category in self.columns.items():
            if col < len(row) and row[col]:
                cats = self._truthy.get(row[col])
                if cats is None:
                    cats = self._truthy[row[col]] = (
                        set() if not is_truthy(row[col])
                        else plan_categories(row[col]) if category == "plan"
                        else {category})
                found.categories |= cats
                for cat in cats:
                    self.acc.mentions[cat] += 1
