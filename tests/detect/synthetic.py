"""Synthetic documents for detection tests and benchmarks, around the package's
synthetic district (safesend/synthetic_district.py: its rosters, default style).

Every name, ID, date and address here is invented. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from safesend.synthetic_district import (  # noqa: F401 - the tests' names for them
    FIRST_NAMES,
    LAST_NAMES,
    Student,
    SyntheticRoster,
    synthetic_roster,
)

WORDS = (
    "the of and to a in is you that it was for on are as with they at be this have from or "
    "one had by word but not what all were we when your can said there use an each which "
    "she do how their if will up other about out many then them these so some her would make "
    "like him into time has look two more write go see number no way could people my than "
    "first water been call who oil its now find long down day did get come made may part "
    "school class lesson homework reading math science field trip permission slip schedule "
    "meeting parents families teacher principal district library lunch recess bus calendar "
    "assembly concert practice project grade report conference volunteer update reminder "
    "please thank you next week friday monday tomorrow afternoon morning office room form "
    "budget account invoice vendor total amount phone extension policy handbook attendance"
).split()


def synthetic_text(size: int, seed: int = 7, roster: SyntheticRoster | None = None,
                   name_rate: float = 0.02) -> str:
    """About `size` characters of school-email-like prose, with numbers, dates and
    (when a roster is given) some of its students' names."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        sentence = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
        roll = rng.random()
        if roster and roll < name_rate:
            s = rng.choice(roster.students)
            sentence.insert(rng.randint(0, len(sentence)), f"{s.first} {s.last}")
        elif roll < 0.05:
            sentence.insert(2, str(rng.randint(1000000, 9999999)))
        elif roll < 0.07:
            sentence.append(f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/2025")
        elif roll < 0.08:
            sentence.append(f"({rng.randint(200, 999)}) {rng.randint(200, 999)}-"
                            f"{rng.randint(1000, 9999)}")
        text = " ".join(sentence).capitalize() + "."
        if rng.random() < 0.15:
            text += "\n\n"
        else:
            text += " "
        parts.append(text)
        total += len(text)
    return "".join(parts)[:size]


def roster_table(roster: SyntheticRoster, rows: int | None = None,
                 headers: tuple[str, ...] = ("Student ID", "Last Name", "First Name", "Grade",
                                             "504", "IEP", "Date of Birth"),
                 seed: int = 3) -> list[list[str]]:
    rng = random.Random(seed)
    students = roster.students[:rows] if rows else roster.students
    table = [list(headers)]
    for s in students:
        table.append([s.student_id, s.last, s.first, str(rng.randint(6, 12)),
                      "Yes" if "504" in s.flags else "No", "Y" if "IEP" in s.flags else "",
                      s.dob.strftime("%m/%d/%Y")])
    return table


def budget_table(rows: int, seed: int = 5) -> list[list[str]]:
    rng = random.Random(seed)
    table = [["Account", "Description", "Budget", "Actual", "Variance"]]
    for _ in range(rows):
        budget = rng.randint(1000, 9_999_999)
        actual = rng.randint(1000, 9_999_999)
        table.append([str(rng.randint(1000000, 9999999)), rng.choice(("Supplies", "Salaries",
                      "Transportation", "Utilities", "Textbooks", "Software")),
                      f"{budget:,}.00", f"{actual:,}.00", f"{budget - actual:,}.00"])
    return table


def staff_directory(rows: int, seed: int = 9) -> list[list[str]]:
    rng = random.Random(seed)
    table = [["Name", "Title", "Phone", "Email", "Room"]]
    for _ in range(rows):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        table.append([f"{first} {last}", rng.choice(("Teacher", "Counselor", "Principal",
                                                    "Custodian", "Librarian")),
                      f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                      f"{first[0]}{last}@district.example".lower().replace(" ", ""),
                      str(rng.randint(100, 300))])
    return table


@dataclass(frozen=True)
class Segment:
    """A stand-in with the attributes of extract's TextSegment."""

    source: str
    text: str


@dataclass(frozen=True)
class Table:
    """A stand-in with the attributes of extract's Table."""

    source: str
    rows: list[list[str]]


# A small hand-made roster with the awkward cases (all invented).
SMALL_ROSTER_CSV = """Student Number,First Name,Last Name,Birthdate,Plan,Parent Email,Guardian 2 Email
00671234,Maria,Garcia,2011-03-04,504,pat.garcia@example.com,
6712345612,James,O'Brien,2012-07-15,,jo.parent@example.org,dad.obrien@example.net
S1234567,Ana Sofia,De La Cruz,2010-11-30,IEP,ana.family@example.com,
55501234,Liam,Smith-Jones,2013-01-02,,,
12345678,Kenji,Nakamura,2011-12-25,IEP; ELL,k.nakamura@example.com,
23456789,Zoë,Ångström,2012-02-29,,zoe.home@example.net,
34567890,Olivia,Mensah,2010-09-09,,,
"""
