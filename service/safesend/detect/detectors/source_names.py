"""A sensitive file or sheet name ('504 list.xlsx', 'IEP_notes.docx') or a
title above a table's header: context for the students in that source (in a
table, for the rows of a student list or of roster students)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .base import RELATE, Detector, RowFindings

if TYPE_CHECKING:
    from ..scan import ScanState
    from ..table_scan import TableView
    from ..text_view import TextView

_LABEL_SEPARATORS = re.compile(r"[_.]+")
_CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=\d)(?=[A-Za-z])|(?<=[A-Za-z])(?=\d)")


class SensitiveSourceNames(Detector):
    name = "sensitive_source_names"
    stage = RELATE

    def scan_text(self, view: TextView) -> None:
        if not view.identifiers:  # nothing to mark: the label's terms are not even compiled
            return
        label = label_categories(view.scan, view.source)  # 'IEP notes - Garcia.docx'
        for _, _, key in view.identifiers if label else ():
            view.acc.mark_sensitive(key, label)

    def table_reader(self, view: TableView) -> _CaptionRows | None:
        categories = label_categories(view.scan, view.source) | {
            t.category for t in view.scan.detectors.terms.find(view.profile.caption)}
        for category in categories:
            view.acc.mentions[category] += 1
        return _CaptionRows(view, categories) if categories else None


class _CaptionRows:
    def __init__(self, view: TableView, categories: set[str]) -> None:
        self.categories = categories
        self.roster_like = view.roster_like

    def start_chunk(self, start: int, chunk: list[list[str]],
                    columns: list[tuple[str, ...]] | None) -> None:
        pass

    def read_row(self, r: int, row: list[str], found: RowFindings) -> None:
        if found.keys and (self.roster_like or any(k[0] == "r" for k in found.keys)):
            found.categories |= self.categories


def label_categories(scan: ScanState, source: str) -> set[str]:
    """Sensitive categories named by a source label (file or sheet name)."""
    cache = scan.cache("source_names")
    found = cache.get(source)
    if found is None:
        words = _LABEL_SEPARATORS.sub(" ", _CAMEL_CASE.sub(" ", source))
        found = cache[source] = scan.detectors.terms.categories_in(words)
    return found
