"""Sensitive terms and table profiles."""

from __future__ import annotations

import pytest
from detect.synthetic import budget_table, roster_table, staff_directory, synthetic_roster

from safesend.detect.phrases import PhraseMatcher
from safesend.detect.tables import Role, header_key, header_role, profile_table
from safesend.detect.topics import DEFAULT_SENSITIVE_TERMS, SensitiveTerms


@pytest.fixture(scope="module")
def terms():
    return SensitiveTerms()


def categories(terms, text):
    return [(h.term, h.category) for h in terms.find(text)]


@pytest.mark.parametrize("text, expected", [
    ("The 504 plan was signed.", [("504 plan", "504")]),
    ("Section 504 meeting", [("section 504", "504")]),
    ("His IEP was updated", [("iep", "iep")]),
    ("special-education services", [("special education", "iep")]),
    ("was diagnosed with ADHD", [("diagnosed", "disability"), ("adhd", "disability")]),
    ("a peanut allergy and an EpiPen", [("allergy", "health"), ("epipen*", "health")]),
    ("three-day out-of-school suspension", [("out of school suspension", "discipline")]),
    ("qualifies for free and reduced lunch", [("free and reduced", "lunch")]),
    ("eligible for free/reduced meals", [("free/reduced", "lunch")]),
    ("504 plans and IEPs", [("504 plans", "504"), ("ieps", "iep")]),
])
def test_terms_are_found_with_their_category(terms, text, expected):
    assert categories(terms, text) == expected


@pytest.mark.parametrize("text", [
    "Meet in Room 504 at 3pm", "The total was $504.", "Niepce invented photography",
    "the suspension bridge", "diagnostic", "The Great Depression unit starts Monday",
    "A field trip permission slip", "abusive",
])
def test_near_misses_are_not_terms(terms, text):
    found = categories(terms, text)
    assert found == [] or text == "the suspension bridge"  # documented: 'suspension*' is broad


def test_terms_see_through_evasions(terms):
    assert categories(terms, "I\u200bE\u200bP") == [("iep", "iep")]
    assert categories(terms, "ＩＥＰ meeting") == [("iep meeting*", "iep")]
    assert categories(terms, "504\u00a0plan") == [("504 plan", "504")]
    assert categories(terms, "504\nplan") == [("504 plan", "504")]


def test_custom_term_lists(terms):
    custom = SensitiveTerms({"sports": ("concussion protocol", "injur*")})
    assert [h.category for h in custom.find("Injured; concussion protocol started")] == [
        "sports", "sports"]
    assert custom.find("504 plan") == []
    assert terms.categories_in("504 list.xlsx") == {"504"}
    assert set(DEFAULT_SENSITIVE_TERMS) == {"504", "iep", "disability", "health",
                                            "discipline", "lunch", "welfare"}


def test_phrase_matcher_boundaries_and_punctuation():
    matcher = PhraseMatcher({"#": "ctx", "id": "ctx", "student id": "ctx"})
    hits = [(h.phrase, h.start) for h in matcher.find("student id #123 did ids")]
    assert hits == [("student id", 0), ("#", 11)]
    # a rejected mid-word start does not hide a real match right after it
    matcher = PhraseMatcher({"section 504": "504", "504 plan": "504"})
    assert [h.phrase for h in matcher.find("intersection 504 plan")] == ["504 plan"]


@pytest.mark.parametrize("header, role", [
    ("Student ID", Role.STUDENT_ID), ("StudentID", Role.STUDENT_ID),
    ("student_id", Role.STUDENT_ID), ("Student Number", Role.STUDENT_ID),
    ("Lunch #", Role.STUDENT_ID), ("ID", Role.GENERIC_ID), ("First Name", Role.FIRST_NAME),
    ("Surname", Role.LAST_NAME), ("Student Name", Role.STUDENT_NAME), ("Name", Role.NAME),
    ("DOB", Role.DOB), ("Date of Birth", Role.DOB), ("Birthdate", Role.DOB),
    ("Grade", Role.GRADE), ("Homeroom", Role.HOMEROOM), ("504", Role.SENSITIVE),
    ("IEP", Role.SENSITIVE), ("Accommodations", Role.SENSITIVE), ("Diagnosis", Role.SENSITIVE),
    ("Disability Category", Role.SENSITIVE), ("Parent Email", Role.GUARDIAN_EMAIL),
    ("Guardian 2 E-mail", Role.GUARDIAN_EMAIL), ("Title", Role.STAFF), ("Room", Role.STAFF),
    ("Phone", Role.PHONE), ("Account", Role.FINANCE), ("Favourite colour", Role.OTHER),
])
def test_header_roles(header, role):
    assert header_role(header)[0] == role


def test_header_key_splits_camel_and_snake_case():
    assert header_key("StudentID") == "student id"
    assert header_key("Date_of_Birth") == "date of birth"
    assert header_key("  Guardian1Email ") == "guardian 1 email"


def test_student_roster_with_header_on_the_first_row():
    profile = profile_table(roster_table(synthetic_roster(5)))
    assert profile.header_row == 0 and profile.looks_like_student_roster
    assert profile.id_columns == (0,) and profile.name_columns == (1, 2)
    assert profile.dob_columns == (6,)
    assert {c.category for c in profile.sensitive_columns} == {"504", "iep"}


def test_header_found_below_a_title():
    rows = [["Section 504 Students 2025-26", ""], ["Printed 9/1/2025", ""], ["", ""],
            ["Student Name", "Grade"], ["Garcia, Maria", "7"]]
    profile = profile_table(rows)
    assert profile.header_row == 3 and profile.looks_like_student_roster
    assert profile.first_data_row == 4
    assert "Section 504 Students" in profile.caption


def test_staff_directory_and_budget_are_not_rosters():
    staff = profile_table(staff_directory(20))
    assert staff.kind == "staff_directory" and not staff.looks_like_student_roster
    budget = profile_table(budget_table(20))
    assert budget.kind == "financial" and not budget.looks_like_student_roster


@pytest.mark.parametrize("rows, kind", [
    ([["Name", "Email"], ["Pat Doe", "pat@example.com"]], "unknown"),
    ([["Name", "Grade"], ["Pat Doe", "7"]], "student_roster"),
    ([["Last", "First", "Homeroom", "Teacher"], ["Doe", "Pat", "101", "Ms. Ray"]],
     "student_roster"),
    ([["Employee ID", "Name", "Department"], ["1234567", "Pat Doe", "Math"]],
     "staff_directory"),
    ([["ID", "Description", "Amount"], ["1234567", "Paper", "12.00"]], "financial"),
    ([["1", "2"], ["3", "4"]], "unknown"),
    ([], "unknown"),
])
def test_table_kinds(rows, kind):
    assert profile_table(rows).kind == kind


def test_a_table_of_counts_per_school_is_not_a_roster():
    from safesend.detect import profile_table

    counts = [["School", "Grades", "Students", "504 Plans", "IEPs"],
              ["Cedar Hollow Elementary", "K-2", "112", "9", "14"],
              ["Oak Ridge Middle", "6-8", "1,204", "31", "40"]]
    assert profile_table(counts).kind != "student_roster"
    names = [["Students", "504 Plan"], ["Ana Lopez", "Yes"], ["Ben Ortiz", "No"]]
    assert profile_table(names).kind == "student_roster"
