"""A check's context (the seams facts.CheckContext names) from a tenant's roster,
shared by the service (services.py) and `safesend check` reading SQLite directly
(cli.py, store/sqlite_reads.py). Imports no database library."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .content import ContentReport, is_heavy, scan_message
from .facts import CheckContext, GroupResolver
from .message import Message
from .policy import Policy

if TYPE_CHECKING:
    from .detect import RosterIndex

log = logging.getLogger("safesend")

# message, policy, body as text -> the report, scanned elsewhere (scanproc/).
HeavyScanner = Callable[[Message, Policy, str], ContentReport]


@dataclass(frozen=True)
class LoadedRoster:
    """A tenant's roster snapshot as loaded: the index, and the stored blob it
    was read from (a scan process gets the blob once, not a database read)."""
    tenant_id: str
    snapshot: int
    blob: bytes
    index: RosterIndex


def check_context(roster: RosterIndex | None, resolve_groups: GroupResolver | None = None,
                  check_id: str | None = None, heavy_scanner: HeavyScanner | None = None
                  ) -> CheckContext:
    """With `heavy_scanner`, messages with big attachments are scanned through it
    (in a scan process); the others here, with no round trip."""
    def scan(message: Message, policy: Policy, body: str) -> ContentReport:
        if heavy_scanner is not None and is_heavy(message):
            return heavy_scanner(message, policy, body)
        return scan_message(message, policy, body, roster)

    return CheckContext(
        check_id=check_id,
        resolve_groups=resolve_groups,
        scan_content=scan,
        guardians=roster.guardian_recipients if roster is not None else None,
    )


def load_roster(blob: bytes, roster_key: bytes, tenant_id: str) -> RosterIndex | None:
    """The stored snapshot as an index; None (and an error in the log) when it cannot be used."""
    from .detect import RosterHasher, RosterIndex, RosterKeyError  # only when there is a roster

    try:
        return RosterIndex.from_bytes(blob, RosterHasher(roster_key))
    except RosterKeyError as exc:
        # SAFESEND_SECRET_KEY changed since the import: the hashes no longer match.
        log.error("roster of tenant %s cannot be used: %s", tenant_id, exc)
        return None
