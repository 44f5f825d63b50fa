"""check(message, policy, context) -> Verdict: the one pure entry point.

No Flask here, no database: the engine gathers facts through the seams in
`CheckContext`, asks every enabled rule, and keeps audit-mode findings apart
so they are recorded but never shown to the sender.
"""

from __future__ import annotations

import uuid

from .facts import CheckContext, Facts, gather_facts
from .message import Message
from .policy import Policy
from .rules import RULES
from .verdict import Verdict


def check(message: Message, policy: Policy, context: CheckContext | None = None) -> Verdict:
    return evaluate(message, policy, context)[0]


def evaluate(message: Message, policy: Policy,
             context: CheckContext | None = None) -> tuple[Verdict, Facts]:
    """The verdict and the facts it was built on (counts for the record)."""
    context = context or CheckContext()
    facts = gather_facts(message, policy, context)
    verdict = Verdict(
        check_id=context.check_id or uuid.uuid4().hex,
        policy_version=policy.version,
        students_matched=facts.students_matched,
    )
    for name, rule in RULES.items():
        settings = getattr(policy.rules, name)
        if not settings.enabled:
            continue
        for finding in rule.evaluate(message, facts, policy):
            if settings.mode == "audit":
                finding.audit = True
                verdict.audit_findings.append(finding)
            else:
                verdict.findings.append(finding)
    return verdict, facts


__all__ = ["check", "evaluate", "CheckContext", "Facts"]
