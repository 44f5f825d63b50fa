"""Sensitive categories of roster flags and plan cells ('504' -> '504', 'FRL' -> 'lunch')."""

from __future__ import annotations

import re

from .roster_csv import flag_label, is_truthy

_FLAG_CATEGORIES = {"504": "504", "IEP": "iep", "MEDICAL": "health", "FRL": "lunch",
                    "HOMELESS": "welfare", "FOSTER": "welfare"}


def flag_category(label: str) -> str:
    return _FLAG_CATEGORIES.get(label, "flag")


def plan_categories(value: str) -> set[str]:
    """Categories named by a plan/flags cell ('504', 'IEP; ELL' -> {'iep', 'flag'})."""
    labels = {flag_label(part) for part in re.split(r"[;,|/]\s*", value) if is_truthy(part)}
    return {flag_category(label) for label in labels} or {"flag"}
