"""visible_recipients: outside addresses in To/Cc can all see each other."""

from __future__ import annotations

from ..actions import rank
from ..facts import Facts
from ..message import Message
from ..policy import Policy
from ..verdict import Finding
from .wording import domains_phrase, plural, quote_list, redact_address

NAME = "visible_recipients"
EVIDENCE_LIMIT = 3


def evaluate(message: Message, facts: Facts, policy: Policy) -> list[Finding]:
    settings = policy.rules.visible_recipients
    visible = facts.visible
    count = facts.external_count(visible)
    action = settings.action_for(count)
    reasons = _sensitivity(facts)
    if action == "allow":
        return []
    if reasons and rank(settings.sensitive_action) > rank(action):
        action = settings.sensitive_action
    outside = [a.recipient for a in visible if a.external]
    evidence = [redact_address(r.address or r.name) for r in outside[:EVIDENCE_LIMIT]]
    return [Finding(
        rule=NAME, action=action, count=count, evidence=evidence, fixes=["move_to_bcc"],
        title=_title(len(outside), count - len(outside), facts),
        detail=_detail(len(outside), reasons, facts),
    )]


def _title(addresses: int, list_members: int, facts: Facts) -> str:
    where = f"outside {domains_phrase(facts.internal_domains)}"
    if not list_members:
        return f"{plural(addresses, 'recipient')} {where} can see each other's addresses"
    if not addresses:
        return f"{plural(list_members, 'list member')} {where} can reply to everyone"
    return (f"{plural(addresses + list_members, 'recipient')} {where} can see each other "
            "or reply to everyone")


def _sensitivity(facts: Facts) -> list[str]:
    """Plain-words reasons this group is sensitive, if it is."""
    reasons = []
    if facts.topics:
        reasons.append(f"the message is about a sensitive topic ({quote_list(facts.topics)})")
    guardians = facts.guardians
    flagged = guardians.guardians_of_flagged if guardians is not None else 0
    if flagged:
        reasons.append(
            f"{plural(flagged, 'recipient')} {'is a guardian' if flagged == 1 else 'are guardians'}"
            " of students with a 504 plan, IEP or other flag in the roster")
    return reasons


def _detail(addresses: int, reasons: list[str], facts: Facts) -> str:
    parts = []
    if addresses:
        parts.append(f"{plural(addresses, 'person', 'people')} in To or Cc will see every other "
                     "recipient's address.")
    lists = [a for a in facts.visible if a.external_members]
    if lists:
        members = sum(a.external_members for a in lists)
        names = ", ".join(a.recipient.address for a in lists[:3])
        parts.append(f"{plural(members, 'outside member')} of {names} receive it through the "
                     "list in To or Cc, so any of them can reply to everyone.")
    text = " ".join(parts)
    if reasons:
        text += (" Because " + " and ".join(reasons) + ", everyone will learn who else "
                 "is in this group, which can disclose private information about students.")
    return text + " Move the recipients to Bcc so each family sees only its own address."
