"""Invented people for the detection-quality corpus: the package's synthetic
district (safesend/synthetic_district.py) drawn in its corpus style.

A roster of a few hundred students (some with 504/IEP flags, guardian
e-mails at reserved example domains), invented students who are NOT in
the roster, and staff whose names share surnames with students but are
never a roster student's full name. Nothing here describes a real person.
Deterministic for a given seed.
"""

from __future__ import annotations

from safesend.synthetic_district import (  # noqa: F401 - the corpus's names for them
    CORPUS_STYLE,
    DISTRICT_DOMAIN,
    Person,
    Student,
    outside_parents,
    staff,
    synthetic_roster,
    unlisted_students,
)
from safesend.synthetic_district import SyntheticRoster as Roster

GUARDIAN_DOMAINS = CORPUS_STYLE.guardian_domains
DISTRICT = DISTRICT_DOMAIN


def make_roster(n: int = 320, seed: int = 2024, plan_rate: float = 0.25) -> Roster:
    """`n` students with unique IDs (8 digits) and unique full names."""
    return synthetic_roster(n, seed=seed, plan_rate=plan_rate, style=CORPUS_STYLE)
