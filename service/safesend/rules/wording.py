"""Shared plain-language helpers for finding titles and details."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def redact_address(address: str) -> str:
    """j***@gmail.com: enough to recognise, not enough to copy."""
    if "@" not in address:
        words = address.split()
        return " ".join(w[:1] + "*" * max(len(w) - 1, 1) for w in words) or "(no address)"
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def quote_list(items: list[str], limit: int = 3) -> str:
    shown = [f"“{i}”" for i in items[:limit]]
    return ", ".join(shown)


def domains_phrase(domains: frozenset[str]) -> str:
    names = sorted(domains)
    if not names:
        return "your organization"
    if len(names) <= 2:
        return " and ".join(names)
    return f"{names[0]}, {names[1]} and other district domains"
