"""The product's one-pass import gives what the two-pass one gave (issue 17).

`import_roster_blob` parses, hashes and serializes each row at once; the
stored blob must be byte for byte `serialize_roster(import_roster(...))`, so
snapshots stored before load unchanged, and the counts, errors and columns
the import reports must not move. Checked on rosters of awkward rows.
"""

from __future__ import annotations

import codecs
import random

import pytest
from detect.synthetic import synthetic_roster
from detect.test_roster_import_paths import MESSY

from safesend.detect import (
    RosterHasher,
    RosterIndex,
    deserialize_roster,
    import_roster,
    serialize_roster,
)
from safesend.detect.roster_blob import import_roster_blob

SECRET = b"test-secret-key-0123456789abcdef"

# Quoted line breaks and delimiters inside cells, a lone CR, CRLF ends, a
# preamble above the header, short rows, rows of separators only
QUOTED = (
    "District export;2026-09-01\r\n"
    "Student ID;Student Name;DOB;Programs;Parent Email;Guardian 2 Email\r\n"
    '1001;"Garcia, Maria\nElena";2011-03-04;"504; IEP";"a@example.org; A@EXAMPLE.ORG";'
    "<a@example.org>\r\n"
    '1002;"O\'Brien, Seán";04/05/2011;;"b@example.org";"c@example.org"\r'
    "1003;Nakamura Kenji;;ELL;;\r\n"
    ";;;;;\r\n"
    "1004;\"Lopez\r\nAna\";2012-13-01;;;\r\n"
    "1005\r\n"
    "1006;\"De La Cruz, Mary-Ann\";2013-01-02;Gifted and Talented;d@example.org;d@example.org\r\n"
)

# No DOB, plan or email column at all; IDs with letters, separators, zeros
MISSING_COLUMNS = (
    "StudentID,Last Name,First Name\n"
    "S-0012,Okafor,Ben\n"
    "s0012,Okafor,Benjamin\n"
    "0000,Zero,Ann\n"
    "A 12/34,Ng,Cy\n"
    "77.0,Li,Wu\n"
    "000077,Li,Wu\n"
)


def _many_plans(students: int = 60) -> str:
    """More than 32 distinct plan labels: the blob keeps 31 and 'OTHER'."""
    lines = ["Student ID,First Name,Last Name,Plan,IEP,Parent Email"]
    for n in range(students):
        plans = f"Program {n % 45}" + ("; 504" if n % 3 == 0 else "")
        lines.append(f"{n + 1},Ann{n % 7},Lee{n % 5},{plans},{'Y' if n % 4 == 0 else ''},"
                     f"p{n % 9}@example.org")
    return "\n".join(lines) + "\n"


def _awkward(seed: int, rows: int = 600) -> str:
    """Random rows drawn from awkward cells of every column."""
    rng = random.Random(seed)
    firsts = ["Maria", "Ana Maria", "Zoë", "Mary-Ann", "José Luis", "李", "Ｊｏｈｎ", "",
              "O'Neil", '"Quoted, Name"', '"Two\nLines"', "Ana", "123"]
    lasts = ["Garcia", "Garcia Lopez", "Ängström", "De La Cruz", "Nguyễn", "", "Smith",
             '"Smith, Jr."', "Ng"]
    dobs = ["2011-03-04", "3/4/2011", "03/04/2011", "", "31/31/2011", "March 4, 2011",
            "2011-02-29", "4-Mar-2011"]
    plans = ["", "504", "IEP; ELL", "No", "N", "Zebulon program", "504 Plan/IEP", "none",
             "Sped and ELL", '"504, IEP"', "Other Thing"]
    emails = ["", "p@example.org", "P@Example.org", "<p@example.org>", "not-an-email",
              '"a@example.org; b@example.org"', "zoë@exämple.org", "q@example.org",
              "x@example.org y@example.org", "ｐ@example.org"]
    lines = ["Student Number,First Name,Last Name,Birthdate,Plan,IEP,Parent Email,"
             "Guardian 2 Email,School,Grade"]
    ids: list[str] = []
    for n in range(rows):
        roll = rng.random()
        if roll < 0.03:
            lines.append("")
            continue
        if roll < 0.06:
            lines.append(f"{n},Short")
            continue
        if roll < 0.1 and ids:
            student_id = rng.choice(ids)  # a duplicate
        else:
            student_id = rng.choice([str(n + 10), f"00{n + 10}", f"S{n:05d}", f"{n + 10}.0",
                                     f"A-{n}", "", "1" * 41, f" {n + 10} "])
            ids.append(student_id)
        cells = [student_id, rng.choice(firsts), rng.choice(lasts), rng.choice(dobs),
                 rng.choice(plans), rng.choice(["", "Y", "yes", "No", "x"]),
                 rng.choice(emails), rng.choice(emails), rng.choice(["North", "Südschule", ""]),
                 rng.choice(["3", "K", ""])]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


ROSTERS = {
    "messy": MESSY,
    "quoted": QUOTED,
    "missing columns": MISSING_COLUMNS,
    "many plans": _many_plans(),
    "synthetic": synthetic_roster(500, seed=5, plan_rate=0.3).csv_text(),
    **{f"awkward {seed}": _awkward(seed) for seed in range(6)},
}


def _same_import(data: bytes | str, mapping: dict[str, str] | None = None) -> bytes:
    hasher = RosterHasher(SECRET)
    students, result = import_roster(data, hasher, mapping)
    blob, one_pass = import_roster_blob(data, hasher, mapping)
    assert blob.data == serialize_roster(students, hasher)
    assert (blob.students, blob.with_flags, blob.guardians) == (
        len(students), sum(1 for s in students if s.flags),
        len({g for s in students for g in s.guardians}))
    assert one_pass.errors == result.errors
    assert one_pass.columns == result.columns
    assert (one_pass.encoding, one_pass.delimiter, one_pass.header_line,
            one_pass.ignored_columns) == (result.encoding, result.delimiter, result.header_line,
                                          result.ignored_columns)
    assert one_pass.records == result.records == []
    return blob.data


@pytest.mark.parametrize("name", ROSTERS)
def test_one_pass_gives_the_two_pass_blob_counts_errors_and_columns(name):
    _same_import(ROSTERS[name])


def test_awkward_rosters_take_every_turn():
    """The random rosters do reach the cases they are there for."""
    hasher = RosterHasher(SECRET)
    blob, result = import_roster_blob(ROSTERS["awkward 0"], hasher)
    messages = {(e.field, e.message.split(" (")[0]) for e in result.errors}
    assert {("student_id", "missing"), ("student_id", "duplicate student ID"),
            ("dob", "not a date"), ("guardian_email", "not an email address"),
            ("first_name", "missing")} <= messages
    students = deserialize_roster(blob.data, hasher)
    assert any(len(s.guardians) > 1 for s in students)
    assert any(len(s.first) > 1 for s in students) and any(len(s.last) > 2 for s in students)
    assert blob.with_flags and blob.guardians


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings_give_the_same_blob(encoding):
    text = MESSY.replace("Zoë,Ängström", "Zoé,Angstrom") if encoding == "cp1252" else MESSY
    data = text.encode(encoding)
    assert data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or \
        encoding == "cp1252"
    assert _same_import(data) == _same_import(text)


def test_a_mapping_gives_the_same_blob():
    csv_text = ("Pupil,Given,Family,Born,Needs,Contact\n"
                "1,Ana,Lee,2011-01-01,IEP,a@example.org\n"
                "2,Ben,Ng,2011-02-02,,b@example.org\n")
    _same_import(csv_text, {"student_id": "Pupil", "first_name": "Given", "last_name": "Family",
                            "dob": "Born", "flags": "Needs", "guardian_email": "Contact"})


def test_the_blob_loads_into_the_index_the_students_give():
    hasher = RosterHasher(SECRET)
    for name, csv_text in ROSTERS.items():
        blob, _ = import_roster_blob(csv_text, hasher)
        from_blob = RosterIndex.from_bytes(blob.data, hasher)
        from_students = RosterIndex(deserialize_roster(blob.data, hasher), hasher)
        assert len(from_blob) == blob.students, name
        assert from_blob._ids == from_students._ids and from_blob._pairs == from_students._pairs


def test_an_id_of_separators_only_is_a_row_error_not_a_crash():
    """'-' is no ID at all: the two-pass import raised ValueError on it (a crash of
    the upload); the one pass reports the row and imports the others."""
    csv_text = "Student ID,First Name,Last Name\n1,Ana,Lee\n-,Ben,Ng\n._,Cy,Wu\n2,Di,Ko\n"
    hasher = RosterHasher(SECRET)
    with pytest.raises(ValueError, match="empty student ID"):
        import_roster(csv_text, hasher)
    blob, result = import_roster_blob(csv_text, hasher)
    assert blob.students == 2
    assert [str(e) for e in result.errors] == ["line 3: student_id: no letter or digit",
                                               "line 4: student_id: no letter or digit"]
    assert blob.data == serialize_roster(
        import_roster("Student ID,First Name,Last Name\n1,Ana,Lee\n2,Di,Ko\n", hasher)[0], hasher)
