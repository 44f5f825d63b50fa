"""What the rules need to know about one message, computed once per check.

Rules stay pure functions of (message, facts, policy); anything that needs
I/O (directory look-ups, content scanning, the roster) is gathered here
through the seams in `CheckContext`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from .content import body_text
from .message import Message, Recipient, is_internal
from .policy import Policy
from .topics import find_topics


class GroupSize(Protocol):
    """What a directory says of one address (see `directory.GroupInfo`)."""

    is_group: bool
    member_count: int | None
    external_count: int | None
    error: str | None


# addresses, internal domains -> what the directory knows of each address.
GroupResolver = Callable[[Iterable[str], frozenset[str]], dict[str, GroupSize]]
# message, policy, body as text -> student-data report (the detect seam).
ContentScanner = Callable[[Message, Policy, str], Any]


@dataclass
class CheckContext:
    check_id: str | None = None
    resolve_groups: GroupResolver | None = None
    scan_content: ContentScanner | None = None
    # addresses -> how many are guardians of roster students (with plans).
    guardians: Callable[[list[str]], Any] | None = None


@dataclass
class Audience:
    """One recipient as the rules count it: a person or an expanded list."""

    recipient: Recipient
    external: bool
    size: int | None          # people reached; None = a list of unknown size
    external_members: int     # outside members of an internal list
    size_note: str = ""       # why the size is unknown


@dataclass
class Facts:
    internal_domains: frozenset[str]
    audience: list[Audience]
    topics: list[str]
    body_text: str
    content: Any = None
    guardians: Any = None
    students_matched: int = 0
    # for one student going outside: the outside recipients' wards in the roster
    outside_guardians: Any = None

    @property
    def visible(self) -> list[Audience]:
        return [a for a in self.audience if a.recipient.field != "bcc"]

    @property
    def total_audience(self) -> int:
        return sum(a.size if a.size is not None else 1 for a in self.audience)

    @property
    def unknown_lists(self) -> list[Audience]:
        return [a for a in self.audience if a.size is None]

    def external_count(self, entries: Iterable[Audience]) -> int:
        return sum((1 if a.external else 0) + a.external_members for a in entries)


def gather_facts(message: Message, policy: Policy, context: CheckContext) -> Facts:
    internal = policy.internal_domain_set(message.sender_domain)
    recipients = message.recipients()
    groups = _resolve_groups(recipients, internal, context)
    outside: dict[str, bool] = {}  # domain -> external, once per domain (30 parents: a few)
    audience = [_audience_entry(r, _external(r.domain, internal, outside), groups.get(r.address))
                for r in recipients]
    body = body_text(message, policy.limits.max_text_chars)
    topics = find_topics(f"{message.subject}\n{body}", policy.sensitive_topics)
    facts = Facts(internal_domains=internal, audience=audience, topics=topics, body_text=body)
    if context.scan_content is not None:
        facts.content = context.scan_content(message, policy, body)
        facts.students_matched = getattr(facts.content, "students", 0)
    if context.guardians is not None:
        visible = [a.recipient.address for a in facts.visible if a.recipient.address]
        facts.guardians = context.guardians(visible)
        facts.outside_guardians = _outside_guardians(facts, context.guardians)
    return facts


def _outside_guardians(facts: Facts, guardians: Callable[[list[str]], Any]) -> Any:
    """Who the outside recipients are guardians of, when one roster student
    goes outside to people only (no lists): the "own family" question."""
    content = facts.content
    detections = getattr(content, "detections", None)
    if detections is None or getattr(detections, "students", 0) != 1:
        return None
    outside = [a for a in facts.audience if a.external or a.external_members]
    if not outside or any(a.external_members or not a.recipient.address or a.size != 1
                          for a in outside):
        return None
    return guardians([a.recipient.address for a in outside])


def _resolve_groups(recipients: list[Recipient], internal: frozenset[str],
                    context: CheckContext) -> dict[str, GroupSize]:
    if context.resolve_groups is None:
        return {}
    addresses = [r.address for r in recipients if r.address and r.group_size is None]
    return context.resolve_groups(addresses, internal) if addresses else {}


def _external(domain: str, internal: frozenset[str], known: dict[str, bool]) -> bool:
    found = known.get(domain)
    if found is None:
        found = known[domain] = not is_internal(domain, internal)
    return found


def _audience_entry(recipient: Recipient, external: bool,
                    group: GroupSize | None) -> Audience:
    if recipient.group_size is not None:
        return Audience(recipient, external, recipient.group_size, 0)
    if group is not None and group.is_group:
        members = group.member_count
        outside = group.external_count or 0
        note = "" if members is not None else (group.error or "the directory does not know its size")
        return Audience(recipient, external, members, 0 if external else outside, note)
    if recipient.is_group:
        return Audience(recipient, external, None, 0, "no directory is configured for lists")
    return Audience(recipient, external, 1, 0)
