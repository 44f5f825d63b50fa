"""Invented people for the detection-quality corpus.

A roster of a few hundred students (some with 504/IEP flags, guardian
e-mails at reserved example domains), invented students who are NOT in
the roster, and staff whose names share surnames with students but are
never a roster student's full name. Every name is a random combination
of common given names and surnames; IDs are random digits; nothing here
describes a real person. Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field

STUDENT_FIRST = (
    "Maria", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Ava", "Elijah", "Sofia", "Lucas",
    "Isabella", "Levi", "Mia", "Ezra", "Amelia", "Asher", "Harper", "Leo", "Aaliyah", "Jayden",
    "Zoe", "Diego", "Chloe", "Kai", "Layla", "Omar", "Nora", "Malik", "Priya", "Wei", "Fatima",
    "Santiago", "Hana", "Yusuf", "Camila", "Andre", "Leah", "Tariq", "Julian", "Aria", "Nathan",
    "Ella", "Isaac", "Lily", "Caleb", "Hazel", "Owen", "Valentina", "Gabriel", "Riley", "Adrian",
    "Naomi", "Miles", "Ruby", "Jonah", "Elena", "Xavier", "Ivy", "Josiah", "Dominic", "Maya",
    "Thiago", "Ravi", "Anya", "Kenji", "Amara", "Luca", "Esme", "Rohan", "Freya", "Bilal",
    "Jade", "Tomas", "Nia", "Cyrus", "Mei", "Felix", "Lucia", "Arjun", "Rosa", "Emil", "Hugo",
    "José", "Zoë", "Chloé", "Ana Sofia", "Mary Kate",
)
STUDENT_LAST = (
    "Garcia", "Whitcombe", "Okafor", "Lindqvist", "Marchetti", "Nakamura", "Haddad", "Kowalski",
    "Delgado", "Abernathy", "Castellano", "Brightwater", "Fairbanks", "Quintero", "Ellsworth",
    "Mensah", "Novak", "Patel", "Rahman", "Sorensen", "Thibodeaux", "Valdivia", "Yamamoto",
    "Zielinski", "Achterberg", "Baptiste", "Carrington", "Dunmore", "Esposito", "Ferreira",
    "Galloway", "Hollister", "Iwasaki", "Jablonski", "Kingsley", "Lachance", "Montoya",
    "Nwachukwu", "Oyelaran", "Pemberton", "Rosales", "Szabo", "Tremblay", "Underhill",
    "Vasquez", "Wexford", "Yilmaz", "Zamora", "Ashworth", "Blackwood", "Cordero", "Drummond",
    "Everhart", "Fontaine", "Greenleaf", "Holloway", "Ibarra", "Kaczmarek", "Larkspur",
    "Merriweather", "Núñez", "O'Connell", "De La Rosa", "Smith-Alvarez", "Van der Berg",
    "Ångström", "Castillo", "Hargrove", "Lockhart", "Moreau",
)
# Given names used only for the invented students who are not in the roster
# and for staff, so that they never form a roster student's full name.
OTHER_FIRST = (
    "Beatrix", "Cornelius", "Dashiell", "Ephraim", "Gwendolyn", "Horatio", "Imogen", "Juniper",
    "Lysander", "Marguerite", "Octavia", "Percival", "Rosalind", "Thaddeus", "Wilhelmina",
    "Ambrose", "Clementine", "Desmond", "Florentina", "Ignatius", "Leopold", "Perpetua",
    "Quentin", "Seraphina", "Ulysses", "Winifred", "Bartholomew", "Cordelia", "Evander",
)
STAFF_FIRST = (
    "Patricia", "Gregory", "Deborah", "Raymond", "Sandra", "Douglas", "Brenda", "Kenneth",
    "Janet", "Harold", "Carolyn", "Russell", "Sharon", "Wayne", "Gloria", "Roger", "Denise",
    "Walter", "Theresa", "Lawrence", "Marilyn", "Stanley", "Yvonne", "Clifford",
)
STAFF_TITLES = ("Teacher", "Counselor", "Assistant Principal", "Librarian", "Nurse", "Custodian",
                "Office Manager", "Speech Therapist", "School Psychologist", "Coach")
GUARDIAN_DOMAINS = ("example.com", "example.org", "example.net")
DISTRICT = "district.example.org"
PLANS = ("504", "IEP")


@dataclass(frozen=True)
class Student:
    student_id: str
    first: str
    last: str
    dob: dt.date
    flags: tuple[str, ...]
    guardians: tuple[str, ...]
    grade: int

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Person:
    """Someone who is not a roster student: staff, or an unlisted child."""

    first: str
    last: str
    title: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Roster:
    students: list[Student] = field(default_factory=list)

    def csv_bytes(self) -> bytes:
        """The SIS export, as IT would import it."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("Student Number", "First Name", "Last Name", "Birthdate", "Plan",
                         "Parent Email", "Guardian 2 Email", "Grade"))
        for s in self.students:
            guardians = list(s.guardians) + ["", ""]
            writer.writerow((s.student_id, s.first, s.last, s.dob.isoformat(), "; ".join(s.flags),
                             guardians[0], guardians[1], s.grade))
        return out.getvalue().encode("utf-8")

    @property
    def flagged(self) -> list[Student]:
        return [s for s in self.students if s.flags]

    @property
    def unflagged(self) -> list[Student]:
        return [s for s in self.students if not s.flags]

    def ids(self) -> set[str]:
        return {s.student_id for s in self.students}

    def name_pairs(self) -> set[frozenset[str]]:
        return {frozenset((s.first.lower(), s.last.lower())) for s in self.students}


def make_roster(n: int = 320, seed: int = 2024, plan_rate: float = 0.25) -> Roster:
    """`n` students with unique IDs (8 digits) and unique full names."""
    rng = random.Random(seed)
    roster = Roster()
    ids: set[str] = set()
    names: set[tuple[str, str]] = set()
    while len(roster.students) < n:
        first, last = rng.choice(STUDENT_FIRST), rng.choice(STUDENT_LAST)
        if (first, last) in names:
            continue
        names.add((first, last))
        student_id = str(rng.randint(20_000_000, 89_999_999))
        while student_id in ids:
            student_id = str(rng.randint(20_000_000, 89_999_999))
        ids.add(student_id)
        grade = rng.randint(1, 12)
        dob = dt.date(2025 - 6 - grade, 9, 1) + dt.timedelta(days=rng.randint(0, 364))
        roll = rng.random()
        flags: tuple[str, ...] = ()
        if roll < plan_rate:
            flags = ("504",) if roll < plan_rate * 0.55 else ("IEP",)
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        local = local.encode("ascii", "ignore").decode() or "family"
        guardians = tuple(f"{local}.{tag}{rng.randint(1, 99)}@{rng.choice(GUARDIAN_DOMAINS)}"
                          for tag in ("home", "work")[:rng.choice((1, 1, 2))])
        roster.students.append(Student(student_id, first, last, dob, flags, guardians, grade))
    return roster


def unlisted_students(count: int, roster: Roster, seed: int = 7) -> list[Person]:
    """Invented children who are not in the roster (a new school's list)."""
    return _people(count, OTHER_FIRST, roster, seed)


def staff(count: int, roster: Roster, seed: int = 11) -> list[Person]:
    """Staff who share surnames with students but never a student's full name."""
    rng = random.Random(seed)
    return [Person(p.first, p.last, rng.choice(STAFF_TITLES))
            for p in _people(count, STAFF_FIRST, roster, seed)]


def _people(count: int, given: tuple[str, ...], roster: Roster, seed: int) -> list[Person]:
    rng = random.Random(seed)
    pairs = roster.name_pairs()
    firsts = {s.first.lower() for s in roster.students}
    chosen: list[Person] = []
    seen: set[tuple[str, str]] = set()
    while len(chosen) < count:
        first, last = rng.choice(given), rng.choice(STUDENT_LAST)
        if (first, last) in seen or frozenset((first.lower(), last.lower())) in pairs \
                or first.lower() in firsts:
            continue
        seen.add((first, last))
        chosen.append(Person(first, last))
    return chosen


def outside_parents() -> list[str]:
    """Three parents at reserved domains, not guardians in the roster."""
    return ["family.one@example.com", "family.two@example.net", "family.three@example.org"]
