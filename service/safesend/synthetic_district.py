"""One synthetic district: the invented students the demo, the tests and the benchmarks use.

Every name, ID, date and address here is invented: common given names and
surnames are combined at random from a seed, IDs are random digits, family
addresses use reserved example domains. Deterministic for a given seed.

One generator, `synthetic_roster`, draws every roster; a `RosterStyle` says
which names it draws from and how a student's details are drawn, so the
rosters the demo, the detection tests and the detection-quality corpus were
built on stay exactly what they were (same lists, same random draws):

- DEFAULT_STYLE: the detection tests and benchmarks (broad name lists,
  births from 2006; past 500 students, names are widened so they repeat less).
- DEMO_STYLE: the demo and the console tests (fewer names, births from 2008).
- CORPUS_STYLE: the detection-quality corpus (unique full names, a grade
  per student and a birth date that fits it, at most one plan each).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field

FIRST_NAMES = (
    "Maria", "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Mateo",
    "Isabella", "Lucas", "Mia", "Levi", "Amelia", "Ezra", "Harper", "Asher", "Evelyn", "Leo",
    "Aaliyah", "Jayden", "Zoe", "Diego", "Chloe", "Kai", "Layla", "Omar", "Nora", "Malik",
    "Priya", "Wei", "Fatima", "Santiago", "Hana", "Yusuf", "Camila", "Andre", "Leah", "Tariq",
    "Grace", "Julian", "Aria", "Nathan", "Ella", "Isaac", "Lily", "Caleb", "Hazel", "Owen",
    "Valentina", "Gabriel", "Riley", "Adrian", "Naomi", "Miles", "Ruby", "Jonah", "Alice",
    "Elena", "Xavier", "Ivy", "Josiah", "Sara", "Dominic", "Maya", "Thiago", "Ines", "Ravi",
    "Anya", "Kenji", "Amara", "Luca", "Esme", "Rohan", "Freya", "Bilal", "Jade", "Tomas",
    "Nia", "Cyrus", "Mei", "Felix", "Lucia", "Arjun", "Rosa", "Emil", "Daniela", "Hugo",
)
LAST_NAMES = (
    "Garcia", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Okafor", "Kowalski", "Haddad",
    "Nakamura", "Patel", "Singh", "Chen", "Kim", "Novak", "Fischer", "O'Brien", "Delgado",
    "Moreno", "Castillo", "Ortiz", "Vasquez", "Abdullah", "Ivanova", "Lindqvist", "Mensah",
    "Da Silva", "De La Cruz", "Van Dyke", "Smith-Jones", "Ahmed", "Kaur", "Tanaka", "Rossi",
    "Dubois", "Schmidt", "Jensen", "Larsen", "Popescu", "Horvat", "Yilmaz", "Khan", "Ali",
    "Mendoza", "Reyes", "Cruz", "Morales", "Gutierrez", "Chavez", "Ramos", "Ruiz", "Alvarez",
)
# The demo draws from the first 50 given names and these surnames.
DEMO_LAST_NAMES = (
    "Garcia", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Okafor", "Kowalski", "Haddad", "Nakamura", "Patel", "Singh", "Chen", "Kim", "Novak",
    "Nguyen", "Rivera", "Campbell", "Mitchell", "Carter", "Mensah", "Da Silva", "Rossi",
)
# The corpus's students: unique full names, some accented or compound.
CORPUS_FIRST_NAMES = (
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
CORPUS_LAST_NAMES = (
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
# Given names used only for the corpus's invented students who are not in the
# roster and for staff, so that they never form a roster student's full name.
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
FAMILY_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
DISTRICT_DOMAIN = "district.example.org"
PLANS = ("504", "IEP")
# Suffixes that widen the name space of big rosters (DEFAULT_STYLE).
WIDER_FIRST = ("", "a", "e", "o", "ie", "y", "en", "ine")
WIDER_LAST = ("", "s", "son", "er", "man", "ez", "ski", "i")


@dataclass(frozen=True)
class Student:
    student_id: str
    first: str
    last: str
    dob: dt.date
    flags: tuple[str, ...]
    guardians: tuple[str, ...]
    grade: int | None = None       # CORPUS_STYLE only

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
class SyntheticRoster:
    students: list[Student] = field(default_factory=list)

    def csv_text(self, delimiter: str = ",", headers: tuple[str, ...] | None = None,
                 dob_format: str = "%Y-%m-%d") -> str:
        """A SIS export as IT would import it (seven columns)."""
        headers = headers or ("Student Number", "First Name", "Last Name", "Birthdate",
                              "Plan", "Parent Email", "Guardian 2 Email")
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(headers)
        for s in self.students:
            guardians = list(s.guardians) + ["", ""]
            writer.writerow([s.student_id, s.first, s.last, s.dob.strftime(dob_format),
                             "; ".join(s.flags), guardians[0], guardians[1]])
        return out.getvalue()

    def csv_bytes(self) -> bytes:
        """The SIS export with a Grade column (the corpus's roster)."""
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


@dataclass(frozen=True)
class RosterStyle:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    guardian_domains: tuple[str, ...] = FAMILY_DOMAINS
    guardian_tags: tuple[str, str] = ("parent0", "parent1")   # family address: name.<tag><n>@domain
    born_from: dt.date | None = dt.date(2006, 1, 1)  # None: a grade first, then a birth date that fits it
    id_range: tuple[int, int] | None = None          # None: any number of `id_digits` digits
    unique_names: bool = False      # redraw a full name already taken (the ID is drawn after it)
    one_plan: bool = False          # at most one of 504/IEP (else each independently)
    widen_over: int | None = None   # rosters bigger than this widen half their names


DEFAULT_STYLE = RosterStyle(FIRST_NAMES, LAST_NAMES, widen_over=500)
DEMO_STYLE = RosterStyle(FIRST_NAMES[:50], DEMO_LAST_NAMES, born_from=dt.date(2008, 1, 1))
CORPUS_STYLE = RosterStyle(CORPUS_FIRST_NAMES, CORPUS_LAST_NAMES,
                           guardian_domains=FAMILY_DOMAINS[:3], guardian_tags=("home", "work"),
                           born_from=None, id_range=(20_000_000, 89_999_999), unique_names=True,
                           one_plan=True)


def synthetic_roster(n: int, seed: int = 1, plan_rate: float = 0.12, id_digits: int = 8,
                     style: RosterStyle = DEFAULT_STYLE) -> SyntheticRoster:
    """`n` students with unique IDs. The draws happen in a fixed order: changing
    it changes every roster built on it, and the figures measured on them."""
    rng = random.Random(seed)
    low, high = style.id_range or (10 ** (id_digits - 1), 10 ** id_digits - 1)
    ids: set[str] = set()
    names: set[tuple[str, str]] = set()
    roster = SyntheticRoster()

    def new_id() -> str:
        while True:
            student_id = str(rng.randint(low, high))
            if student_id not in ids:
                ids.add(student_id)
                return student_id

    while len(roster.students) < n:
        student_id = "" if style.unique_names else new_id()
        first, last = rng.choice(style.first_names), rng.choice(style.last_names)
        if style.unique_names:
            if (first, last) in names:
                continue
            names.add((first, last))
            student_id = new_id()
        if style.widen_over is not None and n > style.widen_over and rng.random() < 0.5:
            first, last = first + rng.choice(WIDER_FIRST), last + rng.choice(WIDER_LAST)
        if style.born_from is not None:
            grade = None
            dob = style.born_from + dt.timedelta(days=rng.randint(0, 365 * 12))
        else:
            grade = rng.randint(1, 12)
            dob = dt.date(2025 - 6 - grade, 9, 1) + dt.timedelta(days=rng.randint(0, 364))
        flags = _plans(rng, plan_rate, style.one_plan)
        local = mailbox_name(first, last)
        guardians = tuple(f"{local}.{tag}{rng.randint(1, 99)}@{rng.choice(style.guardian_domains)}"
                          for tag in style.guardian_tags[:rng.choice((1, 1, 2))])
        roster.students.append(Student(student_id, first, last, dob, flags, guardians, grade))
    return roster


def _plans(rng: random.Random, plan_rate: float, one_plan: bool) -> tuple[str, ...]:
    if not one_plan:
        return tuple(p for p in PLANS if rng.random() < plan_rate / len(PLANS))
    roll = rng.random()
    if roll >= plan_rate:
        return ()
    return ("504",) if roll < plan_rate * 0.55 else ("IEP",)


def mailbox_name(first: str, last: str) -> str:
    """'Ana Sofia', "O'Connell" -> 'anasofia.oconnell' (ASCII; 'family' when nothing is left)."""
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    return local.encode("ascii", "ignore").decode() or "family"


def unlisted_students(count: int, roster: SyntheticRoster, seed: int = 7) -> list[Person]:
    """Invented children who are not in the roster (a new school's list)."""
    return _people(count, OTHER_FIRST, roster, seed)


def staff(count: int, roster: SyntheticRoster, seed: int = 11) -> list[Person]:
    """Staff who share surnames with students but never a student's full name."""
    rng = random.Random(seed)
    return [Person(p.first, p.last, rng.choice(STAFF_TITLES))
            for p in _people(count, STAFF_FIRST, roster, seed)]


def _people(count: int, given: tuple[str, ...], roster: SyntheticRoster, seed: int) -> list[Person]:
    rng = random.Random(seed)
    pairs = roster.name_pairs()
    firsts = {s.first.lower() for s in roster.students}
    chosen: list[Person] = []
    seen: set[tuple[str, str]] = set()
    while len(chosen) < count:
        first, last = rng.choice(given), rng.choice(CORPUS_LAST_NAMES)
        if (first, last) in seen or frozenset((first.lower(), last.lower())) in pairs \
                or first.lower() in firsts:
            continue
        seen.add((first, last))
        chosen.append(Person(first, last))
    return chosen


def outside_parents() -> list[str]:
    """Three parents at reserved domains, not guardians in the roster."""
    return ["family.one@example.com", "family.two@example.net", "family.three@example.org"]
