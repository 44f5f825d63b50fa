"""One sent message through the send-time engine: what would have happened,
and, when it would not simply have been allowed, the record incident
response keeps (counts, rules, action and roster references; no content)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from ..engine import evaluate
from ..facts import CheckContext
from ..mailfile import MailFileError
from ..policy import Policy
from .mime import parse_sent


@dataclass(frozen=True)
class Flag:
    message_id: str
    sent_at: datetime | None
    sender: str
    action: str
    rules: tuple[str, ...]
    recipients_total: int
    recipients_visible: int
    recipients_outside: int
    students: int
    students_sensitive: int
    roster_refs: tuple[str, ...] = ()
    sensitive_refs: tuple[str, ...] = ()


@dataclass
class Outcome:
    flag: Flag | None = None
    unreadable: bool = False
    problem: str = ""
    rules: list[str] = field(default_factory=list)


def message_key(secret: bytes, source_key: str) -> str:
    """A keyed hash of the source's id for a message: dedups without keeping the id."""
    return hmac.new(secret, source_key.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def scan_raw(raw: bytes, policy: Policy, context: CheckContext,
             sent_at: datetime | None = None) -> Outcome:
    """Judge one stored message as if it were being sent now."""
    try:
        parsed = parse_sent(raw)
    except MailFileError as exc:
        return Outcome(unreadable=True, problem=str(exc))
    message = parsed.message
    verdict, facts = evaluate(message, policy, context)
    # Test-mode rules count too: the question is what went out, not what the sender saw.
    action = verdict.audit_action
    if action == "allow":
        return Outcome()
    findings = (*verdict.findings, *verdict.audit_findings)
    detections = getattr(facts.content, "detections", None)
    message_id, header_sent = parsed.message_id, parsed.sent_at
    return Outcome(flag=Flag(
        message_id=message_id,
        sent_at=header_sent or sent_at,
        sender=message.sender,
        action=action,
        rules=tuple(dict.fromkeys(f.rule for f in findings)),
        recipients_total=facts.total_audience,
        recipients_visible=sum(a.size if a.size is not None else 1 for a in facts.visible),
        recipients_outside=facts.external_count(facts.audience),
        students=getattr(detections, "students", 0) or verdict.students_matched,
        students_sensitive=getattr(detections, "students_with_sensitive", 0) or 0,
        roster_refs=tuple(getattr(detections, "roster_students", ()) or ()),
        sensitive_refs=tuple(getattr(detections, "sensitive_roster_students", ()) or ()),
    ))
