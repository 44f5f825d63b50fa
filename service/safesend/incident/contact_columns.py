"""The roster columns only incident response needs: school, grade and
guardian names, read from the same SIS export the importer parsed.

The importer (detect/roster_csv.py) knows where each student's row is
(`RosterRecord.line`), the delimiter and the encoding; this reads the same
rows again and picks up the extra cells. Guardian name columns pair with the
guardian email columns in order (Parent Name <-> Parent Email).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ..detect.normalize import normalize_text
from ..detect.roster_csv import RosterParseResult
from ..detect.tables import Role, header_key, header_role

SCHOOL_HEADERS = frozenset({"school", "school name", "building", "campus", "site", "school site",
                            "attending school", "current school", "location", "school building"})


@dataclass
class ExtraColumns:
    school: int | None = None
    grade: int | None = None
    guardian_names: list[int] = field(default_factory=list)


def find_columns(header: list[str]) -> ExtraColumns:
    found = ExtraColumns()
    for index, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            continue
        if key in SCHOOL_HEADERS and found.school is None:
            found.school = index
            continue
        role, _ = header_role(cell)
        if role == Role.GRADE and found.grade is None:
            found.grade = index
        elif role == Role.GUARDIAN:
            found.guardian_names.append(index)
    return found


def extra_cells(data: bytes, parsed: RosterParseResult) -> dict[int, tuple[str, str, list[str]]]:
    """line -> (school, grade, guardian names) for every row of the file."""
    text = data.decode(parsed.encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
    line, columns, cells = 1, None, {}
    for row in reader:
        if line == parsed.header_line:
            columns = find_columns([normalize_text(c).strip() for c in row])
        elif columns is not None:
            cells[line] = (_cell(row, columns.school), _cell(row, columns.grade),
                           [_cell(row, i) for i in columns.guardian_names])
        line = reader.line_num + 1
    return cells


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return " ".join(normalize_text(row[index]).split())[:200]
