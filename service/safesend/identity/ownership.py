"""A signed-in user acts only as themselves.

API keys (development, scripts) are trusted with any sender; a user token
may check only messages from its own address and override only those.
"""

from __future__ import annotations

from ..auth import AuthError, Principal


def _is_user(principal: Principal) -> bool:
    return principal.method != "api_key"


def _same_address(a: str, b: str) -> bool:
    return bool(a) and a.strip().lower() == (b or "").strip().lower()


def ensure_may_check_as(principal: Principal, sender: str) -> None:
    if _is_user(principal) and not _same_address(principal.email, sender):
        raise AuthError(403, "forbidden",
                        "You can check only messages sent from your own address"
                        + (f" ({principal.email})." if principal.email else "."))


def ensure_owns_check(principal: Principal, check_sender: str) -> None:
    if _is_user(principal) and not _same_address(principal.email, check_sender):
        raise AuthError(403, "forbidden", "This check belongs to another sender.")
