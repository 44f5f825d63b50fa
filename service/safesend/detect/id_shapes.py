"""ID patterns simple enough to test with `str` methods instead of a regex.

Most districts' IDs are a run of digits ('\\d{6,10}'), sometimes after a
letter prefix ('S\\d{7}'). For those, an ASCII value is decided by its
length, its prefix and `str.isdigit` (in ASCII, `\\d` is 0-9 and the
case-insensitive prefix compares upper-cased), with the same answer as
`regex.fullmatch` and none of its per-call cost (a table's ID column calls
it once per cell). Any other pattern, or a non-ASCII value, still goes
through the regex with its timeout, which protects against a bad IT regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# a literal ASCII-letter prefix, then \d or [0-9] with {n}, {n,m} or {n,}
_SIMPLE = re.compile(
    r"(?P<prefix>[A-Za-z]{0,8})(?:\\d|\[0-9\])\{(?P<lo>\d{1,3})(?:(?P<comma>,)(?P<hi>\d{1,3})?)?\}")


def ascii_shape_test(pattern: str) -> Callable[[str], bool] | None:
    """A test equal to `regex.fullmatch(pattern, value, IGNORECASE)` for ASCII
    values, or None when the pattern is not of the simple shapes above."""
    shape = _SIMPLE.fullmatch(pattern)
    if shape is None:
        return None
    prefix = shape["prefix"].upper()
    lo = int(shape["lo"])
    hi = lo if shape["comma"] is None else int(shape["hi"]) if shape["hi"] else 10**9
    if hi < lo:
        return None  # not a valid regex anyway; let the regex say so
    start = len(prefix)
    shortest, longest = start + lo, start + hi

    def test(value: str) -> bool:
        return (shortest <= len(value) <= longest and value[start:].isdigit()
                and (not start or value[:start].upper() == prefix))

    return test
