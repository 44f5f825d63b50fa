"""Help for each console page: a line under its title, and the README section it belongs
to, shown inside the console (no outside site needed)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"

# endpoint -> README heading (exact text). Pages of one area share their section.
SECTIONS = {
    "admin.dashboard": "Admin console",
    "admin.log": "Admin console",
    "admin.log_entry": "Admin console",
    "admin.policy": "Configuration",
    "admin.policy_version": "Configuration",
    "admin.policy_changes": "Configuration",
    "admin.try_message": "Admin console",
    "admin.roster": "Student data: the roster, ID patterns and attachments",
    "admin.audit_trail": "The audit trail",
    "admin.access": "Signing in",
    "admin.account": "Signing in",
}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def section_for(endpoint: str | None) -> str | None:
    return SECTIONS.get(endpoint or "")


@lru_cache(maxsize=32)
def section_text(heading: str) -> str | None:
    """The README's section under `heading` (to the next heading of the same or a higher
    level), as its Markdown source; None when the README is not beside the code."""
    try:
        lines = README.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    start = level = None
    for number, line in enumerate(lines):
        found = re.match(r"(#+) (.*)", line)
        if not found:
            continue
        if start is None and found.group(2).strip() == heading:
            start, level = number, len(found.group(1))
        elif start is not None and len(found.group(1)) <= level:
            return "\n".join(lines[start:number]).strip()
    return "\n".join(lines[start:]).strip() if start is not None else None
