"""What a detector sees of one text segment, and the text helpers they share.

The view holds the normalized text and what is worth computing once for all
detectors: its lower-cased form, its runs of ID-like characters, and one pass
of the keyword matcher (sensitive terms and date-of-birth words together).
Detectors add the students they identify (`add_identifier`) and count into
the source's totals (`acc`).
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from .config import DOB_LABEL
from .normalize import id_runs, lower_same_length
from .phrases import PhraseHit
from .topics import TermHit
from .words import AsciiWords

if TYPE_CHECKING:
    from .results import Acc, StudentKey
    from .scan import ScanState

_PREFILTER_MIN = 256  # characters of text worth the terms' prefilter (`PhraseMatcher.may_occur`)

# (start, end, student) of a student identified in the text
Identifier = tuple[int, int, "StudentKey"]


class TextView:
    __slots__ = ("acc", "identifiers", "lowered", "scan", "source", "stopped", "text",
                 "_dob_words", "_runs", "_terms", "_words")

    def __init__(self, scan: ScanState, acc: Acc, source: str, text: str) -> None:
        self.scan = scan
        self.acc = acc
        self.source = source
        self.text = text
        self.lowered = lower_same_length(text)
        self.identifiers: list[Identifier] = []  # in order of position once identified
        self.stopped = False  # the deadline was reached: later detectors are skipped
        self._runs: list[list[tuple[int, int]]] | None = None
        self._terms: list[TermHit] | None = None
        self._dob_words: list[PhraseHit] = []
        self._words: AsciiWords | None | bool = False  # False: not read yet

    @property
    def runs(self) -> list[list[tuple[int, int]]]:
        """`id_runs(text)`: the groups of characters an ID could be made of."""
        if self._runs is None:
            self._runs = list(id_runs(self.text))
        return self._runs

    @property
    def words(self) -> AsciiWords | None:
        """The words of the lower-cased text when it is ASCII (the common case), else None."""
        if self._words is False:
            self._words = AsciiWords(self.lowered) if self.text.isascii() else None
        return self._words  # type: ignore[return-value]

    @property
    def terms(self) -> list[TermHit]:
        """The sensitive terms of the text, in order."""
        if self._terms is None:
            self._read_keywords()
        assert self._terms is not None
        return self._terms

    @property
    def dob_words(self) -> list[PhraseHit]:
        """'DOB', 'born on'... in order."""
        if self._terms is None:
            self._read_keywords()
        return self._dob_words

    def _read_keywords(self) -> None:
        terms: list[TermHit] = []
        keywords = self.scan.detectors.keywords
        # (on a short text the pattern's pass costs less than reading its words)
        words = self.words if len(self.lowered) >= _PREFILTER_MIN else None
        if words is not None and not keywords.may_occur(words, self.lowered):
            self._terms = terms  # no term nor DOB word: the pattern's pass is spared
            return
        for found in keywords.find(self.lowered):
            if found.label == DOB_LABEL:
                self._dob_words.append(found)
            else:
                terms.append(TermHit(found.start, found.end, found.phrase, found.label))
        self._terms = terms

    def add_identifier(self, start: int, end: int, key: StudentKey) -> None:
        self.identifiers.append((start, end, key))

    def location(self, position: int) -> str:
        return line_location(self.source, self.text, position)

    def stop(self) -> None:
        """The deadline was reached while reading this segment."""
        self.stopped = True


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


def paragraph_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _PARAGRAPH.finditer(text)]


def line_location(source: str, text: str, position: int) -> str:
    return f"{source}, line {text.count(chr(10), 0, position) + 1}"


def nearest(identifiers: list[Identifier], starts: list[int], position: int,
            window: int) -> StudentKey | None:
    """The student identified closest to `position`, within `window` characters."""
    i = bisect.bisect_right(starts, position)
    best: tuple[int, StudentKey] | None = None
    for j in (i - 1, i):
        if 0 <= j < len(identifiers):
            start, end, key = identifiers[j]
            gap = max(start - position, position - end, 0)
            if gap <= window and (best is None or gap < best[0]):
                best = (gap, key)
    return best[1] if best else None
