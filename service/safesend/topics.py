"""Sensitive topic terms in the subject and body (504, IEP, ...), for the
recipient rule: is this message *about* something that makes the group of
recipients itself private? (Detection's categories, in detect/topics.py,
answer a different question: is sensitive data *about a student* here?)

Compiled once per term list; text is normalized as detection does it, so
'５０４' and '5\u200b04' read as 504. Python's `re` tries every alternative
at every position (~0.4 ms for a 5 KB body and 30 terms), so a substring
pre-filter on the case-folded text first keeps only the terms whose first
word occurs at all; most messages have none and never reach the regex.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from .detect.normalize import normalize_text

try:  # the letters re.IGNORECASE treats as one (i/ı, s/ſ, µ/μ...): CPython 3.11+
    from re._casefix import _EXTRA_CASES
except ImportError:  # unknown: no pre-filter, every term goes to the regex
    _EXTRA_CASES = None

_SIMPLE_LOWER = {0x130: "i"}  # İ: str.lower() gives "i̇", re.IGNORECASE compares it as "i"
_SAME_LETTER = {c: min(c, *others) for c, others in (_EXTRA_CASES or {}).items()
                if min(c, *others) != c}


def _fold(text: str) -> str:
    """The text as re.IGNORECASE compares it, so that a substring test on it
    never misses what the regex would match."""
    if text.isascii():
        return text.lower()
    return text.translate(_SIMPLE_LOWER).lower().translate(_SAME_LETTER)


def _words(term: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", term.strip()) if w]


@lru_cache(maxsize=32)
def _first_words(terms: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(folded first word, term) for each term that has a word."""
    return tuple((_fold(words[0]), term) for term in terms if (words := _words(term)))


@lru_cache(maxsize=256)
def _compile(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    # Longest first, so "section 504" wins over "504"; any run of spaces or
    # hyphens between words matches, and terms match whole words only.
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):
        words = [re.escape(w) for w in _words(term)]
        parts.append(r"[\s\-]+".join(words))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def find_topics(text: str, terms: list[str] | tuple[str, ...], limit: int = 5) -> list[str]:
    """The distinct sensitive terms found (lower-cased), at most `limit`."""
    if not terms or not text:
        return []
    normalized = normalize_text(text)
    folded = _fold(normalized)
    present = [(first, term) for first, term in _first_words(tuple(terms))
               if first in folded or _EXTRA_CASES is None]
    pattern = _compile(tuple(term for _, term in present))
    if pattern is None:
        return []
    found: list[str] = []
    for match in _matches(pattern, normalized, folded, {first for first, _ in present}):
        term = " ".join(match.group(0).lower().split())
        if term not in found:
            found.append(term)
            if len(found) >= limit:
                break
    return found


def _matches(pattern: re.Pattern[str], normalized: str, folded: str,
             firsts: set[str]) -> Iterator[re.Match[str]]:
    """pattern.finditer(normalized), trying the pattern only where a term's first word
    starts: every match starts there, and `re` would otherwise try each alternative at
    every position of the text (~0.15 ms for 5 KB that mentions a term at all)."""
    if _EXTRA_CASES is None or len(folded) != len(normalized):
        yield from pattern.finditer(normalized)  # positions would not line up
        return
    starts: set[int] = set()
    for first in firsts:
        at = folded.find(first)
        while at >= 0:
            starts.add(at)
            at = folded.find(first, at + 1)
    end = 0
    for at in sorted(starts):
        if at < end:
            continue                          # inside the last match, as finditer goes on
        match = pattern.match(normalized, at)
        if match:
            yield match
            end = match.end()
