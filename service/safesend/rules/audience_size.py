"""audience_size: how many people the message reaches, lists expanded."""

from __future__ import annotations

from ..actions import rank
from ..facts import Facts
from ..message import Message
from ..policy import Policy
from ..verdict import Finding
from .wording import plural

NAME = "audience_size"


def evaluate(message: Message, facts: Facts, policy: Policy) -> list[Finding]:
    settings = policy.rules.audience_size
    total = facts.total_audience
    unknown = facts.unknown_lists
    action = settings.action_for(total)
    if unknown and rank(settings.unknown_size_action) > rank(action):
        action = settings.unknown_size_action
    if action == "allow" and not unknown:
        return []
    return [Finding(
        rule=NAME, action=action, count=total,
        evidence=[a.recipient.address for a in unknown[:3]],
        title=_title(message, total, bool(unknown)),
        detail=_detail(message, facts, total),
    )]


def _title(message: Message, total: int, has_unknown: bool) -> str:
    reach = f"at least {total:,}" if has_unknown else f"{total:,}"
    if message.is_reply:
        return f"You are replying to all {reach} recipients"
    return f"This message goes to {reach} people"


def _detail(message: Message, facts: Facts, total: int) -> str:
    lists = [a for a in facts.audience if a.recipient.is_group or (a.size or 0) > 1]
    parts = []
    if message.is_reply:
        parts.append("Reply all sends your answer to everyone on the original message; "
                     "check that each of them needs it.")
    else:
        parts.append(f"It reaches {plural(total, 'person', 'people')}; check that each of them "
                     "needs it.")
    if lists:
        known = [a for a in lists if a.size is not None]
        if known:
            parts.append("Lists are counted by their members: " + ", ".join(
                f"{a.recipient.address or a.recipient.name} ({a.size:,})" for a in known[:3]) + ".")
    for entry in facts.unknown_lists[:3]:
        name = entry.recipient.address or entry.recipient.name
        parts.append(f"The size of {name} is unknown ({entry.size_note}).")
    return " ".join(parts)
