"""Sensitive topic terms in the subject and body (504, IEP, ...), for the
recipient rule: is this message *about* something that makes the group of
recipients itself private? (Detection's categories, in detect/topics.py,
answer a different question: is sensitive data *about a student* here?)

Compiled once per term list; text is normalized as detection does it, so
'５０４' and '5\u200b04' read as 504.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .detect.normalize import normalize_text


@lru_cache(maxsize=32)
def _compile(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    if not terms:
        return None
    # Longest first, so "section 504" wins over "504"; any run of spaces or
    # hyphens between words matches, and terms match whole words only.
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):
        words = [re.escape(w) for w in re.split(r"[\s\-]+", term.strip()) if w]
        parts.append(r"[\s\-]+".join(words))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def find_topics(text: str, terms: list[str] | tuple[str, ...], limit: int = 5) -> list[str]:
    """The distinct sensitive terms found (lower-cased), at most `limit`."""
    pattern = _compile(tuple(terms))
    if pattern is None or not text:
        return []
    found: list[str] = []
    for match in pattern.finditer(normalize_text(text)):
        term = " ".join(match.group(0).lower().split())
        if term not in found:
            found.append(term)
            if len(found) >= limit:
                break
    return found
