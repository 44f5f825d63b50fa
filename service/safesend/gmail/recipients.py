"""Moving everyone to Bcc: the same plan as the Outlook add-in and the extension.

The sender stays in To (so they keep a copy and the message has a To);
everyone else in To or Cc joins Bcc after those already there, once each.
"""

from __future__ import annotations

from dataclasses import dataclass

from .events import Draft


@dataclass(frozen=True)
class BccPlan:
    to: list[str]
    cc: list[str]
    bcc: list[str]
    moved: int


def plan_move_to_bcc(draft: Draft, sender: str) -> BccPlan:
    me = _key(sender)
    seen = {_key(a) for a in draft.bcc}
    bcc = list(draft.bcc)
    for address in [*draft.to, *draft.cc]:
        key = _key(address)
        if key == me or key in seen:
            continue
        seen.add(key)
        bcc.append(address)
    return BccPlan(to=[sender] if sender else [], cc=[], bcc=bcc, moved=len(bcc) - len(draft.bcc))


def _key(address: str) -> str:
    """Compare 'Pat <Pat@Example.org>' and 'pat@example.org' as one mailbox."""
    text = address.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1:-1]
    return text.strip().lower()
