"""What a table is: header recognition and "does this look like a student roster".

`profile_table(rows)` finds the header row within the first rows (exports
often start with a title, a date or a blank line), gives each column a
`Role` from its header, and classifies the table:

- `student_roster`: identifies people (a name or ID column) and has
  student-specific columns (Student ID, DOB, Grade, Homeroom, Guardian,
  504/IEP/Diagnosis/Accommodations...) that outweigh staff ones;
- `staff_directory`: names with Title, Position, Department, Room, Extension...;
- `financial`: Account, Amount, Budget, Fund...;
- `unknown`: anything else (no header, a plain list).

Header text is compared in a canonical form: camelCase and snake_case split,
case-folded, punctuation other than '#' and '/' turned into spaces
('StudentID' -> 'student id', 'Date_of_Birth' -> 'date of birth').
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import zip_longest
from typing import Literal

from .normalize import normalize_text


class Role(StrEnum):
    STUDENT_NAME = "student_name"
    NAME = "name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    MIDDLE_NAME = "middle_name"
    STUDENT_ID = "student_id"
    GENERIC_ID = "id"
    DOB = "dob"
    GRADE = "grade"
    HOMEROOM = "homeroom"
    TEACHER = "teacher"
    GUARDIAN = "guardian"
    GUARDIAN_EMAIL = "guardian_email"
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    SENSITIVE = "sensitive"
    STAFF = "staff"
    FINANCE = "finance"
    OTHER = "other"


NAME_ROLES = frozenset({Role.STUDENT_NAME, Role.NAME, Role.FIRST_NAME, Role.LAST_NAME,
                        Role.MIDDLE_NAME})
ID_ROLES = frozenset({Role.STUDENT_ID, Role.GENERIC_ID})
IDENTITY_ROLES = NAME_ROLES - {Role.MIDDLE_NAME} | ID_ROLES
NOT_STUDENT_PEOPLE = frozenset({Role.TEACHER, Role.GUARDIAN, Role.STAFF})

# Exact header forms -> (role, sensitive category)
_EXACT: dict[str, tuple[Role, str | None]] = {}


def _add(role: Role, category: str | None, *headers: str) -> None:
    for header in headers:
        _EXACT[header] = (role, category)


_add(Role.STUDENT_ID, None, "student id", "studentid", "student number", "student no",
     "student #", "student num", "stu id", "stu #", "stu no", "sid", "student identifier",
     "local id", "local student id", "state id", "state student id", "ssid", "perm id",
     "permanent id", "perm #", "lunch number", "lunch #", "lunch id", "lunch pin",
     "lunch code", "pupil id", "pupil number", "upn", "oen", "nsn", "student code",
     "student key", "stud id", "sis id", "student sis id", "district id", "learner id")
_add(Role.GENERIC_ID, None, "id", "id #", "id number", "id no", "#", "no", "number")
_add(Role.STUDENT_NAME, None, "student", "student name", "students", "student full name",
     "student s name", "pupil", "pupil name", "learner", "learner name", "child",
     "child name", "child s name", "student last first", "student name last first",
     "last first", "last, first", "name last first", "student legal name")
_add(Role.NAME, None, "name", "full name", "names", "display name", "legal name")
_add(Role.FIRST_NAME, None, "first name", "first", "firstname", "given name", "given",
     "fname", "first nm", "student first name", "student first", "legal first name",
     "preferred name", "preferred first name", "nickname")
_add(Role.LAST_NAME, None, "last name", "last", "lastname", "surname", "family name",
     "lname", "last nm", "student last name", "student last", "legal last name")
_add(Role.MIDDLE_NAME, None, "middle name", "middle", "mi", "m i", "middle initial")
_add(Role.DOB, None, "dob", "d o b", "birthdate", "birth date", "date of birth", "birthday",
     "bday", "born", "student dob", "student birthdate", "birth dt")
_add(Role.GRADE, None, "grade", "grade level", "gr", "grd", "gradelevel", "year group",
     "yr", "class of", "cohort", "grade lvl", "current grade")
_add(Role.HOMEROOM, None, "homeroom", "home room", "hr", "advisory", "homeroom teacher",
     "hr teacher", "advisor", "period", "section", "class", "class period", "team")
_add(Role.TEACHER, None, "teacher", "teacher name", "counselor")
_add(Role.GUARDIAN, None, "parent", "guardian", "parent name", "guardian name",
     "parent/guardian", "parent guardian", "parents", "guardians", "mother", "father",
     "contact name", "emergency contact", "parent/guardian name")
_add(Role.EMAIL, None, "email", "e mail", "email address", "e mail address",
     "student email", "mail")
_add(Role.PHONE, None, "phone", "telephone", "tel", "cell", "mobile", "phone number",
     "work phone", "office phone", "home phone", "cell phone", "fax")
_add(Role.ADDRESS, None, "address", "street", "street address", "home address", "city",
     "zip", "zip code", "postal code", "state")
_add(Role.SENSITIVE, "504", "504", "504 plan", "504 status", "section 504", "has 504",
     "504 y/n", "504?", "accommodations", "accommodation", "504 accommodations",
     "testing accommodations", "modifications", "accommodations/modifications")
_add(Role.SENSITIVE, "iep", "iep", "iep status", "has iep", "iep y/n", "iep?", "sped",
     "special ed", "special education", "sped status", "special ed status", "services",
     "related services", "case manager", "ese", "exceptionality", "primary exceptionality",
     "iep date", "iep due", "annual review")
_add(Role.SENSITIVE, "disability", "disability", "disabilities", "disability category",
     "primary disability", "secondary disability", "diagnosis", "diagnoses", "dx",
     "condition", "conditions", "eligibility", "eligibility category", "handicap")
_add(Role.SENSITIVE, "health", "medical", "medical conditions", "medical condition",
     "health", "health conditions", "health condition", "allergies", "allergy",
     "medications", "medication", "health alert", "medical alert", "nurse notes",
     "health notes", "immunizations")
_add(Role.SENSITIVE, "discipline", "discipline", "incidents", "incident", "suspensions",
     "suspension", "behavior", "behavior incidents", "referrals", "infraction",
     "infractions", "consequence", "offense", "discipline referrals")
_add(Role.SENSITIVE, "lunch", "frl", "frpl", "free/reduced", "free reduced",
     "free/reduced lunch", "lunch status", "meal status", "meal eligibility",
     "econ disadv", "economically disadvantaged", "meal benefits")
_add(Role.SENSITIVE, "welfare", "homeless", "mckinney vento", "foster", "foster care",
     "custody", "custody notes", "restraining order")
_add(Role.SENSITIVE, "plan", "plan", "plans", "plan type", "flags", "flag", "programs",
     "program", "student flags", "alerts")
_add(Role.STAFF, None, "title", "job title", "position", "role", "department", "dept",
     "room", "room #", "room number", "office", "extension", "ext", "employee id",
     "employee #", "employee number", "staff id", "hire date", "salary", "building",
     "location", "site", "school site", "job", "assignment", "subject", "subjects",
     "certification", "supervisor", "years of service")
_add(Role.FINANCE, None, "account", "account number", "acct", "account #", "amount",
     "budget", "actual", "actuals", "balance", "fund", "object", "object code", "cost",
     "total", "price", "unit price", "qty", "quantity", "vendor", "invoice", "invoice #",
     "po", "po #", "po number", "description", "line item", "expenditure", "expenditures",
     "revenue", "encumbered", "encumbrance", "variance", "fy", "fiscal year", "ytd",
     "amount due", "subtotal")

_WORD_RULES: tuple[tuple[re.Pattern[str], Role, str | None], ...] = (
    (re.compile(r"\b(parent|guardian|mother|father|contact|family|mom|dad)\b.*\be ?mail"),
     Role.GUARDIAN_EMAIL, None),
    (re.compile(r"\be ?mail\b.*\b(parent|guardian|mother|father|contact|family)"),
     Role.GUARDIAN_EMAIL, None),
    (re.compile(r"\b(parent|guardian|mother|father|contact)\b.*\b(phone|cell|tel)"),
     Role.PHONE, None),
    (re.compile(r"\b(parent|guardian|mother|father|emergency)\b"), Role.GUARDIAN, None),
    (re.compile(r"\bstudent\b.*\b(id|number|no|#|num|code)\b"), Role.STUDENT_ID, None),
    (re.compile(r"\b(birth|dob)"), Role.DOB, None),
    (re.compile(r"\b504\b"), Role.SENSITIVE, "504"),
    (re.compile(r"\baccommodation"), Role.SENSITIVE, "504"),
    (re.compile(r"\b(iep|sped|special ed)"), Role.SENSITIVE, "iep"),
    (re.compile(r"\b(diagnos|disabilit|dx\b)"), Role.SENSITIVE, "disability"),
    (re.compile(r"\b(medical|health|allerg|medication)"), Role.SENSITIVE, "health"),
    (re.compile(r"\b(suspen|expul|disciplin|incident|infraction)"), Role.SENSITIVE,
     "discipline"),
    (re.compile(r"\b(free|reduced|frl|meal)\b"), Role.SENSITIVE, "lunch"),
    (re.compile(r"\bstudent\b.*\bname|\bname\b.*\bstudent"), Role.STUDENT_NAME, None),
    (re.compile(r"\b(first|given)\b"), Role.FIRST_NAME, None),
    (re.compile(r"\b(last|sur|family)\s?name"), Role.LAST_NAME, None),
    (re.compile(r"\bteacher\b"), Role.TEACHER, None),
    (re.compile(r"\bgrade\b"), Role.GRADE, None),
    (re.compile(r"\be ?mail\b"), Role.EMAIL, None),
    (re.compile(r"\b(phone|cell|mobile|fax)\b"), Role.PHONE, None),
    (re.compile(r"\b(employee|staff|title|position|department|salary)\b"), Role.STAFF, None),
    (re.compile(r"\b(account|amount|budget|fund|invoice|vendor|expense|cost|total)\b"),
     Role.FINANCE, None),
    (re.compile(r"\bname\b"), Role.NAME, None),
)

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_NON_HEADER_CHARS = re.compile(r"[^\w#/?]+")


def header_key(cell: str) -> str:
    """Canonical form of a header cell ('StudentID' -> 'student id')."""
    text = normalize_text(cell).strip()
    if len(text) > 60:
        return ""
    text = _CAMEL.sub(" ", text).replace("_", " ").replace("'", " ")
    return " ".join(_NON_HEADER_CHARS.sub(" ", text.casefold()).split())


def header_role(cell: str) -> tuple[Role, str | None]:
    """The role of a column from its header text (OTHER when unknown)."""
    return _role_of_key(header_key(cell))


# Whether any word rule matches: most cells of the first rows are values, not
# headers, and one search rules them all out instead of one per rule.
_ANY_WORD_RULE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _, _ in _WORD_RULES))


def _role_of_key(key: str) -> tuple[Role, str | None]:
    """`header_role` of a cell already in its canonical form (`header_key`)."""
    if not key:
        return Role.OTHER, None
    found = _EXACT.get(key) or _EXACT.get(key.replace(" ", ""))
    if found:
        return found
    if not _ANY_WORD_RULE.search(key):
        return Role.OTHER, None
    for pattern, role, category in _WORD_RULES:  # the first rule that matches decides
        if pattern.search(key):
            return role, category
    return Role.OTHER, None


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    header: str  # canonical header text
    role: Role
    category: str | None = None  # for SENSITIVE columns


TableKind = Literal["student_roster", "staff_directory", "financial", "unknown"]

_STUDENT_WEIGHTS = {
    Role.STUDENT_NAME: 1.0, Role.STUDENT_ID: 1.0, Role.DOB: 1.0, Role.GRADE: 1.0,
    Role.HOMEROOM: 0.5, Role.GUARDIAN: 1.0, Role.GUARDIAN_EMAIL: 1.0, Role.SENSITIVE: 1.0,
    Role.GENERIC_ID: 0.5, Role.TEACHER: 0.5,
}
_STAFF_WEIGHTS = {Role.STAFF: 1.0, Role.PHONE: 0.5}


@dataclass(frozen=True)
class TableProfile:
    header_row: int | None  # index into rows; None when no header was recognized
    columns: tuple[Column, ...]
    kind: TableKind
    caption: str  # text of the rows above the header (titles), normalized

    @property
    def looks_like_student_roster(self) -> bool:
        return self.kind == "student_roster"

    @property
    def first_data_row(self) -> int:
        return 0 if self.header_row is None else self.header_row + 1

    def columns_with(self, roles: frozenset[Role] | set[Role]) -> tuple[int, ...]:
        return tuple(c.index for c in self.columns if c.role in roles)

    @property
    def name_columns(self) -> tuple[int, ...]:
        return self.columns_with(NAME_ROLES)

    @property
    def id_columns(self) -> tuple[int, ...]:
        return self.columns_with(ID_ROLES)

    @property
    def identity_columns(self) -> tuple[int, ...]:
        return self.columns_with(IDENTITY_ROLES)

    @property
    def dob_columns(self) -> tuple[int, ...]:
        return self.columns_with({Role.DOB})

    @property
    def sensitive_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.role == Role.SENSITIVE)

    def role_of(self, index: int) -> Role:
        for column in self.columns:
            if column.index == index:
                return column.role
        return Role.OTHER


def _row_columns(row: Sequence[str]) -> list[Column]:
    columns = []
    for index, cell in enumerate(row):
        if not isinstance(cell, str) or not cell.strip():
            continue
        key = header_key(cell)
        role, category = _role_of_key(key)
        columns.append(Column(index, key, role, category))
    return columns


def _header_score(columns: list[Column], row: Sequence[str]) -> float:
    known = [c for c in columns if c.role != Role.OTHER]
    if not known:
        return 0.0
    # header cells are short labels; a data row has values (digits, long text)
    texts = [str(row[c.index]).strip() for c in columns]
    digits = sum(1 for t in texts if sum(ch.isdigit() for ch in t) * 2 > len(t)
                 and t not in ("504", "504?", "#"))
    return len(known) - 0.5 * digits + 0.1 * len(known) / max(len(columns), 1)


def profile_table(rows: Sequence[Sequence[str]], *, scan_rows: int = 10) -> TableProfile:
    """Profile a table: header row, column roles, kind."""
    best: tuple[float, int, list[Column]] | None = None
    for index, row in enumerate(rows[:scan_rows]):
        columns = _row_columns(row)
        score = _header_score(columns, row)
        known = sum(1 for c in columns if c.role != Role.OTHER)
        if known >= 2 or (known == 1 and len(columns) <= 2 and len(row) <= 2):
            if best is None or score > best[0]:
                best = (score, index, columns)
    if best is None:
        return TableProfile(None, (), "unknown", "")
    _, header_row, columns = best
    columns = _demote_count_columns(rows, header_row, columns)
    caption = " ".join(
        normalize_text(str(cell)).strip() for row in rows[:header_row] for cell in row
        if isinstance(cell, str) and cell.strip()
    )
    return TableProfile(header_row, tuple(columns), _kind(columns), caption)


def _demote_count_columns(rows: Sequence[Sequence[str]], header_row: int,
                          columns: list[Column], sample: int = 20) -> list[Column]:
    """A 'Students' column full of numbers holds counts, not names: a table of
    504 plans per school is a report, not a roster. Names never are numbers."""
    data = rows[header_row + 1:header_row + 1 + sample]
    kept = []
    for column in columns:
        if column.role in NAME_ROLES:
            cells = [str(row[column.index]).strip() for row in data
                     if column.index < len(row) and str(row[column.index]).strip()]
            numeric = sum(1 for cell in cells if _COUNT.fullmatch(cell))
            if cells and numeric * 5 >= len(cells) * 4:
                column = Column(column.index, column.header, Role.OTHER, None)
        kept.append(column)
    return kept


_COUNT = re.compile(r"[\d.,%\s-]+")


def _kind(columns: Sequence[Column]) -> TableKind:
    roles = [c.role for c in columns]
    identity = any(r in IDENTITY_ROLES for r in roles)
    student = sum(_STUDENT_WEIGHTS.get(r, 0.0) for r in roles)
    staff = sum(_STAFF_WEIGHTS.get(r, 0.0) for r in roles)
    finance = sum(1 for r in roles if r == Role.FINANCE)
    has_names = any(r in NAME_ROLES for r in roles)
    strong_student = any(r in (Role.STUDENT_NAME, Role.STUDENT_ID, Role.DOB, Role.GUARDIAN,
                               Role.GUARDIAN_EMAIL, Role.SENSITIVE) for r in roles)
    if identity and student >= 1 and student > staff and (finance < 2 or strong_student) \
            and (has_names or strong_student):
        return "student_roster"
    if identity and staff >= 1:
        return "staff_directory"
    if finance >= 1:
        return "financial"
    return "unknown"


def columns_of(rows: Sequence[Sequence[str]]) -> list[tuple[str, ...]] | None:
    """The columns of `rows` (a missing cell is ''), for reading a table column
    by column; None when a few rows are far longer than the rest (a stray cell
    in column XFD), where padding every row would cost more than the cells."""
    if not rows:
        return []
    width = max(map(len, rows))
    if width * len(rows) > 8 * sum(map(len, rows)) + 64:
        return None
    return list(zip_longest(*rows, fillvalue=""))
