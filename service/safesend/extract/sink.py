"""Where a parser puts what it reads, with the per-file budgets applied as it
goes: text characters, table rows, the deadline. Parsers stay small: they
walk their format and call `out.text`, `out.table`, `out.child`."""

from __future__ import annotations

import time
from collections.abc import Iterable

from . import reasons
from .model import Child, FileResult, Job, Table, TextSegment, Unscannable, join_source

# Check the clock every so many rows/paragraphs: cheap, and frequent enough
# that a file can overrun its deadline only by milliseconds.
CLOCK_EVERY = 256


class ScanStop(Exception):
    """Stop scanning this file; what was read so far is kept, `reason` is
    reported. Raised for limits, encryption and unsupported formats."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Out:
    def __init__(self, job: Job):
        self.job = job
        self.limits = job.limits
        self.deadline = time.monotonic() + job.seconds_left
        self.chars_left = job.chars_left
        self.rows_left = job.limits.max_rows
        self.members_left = job.members_left
        self.bytes_left = job.bytes_left
        self.result = FileResult(kind=job.kind)
        self._ticks = 0

    # --- clock ---------------------------------------------------------------

    def tick(self) -> None:
        """Cheap cooperative deadline check for inner loops."""
        self._ticks += 1
        if self._ticks % CLOCK_EVERY == 0:
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise ScanStop(reasons.TIME)

    # --- output --------------------------------------------------------------

    def where(self, part: str | None) -> str:
        return join_source(self.job.source, part or "")

    def text(self, part: str | None, text: str) -> None:
        text = text.strip()
        if not text:
            return
        over = len(text) > self.chars_left
        if over:
            text = text[: max(self.chars_left, 0)]
        self.chars_left -= len(text)
        if text:
            self.result.segments.append(TextSegment(self.where(part), text))
        if over:
            raise ScanStop(reasons.too_much_text(self.limits))

    def table(self, part: str | None, rows: Iterable[list[str]]) -> None:
        """Keep every non-blank row, in order, within the row and char budgets."""
        kept: list[list[str]] = []
        try:
            for row in rows:
                self.tick()
                while row and not row[-1]:
                    row.pop()
                if not row:
                    continue
                if self.rows_left <= 0:
                    raise ScanStop(reasons.too_many_rows(self.limits))
                self.rows_left -= 1
                self.chars_left -= sum(map(len, row))
                kept.append(row)
                if self.chars_left < 0:
                    raise ScanStop(reasons.too_much_text(self.limits))
        finally:
            if kept:
                self.result.tables.append(Table(self.where(part), kept))

    def child(self, name: str, content_type: str | None, data: bytes,
              optional: bool = False) -> None:
        self.result.children.append(Child(name, content_type, data, optional))

    def problem(self, reason: str, part: str | None = None) -> None:
        self.result.problems.append(Unscannable(self.where(part), reason))
