"""A check's context (the seams facts.CheckContext names) from a tenant's roster,
shared by the service (services.py) and `safesend check` reading SQLite directly
(cli.py, store/sqlite_reads.py). Imports no database library."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .content import scan_message
from .facts import CheckContext, GroupResolver

if TYPE_CHECKING:
    from .detect import RosterIndex

log = logging.getLogger("safesend")


def check_context(roster: RosterIndex | None, resolve_groups: GroupResolver | None = None,
                  check_id: str | None = None) -> CheckContext:
    return CheckContext(
        check_id=check_id,
        resolve_groups=resolve_groups,
        scan_content=lambda message, policy, body: scan_message(message, policy, body, roster),
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
