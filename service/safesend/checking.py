"""Run one check for a caller: policy, seams, engine, and the record.

A check reads what it needs in one short transaction, evaluates with no
database connection held (extraction and directory look-ups may take up to
the time budget), then records the verdict in a second short transaction:
slow checks never hold pool connections that quick ones are waiting for.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace

from .auth import Principal
from .content import HEAVY_BYTES, files_not_scanned, is_heavy  # noqa: F401  (HEAVY_BYTES: importable here)
from .engine import evaluate
from .extract.reasons import TIME
from .facts import CheckContext
from .fingerprint import content_digest, message_fingerprint
from .gate.stamp import make_stamp
from .message import Message
from .policy import Policy
from .store.checks import check_record
from .store.db import transaction
from .verdict import Verdict

log = logging.getLogger("safesend.checks")

_heavy_lock = threading.Lock()
_heavy_slots: dict[int, threading.BoundedSemaphore] = {}


@contextmanager
def heavy_slot(services, message: Message, budget: float):
    """Checks with big attachments take turns (SAFESEND_HEAVY_CHECKS per process):
    as many as this process has scan processes (scanproc/), so a check that
    gets a turn finds one idle; and where they are off or cannot start, the
    scan runs in this process and holds the GIL, which a burst of them would
    take from the quick checks sharing the process. The time budget starts
    after the wait (it is taken when the scan starts). Yields whether the check
    got its turn: it waits the time budget at most, never without end."""
    if not is_heavy(message):
        yield True
        return
    slots = services.settings.heavy_checks
    with _heavy_lock:
        semaphore = _heavy_slots.setdefault(slots, threading.BoundedSemaphore(slots))
    if not semaphore.acquire(timeout=budget):
        yield False
        return
    try:
        yield True
    finally:
        semaphore.release()


def prepare_check(services, tenant_id: str) -> tuple[Policy, CheckContext]:
    """The tenant's current policy and check context: one autocommit query
    (plus the policy document or roster blob when they changed), none while cached."""
    cached = services.cached_check_inputs(tenant_id)
    if cached is not None:
        return cached
    with transaction(services.reads or services.sessions) as session:
        return services.check_inputs(session, tenant_id)


@dataclass
class Evaluated:
    """A verdict not yet recorded, with what recording it needs."""
    verdict: Verdict
    facts: object
    elapsed_ms: int
    digest: bytes   # the message's content_digest: its fingerprint and stamp


def evaluate_check(services, message: Message, policy: Policy, context: CheckContext,
                   digest: bytes | None = None) -> Evaluated:
    """The verdict, with no database connection held (extraction and directory
    look-ups may take up to the time budget). Nothing is recorded yet.
    `digest`: the message's content_digest when the caller has it already."""
    started = time.perf_counter()
    with heavy_slot(services, message, policy.limits.time_budget_seconds) as turn:
        if not turn and context.scan_content is not None:
            # Still taken up by other big files after the whole budget: this check's files
            # are reported as not scanned for time (its subject and body are scanned).
            log.warning("heavy checks: no turn within %g s; files not scanned",
                        policy.limits.time_budget_seconds)
            context = replace(context, scan_content=files_not_scanned(context.scan_content, TIME))
        verdict, facts = evaluate(message, policy, context)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    return Evaluated(verdict, facts, elapsed_ms, digest or content_digest(message))


def record_verdict(services, principal: Principal, message: Message, evaluated: Evaluated,
                   stamp_key: bytes | None = None) -> Verdict:
    """Record the check (committed before the verdict is returned).
    With `stamp_key`, a verdict that does not block carries the mail-flow gate's
    stamp (gate/stamp.py)."""
    verdict = evaluated.verdict
    # Committed with whatever other checks are waiting (store/check_writer.py).
    services.check_writer.write(check_record(
        principal.tenant_id, message, verdict, evaluated.facts,
        message_fingerprint(message, services.fingerprint_key, evaluated.digest),
        actor=principal.email or principal.subject, duration_ms=evaluated.elapsed_ms))
    if stamp_key is not None and verdict.action != "block":
        # The gate honours the stamp only while the check is allowed, warned or overridden.
        verdict.stamp = make_stamp(message, verdict.check_id, stamp_key, evaluated.digest)
    # Counts and names only: never subject, body or attachment content.
    log.info("check %s tenant=%s action=%s rules=%s recipients=%d attachments=%d ms=%d",
             verdict.check_id, principal.tenant_id, verdict.action,
             ",".join(f.rule for f in verdict.findings) or "-", len(message.recipients()),
             len(message.attachments), evaluated.elapsed_ms)
    return verdict


def run_check(services, principal: Principal, message: Message, policy: Policy,
              context: CheckContext, stamp_key: bytes | None = None) -> Verdict:
    """Evaluate, record, and return the verdict (the API's and the Gmail add-on's path)."""
    return record_verdict(services, principal, message,
                          evaluate_check(services, message, policy, context), stamp_key)
