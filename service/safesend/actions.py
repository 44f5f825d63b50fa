"""Actions, weakest to strongest, as fixed in docs/contracts.md."""

from __future__ import annotations

from typing import Literal

Action = Literal["allow", "warn", "confirm", "block"]
ACTIONS: tuple[Action, ...] = ("allow", "warn", "confirm", "block")
_RANK = {name: rank for rank, name in enumerate(ACTIONS)}


def rank(action: str) -> int:
    return _RANK[action]


def strongest(actions) -> Action:
    """The strongest of the given actions; `allow` for none."""
    best: Action = "allow"
    for action in actions:
        if _RANK[action] > _RANK[best]:
            best = action
    return best
