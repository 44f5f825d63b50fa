"""Reading a roster export (CSV) from a student information system.

`parse_roster_csv` recognizes the usual SIS headers by itself ('Student
Number', 'StudentID', 'First Name', 'Surname', 'Birthdate', '504', 'IEP',
'Parent Email', 'Guardian 2 Email'...), takes an explicit mapping where a
district's export differs, sniffs the delimiter (',', tab, ';', '|') and the
encoding (UTF-8 with or without BOM, UTF-16 with BOM, cp1252), and reports
every bad row with its line number instead of dropping it. Error messages
name the field and the problem, never the value.

The records hold plaintext: hash them (`RosterHasher.hash_records`) and let
them go.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from .dates import DateOrder, parse_date
from .flags import FLAG_COLUMNS, flag_label, is_truthy
from .normalize import normalize_text
from .tables import Role, header_key, header_role

CANONICAL_FIELDS = ("student_id", "first_name", "last_name", "full_name", "dob", "flags",
                    "guardian_email")

# Columns whose values are flag labels ('504', 'IEP; ELL')
LABEL_COLUMNS = frozenset({"plan", "plans", "plan type", "flags", "flag", "programs",
                           "program", "student flags", "alerts", "special programs",
                           "student programs", "support plan"})

_LABEL_SPLIT = re.compile(r"[;,|/]\s*|\s+and\s+")
_EMAIL = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"'.]{2,}")
_EMAIL_SPLIT = re.compile(r"[\s,;]+")
_DELIMITERS = (",", "\t", ";", "|")


class RosterFormatError(ValueError):
    """The file as a whole cannot be read as a roster (no header, missing columns)."""


@dataclass(frozen=True, slots=True)
class RosterRecord:
    """One student as read from the file (plaintext: hash it, then drop it)."""

    line: int
    student_id: str
    first_name: str
    last_name: str
    dob: dt.date | None = None
    flags: frozenset[str] = frozenset()
    guardian_emails: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RosterRowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class RosterParseResult:
    records: list[RosterRecord]
    errors: list[RosterRowError]
    # canonical field -> the header(s) it was read from; flag columns as 'flag:504'
    columns: dict[str, list[str]] = field(default_factory=dict)
    encoding: str = "utf-8"
    delimiter: str = ","
    header_line: int = 1
    ignored_columns: list[str] = field(default_factory=list)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:5]
    if not lines:
        return ","

    def count(line: str, delimiter: str) -> int:
        return len(re.sub(r'"[^"]*"', "", line).split(delimiter)) - 1

    best, best_score = ",", 0.0
    for delimiter in _DELIMITERS:
        counts = [count(line, delimiter) for line in lines]
        if not counts[0]:
            continue
        consistent = sum(1 for c in counts[1:] if c == counts[0])
        score = counts[0] + consistent * 0.5
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Each row of a csv.reader with the line it starts on."""
    line = reader.line_num + 1  # type: ignore[attr-defined]
    for row in reader:
        yield line, row
        line = reader.line_num + 1


# Line breaks `str.splitlines` knows and a file read with newline="" does not
_OTHER_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CHUNK = 1 << 20


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their ends, as `io.StringIO(text, newline="")`
    gives them, a megabyte at a time: StringIO holds a copy of the text at 4
    bytes a character (34 MB for a 100,000-student roster, issue 17)."""
    if any(c in text for c in "\v\f\x1c\x1d\x1e") if text.isascii() else \
            _OTHER_BREAKS.search(text):
        yield from io.StringIO(text, newline="")
        return
    start, end = 0, len(text)
    while start < end:
        # cut after a '\n', so no '\r\n' is split between two chunks
        stop = text.rfind("\n", start, start + _CHUNK) + 1
        if stop <= start:
            stop = text.find("\n", start + _CHUNK) + 1 or end
        yield from text[start:stop].splitlines(keepends=True)
        start = stop


@dataclass
class _Layout:
    student_id: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    full_name: int | None = None
    dob: int | None = None
    label_columns: list[int] = field(default_factory=list)
    flag_columns: list[tuple[int, str]] = field(default_factory=list)
    guardian_emails: list[int] = field(default_factory=list)

    def complete(self) -> bool:
        names = (self.first_name is not None and self.last_name is not None) or \
            self.full_name is not None
        return self.student_id is not None and names


def _auto_layout(header: Sequence[str]) -> _Layout:
    layout = _Layout()
    generic_id = None
    for index, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            continue
        if key in FLAG_COLUMNS:
            layout.flag_columns.append((index, FLAG_COLUMNS[key]))
            continue
        if key in LABEL_COLUMNS:
            layout.label_columns.append(index)
            continue
        role, _ = header_role(cell)
        if role == Role.STUDENT_ID and layout.student_id is None:
            layout.student_id = index
        elif role == Role.GENERIC_ID and generic_id is None:
            generic_id = index
        elif role == Role.FIRST_NAME and layout.first_name is None and "prefer" not in key \
                and "nick" not in key:
            layout.first_name = index
        elif role == Role.LAST_NAME and layout.last_name is None:
            layout.last_name = index
        elif role in (Role.STUDENT_NAME, Role.NAME) and layout.full_name is None:
            layout.full_name = index
        elif role == Role.DOB and layout.dob is None:
            layout.dob = index
        elif role == Role.GUARDIAN_EMAIL:
            layout.guardian_emails.append(index)
    if layout.student_id is None:
        layout.student_id = generic_id
    return layout


def _find_column(header: Sequence[str], wanted: str) -> int | None:
    key = header_key(wanted)
    for index, cell in enumerate(header):
        if cell.strip() == wanted.strip() or header_key(cell) == key:
            return index
    return None


def _apply_mapping(layout: _Layout, header: Sequence[str],
                   mapping: Mapping[str, str | Sequence[str]]) -> _Layout:
    def columns_for(canonical: str, value: str | Sequence[str]) -> list[int]:
        names = [value] if isinstance(value, str) else list(value)
        found = []
        for name in names:
            index = _find_column(header, name)
            if index is None:
                raise RosterFormatError(
                    f"mapping for {canonical!r}: no column {name!r} in the header "
                    f"(columns: {_header_names(header)})")
            found.append(index)
        return found

    mapped: set[int] = set()
    for canonical, value in mapping.items():
        if canonical.startswith("flag:"):
            label = flag_label(canonical[5:])
            for index in columns_for(canonical, value):
                layout.flag_columns = [(i, lbl) for i, lbl in layout.flag_columns if i != index]
                layout.flag_columns.append((index, label))
                mapped.add(index)
            continue
        if canonical not in CANONICAL_FIELDS:
            raise RosterFormatError(
                f"unknown field {canonical!r} in the mapping (fields: "
                f"{', '.join(CANONICAL_FIELDS)}, or 'flag:<LABEL>')")
        indexes = columns_for(canonical, value)
        mapped.update(indexes)
        if canonical == "flags":
            layout.label_columns = indexes
        elif canonical == "guardian_email":
            layout.guardian_emails = indexes
        else:
            if len(indexes) != 1:
                raise RosterFormatError(f"mapping for {canonical!r} must name one column")
            setattr(layout, canonical, indexes[0])
    # a column claimed by the mapping is no longer auto-assigned elsewhere
    for name in ("student_id", "first_name", "last_name", "full_name", "dob"):
        index = getattr(layout, name)
        if index in mapped and name not in mapping:
            setattr(layout, name, None)
    if "flags" not in mapping:
        layout.label_columns = [i for i in layout.label_columns if i not in mapped]
    if "guardian_email" not in mapping:
        layout.guardian_emails = [i for i in layout.guardian_emails if i not in mapped]
    return layout


def _describe(layout: _Layout, header: Sequence[str]) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for name in ("student_id", "first_name", "last_name", "full_name", "dob"):
        index = getattr(layout, name)
        if index is not None:
            columns[name] = [header[index]]
    if layout.label_columns:
        columns["flags"] = [header[i] for i in layout.label_columns]
    for index, label in layout.flag_columns:
        columns.setdefault(f"flag:{label}", []).append(header[index])
    if layout.guardian_emails:
        columns["guardian_email"] = [header[i] for i in layout.guardian_emails]
    return columns


def _header_names(row: Sequence[str]) -> str:
    """What an error message may say about a row that should be a header: the
    cells recognized as headers, and how many others there are (an unrecognized
    cell may be a student's data, so it is not repeated)."""
    known = []
    for cell in row:
        role, _ = header_role(cell)
        key = header_key(cell)
        if role != Role.OTHER or key in FLAG_COLUMNS or key in LABEL_COLUMNS:
            known.append(cell.strip()[:40])
    others = sum(1 for c in row if c.strip()) - len(known)
    return (", ".join(known) or "none recognized") + (
        f" (and {others} other column{'s' if others != 1 else ''})" if others else "")


def split_full_name(value: str) -> tuple[str, str]:
    """'Garcia, Maria Elena' -> ('Maria Elena', 'Garcia'); 'Maria Garcia' -> ('Maria', 'Garcia')."""
    value = " ".join(value.split())
    if "," in value:
        last, _, first = value.partition(",")
        return first.strip(), last.strip()
    parts = value.split(" ")
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


def parse_roster_csv(data: bytes | str | TextIO,
                     mapping: Mapping[str, str | Sequence[str]] | None = None,
                     *, date_order: DateOrder = "MDY", header_search_rows: int = 10
                     ) -> RosterParseResult:
    """Read a roster export. See the module docstring.

    `mapping` maps canonical fields ('student_id', 'first_name', 'last_name',
    'full_name', 'dob', 'flags', 'guardian_email', or 'flag:<LABEL>' for a
    yes/no column) to the file's header text; 'flags' and 'guardian_email'
    take a list of headers. Raises `RosterFormatError` when the file has no
    usable header.
    """
    result, records = read_roster_csv(data, mapping, date_order=date_order,
                                      header_search_rows=header_search_rows)
    result.records.extend(records)
    return result


def read_roster_csv(data: bytes | str | TextIO,
                    mapping: Mapping[str, str | Sequence[str]] | None = None,
                    *, date_order: DateOrder = "MDY", header_search_rows: int = 10
                    ) -> tuple[RosterParseResult, Iterator[RosterRecord]]:
    """`parse_roster_csv` one record at a time: the header is read (and a
    `RosterFormatError` raised) now; the records come from the iterator, which
    adds each bad row to the result's errors as it passes it. The roster import
    hashes each record as it comes, so 100,000 plaintext records are never
    held at once (issue 17: import memory)."""
    result, fields = read_roster_fields(data, mapping, date_order=date_order,
                                        header_search_rows=header_search_rows)
    return result, itertools.starmap(RosterRecord, fields)


# One student's fields as `read_roster_fields` yields them, RosterRecord's order:
# (line, student_id, first_name, last_name, dob, flags, guardian_emails)
RecordFields = tuple[int, str, str, str, "dt.date | None", frozenset[str], tuple[str, ...]]


def read_roster_fields(data: bytes | str | TextIO,
                       mapping: Mapping[str, str | Sequence[str]] | None = None,
                       *, date_order: DateOrder = "MDY", header_search_rows: int = 10
                       ) -> tuple[RosterParseResult, Iterator[RecordFields]]:
    """`read_roster_csv` yielding each record as a plain tuple of RosterRecord's
    fields: the index build reads 100,000 of them and needs no object of each."""
    encoding = "utf-8"
    if isinstance(data, bytes):
        text, encoding = _decode(data)
    elif isinstance(data, str):
        text = data
    else:
        text = data.read()
        if isinstance(text, bytes):
            text, encoding = _decode(text)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise RosterFormatError("the file is empty")
    delimiter = _sniff_delimiter(text[:20000])
    reader = csv.reader(_lines(text), delimiter=delimiter)
    rows = _rows(reader)

    header: list[str] | None = None
    header_line = 0
    layout = _Layout()
    seen_rows: list[tuple[int, list[str]]] = []
    mapping_error: RosterFormatError | None = None
    for line, row in rows:
        seen_rows.append((line, row))
        candidate = [normalize_text(c).strip() for c in row]
        layout = _auto_layout(candidate)
        if mapping:
            try:
                layout = _apply_mapping(layout, candidate, mapping)
            except RosterFormatError as exc:
                if "unknown field" in str(exc):
                    raise
                mapping_error = mapping_error or exc  # the first row is the likely header
                if len(seen_rows) >= header_search_rows:
                    break
                continue
        if layout.complete():
            header, header_line = candidate, line
            break
        if len(seen_rows) >= header_search_rows:
            break
    if header is None:
        if mapping_error is not None:
            raise mapping_error
        first = [c.strip() for c in seen_rows[0][1]] if seen_rows else []
        raise RosterFormatError(
            "no header row with a student ID column and name columns (first name and "
            "last name, or a full name) was found; give a mapping. First row: "
            + _header_names(first))

    used = {i for i in (layout.student_id, layout.first_name, layout.last_name,
                        layout.full_name, layout.dob) if i is not None}
    used |= set(layout.label_columns) | {i for i, _ in layout.flag_columns}
    used |= set(layout.guardian_emails)
    result = RosterParseResult(
        records=[], errors=[], columns=_describe(layout, header), encoding=encoding,
        delimiter=delimiter, header_line=header_line,
        ignored_columns=[h for i, h in enumerate(header) if i not in used and h])
    return result, _fields(reader, layout, _Memo(date_order), result.errors)


def _fields(reader: Iterator[list[str]], layout: _Layout, memo: _Memo,
            errors: list[RosterRowError]) -> Iterator[RecordFields]:
    """Each good row's fields. A row of ASCII cells that needs no cleaning and has
    no problem is read inline here (most rows: ~3 us less per row than `_record`);
    any other row goes through `_record`, which reads it the general way and
    reports its problems, so both give the same records and errors."""
    seen_ids: dict[str, int] = {}
    id_col, first_col, last_col = layout.student_id, layout.first_name, layout.last_name
    dob_col = layout.dob
    used = [i for i in (id_col, first_col, last_col, layout.full_name, dob_col) if i is not None]
    used += layout.label_columns + [i for i, _ in layout.flag_columns] + layout.guardian_emails
    width = max(used) + 1  # a shorter row goes the general way (its missing cells are "")
    inline = (id_col is not None and first_col is not None and last_col is not None)
    label_cols, flag_cols, email_cols = layout.label_columns, layout.flag_columns, \
        layout.guardian_emails
    dates, label_sets, truthy = memo._dates, memo._labels, memo.truthy
    split_emails, is_email = _EMAIL_SPLIT.split, _EMAIL.fullmatch
    first_line_of = seen_ids.setdefault
    no_flags: frozenset[str] = frozenset()
    # the rows after the header, read from the csv.reader itself (not `_rows`: one
    # generator less per row); a row's line is where the reader stood before it
    start = reader.line_num + 1  # type: ignore[attr-defined]
    for row in reader:
        line, start = start, reader.line_num + 1  # type: ignore[attr-defined]
        fields = None
        joined = "".join(row)
        if inline and len(row) >= width and joined.isascii():
            while True:  # one pass; `break` leaves a problem row to `_record`
                student_id = row[id_col].strip()
                if student_id.endswith(".0") and student_id[:-2].isdigit():
                    student_id = student_id[:-2]
                first, last = row[first_col].strip(), row[last_col].strip()
                if not student_id or len(student_id) > 40 or not first or not last:
                    break
                dob = None
                if dob_col is not None:
                    dob_text = row[dob_col].strip()
                    if dob_text:
                        dob = dates.get(dob_text, False)
                        if dob is False:
                            dob = memo.date(dob_text)
                        if dob is None:
                            break
                flags = no_flags
                for index in label_cols:
                    cell = row[index].strip()
                    found = label_sets.get(cell)
                    if found is None:
                        found = memo.labels(cell)
                    flags = found if not flags else flags | found
                for index, label in flag_cols:
                    if truthy(row[index].strip()):
                        flags = flags | {label}
                emails: list[str] = []
                for index in email_cols:
                    value = row[index].strip().lower()
                    if not value:
                        continue
                    if is_email(value):  # one address, nothing to split or strip
                        emails.append(value)
                        continue
                    for part in split_emails(value):
                        if not part:
                            continue
                        part = part.strip("<>\"'")
                        if not is_email(part):
                            break
                        emails.append(part)
                    else:
                        continue
                    break
                else:
                    fields = (line, student_id, first, last, dob, flags,
                              tuple(dict.fromkeys(emails)) if len(emails) > 1 else tuple(emails))
                break
        if fields is None:
            if not joined.strip():  # a blank row
                continue
            record = _record(line, row, layout, memo, errors)
            if record is None:
                continue
            fields = (record.line, record.student_id, record.first_name, record.last_name,
                      record.dob, record.flags, record.guardian_emails)
        first_line = first_line_of(fields[1].upper(), line)
        if first_line != line:
            errors.append(RosterRowError(
                line, "student_id", f"duplicate student ID (first on line {first_line})"))
            continue
        yield fields


class _Memo:
    """Per-file caches: a roster repeats the same birth dates and yes/no values
    thousands of times, and reading each costs more than looking it up."""

    def __init__(self, date_order: DateOrder) -> None:
        self.date_order = date_order
        self.today = dt.date.today()
        self._dates: dict[str, dt.date | None] = {}
        self._truthy: dict[str, bool] = {}
        self._labels: dict[str, frozenset[str]] = {}

    def date(self, text: str) -> dt.date | None:
        try:
            return self._dates[text]
        except KeyError:
            found = self._dates[text] = parse_date(text, self.date_order, self.today)
            return found

    def truthy(self, value: str) -> bool:
        try:
            return self._truthy[value]
        except KeyError:
            found = self._truthy[value] = is_truthy(value)
            return found

    def labels(self, value: str) -> frozenset[str]:
        """The flag labels of a plan cell ('504; IEP'); none when it says no."""
        try:
            return self._labels[value]
        except KeyError:
            found = self._labels[value] = frozenset(
                flag_label(part) for part in _LABEL_SPLIT.split(value)
                if self.truthy(part)) if self.truthy(value) else frozenset()
            return found


def _cell(row: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    value = row[index]
    return normalize_text(value).strip() if not value.isascii() else value.strip()


def _record(line: int, row: list[str], layout: _Layout, memo: _Memo,
            errors: list[RosterRowError]) -> RosterRecord | None:
    if not "".join(row).strip():  # a blank row (one C call, not one per cell)
        return None
    problems: list[RosterRowError] = []
    student_id = _cell(row, layout.student_id)
    if student_id.endswith(".0") and student_id[:-2].isdigit():
        student_id = student_id[:-2]
    if not student_id:
        problems.append(RosterRowError(line, "student_id", "missing"))
    elif len(student_id) > 40:
        problems.append(RosterRowError(line, "student_id", "longer than 40 characters"))
    first = _cell(row, layout.first_name)
    last = _cell(row, layout.last_name)
    if layout.full_name is not None and not (first and last):
        full_first, full_last = split_full_name(_cell(row, layout.full_name))
        first, last = first or full_first, last or full_last
    if not first:
        problems.append(RosterRowError(line, "first_name", "missing"))
    if not last:
        problems.append(RosterRowError(line, "last_name", "missing"))
    dob = None
    dob_text = _cell(row, layout.dob)
    if dob_text:
        dob = memo.date(dob_text)
        if dob is None:
            problems.append(RosterRowError(line, "dob", "not a date"))
    flags: set[str] = set()
    for index in layout.label_columns:
        flags.update(memo.labels(_cell(row, index)))
    for index, label in layout.flag_columns:
        if memo.truthy(_cell(row, index)):
            flags.add(label)
    emails: list[str] = []
    for index in layout.guardian_emails:
        value = _cell(row, index)
        for part in _EMAIL_SPLIT.split(value):
            if not part:
                continue
            part = part.strip("<>\"'").lower()
            if _EMAIL.fullmatch(part):
                emails.append(part)
            else:
                problems.append(RosterRowError(line, "guardian_email", "not an email address"))
    if problems:
        errors.extend(problems)
        return None
    return RosterRecord(line, student_id, first, last, dob, frozenset(flags),
                        tuple(dict.fromkeys(emails)))
