"""Sensitive terms ('504 plan', 'IEP', 'diagnosis'... by category, `topics.py`):
how often they are mentioned (`SensitiveMentions`), and which students they
are next to in running text (`SensitiveNearStudents`): within `near_window`
characters, or in the same (not over-long) paragraph. In a table, a term in
a text cell is about the students of its row."""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from ..results import Evidence
from ..text_view import paragraph_starts
from .base import COUNT, RELATE, Detector, RowFindings

if TYPE_CHECKING:
    from ..table_scan import TableView
    from ..text_view import TextView

_LETTER = re.compile(r"[^\W\d_]")


class SensitiveMentions(Detector):
    name = "sensitive_mentions"
    stage = COUNT  # counted whether or not a student is found

    def scan_text(self, view: TextView) -> None:
        mentions = view.acc.mentions
        for term in view.terms:
            mentions[term.category] += 1

    def table_reader(self, view: TableView) -> _TermRows | None:
        columns = view.columns
        if not view.identifies:
            # a budget, a staff list...: no row can identify a student; only count
            # the sensitive terms it mentions, in one pass
            skip = columns.no_terms
            text = "\n".join(cell for row in view.rows[view.profile.first_data_row:]
                             for col, cell in enumerate(row) if cell and col not in skip)
            for term in view.scan.detectors.terms.find(text, normalized=True):
                view.acc.mentions[term.category] += 1
            return None
        return _TermRows(view)


class _TermRows:
    """The categories of the sensitive terms in a row's text cells (found for
    a whole chunk in one pass) are the row's; each counts as a mention."""

    def __init__(self, view: TableView) -> None:
        self.view = view
        self.excluded = view.columns.skip | view.columns.no_terms
        self.by_row: dict[int, tuple[str, ...]] = {}

    def start_chunk(self, start: int, chunk: list[list[str]],
                    columns: list[tuple[str, ...]] | None) -> None:
        excluded = self.excluded
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
        for i, categories in self.view.scan.detectors.terms.categories_in_cells(cells).items():
            if _LETTER.search(cells[i]):  # a cell without letters is a value, not text
                found[owners[i]] = found.get(owners[i], ()) + categories
        self.by_row = found

    def read_row(self, r: int, row: list[str], found: RowFindings) -> None:
        categories = self.by_row.get(r)
        if categories:
            found.categories.update(categories)
            mentions = self.view.acc.mentions
            for category in categories:
                mentions[category] += 1


class SensitiveNearStudents(Detector):
    name = "sensitive_near_students"
    stage = RELATE

    def scan_text(self, view: TextView) -> None:
        terms, identifiers = view.terms, view.identifiers
        if not terms or not identifiers:
            return
        config, acc, text = view.scan.config, view.acc, view.text
        term_starts = [t.start for t in terms]
        paragraphs = paragraph_starts(text)
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
            acc.add_evidence(Evidence("sensitive", term.term, view.location(term.start),
                                      term.category), config.max_evidence_per_source)
