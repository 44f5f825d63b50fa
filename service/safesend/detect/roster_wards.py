"""Guardian email hash -> the roster students they are the guardian of.

Two arrays ordered by hash, looked up by bisection. A dict of 130,000
guardians held ~10 MB of table and int objects for 100,000 students (issue
17: import memory); the arrays hold 12 bytes a guardian, and a check looks
up only its few recipients.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left
from collections.abc import Callable

# Ordered by the top 30 bits only: Python sorts ints of one 30-bit digit on a
# fast path, twice as fast as 64-bit ones; entries of equal top bits keep
# their order (a stable sort), so a guardian's students stay in roster order.
_SHIFT = 34


def _top(key: int) -> int:
    return key >> _SHIFT


class Wards:
    """`add` every (guardian, student) in roster order, `freeze`, then `get`."""

    __slots__ = ("_keys", "_students", "_frozen")

    def __init__(self) -> None:
        self._keys = array("Q")
        self._students = array("L")
        self._frozen = False

    def add(self, guardian: int, student: int) -> None:
        self._keys.append(guardian)
        self._students.append(student)

    def appenders(self) -> tuple[Callable[[int], None], Callable[[int], None]]:
        """`add` as two appends, guardian then student, for a build loop (a
        method call per guardian was ~4% of the 100k import)."""
        return self._keys.append, self._students.append

    def freeze(self) -> None:
        keys = self._keys
        if len(keys) > 1:
            order = sorted(range(len(keys)), key=[k >> _SHIFT for k in keys].__getitem__)
            pick = operator.itemgetter(*order)
            self._keys, self._students = array("Q", pick(keys)), array("L", pick(self._students))
        self._frozen = True

    def get(self, guardian: int) -> tuple[int, ...]:
        """The students of this guardian (none when not a roster guardian)."""
        assert self._frozen, "Wards.freeze() first"
        keys, top = self._keys, guardian >> _SHIFT
        i = bisect_left(keys, top, key=_top)
        found = []
        for j in range(i, len(keys)):
            key = keys[j]
            if key >> _SHIFT != top:
                break
            if key == guardian:
                found.append(self._students[j])
        return tuple(found)

    def __len__(self) -> int:
        """(guardian, student) pairs."""
        return len(self._keys)
