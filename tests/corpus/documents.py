"""What the corpus messages say, independent of file format.

A `Doc` is a title, paragraphs and tables (`Grid`), with its label: how
many distinct students it identifies and how many of them carry a plan or
other sensitive attribute. Positives are the ways student data leaks in
school mail; negatives are near misses that look like it (numbers, names,
tables, 504 talk) but identify no student. Format renderers
(`formats.py`) turn a Doc into a body, an attachment or a nested one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from .people import DISTRICT, Person, Roster, Student, staff, unlisted_students

Cell = str | int | dt.date


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Grid:
    rows: tuple[tuple[Cell, ...], ...]


Block = Para | Grid


@dataclass(frozen=True)
class Doc:
    shape: str  # what kind of content, e.g. "plan_roster", "budget"
    stem: str  # file name without extension
    subject: str
    blocks: tuple[Block, ...]
    students: int  # distinct students it identifies (0: a negative)
    sensitive: int  # of which with a plan, disability or other sensitive attribute
    note: str  # one line: what it is and why it is labelled so

    @property
    def positive(self) -> bool:
        return self.students > 0

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Para)]

    @property
    def grids(self) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid)]


def cell_text(cell: Cell) -> str:
    if isinstance(cell, dt.date):
        return cell.strftime("%m/%d/%Y")
    return str(cell)


def _grid(header: tuple[str, ...], rows: list[tuple[Cell, ...]]) -> Grid:
    return Grid((header, *rows))


# --- positives -------------------------------------------------------------------------


def plan_roster(roster: Roster) -> Doc:
    chosen = roster.flagged[:24]
    rows = [(int(s.student_id), s.last, s.first, s.grade, "/".join(s.flags)) for s in chosen]
    return Doc("plan_roster", "spring_review", "Updated list for the spring review", (
        Para("Spring accommodations review - counseling office"),
        _grid(("Student ID", "Last Name", "First Name", "Grade", "Plan"), rows),
        Para("Please return corrections by Friday."),
    ), len(chosen), len(chosen), "roster-like list of 24 students with a Plan column (504/IEP)")


def class_list(roster: Roster) -> Doc:
    chosen = roster.unflagged[:15]
    teachers = staff(3, roster, seed=21)
    rows = [(int(s.student_id), s.name, s.grade, f"Room {110 + i % 3}")
            for i, s in enumerate(chosen)]
    return Doc("class_list", "room_list", "Room list for the field trip", (
        Para(f"Field trip rooms - chaperone {teachers[0].name}"),
        _grid(("Student ID", "Student Name", "Grade", "Homeroom"), rows),
    ), len(chosen), 0, "roster-like list of 15 students, no plan column, none flagged")


ACCOMMODATIONS = ("Extended time on tests", "Preferential seating", "Breaks as needed",
                  "Tests read aloud", "Use of a calculator")


def unlisted_plan_table(roster: Roster) -> Doc:
    children = unlisted_students(12, roster)
    rows = [(p.name, 3 + i % 4, "Yes", ACCOMMODATIONS[i % len(ACCOMMODATIONS)])
            for i, p in enumerate(children)]
    return Doc("unlisted_plan_table", "incoming_students", "Incoming students", (
        Para("Incoming students from the summer program"),
        _grid(("Student Name", "Grade", "504 Plan", "Accommodations"), rows),
    ), len(children), len(children),
        "12 students NOT in the roster, table with Student Name and a 504 Plan column")


def dob_roster(roster: Roster) -> Doc:
    chosen = roster.unflagged[15:25]
    rows = [(s.last, s.first, s.dob, s.grade) for s in chosen]
    return Doc("dob_roster", "birthdays", "Birthday list", (
        Para("Class birthdays for the year"),
        _grid(("Last Name", "First Name", "Date of Birth", "Grade"), rows),
    ), len(chosen), 0, "10 roster students: last/first name columns and dates of birth")


def names_in_prose(roster: Roster) -> Doc:
    a, b, c, d = roster.unflagged[25:29]
    adult = staff(1, roster, seed=22)[0]
    return Doc("names_in_prose", "trip_groups", "Thursday groups", (
        Para(f"Hi all, for Thursday's museum visit {a.name} and {b.name} will ride with "
             f"{adult.name}. Lunches are provided."),
        Para(f"{c.last.upper()}, {c.first} still needs a signed permission slip, and "
             f"{d.first} {d.last} asked to switch groups."),
    ), 4, 0, "4 roster students named in running text (one as 'LAST, First')")


def plan_notes(roster: Roster) -> Doc:
    chosen = roster.unflagged[29:41]
    topics = ("annual IEP review", "504 plan meeting", "IEP progress report",
              "504 accommodations check-in")
    paragraphs = [Para(f"{s.name}: {topics[i % len(topics)]} moved to "
                       f"{3 + i % 9}/{10 + i}/2025.") for i, s in enumerate(chosen)]
    return Doc("plan_notes", "meeting_notes", "Meeting schedule changes", (
        Para("Schedule changes for special education meetings"), *paragraphs,
    ), len(chosen), len(chosen), "12 roster students (unflagged) each named next to IEP/504")


def ids_with_context(roster: Roster) -> Doc:
    a, b = roster.unflagged[41:43]
    unknown = _unused_ids(roster, 2, seed=31)
    return Doc("ids_with_context", "library_notice", "Library books", (
        Para("Overdue library books as of Monday:"),
        Para(f"Student ID {a.student_id} - two books overdue."),
        Para(f"SID: {b.student_id} - one book overdue."),
        Para(f"Student # {unknown[0]} - lost book fee."),
        Para(f"Lunch number {unknown[1]} - returned, thank you."),
    ), 4, 0, "4 student IDs next to context words (2 in the roster, 2 unknown)")


def names_with_dobs(roster: Roster) -> Doc:
    chosen = roster.unflagged[43:47]
    lines = [Para(f"{s.name}, DOB {s.dob.strftime('%m/%d/%Y')}, emergency card missing.")
             for s in chosen]
    return Doc("names_with_dobs", "emergency_cards", "Emergency cards", (
        Para("Emergency cards still missing:"), *lines,
    ), 4, 0, "4 roster students, each with a labelled date of birth")


ZW = "\u200b"  # zero-width space
ZWJ = "\u200d"
SOFT_HYPHEN = "\u00ad"
NBSP = "\u00a0"
WORD_JOINER = "\u2060"


def _hide(text: str, mark: str) -> str:
    """Put an invisible character inside each word of a name."""
    return " ".join(w[:1] + mark + w[1:] if len(w) > 2 else w for w in text.split(" "))


def _fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def evasion_names(roster: Roster) -> Doc:
    chosen = roster.unflagged[47:59]
    forms: list[Callable[[Student], str]] = [
        lambda s: _hide(s.name, ZW),
        lambda s: f"{s.first}{NBSP}{s.last}",
        lambda s: _hide(f"{s.last}, {s.first}".upper(), SOFT_HYPHEN),
        lambda s: _fold(s.name).lower(),
        lambda s: _hide(s.name, ZWJ),
        lambda s: f"{s.first}{ZW}{NBSP}{s.last}",
    ]
    lines = [Para(f"Yearbook order for {forms[i % len(forms)](s)} is ready for pickup.")
             for i, s in enumerate(chosen)]
    return Doc("evasion_names", "yearbook_pickup", "Yearbook pickup", (
        Para("Yearbook pickup list"), *lines,
    ), len(chosen), 0,
        "12 roster names with zero-width characters, soft hyphens, NBSP, case and accent changes")


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def evasion_ids(roster: Roster) -> Doc:
    chosen = roster.unflagged[59:71]
    forms: list[Callable[[str], str]] = [
        lambda i: i.translate(FULLWIDTH),
        lambda i: f"{i[:4]} {i[4:]}",
        lambda i: f"{i[:2]}-{i[2:5]}-{i[5:]}",
        lambda i: f"{i[:4]}{ZW}{i[4:]}",
        lambda i: f"{i[:4]}{NBSP}{i[4:]}",
        lambda i: f"{i[:3]}{WORD_JOINER}{i[3:6]}{WORD_JOINER}{i[6:]}",
    ]
    words = ("Student ID", "student #", "SID", "Lunch number")
    # " - " after the ID here; test_detection_quality.py::test_id_followed_by_a_colon
    # covers the colon form
    lines = [Para(f"{words[i % len(words)]} {forms[i % len(forms)](s.student_id)} - "
                  "laptop ready for pickup.") for i, s in enumerate(chosen)]
    return Doc("evasion_ids", "laptop_pickup", "Laptop pickup", (
        Para("Laptop pickup list (IDs only)"), *lines,
    ), len(chosen), 0,
        "12 roster IDs only: full-width digits, spaces, hyphens, zero-width, NBSP, word joiner")


# --- near-miss negatives ---------------------------------------------------------------


BUDGET_LINES = ("Student Activities", "Student Transportation", "Special Education Services",
                "Section 504 Compliance Training", "Instructional Supplies", "Textbooks",
                "Utilities", "Custodial Salaries", "Software Licenses", "Field Trips")


def budget(roster: Roster) -> Doc:
    rng = random.Random(41)
    rows = []
    for i in range(24):
        plan, actual = rng.randint(1_000, 2_500_000), rng.randint(1_000, 2_500_000)
        rows.append((_seven_digits(rng, roster), BUDGET_LINES[i % len(BUDGET_LINES)],
                     f"{plan:,}.00", f"{actual:,}.00", f"{plan - actual:,}.00"))
    return Doc("budget", "fy26_budget", "FY26 building budget", (
        Para("FY26 building budget by account. Object codes follow the state chart of accounts."),
        _grid(("Account", "Description", "Budget", "Actual", "Variance"), rows),
        Para(f"Questions: business office, extension 4102, or budget@{DISTRICT}."),
    ), 0, 0, "budget sheet: 24 seven-digit account numbers, 'Student ...' and '504' line items")


def phone_list(roster: Roster) -> Doc:
    rng = random.Random(43)
    people = staff(12, roster, seed=44)
    rows = [(p.name, p.title, f"(555) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
             f"555{rng.randint(2000000, 9999999)}") for p in people]
    rows += [("Front office", "Main line", "(555) 201-0100", ""),
             ("Attendance line", "Student absences", "555-201-0111", "")]
    return Doc("phone_list", "phone_tree", "Emergency phone tree", (
        Para("Emergency phone tree - call the next person on the list."),
        _grid(("Name", "Role", "Phone", "Cell"), rows),
    ), 0, 0, "staff phone tree: formatted and 10-digit bare phone numbers, an attendance line")


def staff_directory(roster: Roster) -> Doc:
    rng = random.Random(45)
    people = staff(20, roster, seed=46)
    rows = [(p.name, p.title, f"Room {rng.randint(100, 320)}", f"x{rng.randint(4000, 4999)}",
             f"{p.first[0]}{p.last}@{DISTRICT}".lower().replace(" ", "").replace("'", ""),
             rng.randint(1_000_000, 9_999_999)) for p in people]
    return Doc("staff_directory", "staff_directory", "Staff directory", (
        Para("Staff directory 2025-26"),
        _grid(("Name", "Title", "Room", "Ext.", "Email", "Employee ID"), rows),
    ), 0, 0, "20 staff (surnames shared with students), 7-digit employee IDs")


def policy_504(roster: Roster) -> Doc:
    coordinator = staff(1, roster, seed=47)[0]
    return Doc("policy_504", "policy_504", "Board Policy 5141.21 - Section 504", (
        Para("Board Policy 5141.21: Section 504 Accommodations for Students"),
        Para("The district does not discriminate against students on the basis of disability. "
             "A student who has a physical or mental impairment that substantially limits one "
             "or more major life activities is eligible for a 504 plan under Section 504 of the "
             "Rehabilitation Act of 1973 (29 U.S.C. 794) and 34 C.F.R. 104.35."),
        Para("The 504 team, including the parent or guardian, reviews evaluations, determines "
             "eligibility and writes the plan. Students who receive special education services "
             "under an IEP are served under the IDEA instead of a 504 plan."),
        Para("Records of evaluations, diagnoses and accommodations are confidential under "
             "FERPA (20 U.S.C. 1232g) and are shared only with staff who need them. Staff must "
             "never send a list of students with 504 plans or IEPs to families."),
        Para(f"Questions: {coordinator.name}, District 504 Coordinator, (555) 201-0123, "
             f"504@{DISTRICT}. Complaints may also be filed with the Office for Civil Rights, "
             "800-421-3481."),
        Para("Adopted: 08/14/2019. Revised: 06/12/2024. Resolution 2024-0612-07."),
    ), 0, 0, "district policy on 504 plans/IEPs/disability, statute numbers, no student named")


def lunch_menu(roster: Roster) -> Doc:
    entrees = ("Chicken tenders", "Cheese pizza", "Bean and rice burrito", "Turkey sandwich",
               "Pasta with marinara", "Veggie stir fry", "Fish tacos", "Beef chili")
    sides = ("Green beans", "Apple slices", "Corn", "Garden salad", "Carrot sticks")
    start = dt.date(2025, 10, 6)
    rows = [((start + dt.timedelta(days=i + 2 * (i // 5))).strftime("%a %m/%d"),
             entrees[i % len(entrees)], sides[i % len(sides)], "$3.25") for i in range(10)]
    return Doc("lunch_menu", "october_menu", "October lunch menu", (
        Para("October lunch menu - all schools"),
        _grid(("Date", "Entree", "Side", "Price"), rows),
        Para("Free and reduced lunch applications are available at the front office and online. "
             "Students keep the same lunch number all year; add money at the cafe portal."),
    ), 0, 0, "lunch menu with dates, prices and a free/reduced lunch notice")


def bus_schedule(roster: Roster) -> Doc:
    rng = random.Random(48)
    streets = ("Maple Ave & 3rd St", "Oak Ridge Rd", "Birch Ln & Pine St", "Cedar Ct",
               "Willow Way", "Elm St & 9th Ave", "Harbor Dr", "Summit Blvd")
    rows = [(f"Route {r}", f"Bus {rng.randint(1000, 2999)}", streets[i % len(streets)],
             f"7:{rng.randint(0, 45):02d} AM", f"3:{rng.randint(10, 55):02d} PM")
            for i, r in enumerate(rng.sample(range(1, 60), 14))]
    return Doc("bus_schedule", "bus_routes", "Bus routes 2025-26", (
        Para("Bus routes and stop times, effective 09/02/2025"),
        _grid(("Route", "Bus", "Stop", "AM Pickup", "PM Drop-off"), rows),
        Para("Students should be at their stop five minutes early. Questions: Transportation "
             "office, (555) 201-0187."),
    ), 0, 0, "bus routes, 4-digit bus numbers, stop times, 'students' in the notes")


def newsletter(roster: Roster) -> Doc:
    people = staff(5, roster, seed=49)
    return Doc("newsletter", "october_newsletter", "October newsletter", (
        Para("Cedar Hollow Elementary - October newsletter"),
        Para(f"Please welcome {people[0].name}, our new {people[0].title.lower()}, and "
             f"{people[1].name}, who joins the front office. {people[2].name} was named "
             "the district's Teacher of the Year!"),
        Para(f"Our students collected 1,250 pounds of food for the pantry. Thank you to "
             f"Ms. {people[3].last} and Mr. {people[4].last} for organizing the drive."),
        Para("Picture day is 10/21/2025. Conferences are 11/13 and 11/14; sign up online. "
             "PTA tax ID 12-3456789. Call the office at (555) 201-0100 with questions."),
    ), 0, 0, "newsletter naming 5 staff (student surnames), dates, a tax ID, phone number")


def enrollment_summary(roster: Roster) -> Doc:
    rng = random.Random(50)
    schools = ("Cedar Hollow Elementary", "Riverbend Elementary", "Northgate Middle",
               "Summit High", "Lakeview Academy")
    rows = [(school, f"{g}", rng.randint(80, 140), rng.randint(4, 19), rng.randint(6, 22))
            for school in schools for g in (("K-2", "3-5") if "Elem" in school else ("all",))]
    return Doc("enrollment_summary", "enrollment_summary", "Enrollment summary", (
        Para("October 1 enrollment by school, with counts of students on 504 plans and IEPs."),
        _grid(("School", "Grades", "Students", "504 Plans", "IEPs"), rows),
        Para("Counts only; no student is identified in this report."),
    ), 0, 0, "aggregate counts per school, with '504 Plans' and 'IEPs' count columns")


POSITIVES: tuple[Callable[[Roster], Doc], ...] = (
    plan_roster, class_list, unlisted_plan_table, dob_roster, names_in_prose, plan_notes,
    ids_with_context, names_with_dobs, evasion_names, evasion_ids,
)
NEGATIVES: tuple[Callable[[Roster], Doc], ...] = (
    budget, phone_list, staff_directory, policy_504, lunch_menu, bus_schedule, newsletter,
    enrollment_summary,
)


def all_docs(roster: Roster) -> list[Doc]:
    return [make(roster) for make in (*POSITIVES, *NEGATIVES)]


def _unused_ids(roster: Roster, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    taken = roster.ids()
    found: list[str] = []
    while len(found) < count:
        value = str(rng.randint(20_000_000, 89_999_999))
        if value not in taken and value not in found:
            found.append(value)
    return found


def _seven_digits(rng: random.Random, roster: Roster) -> int:
    taken = roster.ids()
    while True:
        value = rng.randint(1_000_000, 9_999_999)
        if str(value) not in taken:
            return value


__all__ = ["Block", "Cell", "Doc", "Grid", "NEGATIVES", "POSITIVES", "Para", "Person",
           "all_docs", "cell_text"]
