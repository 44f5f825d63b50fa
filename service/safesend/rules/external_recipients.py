"""external_recipients: anyone outside the district (off by default)."""

from __future__ import annotations

from ..facts import Facts
from ..message import Message
from ..policy import Policy
from ..verdict import Finding
from .wording import domains_phrase, plural, redact_address

NAME = "external_recipients"


def evaluate(message: Message, facts: Facts, policy: Policy) -> list[Finding]:
    settings = policy.rules.external_recipients
    count = facts.external_count(facts.audience)
    action = settings.action_for(count)
    if action == "allow":
        return []
    outside = [a.recipient for a in facts.audience if a.external]
    return [Finding(
        rule=NAME, action=action, count=count,
        evidence=[redact_address(r.address or r.name) for r in outside[:3]],
        title=f"{plural(count, 'recipient')} outside {domains_phrase(facts.internal_domains)}",
        detail="This message leaves the district. Check that every outside recipient "
               "should receive it and that it holds nothing about other students.",
    )]
