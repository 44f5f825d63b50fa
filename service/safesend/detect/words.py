"""The words of one ASCII text, read once for the detectors that need them.

ASCII is the common case, and its words can be read in C loops: one
`str.translate` turns what is not a letter, an apostrophe or a hyphen into
a space, one `split` gives the chunks between, and a chunk of letters only
is a word as it is (the regex reads only the chunks with an apostrophe or
a hyphen). Roster names need the words as `WORD` reads them ("o'brien",
"smith-jones"); the phrase matcher needs the runs of letters (see
`phrases.PhraseMatcher.may_occur`). Nothing here is kept after the check.
"""

from __future__ import annotations

import re

# a word of a name or of running text: letters, joined by single apostrophes or hyphens
WORD = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
_JOIN = re.compile(r"['\-]+")
# every ASCII character `WORD` cannot take, as a space
_ASCII_NON_WORD = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalpha() or chr(c) in "'-")})


class AsciiWords:
    """The distinct words of an ASCII text (give it lower-cased for
    case-insensitive matching; the set keeps the text's case)."""

    __slots__ = ("_chunks", "_joined", "_letter_runs", "_words")

    def __init__(self, text: str) -> None:
        self._chunks = set(text.translate(_ASCII_NON_WORD).split())
        self._joined = {chunk for chunk in self._chunks if not chunk.isalpha()} \
            if "'" in text or "-" in text else set()
        self._words: set[str] | None = None
        self._letter_runs: set[str] | None = None

    @property
    def words(self) -> set[str]:
        """`set(WORD.findall(text))`."""
        if self._words is None:
            self._words = self._chunks - self._joined
            findall = WORD.findall
            for chunk in self._joined:
                self._words.update(findall(chunk))
        return self._words

    @property
    def letter_runs(self) -> set[str]:
        """The maximal runs of letters of the text ("o'brien" gives 'o', 'brien')."""
        if self._letter_runs is None:
            self._letter_runs = self._chunks - self._joined
            split = _JOIN.split
            for chunk in self._joined:
                self._letter_runs.update(split(chunk))
            self._letter_runs.discard("")
        return self._letter_runs
