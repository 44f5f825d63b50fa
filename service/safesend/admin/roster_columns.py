"""The roster import's mapping step: the file's columns, what each one seems to be,
and two redacted sample values per column.

Reads only the first part of the file (the browser sends a slice) and keeps
nothing. Samples are redacted here, before they leave the server: enough of
their shape (digits, a date, an address's domain, yes/no) to choose the
column's meaning, never a student's name, ID or address.
"""

from __future__ import annotations

import csv
import io
import re
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
        rows = _first_rows(sample)
        header = rows[0] if rows else []
        return {"columns": [{"header": h, "field": "", "samples": _samples(rows[1:], i)}
                            for i, h in enumerate(header) if h],
                "recognized": False,
                "message": f"SafeSend did not recognize the columns ({exc}). Say what each one is."}
    rows = _rows_from(sample, result.encoding, result.delimiter, result.header_line)
    header = rows[0] if rows else []
    by_header = {h: f for f, headers in result.columns.items() for h in headers}
    return {"columns": [{"header": h, "samples": _samples(rows[1:], i),
                         "field": by_header.get(h, "") if by_header.get(h, "") in FIELDS else ""}
                        for i, h in enumerate(header) if h],
            "recognized": True, "message": "Check what SafeSend found, then import."}


SAMPLES = 2
_KEEP = {"y", "n", "yes", "no", "true", "false", "x", "0", "1", ""}
_PLANS = {f.partition(":")[2].upper() for f in FIELDS if f.startswith("flag:")} | {"SPED", "EL", "ESL"}


def redacted(value: str) -> str:
    """Only the value's shape: 'Maria Lopez' -> 'M•••• L••••', '2041187' -> '#######',
    '2014-03-09' -> '####-##-##', 'ana@example.org' -> '•••@example.org'; yes/no kept."""
    value = value.strip()[:60]
    if value.lower() in _KEEP or all(t.upper() in _PLANS for t in re.split(r"[;,|/ ]+", value) if t):
        return value   # yes/no and plan labels (504, IEP...) say nothing about who the student is
    if "@" in value:
        return "•••@" + value.rpartition("@")[2]
    if any(c.isdigit() for c in value) and not any(c.isalpha() for c in value):
        return "".join("#" if c.isdigit() else c for c in value)
    return " ".join(word[:1] + "•" * min(len(word) - 1, 6) for word in value.split())


def _samples(rows: list[list[str]], index: int) -> list[str]:
    values = [row[index] for row in rows if index < len(row) and row[index].strip()]
    return [redacted(v) for v in values[:SAMPLES]]


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


def _rows_from(data: bytes, encoding: str, delimiter: str, line: int,
               count: int = SAMPLES + 1) -> list[list[str]]:
    """The header row at `line` and the next non-empty rows."""
    reader = csv.reader(io.StringIO(_text(data, encoding), newline=""), delimiter=delimiter)
    rows = []
    for row in reader:
        if reader.line_num >= line and any(c.strip() for c in row):
            rows.append([cell.strip() for cell in row])
            if len(rows) == count:
                break
    return rows


def _first_rows(data: bytes, count: int = SAMPLES + 1) -> list[list[str]]:
    text = _text(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";", "|"), key=first.count)
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            if any(c.strip() for c in row)]
    return rows[:count]
