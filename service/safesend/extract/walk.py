"""extract_attachments: every attachment of a message, and every file inside
them, scanned depth-first under the message-wide budgets (total bytes,
archive members, text characters, time). The walker owns the budgets; the
parsers (dispatch.py, in a worker or in-process) only see what is left."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from ..bugs import where
from . import reasons
from .dispatch import parse
from .isolation import UNAVAILABLE
from .model import Child, Extraction, ExtractLimits, FileResult, Job, Unscannable, join_source
from .sniff import IN_PROCESS, LABELS, SKIPPED, UNSUPPORTED, sniff

log = logging.getLogger("safesend.extract")

# Text, CSV and TSV are read in the web process whatever their size (within
# the file size limit): decoding and the csv module are linear C code that
# checks the deadline every 256 rows, and a table's rows end up in this
# process anyway. Through a worker, a 5 MB CSV cost the same parse there plus
# packing, JSON and unpacking the rows here: 0.18 s more CPU (issue 17).


@dataclass
class _Pending:
    source: str
    name: str
    content_type: str | None
    data: bytes
    depth: int
    optional: bool = False
    parent: str | None = None  # source of the archive/email it came from
    position: str = ""  # "attachment 2.3" (3rd file inside the 2nd attachment): logs use this


def extract_attachments(attachments: Iterable[tuple[str, str | None, bytes]],
                        limits: ExtractLimits) -> Extraction:
    """Text segments and tables of every attachment; what cannot be read is
    listed in `problems`. Never raises for bad input."""
    walk = _Walk(limits)
    pending: deque[_Pending] = deque()
    for index, (name, content_type, data) in enumerate(attachments, start=1):
        name = str(name or f"attachment {index}")
        pending.append(_Pending(name, name, content_type, bytes(data or b""), 0,
                                position=f"attachment {index}"))
    while pending:
        item = pending.popleft()
        try:
            children = walk.scan(item)
        except Exception as exc:  # a bug of ours must not fail the check: report the file
            walk.internal_error(where(exc))
            walk.problem(item, reasons.INTERNAL)
            children = []
        pending.extendleft(reversed(children))  # depth-first, in document order
    return walk.extraction


class _Walk:
    def __init__(self, limits: ExtractLimits):
        self.limits = limits
        self.extraction = Extraction()
        self._pool = None
        self._pool_tried = False
        self.deadline = time.monotonic() + limits.time_budget_seconds
        self.bytes_left = limits.max_total_bytes
        self.chars_left = limits.max_text_chars
        self.members_left = limits.max_members

    def internal_error(self, location: str) -> None:
        # Type and module:line only: never the file's name or content.
        log.error("extract: internal error (%s)", location)
        self.extraction.internal_errors.append(location)

    def problem(self, item: _Pending, reason: str, name: str | None = None) -> None:
        problem = Unscannable(name or item.source, reason)
        if problem not in self.extraction.problems[-50:]:  # once per file and reason
            self.extraction.problems.append(problem)

    def scan(self, item: _Pending) -> list[_Pending]:
        reason = self._over_budget(item)
        if reason:
            # A message-wide budget running out inside an archive is reported
            # once, on the archive, not on each of its remaining files.
            shared = reason != reasons.too_large(self.limits) and item.parent
            self.problem(item, reason, item.parent if shared else None)
            return []
        kind = sniff(item.name, item.content_type, item.data)
        if kind in SKIPPED or (kind == "image" and not self.limits.ocr):
            self._count(item)
            return []
        if kind in UNSUPPORTED:
            if not item.optional:
                self.problem(item, reasons.unreadable_format(LABELS[kind]))
            return []
        started = time.monotonic()
        result = self._parse(item, kind)
        # Position, kind and size only: file names carry student names.
        log.debug("extract: %s (a %s file of %d bytes) in %.1f ms", item.position, result.kind or kind,
                  len(item.data), (time.monotonic() - started) * 1000)
        self._merge(item, result)
        return self._children(item, result.children)

    def _over_budget(self, item: _Pending) -> str | None:
        size = len(item.data)
        if time.monotonic() >= self.deadline:
            return reasons.TIME
        if size > self.limits.max_file_bytes:
            return reasons.too_large(self.limits)
        if size > self.bytes_left:
            return reasons.total_too_large(self.limits)
        if self.chars_left <= 0 and size:
            return reasons.too_much_text(self.limits)
        return None

    def _parse(self, item: _Pending, kind: str) -> FileResult:
        job = Job(source=item.source, name=item.name, content_type=item.content_type, kind=kind,
                  data=item.data, depth=item.depth, limits=self.limits,
                  seconds_left=max(self.deadline - time.monotonic(), 0.0),
                  chars_left=self.chars_left, members_left=self.members_left,
                  bytes_left=self.bytes_left - len(item.data), position=item.position)
        if kind in IN_PROCESS or not self.limits.isolate:
            return parse(job)
        pool = self._worker_pool()
        if pool is None:
            return FileResult(kind=kind, problems=[Unscannable(item.source, UNAVAILABLE)])
        return pool.run(job, self.deadline)

    def _worker_pool(self):
        """The process's worker pool, started only when a file needs a worker: a
        text-only message (the CLI's usual case) never starts a process."""
        if not self._pool_tried:
            self._pool_tried = True
            from .isolation import default_pool

            try:
                self._pool = default_pool()
            except Exception as exc:  # cannot start processes: never parse hostile files unguarded
                log.error("extract: no worker pool (%s)", type(exc).__name__)
        return self._pool

    def _merge(self, item: _Pending, result: FileResult) -> None:
        out = self.extraction
        if result.internal_error:
            self.internal_error(result.internal_error)
        for segment in result.segments:
            self.chars_left -= len(segment.text)
        for table in result.tables:  # map/chain: this sees every cell of a 5 MB CSV
            self.chars_left -= sum(map(len, chain.from_iterable(table.rows)))
        out.segments.extend(result.segments)
        out.tables.extend(result.tables)
        problems = result.problems
        if item.optional:  # an embedded object we cannot read is not worth a warning
            problems = [p for p in problems if not _is_format_problem(p.reason)]
        out.problems.extend(problems)
        read_something = result.segments or result.tables or result.children
        if read_something or not any(p.name == item.source for p in result.problems):
            self._count(item)

    def _count(self, item: _Pending) -> None:
        self.extraction.files_scanned += 1
        self.extraction.bytes_scanned += len(item.data)
        self.bytes_left -= len(item.data)

    def _children(self, item: _Pending, children: list[Child]) -> list[_Pending]:
        if not children:
            return []
        depth = item.depth + 1
        if depth > self.limits.max_depth:
            if any(not c.optional for c in children):
                self.problem(item, reasons.too_deep(self.limits))
            return []
        kept: list[_Pending] = []
        for number, child in enumerate(children, start=1):
            if self.members_left <= 0:
                self.problem(item, reasons.too_many_members(self.limits))
                break
            self.members_left -= 1
            kept.append(_Pending(join_source(item.source, child.name), child.name,
                                 child.content_type, child.data, depth,
                                 child.optional or item.optional, item.source,
                                 f"{item.position}.{number}"))
        return kept


def _is_format_problem(reason: str) -> bool:
    return reason.startswith(("its format", "it is damaged"))
