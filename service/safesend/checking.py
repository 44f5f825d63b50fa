"""Run one check for a caller: policy, seams, engine, and the record."""

from __future__ import annotations

import logging
import time

from sqlalchemy.orm import Session

from .auth import Principal
from .engine import evaluate
from .fingerprint import message_fingerprint
from .message import Message
from .policy import Policy
from .store.checks import record_check
from .verdict import Verdict

log = logging.getLogger("safesend.checks")


def run_check(services, session: Session, principal: Principal, message: Message,
              policy: Policy) -> Verdict:
    started = time.perf_counter()
    context = services.context_for(session, principal.tenant_id, policy)
    verdict, facts = evaluate(message, policy, context)
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    record_check(session, principal.tenant_id, message, verdict, facts,
                 message_fingerprint(message, services.fingerprint_key),
                 actor=principal.email or principal.subject, duration_ms=elapsed_ms)
    # Counts and names only: never subject, body or attachment content.
    log.info("check %s tenant=%s action=%s rules=%s recipients=%d attachments=%d ms=%d",
             verdict.check_id, principal.tenant_id, verdict.action,
             ",".join(f.rule for f in verdict.findings) or "-", len(message.recipients()),
             len(message.attachments), elapsed_ms)
    return verdict
