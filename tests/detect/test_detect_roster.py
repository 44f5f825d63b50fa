"""Roster import (CSV), keyed hashing, serialization, exact-data matching."""

from __future__ import annotations

import codecs
import io

import pytest
from detect.synthetic import SMALL_ROSTER_CSV, Segment, Table

from safesend.detect import (
    RosterFormatError,
    RosterHasher,
    RosterIndex,
    RosterKeyError,
    deserialize_roster,
    import_roster,
    name_key,
    parse_roster_csv,
    serialize_roster,
)

# --- parsing --------------------------------------------------------------------


@pytest.mark.parametrize("header, delimiter", [
    ("student_id,first_name,last_name,dob", ","),
    ("StudentID,First Name,Surname,Date of Birth", ","),
    ("ID,First,Last,Birthdate", ","),
    ("Student Number;Given Name;Family Name;DOB", ";"),
    ("Student Number\tFirst Name\tLast Name\tBirth Date", "\t"),
    ("SID|FName|LName|D.O.B.", "|"),
])
def test_common_sis_headers_are_recognized(header, delimiter):
    data = header + "\n" + delimiter.join(["00123", "Maria", "Garcia", "3/4/2011"]) + "\n"
    result = parse_roster_csv(data.encode())
    assert result.errors == []
    assert result.delimiter == delimiter
    (record,) = result.records
    assert (record.student_id, record.first_name, record.last_name) == ("00123", "Maria",
                                                                       "Garcia")
    assert record.dob.isoformat() == "2011-03-04"
    assert set(result.columns) == {"student_id", "first_name", "last_name", "dob"}


def test_full_name_column_in_either_order():
    data = "Student ID,Student Name\n1,\"Garcia, Maria Elena\"\n2,Kenji Nakamura\n"
    first, second = parse_roster_csv(data).records
    assert (first.first_name, first.last_name) == ("Maria Elena", "Garcia")
    assert (second.first_name, second.last_name) == ("Kenji", "Nakamura")


def test_flags_from_a_plan_column_and_yes_no_columns():
    data = ("Student ID,First,Last,Plan,504,IEP,ELL Status\n"
            "1,A,One,504,,,\n"
            "2,B,Two,IEP; ELL,,,\n"
            "3,C,Three,None,N,No,\n"
            "4,D,Four,,Y,,\n"
            "5,E,Five,Section 504,,Yes,Active\n"
            "6,F,Six,,false,0,n/a\n")
    result = parse_roster_csv(data)
    assert [sorted(r.flags) for r in result.records] == [
        ["504"], ["ELL", "IEP"], [], ["504"], ["504", "ELL", "IEP"], []]
    assert result.columns["flags"] == ["Plan"]
    assert result.columns["flag:504"] == ["504"] and result.columns["flag:IEP"] == ["IEP"]


def test_multiple_guardian_columns_and_addresses():
    data = ("Student ID,First Name,Last Name,Parent Email,Guardian 2 Email,Mother Email\n"
            "1,Maria,Garcia,Pat@Example.com; sam@example.org,,mom@example.net\n")
    (record,) = parse_roster_csv(data).records
    assert record.guardian_emails == ("pat@example.com", "sam@example.org", "mom@example.net")


def test_explicit_mapping_for_unusual_headers():
    data = ("Pupil Ref,Forename,Family,Born,Mum's Email,Dad's Email,Sped,Notes\n"
            "S-1,Ana,Lopez,30/11/2010,mum@example.com,dad@example.com,yes,x\n")
    mapping = {"student_id": "Pupil Ref", "first_name": "Forename", "last_name": "Family",
               "dob": "Born", "guardian_email": ["Mum's Email", "Dad's Email"],
               "flag:IEP": "Sped"}
    result = parse_roster_csv(data, mapping, date_order="DMY")
    (record,) = result.records
    assert record.student_id == "S-1" and record.dob.isoformat() == "2010-11-30"
    assert record.guardian_emails == ("mum@example.com", "dad@example.com")
    assert record.flags == {"IEP"}
    assert result.ignored_columns == ["Notes"]


def test_mapping_errors():
    data = "A,B,C\n1,2,3\n"
    with pytest.raises(RosterFormatError, match="no column 'Student'"):
        parse_roster_csv(data, {"student_id": "Student", "first_name": "B", "last_name": "C"})
    with pytest.raises(RosterFormatError, match="unknown field 'nickname'"):
        parse_roster_csv(data, {"nickname": "A"})


def test_a_file_without_a_usable_header_is_rejected():
    with pytest.raises(RosterFormatError, match="no header row"):
        parse_roster_csv("Color,Size\nred,L\n")
    with pytest.raises(RosterFormatError, match="empty"):
        parse_roster_csv(b"   \n")


def test_bad_rows_are_reported_with_line_numbers_and_without_values():
    data = ("Student ID,First Name,Last Name,DOB,Parent Email\n"  # line 1
            "1001,Maria,Garcia,2011-03-04,pat@example.com\n"  # 2 ok
            ",James,OBrien,2012-07-15,\n"  # 3 missing ID
            "1003,Ana,Cruz,2011-02-30,\n"  # 4 bad date
            "1004,Liam,Smith,,not-an-email\n"  # 5 bad email
            "\n"  # 6 blank: skipped, not an error
            "1001,Copy,Cat,,\n"  # 7 duplicate ID
            "1005,Kenji,,,\n"  # 8 missing last name
            '1006,"Multi\nLine",Name,,\n'  # 9-10 quoted line break
            "1007,Olivia,,,\n")  # 11 missing last name
    result = parse_roster_csv(data)
    assert [r.student_id for r in result.records] == ["1001", "1006"]
    assert [(e.line, e.field) for e in result.errors] == [
        (3, "student_id"), (4, "dob"), (5, "guardian_email"), (7, "student_id"),
        (8, "last_name"), (11, "last_name")]
    assert "duplicate student ID (first on line 2)" in str(result.errors[3])
    for error in result.errors:
        for value in ("James", "2011-02-30", "not-an-email", "Copy", "Kenji"):
            assert value not in str(error)


def test_title_rows_before_the_header():
    data = "District roster export\nGenerated 2025-09-01\nStudent ID,First Name,Last Name\n1,A,B\n"
    result = parse_roster_csv(data)
    assert result.header_line == 3 and len(result.records) == 1


def test_encodings_bom_cp1252_utf16_and_streams():
    text = "Student ID,First Name,Last Name\n1,Zoë,Ångström\n"
    for data, encoding in [
        (codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
        (text.encode("cp1252"), "cp1252"),
        (text.encode("utf-16"), "utf-16"),
        (text.encode("utf-8"), "utf-8"),
    ]:
        result = parse_roster_csv(data)
        assert result.encoding == encoding
        assert result.columns["student_id"] == ["Student ID"]  # BOM not glued to the header
        assert (result.records[0].first_name, result.records[0].last_name) == ("Zoë",
                                                                               "Ångström")
    assert parse_roster_csv(io.StringIO("\ufeff" + text)).records[0].student_id == "1"
    assert parse_roster_csv(io.BytesIO(text.encode("cp1252"))).records[0].first_name == "Zoë"


def test_spreadsheet_number_ids():
    (record,) = parse_roster_csv("Student ID,First,Last\n1234567.0,A,B\n").records
    assert record.student_id == "1234567"


# --- hashing and serialization -------------------------------------------------------


def test_serialized_roster_holds_no_plaintext(hasher):
    result = parse_roster_csv(SMALL_ROSTER_CSV)
    students = hasher.hash_records(result.records)
    blob = serialize_roster(students, hasher)
    text_forms = repr(students).encode()
    for record in result.records:
        values = [record.student_id, record.student_id.lstrip("0"), record.first_name,
                  record.last_name, name_key(record.first_name), name_key(record.last_name),
                  record.dob.isoformat(), record.dob.strftime("%m/%d/%Y"),
                  *record.guardian_emails]
        for value in values:
            for encoded in {value.encode("utf-8"), value.lower().encode("utf-8"),
                            value.encode("utf-16-le")}:
                assert encoded not in blob, value
                assert encoded not in text_forms, value


def test_round_trip_and_key_check(hasher):
    students = hasher.hash_records(parse_roster_csv(SMALL_ROSTER_CSV).records)
    blob = serialize_roster(students, hasher)
    assert deserialize_roster(blob, hasher) == students
    other = RosterHasher(b"another-secret-0123456789abcdef")
    with pytest.raises(RosterKeyError, match="different secret"):
        RosterIndex.from_bytes(blob, other)
    with pytest.raises(RosterKeyError):
        deserialize_roster(b"nope" + blob[4:])
    with pytest.raises(RosterKeyError, match="truncated"):
        deserialize_roster(blob + b"x", hasher)


def test_hashes_are_keyed_and_normalized(hasher):
    other = RosterHasher(b"another-secret-0123456789abcdef")
    assert hasher.hash_name("María") == hasher.hash_name("MARIA") != other.hash_name("Maria")
    assert hasher.hash_id("00671234") == hasher.hash_id("67-1234") == hasher.hash_id("671234")
    assert hasher.hash_email(" Pat@Example.COM ") == hasher.hash_email("pat@example.com")
    assert len(hasher.hash_id("1")) == 8
    with pytest.raises(ValueError):
        RosterHasher(b"short")


def test_import_roster_drops_the_plaintext_records(hasher):
    students, result = import_roster(SMALL_ROSTER_CSV, hasher)
    assert len(students) == 7 and result.records == [] and result.errors == []


# --- matching ---------------------------------------------------------------------------


def match_text(index, text):
    return index.match([Segment("body", text)], [])


@pytest.mark.parametrize("text", [
    "Maria Garcia", "GARCIA, MARIA", "Garcia Maria", "María García", "maria garcia",
    "Garcia,Maria", "Maria J. Garcia", "Maria J Garcia", "Maria Garcia's grades",
    "Ma\u200bria Gar\u00adcia", "Mаria Garcia",  # zero-width, soft hyphen, Cyrillic a
    "MARIA\nGARCIA",
])
def test_names_in_any_order_case_and_accent(small_index, text):
    result = match_text(small_index, f"Note about {text} today.")
    assert result.students == 1 and result.by_name == 1, text
    assert result.flagged_students == 1  # Maria Garcia has a 504 plan


@pytest.mark.parametrize("text", [
    "Ana Sofia De La Cruz", "Ana De La Cruz", "DE LA CRUZ, ANA SOFIA", "ana sofia delacruz",
    "James O'Brien", "James OBrien", "JAMES O\u2019BRIEN", "Liam Smith-Jones",
    "Liam Smith Jones", "Zoe Angstrom", "Zoë Ångström", "Zoe\u0308 A\u030angstro\u0308m",
])
def test_multi_word_and_punctuated_names(small_index, text):
    assert match_text(small_index, f"About {text}.").students == 1, text


@pytest.mark.parametrize("text", [
    "Maria is here", "Mr. Garcia called", "Maria and Garcia", "Maria\n\nGarcia",
    "Maria Nakamura", "Kenji Garcia", "Mariana Garcia", "Maria Garcias", "Maria. Garcia",
])
def test_name_near_misses(small_index, text):
    assert match_text(small_index, text).students == 0, text


@pytest.mark.parametrize("text", [
    "ID 00671234", "id 671234", "67 1234", "#0671234", "James: 6712345612", "67-1234-5612",
    "67 1234 5612", "S1234567", "s-1234567", "12345678",
])
def test_roster_ids_with_or_without_separators(small_index, text):
    result = match_text(small_index, text)
    assert result.students == 1 and result.by_id == 1, text


@pytest.mark.parametrize("text", ["6712345613", "1234", "123456789", "S12345678", "0067123"])
def test_roster_id_near_misses(small_index, text):
    assert match_text(small_index, text).students == 0, text


@pytest.mark.parametrize("text, confirmed", [
    ("Maria Garcia (DOB 03/04/2011)", True),
    ("Maria Garcia, born March 4, 2011.", True),
    ("GARCIA, MARIA 2011-03-04", True),
    ("Maria Garcia 3/4/11", True),
    ("Maria Garcia 4 Mar 2011", True),
    ("Maria Garcia (DOB 12/25/2011)", False),  # Kenji's birthday, not Maria's
    ("Maria Garcia is in room 4.\n\nThe 3/4/2011 agenda.", False),  # another paragraph
])
def test_dates_of_birth_count_only_for_their_student(small_index, text, confirmed):
    result = match_text(small_index, text)
    assert result.students == 1
    assert result.dobs_confirmed == (1 if confirmed else 0)


def test_a_birth_date_without_its_student_is_not_a_roster_match(small_index):
    assert match_text(small_index, "Born 2011-03-04.").students == 0


def test_distinct_students_and_flags(small_index):
    text = ("Maria Garcia and GARCIA, MARIA (00671234) met Kenji Nakamura and "
            "James O'Brien; ID 6712345612 again.")
    result = match_text(small_index, text)
    assert result.students == 3 and result.flagged_students == 2
    assert result.by_id == 2 and result.by_name == 3
    assert {h.evidence for h in result.hits} >= {"M**** G*****", "G*****, M****", "67******12"}


def test_table_rows_names_in_two_cells_and_dob_in_the_row(small_index):
    rows = [["Last", "First", "Teacher", "DOB"],
            ["Garcia", "Maria", "Ms. Nakamura", "03/04/2011"],
            ["Nakamura", "Kenji", "Mr. Garcia", "1/1/2011"],
            ["Lopez", "Maria", "Ms. Garcia", ""]]
    result = small_index.match([], [Table("list.xlsx › Sheet1", rows)])
    assert result.students == 2 and result.by_name == 2
    assert result.dobs_confirmed == 1
    assert {(h.row, h.source) for h in result.hits} == {(1, "list.xlsx › Sheet1"),
                                                       (2, "list.xlsx › Sheet1")}


def test_table_with_a_full_name_cell_and_an_id_column(small_index):
    rows = [["Student", "ID"], ["Garcia, Maria", "671234"], ["Unknown, Person", "999"],
            ["", "12345678"]]
    result = small_index.match([], [Table("t.csv", rows)])
    assert result.students == 2 and result.by_id == 2  # Maria's row: one student, by ID


def test_guardian_recipients(small_index):
    match = small_index.guardian_recipients([
        "Pat.Garcia@Example.com",  # guardian of Maria (504)
        "pat.garcia+school@example.com",  # the same mailbox, a second time
        "dad.obrien@example.net",  # guardian of James (no plan)
        "teacher@district.example", "", "k.nakamura@example.com",  # Kenji (IEP)
    ])
    assert match.guardians == 4 and match.guardians_of_flagged == 3
    assert match.evidence[0] == "p***@example.com"


def test_a_name_shared_by_two_students(hasher):
    data = ("Student ID,First Name,Last Name,Plan\n"
            "1111111,Maria,Garcia,504\n"
            "2222222,Maria,Garcia,\n")
    index = RosterIndex(hasher.hash_records(parse_roster_csv(data).records), hasher)
    result = index.match([Segment("body", "Maria Garcia, and Maria Garcia again")], [])
    assert result.students == 1 and result.flagged_students == 1  # conservative
    assert result.hits[0].student < 0 and len(index.students_of(result.hits[0].student)) == 2


def test_empty_roster_matches_nothing(hasher):
    index = RosterIndex([], hasher)
    assert index.match([Segment("b", "Maria Garcia 671234")], [Table("t", [["a"]])]).students == 0
    assert index.guardian_recipients(["a@example.com"]).guardians == 0


def test_digests_are_hmac_sha256_of_the_field_and_normalized_value(hasher):
    import hashlib
    import hmac

    secret = b"test-secret-0123456789abcdef-not-for-production"
    expected = hmac.new(secret, b"name\x00maria", hashlib.sha256).digest()[:8]
    assert hasher.hash_name("MARÍA") == expected
    long_secret = RosterHasher(b"x" * 100)
    assert long_secret.hash_id("42") == hmac.new(b"x" * 100, b"id\x0042",
                                                 hashlib.sha256).digest()[:8]


@pytest.mark.parametrize("text", [
    "Account 00671234", "Invoice #6712345612", "phone: 12345678", "PO 12345678 paid",
    "$12345678.00", "tel. 1234-5678",
])
def test_a_roster_id_written_as_something_else_is_not_a_student(small_index, text):
    assert match_text(small_index, text).students == 0, text


def test_budget_account_numbers_equal_to_roster_ids_are_not_students(small_index):
    rows = [["Account", "Description", "Amount"], ["00671234", "Paper", "12.00"],
            ["12345678", "Toner", "80.00"]]
    assert small_index.match([], [Table("budget.xlsx", rows)]).students == 0
    id_rows = [["Student ID", "Grade"], ["00671234", "7"]]
    assert small_index.match([], [Table("list.xlsx", id_rows)]).students == 1


def test_hash_records_shares_repeated_values_and_hashes_like_hash_record():
    """hash_records hashes each distinct name, date and flag set once (issue 17: a
    100,000-student import); the digests are those of hash_record, record by record,
    and a first and a last name with the same text keep their different digests."""
    import datetime as dt

    from safesend.detect import RosterRecord

    hasher = RosterHasher(b"0123456789abcdef-test-secret")
    records = [
        RosterRecord(2, "1001", "Mary Ann", "Mary Ann", dt.date(2012, 3, 4), frozenset({"504"}),
                     ("p@example.org",)),
        RosterRecord(3, "1002", "Mary Ann", "Lopez", dt.date(2012, 3, 4), frozenset({"Zebulon"})),
        RosterRecord(4, "1003", "Lopez", "Mary Ann", None, frozenset({"504"}),
                     ("p@example.org", "P@example.org")),
    ]
    hashed = hasher.hash_records(records)
    assert hashed == [hasher.hash_record(r) for r in records]
    assert hashed[0].first != hashed[0].last and len(hashed[0].last) == 3
    assert hashed[1].first is hashed[0].first and hashed[1].dob is hashed[0].dob
    assert hashed[1].flags == {hasher.flag("Zebulon")} and hashed[1].flags != hashed[0].flags


def test_a_guardian_of_several_students_knows_each_and_whether_any_is_flagged(hasher):
    """One address for two siblings (one with a plan), another for one student:
    the index keeps one student as a number and several as a tuple (issue 17)."""
    data = ("Student ID,First Name,Last Name,Plan,Parent Email\n"
            "1111111,Ana,Ruiz,,fam@example.org\n"
            "2222222,Luis,Ruiz,IEP,fam@example.org\n"
            "3333333,Eva,Lind,,lind@example.org\n")
    index = RosterIndex(hasher.hash_records(parse_roster_csv(data).records), hasher)
    match = index.guardian_recipients(["fam@example.org", "lind@example.org"])
    assert match.guardians == 2 and match.guardians_of_flagged == 1
    assert match.wards == (frozenset({0, 1}), frozenset({2}))
    assert index.guardian_recipients(["lind@example.org"]).guardians_of_flagged == 0
    assert match.all_guardians_of(0) is False and index.guardian_recipients(
        ["fam@example.org"]).all_guardians_of(1)


def test_read_roster_csv_gives_records_one_at_a_time_and_errors_as_it_goes():
    from safesend.detect.roster_csv import read_roster_csv

    data = ("Student ID,First Name,Last Name,DOB\n"
            "1111111,Ana,Ruiz,2012-03-04\n"
            "1111111,Ana,Ruiz,2012-03-04\n"
            "2222222,Luis,,2012-03-04\n"
            "3333333,Eva,Lind,not a date\n"
            "4444444,Ole,Lind,3/4/2012\n")
    result, records = read_roster_csv(data)
    assert result.errors == [] and result.records == []  # nothing read past the header yet
    first = next(records)
    assert (first.student_id, first.dob.isoformat()) == ("1111111", "2012-03-04")
    assert [r.student_id for r in records] == ["4444444"]
    assert [(e.line, e.field) for e in result.errors] == [(3, "student_id"), (4, "last_name"),
                                                         (5, "dob")]
    assert parse_roster_csv(data).records[1].dob == first.dob  # 3/4/2012 read as March 4 (MDY)
