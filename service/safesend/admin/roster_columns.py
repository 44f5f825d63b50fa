"""The roster import's mapping step: the file's columns, and what each one seems to be.

Reads only the first part of the file (the browser sends a slice), keeps
nothing, and returns header names only: never a student's row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from ..detect import RosterFormatError, parse_roster_csv

SAMPLE_BYTES = 64 * 1024
FIELDS = {
    "": "Ignore",
    "student_id": "Student ID",
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name",
    "dob": "Date of birth",
    "guardian_email": "Guardian email",
    "flags": "Plans or programs (labels)",
    "flag:504": "504 plan (yes/no)",
    "flag:IEP": "IEP or special education (yes/no)",
    "flag:ELL": "English learner (yes/no)",
    "flag:FRL": "Free or reduced lunch (yes/no)",
    "flag:MEDICAL": "Medical alert (yes/no)",
    "flag:HOMELESS": "Homeless / McKinney-Vento (yes/no)",
    "flag:FOSTER": "Foster care (yes/no)",
    "flag:GT": "Gifted (yes/no)",
}
MULTIPLE = ("guardian_email", "flags")   # fields that may come from several columns


class MappingError(ValueError):
    pass


def column_guesses(sample: bytes) -> dict:
    """{'columns': [{'header', 'field'}], 'recognized': bool, 'message'}."""
    sample = _whole_lines(sample[:SAMPLE_BYTES])
    try:
        result = parse_roster_csv(sample)
    except RosterFormatError as exc:
        header = _first_row(sample)
        return {"columns": [{"header": h, "field": ""} for h in header if h], "recognized": False,
                "message": f"SafeSend did not recognize the columns ({exc}). Say what each one is."}
    header = _row_at(sample, result.encoding, result.delimiter, result.header_line)
    by_header = {h: f for f, headers in result.columns.items() for h in headers}
    return {"columns": [{"header": h, "field": by_header.get(h, "") if by_header.get(h, "") in FIELDS else ""}
                        for h in header if h],
            "recognized": True, "message": "Check what SafeSend found, then import."}


def importer_mapping(chosen: Mapping[str, str]) -> dict[str, str | list[str]]:
    """{column header: field} from the page -> the importer's {field: header(s)}."""
    mapping: dict[str, list[str]] = {}
    for header, field in chosen.items():
        if not field:
            continue
        if field not in FIELDS:
            raise MappingError(f"Unknown field {field!r} for column {header!r}.")
        mapping.setdefault(field, []).append(header)
    for field, headers in mapping.items():
        if len(headers) > 1 and field not in MULTIPLE and not field.startswith("flag:"):
            raise MappingError(f"Only one column can be the {FIELDS[field].lower()} "
                               f"({', '.join(headers)}).")
    if "student_id" not in mapping:
        raise MappingError("Choose the column that holds the student ID.")
    return {f: (h if f in MULTIPLE or f.startswith("flag:") else h[0]) for f, h in mapping.items()}


def _whole_lines(data: bytes) -> bytes:
    cut = data.rfind(b"\n")
    return data[: cut + 1] if cut > 0 else data


def _text(data: bytes, encoding: str = "utf-8-sig") -> str:
    try:
        return data.decode(encoding if encoding != "utf-8" else "utf-8-sig", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _row_at(data: bytes, encoding: str, delimiter: str, line: int) -> list[str]:
    reader = csv.reader(io.StringIO(_text(data, encoding), newline=""), delimiter=delimiter)
    for row in reader:
        if reader.line_num >= line:
            return [cell.strip() for cell in row]
    return []


def _first_row(data: bytes) -> list[str]:
    text = _text(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";", "|"), key=first.count)
    return next((row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                 if any(c.strip() for c in row)), [])
