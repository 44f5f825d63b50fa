"""Large tables: the column-wise reading finds exactly what reading row by row found.

`scan_content` reads a table a chunk of rows at a time, column by column
(each distinct value once, columns that cannot hold anything skipped, terms
found in one pass over a column's cells). These tests hold it to the
row-by-row reading it replaced: fixed results recorded from that reading on
seeded synthetic tables of a few thousand rows (several chunks), and the
row-wise `match_cells` as the reference for the roster matcher.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import NamedTuple

import pytest
from detect.synthetic import Table

from safesend.detect import (
    DetectConfig,
    RosterHit,
    SensitiveTerms,
    scan_content,
    student_id_key,
)
from safesend.detect.ids import all_one_token, is_one_token
from safesend.detect.normalize import normalize_text
from safesend.detect.roster_match import _dob_confirmed
from safesend.detect.tables import NOT_STUDENT_PEOPLE, profile_table


def mixed_roster_table(roster, rows: int = 2500, seed: int = 21) -> list[list[str]]:
    """A roster export as people make them: roster students (by ID, name, both),
    unknown students, IDs with separators, repeated rows, dates of birth in two
    formats, plan and yes/no columns, notes naming students and sensitive terms."""
    rng = random.Random(seed)
    notes = ("", "", "parent meeting friday", "IEP meeting next week", "has a 504 plan",
             "asthma - inhaler in office", "diagnosed with ADHD", "free lunch", "reading group",
             "suspended 3 days", "bus 12")
    table = [["Student ID", "Last Name", "First Name", "DOB", "504", "Plan", "Notes",
              "Teacher", "Grade"]]
    for _ in range(rows):
        s = rng.choice(roster.students)
        roll = rng.random()
        dob = s.dob.strftime("%m/%d/%Y") if rng.random() < 0.7 else s.dob.isoformat()
        if roll < 0.45:
            row = [s.student_id, s.last, s.first, dob]
        elif roll < 0.6:  # unknown students
            other = rng.choice(roster.students)
            row = [str(rng.randrange(10**7, 10**8)), other.last + "x", s.first, ""]
        elif roll < 0.7:  # an ID written with a separator, no name
            row = [f"{s.student_id[:2]}-{s.student_id[2:]}", "", "", dob]
        elif roll < 0.8 and len(table) > 1:  # a repeated row
            table.append(list(rng.choice(table[1:])))
            continue
        elif roll < 0.9:  # name only, in either column order of a full name
            row = ["", f"{s.last}, {s.first}" if rng.random() < 0.5 else s.last, s.first, ""]
        else:  # the student named in the notes instead
            row = ["", "", "", "", "", "", f"{s.first} {s.last} {rng.choice(notes)}"]
            table.append(row + ["", str(rng.randint(1, 12))])
            continue
        row += [rng.choice(("Yes", "No", "", "Y")),
                rng.choice(("504", "IEP", "IEP; ELL", "", "none")),
                rng.choice(notes), f"Ms. {rng.choice(roster.students).last}", str(rng.randint(1, 12))]
        table.append(row)
    return table


def plain_list_table(roster, rows: int = 3000, seed: int = 22) -> list[list[str]]:
    """Like the benchmark's CSV: student, student_id, grade, teacher, notes."""
    rng = random.Random(seed)
    words = ("the", "for", "review", "meeting", "plan", "reading", "support", "during",
             "special education", "504 plan", "homework", "epipen", "family")
    table = [["student", "student_id", "grade", "teacher", "notes"]]
    for _ in range(rows):
        s, t = rng.choice(roster.students), rng.choice(roster.students)
        sid = s.student_id if rng.random() < 0.3 else str(rng.randrange(10**9, 10**10))
        table.append([f"{s.first} {s.last}", sid, str(rng.randint(1, 12)), f"{t.first} {t.last}",
                      " ".join(rng.choice(words) for _ in range(rng.randint(0, 8)))])
    return table


def headerless_table(roster, rows: int = 1500, seed: int = 23) -> list[list[str]]:
    """No header: label cells to the left of values ('Student ID:' | '67123412')."""
    rng = random.Random(seed)
    table = []
    for n in range(rows):
        s = rng.choice(roster.students)
        label = rng.choice(("Student ID:", "student", "Account:", "Phone", "SID")) if n >= 10 else ""
        table.append([f"{s.first} {s.last}", label,
                      s.student_id if rng.random() < 0.6 else str(rng.randrange(10**6, 10**8)),
                      rng.choice(("", "on an IEP", "notes"))])
    return table


TABLES = {"mixed": mixed_roster_table, "plain": plain_list_table, "headerless": headerless_table}


class Expected(NamedTuple):
    # students, in roster, flagged, with sensitive, student IDs, DOBs, roster-like tables
    counts: tuple[int, ...]
    mentions: dict[str, int]
    sensitive_students: dict[str, int]
    evidence: tuple[tuple[str, str, str, str], ...]  # of the table's source, in order


EXPECTED = {  # from the row-by-row implementation, before the column-wise reading
    ('mixed', True): Expected(
        # a row is one student: an ID the roster does not know beside a roster name
        # is not a second student (issue 11; 1615 before)
        counts=(1612, 1232, 130, 1506, 1452, 1069, 1),
        mentions={'iep': 1127,
                  'disability': 394,
                  'lunch': 254,
                  '504': 1755,
                  'health': 258,
                  'flag': 477,
                  'discipline': 234},
        sensitive_students={'iep': 859,
                            'disability': 151,
                            'lunch': 198,
                            '504': 1148,
                            'health': 202,
                            'flag': 405,
                            'discipline': 185},
        evidence=(
            ('student_id', '13****26', 'mixed.xlsx › Sheet1, row 2', 'roster match'),
            ('dob', '****-**-27', 'mixed.xlsx › Sheet1, row 2', 'date of birth column'),
            ('sensitive', 'iep', 'mixed.xlsx › Sheet1, row 2', 'in the same row as a student'),
            ('student_id', '11****35', 'mixed.xlsx › Sheet1, row 3',
             "pattern student_id; context 'student id'"),
            ('sensitive', 'disability', 'mixed.xlsx › Sheet1, row 3', 'in the same row as a student'),
        )),
    ('mixed', False): Expected(
        counts=(1751, 0, 0, 1622, 1452, 1069, 1),
        mentions={'iep': 1127,
                  'disability': 394,
                  'lunch': 254,
                  '504': 1755,
                  'health': 258,
                  'flag': 477,
                  'discipline': 234},
        sensitive_students={'iep': 876,
                            'disability': 155,
                            'lunch': 204,
                            '504': 1186,
                            'health': 203,
                            'flag': 413,
                            'discipline': 188},
        evidence=(
            ('student_id', '13****26', 'mixed.xlsx › Sheet1, row 2',
             "pattern student_id; context 'student id'"),
            ('dob', '****-**-27', 'mixed.xlsx › Sheet1, row 2', 'date of birth column'),
            ('sensitive', 'iep', 'mixed.xlsx › Sheet1, row 2', 'in the same row as a student'),
            ('student_id', '11****35', 'mixed.xlsx › Sheet1, row 3',
             "pattern student_id; context 'student id'"),
            ('sensitive', 'disability', 'mixed.xlsx › Sheet1, row 3', 'in the same row as a student'),
        )),
    ('plain', True): Expected(
        counts=(1977, 1977, 245, 1399, 0, 0, 1),
        mentions={'health': 930, '504': 918, 'iep': 922},
        sensitive_students={'health': 699, 'iep': 781, '504': 775},
        evidence=(
            ('student_id', '35****77', 'plain.xlsx › Sheet1, row 2', 'roster match'),
            ('sensitive', 'health', 'plain.xlsx › Sheet1, row 2', 'in the same row as a student'),
            ('student_name', 'N**** G********', 'plain.xlsx › Sheet1, row 3', 'roster match'),
            ('student_id', '62****53', 'plain.xlsx › Sheet1, row 4', 'roster match'),
            ('sensitive', '504, health', 'plain.xlsx › Sheet1, row 4', 'in the same row as a student'),
        )),
    ('plain', False): Expected(
        counts=(3000, 0, 0, 1682, 0, 0, 1),
        mentions={'health': 930, '504': 918, 'iep': 922},
        sensitive_students={'health': 779, '504': 771, 'iep': 784},
        evidence=(
            ('roster_row', 'J******* L********', 'plain.xlsx › Sheet1, row 2', 'row of a student list'),
            ('sensitive', 'health', 'plain.xlsx › Sheet1, row 2', 'in the same row as a student'),
            ('roster_row', 'N**** G********', 'plain.xlsx › Sheet1, row 3', 'row of a student list'),
            ('sensitive', '504, health', 'plain.xlsx › Sheet1, row 4', 'in the same row as a student'),
        )),
    ('headerless', True): Expected(
        counts=(1195, 1195, 140, 548, 857, 0, 0),  # 1555 and 673 before issue 11, as above
        mentions={'iep': 490},
        sensitive_students={'iep': 499, '504': 76},
        evidence=(
            ('student_name', 'N***** J****', 'headerless.xlsx › Sheet1, row 1', 'roster match'),
            ('student_id', '59****00', 'headerless.xlsx › Sheet1, row 2', 'roster match'),
            ('sensitive', 'iep', 'headerless.xlsx › Sheet1, row 2', 'in the same row as a student'),
            ('student_id', '22****08', 'headerless.xlsx › Sheet1, row 3', 'roster match'),
            ('student_name', 'A****** J*********', 'headerless.xlsx › Sheet1, row 5', 'roster match'),
        )),
    ('headerless', False): Expected(
        counts=(857, 0, 0, 289, 857, 0, 0),
        mentions={'iep': 490},
        sensitive_students={'iep': 289},
        evidence=(
            ('student_id', '50****03', 'headerless.xlsx › Sheet1, row 11',
             "pattern student_id; context 'sid'"),
            ('student_id', '65****14', 'headerless.xlsx › Sheet1, row 14',
             "pattern student_id; context 'student'"),
            ('sensitive', 'iep', 'headerless.xlsx › Sheet1, row 16', 'in the same row as a student'),
        )),
}


@pytest.mark.parametrize("with_roster", [True, False], ids=["roster", "no roster"])
@pytest.mark.parametrize("name", list(TABLES))
def test_large_tables_give_the_same_detections_as_reading_row_by_row(
        name, with_roster, big_roster, big_index):
    rows = TABLES[name](big_roster)
    result = scan_content([], [Table(f"{name}.xlsx › Sheet1", rows)], None,
                          big_index if with_roster else None)
    expected = EXPECTED[(name, with_roster)]
    assert (result.students, result.students_in_roster, result.flagged_students,
            result.students_with_sensitive, result.student_ids, result.dobs,
            result.roster_like_tables) == expected.counts
    assert dict(result.sensitive_mentions) == expected.mentions
    assert list(result.sensitive_mentions) == list(expected.mentions)  # first seen, first
    assert dict(result.sensitive_students) == expected.sensitive_students
    (source,) = result.sources
    assert tuple((e.kind, e.text, e.location, e.detail) for e in source.evidence) == \
        expected.evidence
    assert not result.partial


@pytest.mark.parametrize("name", list(TABLES))
def test_match_rows_equals_match_cells_row_by_row(name, big_roster, big_index):
    rows = [[normalize_text(c).strip() for c in row] for row in TABLES[name](big_roster)]
    profile = profile_table(rows)
    columns = dict(id_columns=set(profile.id_columns), name_columns=set(profile.name_columns) or None,
                   skip_columns={c.index for c in profile.columns if c.role in NOT_STUDENT_PEOPLE},
                   min_id_length=5)
    expected = [big_index.session().match_cells(row, **columns) for row in rows]
    session = big_index.session()
    matcher = session.row_matcher(**columns)
    found = []
    for start in range(0, len(rows), 700):  # chunks share the matcher's caches
        found += [list(hits) for hits in matcher.match_rows(rows[start:start + 700])]
    assert found == expected
    assert sum(1 for hits in found if hits) > len(rows) // 4


def test_ragged_rows_and_a_stray_far_cell_match_like_row_by_row(big_roster, big_index):
    rows = [row[:random.Random(n).randint(0, len(row))]
            for n, row in enumerate(mixed_roster_table(big_roster, rows=300))]
    rows[7] = rows[7] + [""] * 5000 + ["Maria Garcia"]  # a cell far to the right
    matcher = big_index.session().row_matcher({0}, {1, 2}, set(), min_id_length=5)
    assert [list(hits) for hits in matcher.match_rows(rows)] == [
        big_index.session().match_cells(row, {0}, {1, 2}, set()) for row in rows]


TRICKY_CELLS = [
    "", "IEP", "iep.", "an IEP meeting", "niepce", "special   education", "special-\ned",
    "504 plans 504 plan", "diagnosed", "diagnoses and diagnosis", "on a 504", "x\x00IEP",
    "ÍEP", "İstanbul IEP", "ΣΑΣ iep", "free/reduced lunch", "FREE AND REDUCED", "sped",
    "504", "asthma,asthma", "suspension-", "-suspension", "ptsd_", "_ptsd", "ADHD2",
]


@pytest.mark.parametrize("extra_terms", [None, {"x": ("#504", "plan*", "ab\x00cd")}])
def test_terms_found_in_joined_cells_equal_terms_found_cell_by_cell(extra_terms):
    categories = {"iep": ("iep", "special education", "special ed", "sped"),
                  "504": ("504 plan", "504 plans", "on a 504", "section 504"),
                  "disability": ("diagnos*", "adhd", "ptsd"),
                  "health": ("asthma",), "discipline": ("suspension*",),
                  "lunch": ("free/reduced", "free and reduced", "free/reduced lunch")}
    terms = SensitiveTerms({**categories, **(extra_terms or {})})
    rng = random.Random(5)
    for _ in range(200):
        cells = [normalize_text(rng.choice(TRICKY_CELLS)) for _ in range(rng.randint(0, 12))]
        expected = {i: tuple(hit.category for hit in terms.find(cell, normalized=True))
                    for i, cell in enumerate(cells)}
        assert terms.categories_in_cells(cells) == {i: c for i, c in expected.items() if c}


def test_all_one_token_agrees_with_is_one_token():
    rng = random.Random(7)
    alphabet = "0123456789-ABab x.\x00é"
    for _ in range(5000):
        cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
                 for _ in range(rng.randint(0, 6))]
        assert all_one_token(cells) == all(not c or is_one_token(c) for c in cells), cells
    assert all_one_token(["12345678", "", "S-1234567"]) and not all_one_token(["1" * 41])


@pytest.mark.parametrize("digits", ["0", "000", "00123456", "67123412", "9" * 45])
def test_student_id_key_of_plain_digits_takes_a_short_way_to_the_same_key(digits):
    assert student_id_key(digits) == student_id_key(f" {digits} ")  # the general way
    assert student_id_key(digits) == student_id_key(f"{digits}.0")


def test_a_cell_without_letters_is_never_a_term_even_when_a_term_is_a_number():
    config = DetectConfig(sensitive_terms={"504": ("504", "504 plan")})
    rows = [["Name", "Grade", "Notes"]] + [["Maria Garcia", "5", "504"], ["Ana Cruz", "6", "504 plan"],
                                           ["Liam Smith", "7", "504 504"]] * 700
    result = scan_content([], [Table("list.csv", rows)], config)
    assert result.sensitive_mentions == {"504": 700}
    assert result.students_with_sensitive == 700


def test_a_dob_confirmed_copy_of_a_hit_equals_dataclasses_replace():
    hit = RosterHit("name", -3, True, 4, 16, "M**** G*****", cell=2, row=9, source="a.csv")
    assert _dob_confirmed(hit) == replace(hit, dob_confirmed=True)  # every field is copied
