"""Dates as people write them: 2011-03-04, 03/04/2011, 3/4/11, March 4, 2011, 4-Mar-2011.

`parse_date` reads one value (a roster cell); `find_dates` finds dates in
text and returns every reading of an ambiguous one (03/04/2011 is March 4th
in the US and April 3rd elsewhere), so that a date of birth can be confirmed
against either.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

DateOrder = Literal["MDY", "DMY"]

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"

_ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d])")
_NUMERIC = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?![\d])")
# month-name forms are matched in lower-cased text, and only when a month is named
_MONTH_FIRST = re.compile(r"(?<![a-z])" + _MONTH + r"\s+" + _DAY + r",?\s+(\d{4})(?!\d)")
_DAY_FIRST = re.compile(_DAY + r"[\s\-]+" + _MONTH + r",?[\s\-]+(\d{4}|\d{2})(?!\d)")
_MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")

MIN_YEAR = 1900


@dataclass(frozen=True, slots=True)
class DateHit:
    """A date in text: its span and every valid reading of it."""

    start: int
    end: int
    dates: tuple[dt.date, ...]


def _year(text: str, today: dt.date) -> int:
    year = int(text)
    if len(text) == 2:
        pivot = today.year % 100
        year += 2000 if year <= pivot else 1900
    return year


def _valid(year: int, month: int, day: int, today: dt.date) -> dt.date | None:
    if not MIN_YEAR <= year <= today.year + 1:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _readings(match: re.Match[str], kind: str, today: dt.date) -> tuple[dt.date, ...]:
    if kind == "iso":
        found = _valid(int(match[1]), int(match[3]), int(match[4]), today)
        return (found,) if found else ()
    if kind == "numeric":
        a, b, year = int(match[1]), int(match[3]), _year(match[4], today)
        out = [d for d in (_valid(year, a, b, today), _valid(year, b, a, today)) if d]
        return tuple(dict.fromkeys(out))
    if kind == "month_first":
        found = _valid(int(match[3]), MONTHS[match[1].lower()], int(match[2]), today)
        return (found,) if found else ()
    found = _valid(_year(match[3], today), MONTHS[match[2].lower()], int(match[1]), today)
    return (found,) if found else ()


_FINDERS = (("iso", _ISO), ("numeric", _NUMERIC), ("month_first", _MONTH_FIRST),
            ("day_first", _DAY_FIRST))


def find_dates(text: str, today: dt.date | None = None) -> list[DateHit]:
    """Dates in `text` (normalized), in order, each with all its valid readings."""
    today = today or dt.date.today()
    hits: list[DateHit] = []
    starts: list[int] = []  # sorted starts of the (non-overlapping) hits so far
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    named = any(stem in lowered for stem in _MONTH_STEMS)
    for kind, pattern in _FINDERS:
        if kind in ("month_first", "day_first") and not named:
            continue
        for match in pattern.finditer(lowered):
            start, end = match.span()
            if start and (text[start - 1].isalnum() or (kind in ("iso", "numeric")
                                                       and text[start - 1] in "-/.")):
                continue
            at = bisect.bisect_left(starts, start)
            if (at < len(starts) and starts[at] < end) or (at and hits[at - 1].end > start):
                continue
            readings = _readings(match, kind, today)
            if readings:
                hits.insert(at, DateHit(start, end, readings))
                starts.insert(at, start)
    return hits


def parse_date(value: str, order: DateOrder = "MDY", today: dt.date | None = None
               ) -> dt.date | None:
    """One date value, e.g. a roster cell; None when it is not a date.

    Numeric day/month order follows `order`, unless only the other reading
    is valid (13/04/2011 is April 13th whatever the order). A time part
    ('2011-03-04 00:00:00', '2011-03-04T00:00:00') is ignored; 20110304
    is read as ISO.
    """
    today = today or dt.date.today()
    text = _TIME_SUFFIX.sub("", value.strip())
    if not text:
        return None
    text = text.lower()
    for kind, pattern in _FINDERS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        readings = _readings(match, kind, today)
        if kind == "numeric" and readings:
            a, b, year = int(match[1]), int(match[3]), _year(match[4], today)
            first, second = (a, b) if order == "MDY" else (b, a)
            preferred = _valid(year, first, second, today)
            return preferred or readings[0]
        return readings[0] if readings else None
    match = _COMPACT.fullmatch(text)
    if match:
        return _valid(int(match[1]), int(match[2]), int(match[3]), today)
    return None


def iso(value: dt.date) -> str:
    return value.isoformat()
