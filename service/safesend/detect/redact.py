"""Redacted evidence: enough for a person to recognize a finding, no more.

- names: first letter of each word, the rest starred ('Maria Garcia' -> 'M**** G*****');
- IDs: separators dropped; at most two leading and two trailing characters
  kept for IDs of 8+ characters, one each for 6-7, one trailing for 4-5,
  none below ('6712345612' -> '67******12', '67123412' -> '67****12');
- emails: first character of the mailbox and the domain ('j***@gmail.com');
- dates: the day of month only ('****-**-04').
"""

from __future__ import annotations

import datetime as dt
import re

from .dates import parse_date
from .normalize import compact_id, normalize_text

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def redact_name(name: str) -> str:
    """'Maria Garcia' -> 'M**** G*****'; punctuation and spacing are kept."""
    return _WORD.sub(lambda m: m.group()[0] + "*" * (len(m.group()) - 1), normalize_text(name))


def redact_id(value: str) -> str:
    """'6712345612' -> '67******12'; short IDs keep less (see the module docstring)."""
    compact = compact_id(value)
    n = len(compact)
    if n >= 8:
        keep_head, keep_tail = 2, 2
    elif n >= 6:
        keep_head, keep_tail = 1, 1
    elif n >= 4:
        keep_head, keep_tail = 0, 1
    else:
        keep_head, keep_tail = 0, 0
    return compact[:keep_head] + "*" * (n - keep_head - keep_tail) + compact[n - keep_tail:n]


def redact_email(address: str) -> str:
    """'john.doe@gmail.com' -> 'j***@gmail.com'; a non-address is starred whole."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return local[0] + "***@" + domain.lower()


def redact_date(value: str | dt.date) -> str:
    """'2011-03-04', '03/04/2011' or a date -> '****-**-04' (day of month only)."""
    if isinstance(value, dt.date):
        parsed: dt.date | None = value
    else:
        parsed = parse_date(normalize_text(value))
    return f"****-**-{parsed.day:02d}" if parsed else "****-**-**"
