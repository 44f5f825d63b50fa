"""An invented district for incident tests: unique names, 230 students on 504
plans and 170 without, guardians with names and addresses at example domains."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook

from safesend.synthetic_district import FIRST_NAMES, LAST_NAMES

SCHOOLS = ("Maple Elementary", "Cedar Middle", "Oak High")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Kid:
    student_id: str
    first: str
    last: str
    school: str
    grade: str
    plans: tuple[str, ...]
    guardians: tuple[tuple[str, str], ...]   # (name, email)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def district(plan_students: int = 230, others: int = 170) -> list[Kid]:
    kids = []
    for i in range(plan_students + others):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        row, turn = i % len(FIRST_NAMES), i // len(FIRST_NAMES)   # (first, last) pairs stay unique
        last = LAST_NAMES[(row * 3 + turn * 11) % len(LAST_NAMES)]
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        guardians = [(f"Pat {last}", f"{local}.home{i}@example.net")]
        if i % 3 == 0:
            guardians.append((f"Sam {last}", f"{local}.work{i}@example.com"))
        # IDs start off round numbers: a policy default such as 40000000 pixels is not an ID.
        kids.append(Kid(str(40031000 + i * 37), first, last, SCHOOLS[i % 3], str(1 + i % 12),
                        ("504",) if i < plan_students else (), tuple(guardians)))
    names = [k.name for k in kids]
    assert len(set(names)) == len(names), "the fixture's names must be unique"
    return kids


def roster_csv(kids: list[Kid]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Student Number", "First Name", "Last Name", "School", "Grade", "Plan",
                     "Parent Name", "Parent Email", "Guardian 2 Name", "Guardian 2 Email"])
    for k in kids:
        g = list(k.guardians) + [("", "")]
        writer.writerow([k.student_id, k.first, k.last, k.school, k.grade, "; ".join(k.plans),
                         g[0][0], g[0][1], g[1][0], g[1][1]])
    return out.getvalue()


def plan_spreadsheet(kids: list[Kid]) -> bytes:
    """The spreadsheet a teacher should not have sent: students on 504 plans."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Student ID", "Student Name", "Grade", "Plan"])
    for k in kids:
        sheet.append([k.student_id, f"{k.first} {k.last}", k.grade, "504"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A loaded test machine must not turn a scan into "unscannable": the longest budget.
POLICY = {"internal_domains": ["district.example.org"], "limits": {"time_budget_seconds": 60}}
