"""Matching text and table rows against a `RosterIndex` (one `RosterSession` per check).

Every distinct word of the text is hashed once and looked up in sets; names
are first+last adjacent in either order ('Maria Garcia', 'GARCIA, MARIA',
'Garcia Maria', with an optional middle initial) in text, or in two cells of
the same table row; IDs are found with or without separators; a date of
birth counts only when it is the DOB of a student matched in the same row
or nearby text. The rows of a table are read a column at a time
(`RowMatcher`): each distinct value once, so a long table costs about what
its distinct names, IDs and dates do.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from .dates import find_dates
from .ids import DEFAULT_EXCLUDE_WORDS, FILTERS
from .normalize import (
    MAX_ID_LENGTH,
    IdCandidate,
    greedy_id_candidates,
    id_runs,
    lower_same_length,
    name_key,
    student_id_key,
)
from .phrases import PhraseMatcher
from .redact import redact_id, redact_name
from .roster_hits import _FIRST, _ID, _LAST, _NAME, _PREFIX, RosterHit, _int
from .tables import columns_of
from .words import WORD, AsciiWords

if TYPE_CHECKING:
    from .roster import RosterIndex


# --- words, gaps and shapes the matcher reads ------------------------------------

_WORD = WORD
# what may separate two parts of a name: spaces (one line break at most), or a comma
_GAP = re.compile(r"[ \t]{1,3}|[ \t]*\r?\n[ \t]*|[ \t]*,[ \t]*")
_INITIAL_GAP = re.compile(r"\.?[ \t]{1,3}|\.")
_ID_HINTS: dict[int, re.Pattern[str]] = {}


def _id_hint(min_length: int) -> re.Pattern[str]:
    """Cells worth an ID lookup: `min_length` digits, single separators allowed."""
    found = _ID_HINTS.get(min_length)
    if found is None:
        found = _ID_HINTS[min_length] = re.compile(
            rf"\d(?:[ \-]?\d){{{max(min_length - 1, 0)}}}")
    return found
_DATE_SHAPE = re.compile(r"\d[-/.]\d|[A-Za-z]{3}\.?\s+\d|\d[\s\-][A-Za-z]{3}")
_DIGIT = re.compile(r"\d")




class _Unit(NamedTuple):
    """A name or name part in text: offsets of the whole unit, its hash and its
    roles (a tuple of ints: cheap to keep, and ignored by the garbage collector)."""

    start: int
    end: int
    hash: int
    bits: int


class RosterSession:
    """Per-check matcher with caches of this check's words (never kept after)."""

    def __init__(self, index: RosterIndex) -> None:
        self.index = index
        self._name_cache: dict[str, tuple[int, int]] = {}  # word -> (hash, bits)
        self._key_cache: dict[str, tuple[int, int]] = {}  # name_key -> (hash, bits)
        self._group_flags: dict[int, bool] = {}  # shared-name key -> any student flagged
        self._group_dobs: dict[int, set[int]] = {}  # hit key -> DOB hashes of its students
        self._id_cache: dict[str, int] = {}  # compact ID -> student or -1
        self._dob_cache: dict[str, int] = {}
        self._cell_date_cache: dict[str, tuple[int, ...]] = {}
        self._today_read: dt.date | None = None  # read when a date is (most checks have none)
        self._deadline = math.inf
        self.deadline_reached = False

    @property
    def _today(self) -> dt.date:
        if self._today_read is None:
            self._today_read = dt.date.today()
        return self._today_read

    def _expired(self) -> bool:
        if not self.deadline_reached and time.monotonic() > self._deadline:
            self.deadline_reached = True
        return self.deadline_reached

    # -- hashing with caches

    def _name(self, word: str) -> tuple[int, int]:
        found = self._name_cache.get(word)
        if found is None:
            found = self._hash_name(word)
            if not found[1] and word[-2:] in ("'s", "'S"):  # possessive: "Garcia's"
                found = self._hash_name(word[:-2])
            self._name_cache[word] = found
        return found

    def _hash_name(self, word: str) -> tuple[int, int]:
        key = name_key(word)
        if not key:
            return (0, 0)
        found = self._key_cache.get(key)  # 'Garcia', 'GARCIA' and 'garcia' hash once
        if found is None:
            h = _int(self.index.hasher.hash_name_key(key))
            found = self._key_cache[key] = (h, self.index._tokens.get(h, 0))
        return found

    def _names_among(self, words: Iterable[str]) -> set[str]:
        """The words that are roster name parts: as `_name(word)[1]` for each,
        but the new name keys are hashed in one loop."""
        cache, keys = self._name_cache, self._key_cache
        new = {word: word.lower() if word.isascii() and word.isalpha() else name_key(word)
               for word in words if word not in cache}  # (name_key, without its call)
        todo = list({key for key in new.values() if key and key not in keys})
        if todo:
            tokens, from_bytes = self.index._tokens, int.from_bytes
            for key, digest in zip(todo, self.index.hasher._digests(_NAME, todo), strict=True):
                h = from_bytes(digest, "big")  # _int, inline
                keys[key] = (h, tokens.get(h, 0))
        for word, key in new.items():
            if key and (keys[key][1] or word[-2:] not in ("'s", "'S")):
                cache[word] = keys[key]
            else:
                self._name(word)  # possessive ("Garcia's") or nothing to hash
        return {word for word in words if cache[word][1]}

    def _joined(self, words: Sequence[str]) -> tuple[int, int]:
        return self._name("".join(words))

    def student_for_id(self, compact: str) -> int:
        """The roster index of the student with this ID, or -1."""
        found = self._id_cache.get(compact)
        if found is None:
            key = student_id_key(compact)
            found = -1
            if key:
                digest = self.index.hasher._digest(_ID, key)
                found = self.index._ids.get(_int(digest), -1)
            self._id_cache[compact] = found
        return found

    def prefetch_ids(self, values: Iterable[str]) -> None:
        """Look many values up at once (the new values of an ID column), so that
        `student_for_id` then finds them cached: hashed in one loop, not one call each."""
        cache = self._id_cache
        new: list[str] = []
        keys: list[str] = []
        for value in values:
            if value in cache:
                continue
            # student_id_key's own fast path, without its call (most IDs are digits)
            key = (value.lstrip("0") or "0") if value.isdigit() and value.isascii() \
                else student_id_key(value)
            cache[value] = -1
            if key:
                new.append(value)
                keys.append(key)
        ids = self.index._ids
        for value, h in zip(new, self.index.hasher._int_digests(_ID, keys), strict=True):
            cache[value] = ids.get(h, -1)

    def _dob_hash(self, iso: str) -> int:
        found = self._dob_cache.get(iso)
        if found is None:
            found = _int(self.index.hasher.hash_dob(iso))
            self._dob_cache[iso] = found
        return found

    def _evidence_flag(self, student: int) -> bool:
        if student >= 0:
            return self.index.is_flagged(student)
        found = self._group_flags.get(student)  # a shared name: any of its students
        if found is None:
            found = self._group_flags[student] = self.index.is_flagged(student)
        return found

    def _dobs_of(self, student: int) -> set[int]:
        """The DOB hashes of the student(s) behind a hit's key."""
        found = self._group_dobs.get(student)
        if found is None:
            dob = self.index._dob
            found = self._group_dobs[student] = {
                dob[i] for i in self.index.students_of(student) if dob[i]}
        return found

    # -- text

    def match_text(self, text: str, *, min_id_length: int = 5, dob_window: int = 80,
                   lowered: str | None = None,
                   runs: Sequence[list[tuple[int, int]]] | None = None,
                   words: AsciiWords | None = None,
                   deadline: float = math.inf) -> list[RosterHit]:
        """Roster students in normalized text, in order of appearance.

        `lowered` (`lower_same_length(text)`), `runs` (`id_runs(text)`) and, for
        ASCII text, `words` (`AsciiWords(lowered)`) may be passed when the
        caller has them already. When `deadline` (a
        `time.monotonic()` value) passes, what was found so far is returned
        and `deadline_reached` is set.
        """
        self._deadline = deadline
        lowered = lowered if lowered is not None else lower_same_length(text)
        hits = self._ids_in_text(text, min_id_length, runs)
        if not self._expired():
            hits += self._names_in_text(text, lowered, words)
        hits.sort(key=lambda h: h.start)
        return self._confirm_dobs_in_text(text, hits, dob_window)

    def _ids_in_text(self, text: str, min_length: int,
                     runs: Sequence[list[tuple[int, int]]] | None = None) -> list[RosterHit]:
        found: list[RosterHit] = []
        students: dict[tuple[int, int], int] = {}

        def accept(candidate: IdCandidate) -> bool:
            if len(candidate.compact) < min_length:
                return False
            student = self.student_for_id(candidate.compact)
            if student < 0 or _something_else(text, candidate):
                return False
            students[(candidate.start, candidate.end)] = student
            return True

        for n, groups in enumerate(runs if runs is not None else id_runs(text)):
            if n % 512 == 511 and self._expired():
                break
            for candidate in greedy_id_candidates(text, groups, accept,
                                                  long_groups_when_spaced=1):
                student = students[(candidate.start, candidate.end)]
                found.append(RosterHit("id", student, self._evidence_flag(student),
                                       candidate.start, candidate.end,
                                       redact_id(candidate.compact)))
        return found

    def _names_in_text(self, text: str, lowered: str | None = None,
                       words: AsciiWords | None = None) -> list[RosterHit]:
        """Name pairs in text: the distinct words are hashed once; only the words
        that are roster name parts are then located, and their neighbours read."""
        if not self.index._tokens:
            return []
        if len(text) < 20_000:  # short text (a body, a cell): read its words in order
            if text.isascii():  # the common case: words of the lower-cased text, in C loops
                # ('Maria' and 'maria' are one word to hash and to look for)
                haystack = lowered if lowered is not None else text.lower()
                names = self._names_among((words or AsciiWords(haystack)).words)
            else:
                haystack = text
                names = self._names_among(_distinct_words(text))
            if not names:
                return []
            hits: list[RosterHit] = []
            consumed = 0
            for start, word in _word_starts(haystack, names):
                if start < consumed:
                    continue
                hit = self._name_at(text, start, text[start:start + len(word)])
                if hit is not None:
                    hits.append(hit)
                    consumed = hit.end
            return hits
        lowered = lowered if lowered is not None else lower_same_length(text)
        distinct: set[str] = set()
        for chunk in set(lowered.split()):
            if chunk.isalpha():
                distinct.add(chunk)
            else:
                distinct.update(_WORD.findall(chunk))
        candidates = [w for w in distinct if self._name(w)[1]]
        if not candidates:
            return []
        hits = []
        consumed = 0
        for n, found in enumerate(PhraseMatcher((w, "") for w in candidates).find(lowered)):
            if found.start < consumed or (n % 512 == 511 and self._expired()):
                continue
            word = _WORD.match(text, found.start)
            if word is None:
                continue
            hit = self._name_at(text, found.start, word.group())
            if hit is not None:
                hits.append(hit)
                consumed = hit.end
        return hits

    def _units_at(self, text: str, start: int, word: str) -> list[_Unit]:
        """Name units starting at `start`: the word, and joins of up to three words
        when the word starts a multi-word roster name; longest first."""
        h, bits = self._name(word)
        units = [_Unit(start, start + len(word), h, bits)] if bits & (_FIRST | _LAST) else []
        if bits & _PREFIX:
            parts = [word]
            end = start + len(word)
            for _ in range(2):
                nxt = _next_word(text, end, comma=False)
                if nxt is None:
                    break
                s, e, w = nxt
                parts.append(w)
                end = e
                jh, jbits = self._joined(parts)
                if jbits & (_FIRST | _LAST):
                    units.append(_Unit(start, end, jh, jbits))
        units.sort(key=lambda u: u.start - u.end)
        return units

    def _name_at(self, text: str, start: int, word: str) -> RosterHit | None:
        pairs = self.index._pairs
        for first_unit in self._units_at(text, start, word):
            nxt = _next_word(text, first_unit.end, comma=True)
            if nxt is None:
                continue
            s, e, w = nxt
            comma = "," in text[first_unit.end:s]
            second_units = self._units_at(text, s, w)
            if not second_units and not comma and _is_initial(w):
                after = _next_word(text, e, comma=False, initial=True)
                if after is not None:
                    second_units = self._units_at(text, after[0], after[2])
            for second in second_units:
                student = None
                if not comma and first_unit.bits & _FIRST and second.bits & _LAST:
                    student = pairs.get(first_unit.hash << 64 | second.hash)
                if student is None and first_unit.bits & _LAST and second.bits & _FIRST:
                    student = pairs.get(second.hash << 64 | first_unit.hash)
                if student is not None:
                    span = text[first_unit.start:second.end]
                    return RosterHit("name", student, self._evidence_flag(student),
                                     first_unit.start, second.end, redact_name(span))
        return None

    def _confirm_dobs_in_text(self, text: str, hits: list[RosterHit], window: int
                              ) -> list[RosterHit]:
        """Mark hits with their student's date of birth nearby (within `window`
        characters, in the same paragraph). Dates are read once per stretch of
        text, however many hits share it."""
        spans: list[tuple[int, int, set[int]]] = []
        for hit in hits:
            wanted = self._dobs_of(hit.student)
            lo, hi = max(0, hit.start - window), min(len(text), hit.end + window)
            para_start = text.rfind("\n\n", lo, hit.start)
            para_end = text.find("\n\n", hit.end, hi)
            lo = para_start + 2 if para_start >= 0 else lo
            hi = para_end if para_end >= 0 else hi
            spans.append((lo, hi, wanted))
        if not any(wanted for _, _, wanted in spans):
            return hits
        dates = self._dates_in_spans(text, [(lo, hi) for lo, hi, wanted in spans if wanted])
        starts = [start for start, _, _ in dates]
        out = []
        for hit, (lo, hi, wanted) in zip(hits, spans, strict=True):
            if wanted:
                first = bisect.bisect_left(starts, lo)
                if any(dates[i][1] <= hi and wanted.intersection(dates[i][2])
                       for i in range(first, bisect.bisect_left(starts, hi))):
                    hit = replace(hit, dob_confirmed=True)
            out.append(hit)
        return out

    def _dates_in_spans(self, text: str, spans: list[tuple[int, int]]
                        ) -> list[tuple[int, int, tuple[int, ...]]]:
        """(start, end, DOB hashes of its readings) for the dates in the union of spans."""
        merged: list[list[int]] = []
        for lo, hi in sorted(spans):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        found = []
        for lo, hi in merged:
            chunk = text[lo:hi]
            # (every date shape has a digit: a scan for one skips most prose ~10x faster)
            if not _DIGIT.search(chunk) or not _DATE_SHAPE.search(chunk):
                continue
            for date_hit in find_dates(chunk, self._today):
                hashes = tuple(self._dob_hash(d.isoformat()) for d in date_hit.dates)
                found.append((lo + date_hit.start, lo + date_hit.end, hashes))
        return found

    def _dates_in_cell(self, cell: str) -> tuple[int, ...]:
        found = self._cell_date_cache.get(cell)
        if found is None:
            found = tuple(self._dob_hash(d.isoformat()) for hit in find_dates(cell, self._today)
                          for d in hit.dates)
            self._cell_date_cache[cell] = found
        return found

    # -- table rows

    def match_cells(self, cells: Sequence[str], id_columns: set[int] | frozenset[int] = frozenset(),
                    name_columns: set[int] | None = None,
                    skip_columns: set[int] | frozenset[int] = frozenset(),
                    *, min_id_length: int = 5, ids_outside_id_columns: bool = True
                    ) -> list[RosterHit]:
        """Roster students in one table row (cells normalized).

        IDs: a whole cell in an ID column (any length), or ID-like runs of at
        least `min_id_length` characters in other cells (unless
        `ids_outside_id_columns` is false: a budget's account numbers are not
        students, whatever they equal). Names: first and last
        name in any two cells of the row (or the same short cell), restricted
        to `name_columns` when the header says which they are; long text cells
        are matched like running text. For many rows of one table, use
        `row_matcher` (same results, each distinct cell value read once).
        """
        return self.row_matcher(id_columns, name_columns, skip_columns,
                                min_id_length=min_id_length,
                                ids_outside_id_columns=ids_outside_id_columns).match(cells)

    def row_matcher(self, id_columns: set[int] | frozenset[int] = frozenset(),
                    name_columns: set[int] | None = None,
                    skip_columns: set[int] | frozenset[int] = frozenset(),
                    *, min_id_length: int = 5, ids_outside_id_columns: bool = True
                    ) -> RowMatcher:
        """`match_cells` with these columns, for the rows of one table."""
        return RowMatcher(self, id_columns, name_columns, skip_columns,
                          min_id_length=min_id_length,
                          ids_outside_id_columns=ids_outside_id_columns)

    def _ids_in_cell(self, cell: str, min_length: int) -> list[RosterHit]:
        """`_ids_in_text` for one cell. A cell of ASCII digits is one candidate,
        the whole cell (ID columns are mostly that), so it skips the run search."""
        if not (cell.isdigit() and cell.isascii()):
            return self._ids_in_text(cell, min_length)
        # what id_runs/greedy_id_candidates accept: a lone group of 4+ characters
        if len(cell) < max(min_length, 4) or len(cell) > MAX_ID_LENGTH:
            return []
        student = self.student_for_id(cell)
        if student < 0 or _something_else(cell, IdCandidate(0, len(cell), cell, cell)):
            return []
        return [RosterHit("id", student, self._evidence_flag(student), 0, len(cell),
                          redact_id(cell))]


_K = TypeVar("_K")
_V = TypeVar("_V")

# What one cell contributes to its row: hits of its own, and name parts to pair.
_CellMatch = tuple[tuple[RosterHit, ...], tuple[_Unit, ...]]
_NOTHING: _CellMatch = ((), ())


class RowMatcher:
    """Roster students in the rows of one table (see `RosterSession.match_cells`).

    A row's students come from what each cell holds on its own (an ID, or IDs
    and names in longer text), from first+last name parts paired across its
    cells, and from dates of birth anywhere in the row. `match_rows` works
    column-wise: each distinct value of a column is read once for the table
    (names and dates repeat down a column), a column none of whose values
    holds anything is left out, and rows alike in the columns that remain
    share one reading. Results equal reading each row afresh, in the same order.

    What is kept is chosen with the garbage collector in mind: readings that
    will not be reused (a student's own ID: IDs rarely repeat) are not kept,
    since every long-lived object makes the collector's full passes longer.
    """

    def __init__(self, session: RosterSession, id_columns: set[int] | frozenset[int],
                 name_columns: set[int] | None, skip_columns: set[int] | frozenset[int],
                 *, min_id_length: int, ids_outside_id_columns: bool) -> None:
        self.session = session
        self.id_columns = id_columns
        self.name_columns = name_columns
        self.skip_columns = skip_columns
        self.min_id_length = min_id_length
        self.ids_outside_id_columns = ids_outside_id_columns
        self._id_hint = _id_hint(min_id_length)
        self._cells: dict[int, dict[str, _CellMatch]] = {}  # column -> value -> reading
        self._pairs: dict[tuple[tuple[int, str], ...], tuple[RosterHit, ...]] = {}
        self._dates: dict[str, tuple[int, ...]] = {}
        # columns read -> their values in a row -> the row's hits (before dates)
        self._rows: dict[tuple[int, ...], dict[tuple[str, ...], tuple[RosterHit, ...]]] = {}

    def match(self, cells: Sequence[str]) -> list[RosterHit]:
        """Roster students in one row (cells normalized), as `match_cells`."""
        return list(self._confirm_dobs(cells, self._hits(enumerate(cells))))

    def match_rows(self, rows: Sequence[Sequence[str]],
                   columns: list[tuple[str, ...]] | None = None,
                   confirm_dobs: Iterable[bool] | None = None
                   ) -> Iterator[tuple[RosterHit, ...]]:
        """Roster students in each row, as `match` (see the class docstring);
        `columns` is `columns_of(rows)` when the caller has it. `confirm_dobs`
        says, row by row, whether to look for the students' dates of birth in
        the row (`dob_confirmed`); a caller that counts a row's date of birth
        for all its students anyway (from a DOB column) can spare the search.

        The columns are read up front; each row's hits are made as it is
        consumed, so that they are freed with the row (objects that outlive
        many allocations make the garbage collector's passes longer).
        """
        confirms = repeat(True) if confirm_dobs is None else confirm_dobs
        columns = columns if columns is not None else columns_of(rows)
        if columns is None:
            for row, confirm in zip(rows, confirms, strict=False):
                hits = self._hits(enumerate(row))
                yield self._confirm_dobs(row, hits) if confirm else hits
            return
        read = tuple(col for col, values in enumerate(columns)
                     if self._holds_students(col, values))
        if not read:
            yield from repeat((), len(rows))
            return
        dated = [columns[col] for col, values in enumerate(columns) if self._holds_dates(values)]
        # rows with an ID rarely repeat: keep the hits of rows alike in names only
        cache = None if self.id_columns.intersection(read) else self._rows.setdefault(read, {})
        row_values = zip(*(columns[col] for col in read), strict=True)
        row_dates = zip(*dated, strict=True) if dated else repeat(())
        # (repeat() is endless: the rows' values end the loop)
        for values, dates, confirm in zip(row_values, row_dates, confirms, strict=False):
            hits = cache.get(values) if cache is not None else None
            if hits is None:
                hits = self._hits(zip(read, values, strict=True))
                if cache is not None and not self.session.deadline_reached:
                    _keep(cache, values, hits)
            yield self._confirm_dobs(dates, hits) if hits and dates and confirm else hits

    def _holds_students(self, col: int, values: Sequence[str]) -> bool:
        """Whether some value of this column holds a hit or a name part."""
        if col in self.skip_columns:
            return False
        distinct = set(values)
        distinct.discard("")
        if not distinct:
            return False
        if col not in self.id_columns and self.name_columns is not None \
                and col not in self.name_columns:
            # only IDs inside the text can count here; most such columns have none
            if not self.ids_outside_id_columns or \
                    not self._id_hint.search(_VALUE_BREAK.join(distinct)):
                return False
        if col in self.id_columns:  # look the IDs up in one batch
            self.session.prefetch_ids(value.strip() for value in distinct)
            student_for_id = self.session.student_for_id
            # a number that is no roster ID holds nothing else (see _read_cell)
            distinct = {value for value in distinct if not (
                value.isdigit() and value.isascii() and student_for_id(value) < 0)}
        return any(self._cell(col, value) is not _NOTHING for value in distinct)

    def _holds_dates(self, values: Sequence[str]) -> bool:
        short = {value for value in values if value and len(value) <= 40}
        text = "".join(short)
        if text.isdigit() or not _DIGIT.search(text):  # a date has digits and more
            return False
        if not _DATE_SHAPE.search(_VALUE_BREAK.join(short)):
            return False
        return any(self._dates_in(value) for value in short)

    def _hits(self, cells: Iterable[tuple[int, str]]) -> tuple[RosterHit, ...]:
        """The hits of a row from its (column, cell) pairs, before dates of birth."""
        hits: list[RosterHit] = []
        seen: set[int] = set()
        named: list[tuple[int, str]] = []  # cells with name parts, for pairing
        units: list[tuple[_Unit, ...]] = []
        skip = self.skip_columns
        for col, cell in cells:
            if not cell or col in skip:
                continue
            own, parts = self._cell(col, cell)
            for hit in own:
                if hit.student not in seen:
                    seen.add(hit.student)
                    hits.append(hit)
            if parts:
                named.append((col, cell))
                units.append(parts)
        if named and sum(map(len, units)) >= 2:
            for hit in self._pair_hits(tuple(named), units):
                if hit.student not in seen:
                    seen.add(hit.student)
                    hits.append(hit)
        return tuple(hits)

    def _cell(self, col: int, cell: str) -> _CellMatch:
        cache = self._cells.setdefault(col, {})
        found = cache.get(cell)
        if found is None:
            found = self._read_cell(col, cell)
            # a reading cut short is not kept, nor a student's ID (read once, most likely)
            if not self.session.deadline_reached and (
                    found is _NOTHING or col not in self.id_columns):
                _keep(cache, cell, found)
        return found

    def _read_cell(self, col: int, cell: str) -> _CellMatch:
        session = self.session
        if col in self.id_columns:
            student = session.student_for_id(cell.strip())
            if student >= 0:
                return ((RosterHit("id", student, session._evidence_flag(student), 0,
                                   len(cell), redact_id(cell), cell=col),), ())
            if cell.isdigit() and cell.isascii():  # not an ID, nor anything else below
                return _NOTHING
        hits: list[RosterHit] = []
        if self.ids_outside_id_columns and len(cell) >= self.min_id_length and \
                self._id_hint.search(cell):
            hits += (replace(h, cell=col) for h in session._ids_in_cell(cell,
                                                                        self.min_id_length))
        if self.name_columns is not None and col not in self.name_columns:
            return (tuple(hits), ()) if hits else _NOTHING
        words = list(_WORD.finditer(cell))
        if len(words) > 4:  # running text: names must be adjacent
            hits += (replace(h, cell=col) for h in session._names_in_text(cell))
            return (tuple(hits), ()) if hits else _NOTHING
        parts = tuple(unit for word in words
                      for unit in session._units_at(cell, word.start(), word.group()))
        return (tuple(hits), parts) if hits or parts else _NOTHING

    def _pair_hits(self, named: tuple[tuple[int, str], ...], units: list[tuple[_Unit, ...]]
                   ) -> tuple[RosterHit, ...]:
        found = self._pairs.get(named)
        if found is None:
            found = _keep(self._pairs, named, self._read_pairs(named, units))
        return found

    def _read_pairs(self, named: tuple[tuple[int, str], ...], units: list[tuple[_Unit, ...]]
                    ) -> tuple[RosterHit, ...]:
        """A first and a last name part, in two cells or not overlapping in one,
        that are a roster student; each student once, first pairing first."""
        session = self.session
        pairs = session.index._pairs
        cells = dict(named)
        flat = [(col, unit) for (col, _), parts in zip(named, units, strict=True)
                for unit in parts]
        firsts = [(col, unit) for col, unit in flat if unit.bits & _FIRST]
        lasts = [(col, unit) for col, unit in flat if unit.bits & _LAST]
        hits: dict[int, RosterHit] = {}
        for fc, fu in firsts:
            for lc, lu in lasts:
                if fc == lc and not (fu.end <= lu.start or lu.end <= fu.start):
                    continue
                student = pairs.get(fu.hash << 64 | lu.hash)
                if student is None or student in hits:
                    continue
                if fc == lc:
                    lo, hi = min(fu.start, lu.start), max(fu.end, lu.end)
                    evidence = redact_name(cells[fc][lo:hi])
                else:
                    evidence = redact_name(cells[fc][fu.start:fu.end] + " "
                                           + cells[lc][lu.start:lu.end])
                hits[student] = RosterHit("name", student, session._evidence_flag(student),
                                          fu.start, fu.end, evidence, cell=fc)
        return tuple(hits.values())

    def _confirm_dobs(self, row: Iterable[str], hits: tuple[RosterHit, ...]
                      ) -> tuple[RosterHit, ...]:
        """Mark the hits whose student's date of birth is a date in the row."""
        if not hits:
            return hits
        found: set[int] = set()
        for cell in row:
            if cell and len(cell) <= 40:
                found.update(self._dates_in(cell))
        if not found:
            return hits
        return tuple(_dob_confirmed(h) if self._born_on(h.student, found) else h for h in hits)

    def _dates_in(self, cell: str) -> tuple[int, ...]:
        """DOB hashes of the readings of a date cell (of at most 40 characters)."""
        found = self._dates.get(cell)
        if found is None:
            found = _keep(self._dates, cell, self.session._dates_in_cell(cell)
                          if _DATE_SHAPE.search(cell) else ())
        return found

    def _born_on(self, student: int, dates: set[int]) -> bool:
        """Whether the date of birth of the student (or of one of the students
        sharing a name) is among these DOB hashes."""
        if student >= 0:
            dob = self.session.index._dob[student]
            return dob != 0 and dob in dates
        # the DOB hashes of the students sharing the name, gathered once per check
        return not self.session._dobs_of(student).isdisjoint(dates)


def _dob_confirmed(hit: RosterHit) -> RosterHit:
    """`replace(hit, dob_confirmed=True)`, without its per-call field lookup
    (every field of RosterHit, in order)."""
    return RosterHit(hit.kind, hit.student, hit.flagged, hit.start, hit.end, hit.evidence,
                     hit.cell, hit.row, hit.source, dob_confirmed=True)


_VALUE_BREAK = "\x00"  # joins a column's values for one regex pass: no digit, space or letter
_MAX_KEPT = 50_000  # readings kept per cache of a table: memory stays bounded


def _keep(cache: dict[_K, _V], key: _K, value: _V) -> _V:
    """Store and return `value`; a cache that has grown too big starts afresh."""
    if len(cache) >= _MAX_KEPT:
        cache.clear()
    cache[key] = value
    return value


_EXCLUDE = PhraseMatcher((word, "excl") for word in DEFAULT_EXCLUDE_WORDS)
_EXCLUDE_REACH = 20  # characters between 'Account', 'Phone'... and the number


def _something_else(text: str, candidate: IdCandidate) -> bool:
    """A number that equals a roster ID but is written as something else: a
    phone number, a date, an amount, or right after 'account', 'invoice',
    'phone'... on the same line (a budget's account numbers are not students)."""
    before = text[max(0, candidate.start - 3):candidate.start]
    after = text[candidate.end:candidate.end + 3]
    if any(f(candidate.raw, before, after) for f in FILTERS):
        return True
    lead = text[max(0, candidate.start - _EXCLUDE_REACH):candidate.start]
    lead = lead.rsplit("\n", 1)[-1]
    return bool(lead.strip()) and any(True for _ in _EXCLUDE.find(lower_same_length(lead)))


def _next_word(text: str, end: int, *, comma: bool, initial: bool = False
               ) -> tuple[int, int, str] | None:
    gap = (_INITIAL_GAP if initial else _GAP).match(text, end)
    if gap is None:
        return None
    if not comma and "," in gap.group():
        return None
    word = _WORD.match(text, gap.end())
    if word is None:
        return None
    return word.start(), word.end(), word.group()


def _distinct_words(text: str) -> set[str]:
    """`set(_WORD.findall(text))`, cheaper: a word never spans white space, so
    each distinct chunk between spaces is read once, and a chunk of letters
    only is a word as it is."""
    words: set[str] = set()
    findall = _WORD.findall
    for chunk in set(text.split()):
        if chunk.isalpha():
            words.add(chunk)
        else:
            words.update(findall(chunk))
    return words


def _word_starts(text: str, words: set[str]) -> list[tuple[int, str]]:
    """Where `words` (each one word as `_WORD` reads it) occur as whole words
    of `text` (as `_WORD.finditer` would find them), in order: `str.find` for each word and a look at its two
    neighbours, instead of a Python step for every word of the text."""
    found = []
    end_of_text = len(text)
    letter = _LETTER.match
    for word in words:
        n = len(word)
        i = text.find(word)
        while i >= 0:
            j = i + n
            if not (i > 0 and (letter(text, i - 1) or (
                    text[i - 1] in "'-" and i > 1 and letter(text, i - 2)))) and not (
                    j < end_of_text and (letter(text, j) or (
                        text[j] in "'-" and j + 1 < end_of_text and letter(text, j + 1)))):
                found.append((i, word))
            i = text.find(word, i + 1)
    found.sort()
    return found


_LETTER = re.compile(r"[^\W\d_]")  # what `_WORD` takes for a letter


def _is_initial(word: str) -> bool:
    return len(word) == 1 and word.isalpha()
