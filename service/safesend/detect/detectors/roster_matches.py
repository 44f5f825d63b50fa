"""Students of the roster, by name or ID, in text and in table rows (exact
match of keyed hashes: see `roster.py` and `roster_match.py`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import TYPE_CHECKING

from .base import IDENTIFY, Detector, RowFindings

if TYPE_CHECKING:
    from ..roster_hits import RosterHit
    from ..roster_match import RowMatcher
    from ..table_scan import TableView
    from ..text_view import TextView


class RosterMatches(Detector):
    name = "roster"
    stage = IDENTIFY

    def scan_text(self, view: TextView) -> None:
        scan = view.scan
        session = scan.session
        if session is None:
            return
        config, acc, text = scan.config, view.acc, view.text
        for hit in session.match_text(text, min_id_length=config.min_text_id_length,
                                      dob_window=config.dob_window, lowered=view.lowered,
                                      runs=view.runs, words=view.words,
                                      deadline=scan.deadline):
            key = scan.add_roster_hit(acc, hit, lambda h=hit: view.location(h.start))
            view.add_identifier(hit.start, hit.end, key)
        if session.deadline_reached:
            view.stop()

    def table_reader(self, view: TableView) -> _RosterRows | None:
        session = view.scan.session
        if session is None:
            return None
        columns = view.columns
        matcher = session.row_matcher(
            columns.id_columns, columns.name_columns, columns.skip,
            min_id_length=view.scan.config.min_text_id_length,
            ids_outside_id_columns=view.profile.kind not in ("financial", "staff_directory"))
        return _RosterRows(view, matcher)


class _RosterRows:
    """Reads a chunk column by column (`RowMatcher.match_rows`), then hands
    each row its hits."""

    def __init__(self, view: TableView, matcher: RowMatcher) -> None:
        self.view = view
        self.matcher = matcher
        self.hits: Iterator[Sequence[RosterHit]] = iter(())

    def start_chunk(self, start: int, chunk: list[list[str]],
                    columns: list[tuple[str, ...]] | None) -> None:
        dobs = self.view.chunk_dobs  # a row's DOB counts for all its students anyway
        self.hits = iter(self.matcher.match_rows(
            chunk, columns, confirm_dobs=None if dobs is None
            else [dob is None for dob in dobs]))
        self._next_row = start

    def read_row(self, r: int, row: list[str], found: RowFindings) -> None:
        hits: Sequence[RosterHit] = ()
        for _ in repeat(None, r - self._next_row + 1):  # rows skipped as empty
            hits = next(self.hits, ())
        self._next_row = r + 1
        if hits:
            self._keys(r, hits, found.keys)

    def _keys(self, r: int, row_hits: Sequence[RosterHit], keys: list) -> None:
        view = self.view
        scan = view.scan
        assert scan.roster is not None
        if view.staff_directory:  # a namesake on staff is not a student
            row_hits = [h for h in row_hits if h.kind == "id"]
        known = {h.student for h in row_hits if h.student >= 0} if len(row_hits) > 1 else ()
        for hit in row_hits:
            key = None
            if hit.student < 0:
                if known and known.intersection(  # type: ignore[union-attr]
                        scan.roster.students_of(hit.student)):
                    continue  # the same student, also matched by ID
                key = view.row_key("r?", (*view.rows[r], hit.student))  # a row is one student
            keys.append(scan.add_roster_hit(view.acc, hit, view.location, key, r))
