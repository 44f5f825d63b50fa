"""scan_content: per-source and total facts, nearness, near misses, robustness."""

from __future__ import annotations

import json
import time

import pytest
from corpora_path import CORPORA
from detect.synthetic import (
    Segment,
    Table,
    budget_table,
    roster_table,
    staff_directory,
    synthetic_roster,
    synthetic_text,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safesend.detect import (
    DetectConfig,
    IdPatternConfig,
    PatternError,
    scan_content,
)

PRESIDIO = CORPORA / "presidio-research" / "data" / "synth_dataset_v2.json"

POLICY_DOCUMENT = """Section 504 Procedures

Section 504 of the Rehabilitation Act protects students with disabilities. A 504 plan
lists the accommodations a school provides. Parents may request a 504 meeting at any
time; the 504 coordinator schedules it within ten school days.

Students with an IEP receive special education services. Free and reduced lunch
eligibility is determined separately. Suspension and expulsion procedures for students
with disabilities are described in the district handbook, policy 5144.1.
"""


def test_the_incident_a_list_of_504_students_without_a_roster():
    students = synthetic_roster(230, seed=5)
    rows = [["Student Name", "Grade", "504"]] + [
        [f"{s.last}, {s.first}", "7", "Yes"] for s in students.students]
    result = scan_content([Segment("body", "Please see the attached list.")],
                          [Table("504 list.xlsx › Sheet1", rows)])
    assert result.students == 230 and result.students_in_roster == 0
    assert result.students_with_sensitive == 230
    assert result.sensitive_students == {"504": 230}
    assert result.roster_like_tables == 1
    (source,) = [s for s in result.sources if s.source == "504 list.xlsx"]
    assert source.students == 230
    assert all(e.text.count("*") > 0 for e in source.evidence if e.kind == "roster_row")


def test_a_sensitive_file_name_makes_a_plain_student_list_sensitive():
    rows = [["Last Name", "First Name", "Grade"], ["Doe", "Pat", "7"], ["Roe", "Sam", "8"]]
    result = scan_content([], [Table("IEP caseload.xlsx › Sheet1", rows)])
    assert result.students == 2 and result.students_with_sensitive == 2
    assert result.sensitive_students == {"iep": 2}
    plain = scan_content([], [Table("field trip.xlsx › Sheet1", rows)])
    assert plain.students == 2 and plain.students_with_sensitive == 0


def test_a_title_row_above_the_header_counts_for_the_whole_table():
    rows = [["Students receiving special education services"], [],
            ["Student", "Homeroom"], ["Doe, Pat", "101"], ["Roe, Sam", "102"]]
    result = scan_content([], [Table("list.csv", rows)])
    assert result.students == 2 and result.students_with_sensitive == 2


def test_a_policy_document_about_504_plans_names_no_student(small_index):
    for roster in (None, small_index):
        result = scan_content([Segment("policy.docx", POLICY_DOCUMENT)], [], roster=roster)
        assert result.students == 0 and result.students_with_sensitive == 0
        assert result.sensitive_mentions["504"] >= 5
        assert result.sensitive_mentions["iep"] >= 2


def test_roster_students_near_sensitive_terms(small_index):
    body = ("Hi team,\n\nJames O'Brien has a 504 plan review on Friday.\n\n"
            "Unrelated: the bus schedule changes next week. " + "Lorem ipsum. " * 40 +
            "\n\nKenji Nakamura will present the science project.")
    result = scan_content([Segment("body", body)], [], roster=small_index)
    assert result.students == 2
    # James: a 504 term in his paragraph; Kenji: flagged (IEP) in the roster, no term nearby
    assert result.students_with_sensitive == 2
    assert result.flagged_students == 1
    assert result.sensitive_students == {"504": 1, "iep": 1, "flag": 1}


def test_a_term_far_away_in_another_paragraph_does_not_count(small_index):
    body = ("James O'Brien won the spelling bee.\n\n" + "News of the week. " * 30 +
            "\n\nReminder: 504 plan meetings are in October.")
    result = scan_content([Segment("body", body)], [], roster=small_index)
    assert result.students == 1 and result.students_with_sensitive == 0


def test_roster_table_with_504_and_iep_columns_and_dobs(big_roster, big_index):
    table = roster_table(big_roster, 50)
    flagged = sum(1 for s in big_roster.students[:50] if s.flags)
    for roster in (None, big_index):
        result = scan_content([], [Table("roster.xlsx › Sheet1", table)], roster=roster)
        assert result.students == 50 and result.dobs == 50
        assert result.students_with_sensitive == flagged
        assert result.student_ids == 50  # the Student ID column matches the default pattern
    assert result.students_in_roster == 50 and result.flagged_students == flagged


def test_budget_sheet_staff_directory_and_phone_list_are_not_student_data(small_index):
    phone_rows = [["Name", "Phone"]] + [[f"Parent {i}", f"555-{100 + i}-{1000 + i}"]
                                         for i in range(50)]
    staff = staff_directory(40) + [["Maria Garcia", "Teacher", "555-123-4567",
                                    "mgarcia@district.example", "12"]]
    tables = [Table("budget.xlsx › FY26", budget_table(300)), Table("staff.xlsx", staff),
              Table("phones.csv", phone_rows),
              Table("ids budget.xlsx", [["ID", "Description", "Amount"]]
                    + [[str(1000000 + i * 7919), "Paper", "12.00"] for i in range(100)])]
    phones_text = "Student helpline numbers:\n" + "\n".join(
        f"555-{100 + i}-{2000 + i}" for i in range(40))
    for roster in (None, small_index):
        result = scan_content([Segment("body", phones_text)], tables, roster=roster)
        assert result.students == 0 and result.student_ids == 0, result
        assert result.roster_like_tables == 0


def test_presidio_synthetic_sentences_hold_no_student_data(big_index):
    if not PRESIDIO.exists():
        pytest.skip(f"{PRESIDIO} is not present")
    sentences = [item["full_text"] for item in json.loads(PRESIDIO.read_text())]
    segments = [Segment(f"s{i}", text) for i, text in enumerate(sentences)]
    for roster in (None, big_index):
        result = scan_content(segments, [], roster=roster)
        assert result.students == 0 and result.student_ids == 0
        assert result.students_with_sensitive == 0
        assert result.dobs == 0  # labelled birth dates there are of adults
        assert not result.partial


def test_sources_group_by_file_and_totals_count_each_student_once(small_index):
    rows = [["Student ID", "Last", "First"], ["00671234", "Garcia", "Maria"]]
    result = scan_content(
        [Segment("body", "Maria Garcia (671234) was absent."),
         Segment("notes.docx", "GARCIA, MARIA")],
        [Table("list.xlsx › Sheet1", rows), Table("list.xlsx › Sheet2", rows)],
        roster=small_index)
    assert [s.source for s in result.sources] == ["body", "notes.docx", "list.xlsx"]
    assert [s.students for s in result.sources] == [1, 1, 1]
    assert result.students == 1 and result.flagged_students == 1
    assert result.source("list.xlsx").students_in_roster == 1
    assert result.source("missing") is None


def test_evidence_is_redacted(small_index, big_roster):
    some = big_roster.students[:5]
    body = "\n".join(f"Student ID {s.student_id}: {s.first} {s.last}, DOB {s.dob:%m/%d/%Y}"
                     for s in some)
    body += "\nMaria Garcia 00671234 james.obrien@example.com"
    rows = [["Student Name", "Grade"]] + [[f"{s.first} {s.last}", "5"] for s in some]
    result = scan_content([Segment("body", body)], [Table("t.xlsx", rows)], roster=small_index)
    assert result.students >= 6
    shown = repr(result)
    for s in some:
        for value in (s.student_id, s.first, s.last, s.dob.isoformat(),
                      s.dob.strftime("%m/%d/%Y")):
            assert value not in shown
    for value in ("Maria", "Garcia", "00671234", "671234", "james.obrien"):
        assert value not in shown
    assert all(len(s.evidence) <= 5 for s in result.sources)


def test_evasions_in_the_body(small_index):
    body = ("Ｍaria\u200b Gar\u00adcia, student I\u200bD 6\u200b7\u200b1\u200b2\u200b3\u200b4,"
            " has an I\u200bE\u200bP.")
    result = scan_content([Segment("body", body)], [], roster=small_index)
    assert result.students == 1 and result.students_with_sensitive == 1
    assert result.sensitive_mentions == {"iep": 1}


def test_labelled_dates_of_birth_and_ids_without_a_roster():
    body = "Student ID: 67123412, DOB: 03/04/2015.\nStudent ID 76543210 (born 2016-05-06)."
    result = scan_content([Segment("body", body)], [])
    assert result.students == 2 and result.student_ids == 2 and result.dobs == 2


def test_rows_that_repeat_the_header_or_total_are_not_students():
    rows = [["Student Name", "Grade"], ["Doe, Pat", "7"], ["Student Name", "Grade"],
            ["Roe, Sam", "8"], ["Total", "2"], ["", ""]]
    assert scan_content([], [Table("t.csv", rows)]).students == 2


def test_custom_config_patterns_and_terms():
    config = DetectConfig(
        id_patterns=(IdPatternConfig("luhn8", r"\d{8}", check_digit="luhn"),),
        sensitive_terms={"sports": ("concussion",)},
    )
    body = "Student 79927398 and student 12345678 had a concussion."
    result = scan_content([Segment("body", body)], [], config)
    assert result.student_ids == 1 and result.students_with_sensitive == 1
    assert result.sensitive_students == {"sports": 1}
    assert config.compiled() is config.compiled()  # compiled once


def test_a_bad_pattern_is_reported_by_validate():
    with pytest.raises(PatternError):
        DetectConfig(id_patterns=(IdPatternConfig("bad", "(("),)).validate()


def test_deadline_reached_marks_the_result_partial(small_index):
    text = synthetic_text(200_000)
    result = scan_content([Segment("a", text), Segment("b", text)],
                          [Table("t", [["Student ID"], ["12345678"]])],
                          roster=small_index, deadline=time.monotonic() - 1)
    assert result.partial and result.students == 0


def test_a_typical_body_with_a_big_roster(big_roster, big_index):
    text = synthetic_text(5000, seed=21, roster=big_roster, name_rate=0.05)
    result = scan_content([Segment("body", text)], [], roster=big_index)
    assert result.students >= 1 and not result.partial and result.failed_sources == ()


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(max_size=300), max_size=3),
       tables=st.lists(st.lists(st.lists(cells, max_size=5), max_size=6), max_size=2))
def test_scan_never_raises(small_index, texts, tables):
    result = scan_content([Segment(f"s{i}", t) for i, t in enumerate(texts)],
                          [Table(f"t{i}", rows) for i, rows in enumerate(tables)],
                          roster=small_index)
    assert result.failed_sources == ()
    assert result.students >= result.students_with_sensitive >= 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Maria", "Garcia", "GARCIA,", "671234", "67", "1234",
                                 "504", "plan", "IEP", "DOB", "03/04/2011", "\u200b", "\n\n",
                                 "Student", "ID", "#", "-", "Ana", "De", "La", "Cruz"]),
                max_size=40))
def test_scan_never_raises_on_near_miss_soup(small_index, words):
    result = scan_content([Segment("body", " ".join(words))], [], roster=small_index)
    assert result.failed_sources == ()


def test_a_range_pasted_from_a_spreadsheet_into_the_body_is_a_table():
    pasted = "\n".join("\t".join(row) for row in [
        ["Student ID", "Student Name", "504"], ["67123412", "Doe, Pat", "Yes"],
        ["76543210", "Roe, Sam", "No"], ["71234567", "Poe, Lee", "Y"]])
    body = f"Hi all,\n\nHere is the list:\n{pasted}\n\nThanks"
    result = scan_content([Segment("body", body)], [])
    assert result.students == 3 and result.student_ids == 3
    assert result.students_with_sensitive == 2 and result.roster_like_tables == 1
    assert result.sources[0].source == "body"
    assert any("table at line 4" in e.location for e in result.evidence)


def test_tab_indented_prose_and_a_pasted_budget_are_not_student_tables():
    indented = "Agenda\n\tItem one about the 504 plan process\n\tItem two\n\tItem three\n"
    budget = "\n".join("\t".join(row) for row in budget_table(30))
    result = scan_content([Segment("body", indented + "\n" + budget)], [])
    assert result.students == 0 and result.student_ids == 0
    assert result.sensitive_mentions == {"504": 1}  # the prose is still read as text


def test_a_deadline_during_a_long_text_stops_the_scan(big_roster, big_index):
    text = synthetic_text(2_000_000, seed=4, roster=big_roster)
    started = time.monotonic()
    result = scan_content([Segment("body", text)], [], roster=big_index,
                          deadline=time.monotonic() + 0.01)
    assert result.partial
    assert time.monotonic() - started < 3  # bounded, not the whole scan of a slow machine


@pytest.mark.parametrize("label", ["IEP_caseload.xlsx › Sheet1", "504Students.xlsx",
                                   "special.education.roster.csv"])
def test_sensitive_file_names_in_any_spelling(label):
    rows = [["Last Name", "First Name", "Grade"], ["Doe", "Pat", "7"]]
    assert scan_content([], [Table(label, rows)]).students_with_sensitive == 1


def test_a_sensitive_document_name_covers_the_students_it_names(small_index):
    notes = Segment("IEP meeting notes.docx", "Attendees discussed Kenji Nakamura's progress.")
    plain = Segment("field trip.docx", "James O'Brien will attend.")
    result = scan_content([notes, plain], [], roster=small_index)
    assert result.source("IEP meeting notes.docx").students_with_sensitive == 1
    assert result.source("field trip.docx").students_with_sensitive == 0


def test_matched_roster_students_are_named_by_reference_only(big_roster, big_index, hasher):
    """Incident response needs to know which roster students a message exposed:
    references are the hex of each student's keyed ID hash, never a name."""
    table = roster_table(big_roster, 40)
    result = scan_content([], [Table("roster.xlsx › Sheet1", table)], roster=big_index)
    expected = {hasher.hash_id(s.student_id).hex() for s in big_roster.students[:40]}
    assert set(result.roster_students) == expected and len(result.roster_students) == 40
    flagged = {hasher.hash_id(s.student_id).hex() for s in big_roster.students[:40] if s.flags}
    assert flagged and flagged <= set(result.sensitive_roster_students)
    names = {s.last for s in big_roster.students[:40]}
    assert not names.intersection(" ".join(result.roster_students).split())
    assert scan_content([], [Table("roster.xlsx › Sheet1", table)]).roster_students == ()
