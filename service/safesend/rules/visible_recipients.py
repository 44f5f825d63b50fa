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
        title=f"{plural(count, 'recipient')} outside {domains_phrase(facts.internal_domains)} "
              "can see each other's addresses",
        detail=_detail(count, reasons, facts),
    )]


def _sensitivity(facts: Facts) -> list[str]:
    """Plain-words reasons this group is sensitive, if it is."""
    reasons = []
    if facts.topics:
        reasons.append(f"the message is about a sensitive topic ({quote_list(facts.topics)})")
    guardians = facts.guardians
    flagged = getattr(guardians, "flagged", 0) if guardians is not None else 0
    if flagged:
        reasons.append(
            f"{plural(flagged, 'recipient')} {'is a guardian' if flagged == 1 else 'are guardians'}"
            " of students with a 504 plan, IEP or other flag in the roster")
    return reasons


def _detail(count: int, reasons: list[str], facts: Facts) -> str:
    lists = [a for a in facts.visible if a.external_members]
    via_lists = ""
    if lists:
        members = sum(a.external_members for a in lists)
        via_lists = (f" This includes {plural(members, 'outside member')} of "
                     f"{', '.join(a.recipient.address for a in lists[:3])}, who can reply to all.")
    text = (f"{plural(count, 'person', 'people')} in To or Cc will see every other "
            f"recipient's address.{via_lists}")
    if reasons:
        text += (" Because " + " and ".join(reasons) + ", everyone will learn who else "
                 "is in this group, which can disclose private information about students.")
    return text + " Move the recipients to Bcc so each family sees only its own address."
