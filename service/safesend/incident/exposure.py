"""One disclosure that incident response can open: a flagged message from a
sent-mail scan, or a send-time check. Each source registers a lookup that
turns the id a person types (`safesend incident report ID`) into an
`Exposure`; reports and letters read nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Exposure:
    kind: str                      # "scan" (a flagged sent message) or "check"
    ref: str                       # the id a person uses to open it
    tenant_id: str
    occurred_at: datetime          # when the message was sent (or checked)
    sender: str
    action: str                    # the verdict's action, as a send-time check would give
    rules: tuple[str, ...]
    recipients_total: int
    recipients_visible: int
    recipients_outside: int
    students: int
    students_sensitive: int
    # Roster references (RosterIndex.reference: keyed ID hashes), never names.
    roster_refs: tuple[str, ...] = ()
    sensitive_refs: tuple[str, ...] = ()


# (session, tenant id, ref) -> the exposure, or None when the ref is not this source's.
ExposureLookup = Callable[[Session, str, str], "Exposure | None"]
_LOOKUPS: list[ExposureLookup] = []


def register_lookup(lookup: ExposureLookup) -> ExposureLookup:
    if lookup not in _LOOKUPS:
        _LOOKUPS.append(lookup)
    return lookup


def find_exposure(session: Session, tenant_id: str, ref: str) -> Exposure | None:
    """The exposure behind `ref` in this tenant, from whichever source knows it."""
    for lookup in _LOOKUPS:
        found = lookup(session, tenant_id, ref)
        if found is not None:
            return found
    return None
