"""Normalization against evasions, applied once before any matching.

`normalize_text` makes text that *looks* the same to a reader compare the
same to the detectors:

- invisible characters are removed: Unicode format characters (category Cf:
  zero-width space/joiner/non-joiner, soft hyphen, word joiner, BOM, bidi
  marks...), the combining grapheme joiner, variation selectors and Hangul
  fillers;
- NFKC folds compatibility forms (full-width digits and letters, ligatures,
  NBSP and the other fixed-width spaces become a plain space);
- every remaining space separator becomes ' ', line/paragraph separators
  become '\\n', dashes and minus signs become '-', typographic apostrophes
  become "'", and decimal digits of any script become ASCII digits.

The function is idempotent (`normalize_text(normalize_text(s)) ==
normalize_text(s)`) and is a no-op on ASCII text, which is the common case.

IDs written with separators ("67 1234 5612", "67-1234-5612") are found by
`id_runs` / `greedy_id_candidates`: runs of digit groups joined by a single
space or hyphen, tried longest-first so that a list of IDs separated by
spaces still yields each ID.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex

# Invisible characters that can be slipped between letters or digits.
_INVISIBLE = regex.compile(
    r"[\p{Cf}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u3164\ufe00-\ufe0f\uffa0"
    r"\U000e0100-\U000e01ef]+"
)
# Characters NFKC leaves alone that still need a canonical ASCII form.
_SPACES = "\u1680"  # NFKC already maps the other Zs characters to ' '
_LINE_BREAKS = "\u2028\u2029\u0085"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d"
_APOSTROPHES = "\u2018\u2019\u201b\u02bc\u02b9\u2032\uff07"
_FOLD_TABLE = str.maketrans(
    {
        **{c: " " for c in _SPACES},
        **{c: "\n" for c in _LINE_BREAKS},
        **{c: "-" for c in _DASHES},
        **{c: "'" for c in _APOSTROPHES},
    }
)
_FOLD_CHARS = re.compile("[" + re.escape(_SPACES + _LINE_BREAKS + _DASHES + _APOSTROPHES) + "]")
_NON_ASCII_DIGIT = regex.compile(r"(?![0-9])\d")


def _ascii_digit(match: regex.Match[str]) -> str:
    return str(unicodedata.digit(match.group(), 0))


def normalize_text(text: str) -> str:
    """Canonical form of `text` for matching (see the module docstring)."""
    if text.isascii():
        return text
    for _ in range(3):  # converges in one pass in practice; bounded for safety
        folded = _normalize_once(text)
        if folded == text:
            break
        text = folded
    return text


def _normalize_once(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    if _FOLD_CHARS.search(text):
        text = text.translate(_FOLD_TABLE)
    return _NON_ASCII_DIGIT.sub(_ascii_digit, text)


def lower_same_length(text: str) -> str:
    """`text.lower()`, but guaranteed to keep every offset in place.

    A few characters (e.g. 'İ') lower-case to two code points; those are
    kept as they are so that match offsets in the lowered text are valid in
    the original.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# --- names --------------------------------------------------------------------

# Look-alike letters from other scripts folded to the Latin letter they mimic
# (an evasion: a Cyrillic 'а' inside "Mаria").
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
        "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
        "ı": "i", "ŧ": "t", "ħ": "h",
    }
)


def name_key(name: str) -> str:
    """The comparable form of a name or name part.

    NFKC, case-folded, accents removed ('María' -> 'maria'), look-alike
    letters folded, and everything that is not a letter dropped
    ("O'Brien" -> 'obrien', 'Smith-Jones' -> 'smithjones',
    'De La Cruz' -> 'delacruz').
    """
    if name.isascii():
        if name.isalpha():  # most words: nothing to drop
            return name.lower()
        return _ASCII_NON_LETTERS.sub("", name.lower())
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", name)).casefold()
    text = unicodedata.normalize("NFKD", text).translate(_CONFUSABLES)
    return _NON_LETTERS.sub("", text)


_ASCII_NON_LETTERS = re.compile(r"[^a-z]+")
_NON_LETTERS = regex.compile(r"\P{L}+")  # also drops the combining accents left by NFKD


def name_parts(name: str) -> list[str]:
    """Keys of the words of a name ('Mary-Ann' -> ['mary', 'ann'])."""
    return [k for k in (name_key(p) for p in _NAME_SPLIT.split(name)) if k]


_NAME_SPLIT = re.compile(r"[\s\-]+")


# --- student IDs --------------------------------------------------------------

_ID_SEPARATORS = re.compile(r"[\s\-._/]+")


def compact_id(value: str) -> str:
    """An ID without separators, upper-cased: ' 67-1234 5612 ' -> '6712345612'."""
    return _ID_SEPARATORS.sub("", normalize_text(value)).upper()


def student_id_key(value: str) -> str:
    """The comparable form of a student ID (what the roster hashes).

    Separators (spaces, hyphens, dots, underscores, slashes) are removed and
    letters upper-cased. A trailing '.0' left by a spreadsheet that stored the
    ID as a number is dropped. For an all-digit ID, leading zeros are
    removed ('00123456' == '123456'), because spreadsheets routinely drop
    them; an ID of zeros only becomes '0'. IDs with letters keep their zeros.
    """
    if value.isdigit() and value.isascii():  # the common case, and what the rest does to it
        return value.lstrip("0") or "0"
    text = normalize_text(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    compact = _ID_SEPARATORS.sub("", text).upper()
    if compact.isdigit():
        return compact.lstrip("0") or "0"
    return compact


@dataclass(frozen=True, slots=True)
class IdCandidate:
    """A possible ID in text: its span, the text as written, and without separators."""

    start: int
    end: int
    raw: str
    compact: str


# Digit-led groups joined by exactly one space or hyphen, or a single group of
# at least four characters (shorter numbers - grades, amounts split by commas,
# day and month of a date - are never IDs and are most of the numbers in text).
_ID_RUN = re.compile(r"\d[0-9A-Za-z]*(?:[ \-]\d[0-9A-Za-z]*)+|\d[0-9A-Za-z]{3,}")
_ID_GROUP = re.compile(r"\d[0-9A-Za-z]*")
_MAX_PREFIX = 4
MAX_ID_LENGTH = 40


def id_runs(text: str) -> Iterator[list[tuple[int, int]]]:
    """Spans of the groups of each separator-joined run of digit groups.

    A run may start with up to four letters ('S1234567', 'S-1234567'); a run
    glued to a longer word is not an ID run; a lone group shorter than four
    characters is not a run at all.
    """
    for match in _ID_RUN.finditer(text):
        start, end = match.span()
        if start and (text[start - 1].isalnum() or text[start - 1] == "-"):
            start = _prefix_start(text, start)
            if start < 0:
                continue
        run = match.group()
        if " " not in run and "-" not in run:
            yield [(start, end)]
            continue
        groups = [(g.start(), g.end()) for g in _ID_GROUP.finditer(text, match.start(), end)]
        groups[0] = (start, groups[0][1])
        yield groups


def _prefix_start(text: str, start: int) -> int:
    """Where a run starting at `start` really starts, given what precedes it:
    a letter prefix of up to four letters, optionally followed by a hyphen
    ('S1234567', 'SID-1234567'); -1 when the run is glued to a longer word."""
    i = start
    if text[i - 1] == "-":
        i -= 1
        if i == 0 or not text[i - 1].isalpha():
            return start  # a plain hyphen before the digits: not a prefix
    letters_end = i
    while i > 0 and text[i - 1].isascii() and text[i - 1].isalpha():
        i -= 1
    letters = letters_end - i
    if letters > _MAX_PREFIX or (i and text[i - 1].isalnum()) or \
            (letters == 0 and letters_end != start):
        return -1
    if letters == 0:
        return -1 if text[start - 1].isalnum() else start
    return i


def greedy_id_candidates(
    text: str,
    groups: list[tuple[int, int]],
    accept: Callable[[IdCandidate], bool],
    max_groups: int = 5,
    long_groups_when_spaced: int = 2,
) -> Iterator[IdCandidate]:
    """Accepted candidates from one run, joining groups longest-first.

    "67 1234 5612" is tried as '6712345612' before its parts; a list
    "12345678 23456789" whose joined form is not accepted yields each ID.
    A join of several groups is only tried when one of them has three or
    more characters and, if a space separates them, `long_groups_when_spaced`
    do (by default two, so "grades 90 85 77" or "scores 100 95 88" is never
    one number, while "12-345678" is; an exact roster lookup can allow one).
    """
    i = 0
    while i < len(groups):
        found = None
        for j in range(min(len(groups), i + max_groups), i, -1):
            if j - i > 1:
                long_groups = sum(1 for s, e in groups[i:j] if e - s >= 3)
                spaced = " " in text[groups[i][1]:groups[j - 1][0]]
                if long_groups < (long_groups_when_spaced if spaced else 1):
                    continue
            start, end = groups[i][0], groups[j - 1][1]
            if end - start > MAX_ID_LENGTH + 10:
                continue
            raw = text[start:end]
            compact = raw.replace(" ", "").replace("-", "").upper()
            if len(compact) > MAX_ID_LENGTH:
                continue
            candidate = IdCandidate(start, end, raw, compact)
            if accept(candidate):
                found = candidate
                i = j
                break
        if found is None:
            i += 1
        else:
            yield found


def id_candidates(text: str, accept: Callable[[IdCandidate], bool],
                  long_groups_when_spaced: int = 2) -> Iterator[IdCandidate]:
    """All accepted ID candidates in `text` (already normalized)."""
    for groups in id_runs(text):
        yield from greedy_id_candidates(text, groups, accept,
                                        long_groups_when_spaced=long_groups_when_spaced)
