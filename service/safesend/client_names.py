"""What a check record keeps of the client that sent it: a known app name and
a version number, nothing else. Both are free text in the request, and the
database must hold no request text (issue 10): anything else is "other"/""."""

from __future__ import annotations

import re

KNOWN_APPS = frozenset({"outlook", "gmail", "gmail-extension", "gmail-addon", "chrome", "cli",
                        "console", "file", "curl", "test", "bench", "unknown",
                        "gate"})  # "gate": the mail-flow gate
_VERSION = re.compile(r"\d{1,6}(\.\d{1,6}){0,3}([-+][0-9A-Za-z.]{1,12})?")


def stored_client(app: str, version: str) -> tuple[str, str]:
    name = (app or "").strip().lower()
    number = (version or "").strip()
    return (name if name in KNOWN_APPS else "other",
            number if _VERSION.fullmatch(number) else "")
