"""Console roles from identity-provider groups or app roles.

`SAFESEND_ROLE_GROUPS` maps group object ids (Entra `groups` claim) or app
role values (`roles` claim) to a console role. A user in several mapped
groups gets the first of it, admin, auditor: one role per session keeps
what each page allows easy to reason about.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ..store.users import CONSOLE_ROLES

log = logging.getLogger("safesend.accounts")

ROLE_LABELS = {"it": "IT", "admin": "Administrator", "auditor": "Auditor (read only)"}


def role_from_groups(memberships: Iterable[str], mapping: dict[str, str]) -> str | None:
    """The console role the memberships map to, or None when none does."""
    held = {str(m).strip().lower() for m in memberships}
    granted = {role for group, role in mapping.items() if group in held}
    for role in CONSOLE_ROLES:
        if role in granted:
            return role
    unknown = granted - set(CONSOLE_ROLES)
    if unknown:
        log.warning("SAFESEND_ROLE_GROUPS maps groups to unknown roles: %s", ", ".join(sorted(unknown)))
    return None
