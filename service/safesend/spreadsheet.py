"""Cells for CSV exports that people open in a spreadsheet."""

from __future__ import annotations

# A justification starting with = + - @ (or a tab/CR before one) would run as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text
