"""Roster flags and plan cells: yes/no values, canonical labels ('Special Ed' -> 'IEP') and
their sensitive categories ('504' -> '504', 'FRL' -> 'lunch'). Shared by the roster reader
(roster_csv.py) and the scan, which reads plan columns without importing the reader."""

from __future__ import annotations

import re

from .normalize import normalize_text

# Yes/no columns that mean a flag, header key -> flag label
FLAG_COLUMNS: dict[str, str] = {
    "504": "504", "504 plan": "504", "section 504": "504", "has 504": "504",
    "504 status": "504", "504 y/n": "504", "504?": "504", "is 504": "504",
    "iep": "IEP", "has iep": "IEP", "iep status": "IEP", "iep y/n": "IEP", "iep?": "IEP",
    "sped": "IEP", "special ed": "IEP", "special education": "IEP", "sped status": "IEP",
    "special ed status": "IEP", "is iep": "IEP", "students with disabilities": "IEP",
    "swd": "IEP",
    "ell": "ELL", "el": "ELL", "esl": "ELL", "ell status": "ELL", "english learner": "ELL",
    "lep": "ELL", "el status": "ELL", "ml": "ELL", "multilingual learner": "ELL",
    "frl": "FRL", "frpl": "FRL", "free/reduced": "FRL", "free reduced": "FRL",
    "free/reduced lunch": "FRL", "lunch status": "FRL", "meal status": "FRL",
    "economically disadvantaged": "FRL", "econ disadv": "FRL",
    "medical alert": "MEDICAL", "health alert": "MEDICAL", "medical": "MEDICAL",
    "medical conditions": "MEDICAL", "health conditions": "MEDICAL",
    "homeless": "HOMELESS", "mckinney vento": "HOMELESS", "foster": "FOSTER",
    "foster care": "FOSTER", "migrant": "MIGRANT", "gifted": "GT", "gt": "GT", "gate": "GT",
    "tag": "GT",
}
_FALSY = frozenset({"", "no", "n", "false", "f", "0", "none", "n/a", "na", "-", "--", "x no",
                    "not eligible", "inactive", "exited", "paid", "full", "full pay",
                    "not applicable", "null", "nil", "0.0"})
LABEL_ALIASES = {
    "section 504": "504", "504 plan": "504", "504": "504",
    "iep": "IEP", "sped": "IEP", "special ed": "IEP", "special education": "IEP",
    "swd": "IEP",
    "ell": "ELL", "el": "ELL", "esl": "ELL", "lep": "ELL", "ml": "ELL",
    "free": "FRL", "reduced": "FRL", "free/reduced": "FRL", "frl": "FRL",
}

# Every label SafeSend knows; any other plan value is kept only as a keyed
# hash (RosterHasher.flag), so no roster text reaches the database.
KNOWN_FLAGS = frozenset(FLAG_COLUMNS.values()) | frozenset(LABEL_ALIASES.values())

_FLAG_CATEGORIES = {"504": "504", "IEP": "iep", "MEDICAL": "health", "FRL": "lunch",
                    "HOMELESS": "welfare", "FOSTER": "welfare"}


def flag_category(label: str) -> str:
    return _FLAG_CATEGORIES.get(label, "flag")


def plan_categories(value: str) -> set[str]:
    """Categories named by a plan/flags cell ('504', 'IEP; ELL' -> {'iep', 'flag'})."""
    labels = {flag_label(part) for part in re.split(r"[;,|/]\s*", value) if is_truthy(part)}
    return {flag_category(label) for label in labels} or {"flag"}


def flag_label(value: str) -> str:
    """Canonical flag label: 'Section 504' -> '504', 'Special Ed' -> 'IEP', else upper-case."""
    key = " ".join(normalize_text(value).casefold().split())
    return LABEL_ALIASES.get(key, key.upper()[:32])


def is_truthy(value: str) -> bool:
    """A yes/no cell: 'Y', 'Yes', 'TRUE', 'x', '1', a date, a label... is yes."""
    return " ".join(normalize_text(value).casefold().split()) not in _FALSY
