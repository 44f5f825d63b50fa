"""Request text the databases can store: NUL becomes U+FFFD.

PostgreSQL text cannot hold a NUL character, and a NUL in a sender filter, a justification or
a policy comment would otherwise be a 500 there (and not on SQLite). Nothing real contains one;
the replacement character keeps the value visibly odd without refusing the request.
"""

from __future__ import annotations

from typing import Any

NUL, REPLACEMENT = "\x00", "\ufffd"


def without_nul(value: Any) -> Any:
    """The value with every NUL in its strings (and mapping keys) replaced, recursively."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT) if NUL in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value
