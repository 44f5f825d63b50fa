"""Where a sent-mail scan reads from. Every source hands raw MIME (or an
Outlook .msg) to the same engine as a send-time check, one message at a time,
with the checkpoint that resumes just after it.

A source plans jobs (one per mailbox, or per slice of a large mailbox) and
then reads one job's messages from a checkpoint. Sources never keep content.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

SOURCE_KINDS = ("graph", "ews", "gmail", "mbox", "folder")
_MODULES = {"graph": "graph", "ews": "ews", "gmail": "gmail", "mbox": "mbox", "folder": "folder"}


class SourceError(Exception):
    """A failure worded for people. `retryable` ones (throttling, a server that
    is down) are tried again with back-off; the rest (sign-in, permission,
    a missing file) fail the mailbox at once."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class JobPlan:
    mailbox: str
    slice_no: int = 0
    bounds: dict[str, Any] = field(default_factory=dict)
    expected: int | None = None     # how many messages, when the source knows up front


@dataclass(frozen=True)
class SourceMessage:
    key: str                        # the source's own id for the message (kept only as a keyed hash)
    raw: bytes                      # RFC 822 bytes, or an Outlook .msg
    position: dict[str, Any]        # the checkpoint that resumes after this message
    sent_at: datetime | None = None  # what the source says, when it says it

    @property
    def skipped(self) -> bool:
        """Outside --since/--until or another sender's: passed over, not scanned."""
        return not self.raw


@dataclass(frozen=True)
class Window:
    """The --since/--until dates (UTC), either open."""

    since: datetime | None = None
    until: datetime | None = None

    def holds(self, moment: datetime | None) -> bool:
        if moment is None:
            return True
        if self.since is not None and moment < self.since:
            return False
        return self.until is None or moment < self.until


def slice_window(plan: JobPlan, window: Window) -> Window:
    """The dates one job reads: its slice's half-open [after, before) when the
    mailbox was cut into date slices (see slices.py), else the scan's window."""
    bounds = plan.bounds or {}
    if "after" not in bounds and "before" not in bounds:
        return window
    return Window(_moment(bounds.get("after")), _moment(bounds.get("before")))


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Source(Protocol):
    kind: str

    def plan(self, mailboxes: tuple[str, ...], window: Window) -> list[JobPlan]: ...

    def messages(self, plan: JobPlan, checkpoint: dict[str, Any] | None,
                 window: Window) -> Iterator[SourceMessage]: ...

    def close(self) -> None: ...


def build_source(kind: str, *, location: str = "", config: dict[str, Any] | None = None,
                 base_dir: Path | None = None, **seams: Any) -> Source:
    """The source of this kind. `config` is the policy's `incident.sources.<kind>`
    section (API sources: tenant, client and the names of the environment
    variables holding secrets); `seams` are the libraries' test seams."""
    if kind not in _MODULES:
        raise SourceError(f"{kind!r} is not a source (expected one of: {', '.join(SOURCE_KINDS)})",
                          retryable=False)
    module = importlib.import_module(f"{__package__}.{_MODULES[kind]}")
    return module.from_config(location=location, config=config or {}, base_dir=base_dir, **seams)
