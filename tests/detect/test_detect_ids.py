"""Student ID patterns: matching, context, filters, check digits, validation, time bounds."""

from __future__ import annotations

import time

import pytest

from safesend.detect.ids import (
    CHECK_DIGITS,
    DEFAULT_ID_PATTERNS,
    IdPatternConfig,
    PatternError,
    compile_id_patterns,
    luhn_ok,
    mod10_ok,
    mod11_ok,
    mod97_ok,
    verhoeff_ok,
)


@pytest.fixture(scope="module")
def default_ids():
    return compile_id_patterns(DEFAULT_ID_PATTERNS)


def values(compiled, text):
    return [h.value for h in compiled.find_in_text(text).hits]


@pytest.mark.parametrize("text, expected", [
    ("Student ID: 67123412", ["67123412"]),
    ("student #1234567 was absent", ["1234567"]),
    ("SID 12345678", ["12345678"]),
    ("Her lunch number is 102938.", ["102938"]),
    ("Student ID 67 1234 5612", ["6712345612"]),
    ("Student ID 67-1234-5612", ["6712345612"]),
    ("1234567 (student ID)", ["1234567"]),
    ("Student IDs: 12345678 23456789, 34567890", ["12345678", "23456789", "34567890"]),
    ("student id 1234567,2345678", ["1234567", "2345678"]),
    ("Pupil number: 8765432", ["8765432"]),
])
def test_default_pattern_finds_ids_near_context(default_ids, text, expected):
    assert values(default_ids, text) == expected


@pytest.mark.parametrize("text", [
    "Message-ID: <12345678@mail.example.org>",
    "Queue ID 1234567 deferred",
    "ID 12345678",          # a bare 'ID' is anybody's ID: forwarded mail and logs are full of them
    "Order # 7654321",
    "session id=98765432; uid 1234567",
])
def test_default_pattern_needs_student_specific_context(default_ids, text):
    assert values(default_ids, text) == []


@pytest.mark.parametrize("text", [
    "Student I\u200bD: 6\u200b7\u200b1\u200b2\u200b3\u200b4\u200b1\u200b2",  # zero-width
    "Student\u00a0ID:\u00a067123412",  # no-break spaces
    "Student ID: ６７１２３４１２",  # full-width digits
    "Student ID: 67\u20131234\u201312",  # en dashes
])
def test_default_pattern_sees_through_evasions(default_ids, text):
    assert len(default_ids.find_in_text(text).hits) == 1


@pytest.mark.parametrize("text", [
    "Budget 1234567 2345678 3456789 4567890",  # numbers without context
    "Account ID 1234567",  # qualified ID
    "Invoice #1234567 for student supplies",
    "Student phone 555-123-4567",
    "Call the student line at (555) 123-4567 or 555-9876.",
    "Phone: 5551234567 student",
    "Students born 2011-03-04 and 03/04/2011",
    "Student fees total $1234567.00 this year",
    "Student SSN 460-89-9847",
    "Student ratio 3.1415926",
    "The 12 students scored 95 88 76 91 on the test",
    "Student ID 1234",  # too short for 6-10 digits
    "Student ID 12345678901",  # too long
])
def test_default_pattern_near_misses(default_ids, text):
    assert values(default_ids, text) == []


def test_budget_sheet_text_full_of_seven_digit_numbers(default_ids):
    lines = [f"Fund {1000000 + 7919 * i} Object {2000000 + 104729 * i} Amount {i * 1234}.00"
             for i in range(200)]
    assert values(default_ids, "\n".join(lines)) == []


def test_a_list_of_ids_keeps_its_context(default_ids):
    ids = [str(2000000 + 1111 * i) for i in range(30)]
    text = "Student IDs:\n" + "\n".join(ids)
    hits = default_ids.find_in_text(text).hits
    assert [h.value for h in hits] == ids
    assert "continues a list" in hits[-1].explanation


def test_hits_explain_themselves(default_ids):
    (hit,) = default_ids.find_in_text("Student ID: 67123412").hits
    assert hit.pattern == "student_id"
    assert hit.has_context and hit.confidence == 0.8
    assert "context 'student id'" in hit.explanation
    assert (hit.start, hit.end) == (12, 20)


def test_find_in_cell_uses_the_header_as_context(default_ids):
    assert [h.value for h in default_ids.find_in_cell("67123412", "Student ID").hits] == [
        "67123412"]
    assert default_ids.find_in_cell("67123412", "Account").hits == ()
    assert default_ids.find_in_cell("67123412", "").hits == ()


def test_letter_prefixed_pattern():
    compiled = compile_id_patterns([IdPatternConfig("district", r"S\d{7}")])
    assert values(compiled, "student S-1234567 and s7654321") == ["S1234567", "S7654321"]


def test_check_digit_functions():
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")
    assert mod10_ok("4006381333931") and not mod10_ok("4006381333932")
    assert mod11_ok("1234560") and mod11_ok("12345674") and not mod11_ok("12345675")
    assert mod97_ok("970001") and not mod97_ok("970002")
    assert verhoeff_ok("2363") and not verhoeff_ok("2364")
    assert set(CHECK_DIGITS) >= {"none", "luhn", "mod10", "mod11", "mod97", "verhoeff"}


def test_a_configured_check_digit_must_validate_and_raises_confidence():
    compiled = compile_id_patterns([IdPatternConfig(
        "luhn_ids", r"\d{11}", check_digit="luhn", require_context=False)])
    hits = compiled.find_in_text("see 79927398713 and 79927398710").hits
    assert [h.value for h in hits] == ["79927398713"]
    assert hits[0].check_digit_ok and hits[0].confidence == pytest.approx(0.6)
    assert "luhn check digit valid" in hits[0].explanation


def test_context_not_required_when_configured():
    compiled = compile_id_patterns([IdPatternConfig("plain", r"\d{8}", require_context=False)])
    (hit,) = compiled.find_in_text("see 67123412").hits
    assert not hit.has_context and hit.confidence == pytest.approx(0.4)


@pytest.mark.parametrize("config, reason", [
    (IdPatternConfig("broken", r"(\d{6"), "invalid regex"),
    (IdPatternConfig("empty", r"\d*"), "matches the empty string"),
    (IdPatternConfig("broad", r"\d+"), "matches '1'"),
    (IdPatternConfig("short", r"\d{2,3}"), "matches '12'"),
    (IdPatternConfig("nothing", ""), "the regex is empty"),
    (IdPatternConfig("digits", r"\d{8}", check_digit="crc32"), "unknown check digit"),
    (IdPatternConfig("ctx", r"\d{8}", context_words=()), "no context words"),
    (IdPatternConfig("window", r"\d{8}", context_window=5000), "context_window"),
    (IdPatternConfig("slow", r"^(\d|\d\d)+\d{4}$"), "too slow"),
])
def test_pattern_errors_name_the_pattern_and_say_why(config, reason):
    with pytest.raises(PatternError) as caught:
        compile_id_patterns([config])
    assert caught.value.pattern == config.name
    assert reason in caught.value.reason
    assert config.name in str(caught.value)


def test_duplicate_pattern_names_are_rejected():
    with pytest.raises(PatternError, match="two patterns"):
        compile_id_patterns([IdPatternConfig("a", r"\d{8}"), IdPatternConfig("a", r"\d{9}")])


def test_catastrophic_regex_is_bounded_at_scan_time():
    # passes validation (its probes hold no 7s) but backtracks exponentially on 7777...
    compiled = compile_id_patterns([IdPatternConfig("evil", r"(?:7|77)+8"),
                                    IdPatternConfig("good", r"\d{8}")], match_timeout=0.02)
    text = "Student ID " + "7" * 36 + " and student ID 67123412"
    started = time.monotonic()
    scan = compiled.find_in_text(text, deadline=time.monotonic() + 5)
    assert time.monotonic() - started < 1.0
    assert scan.timed_out == ("evil",) and scan.partial
    assert [h.value for h in scan.hits] == ["67123412"]  # the other pattern still works


def test_deadline_in_the_past_returns_promptly(default_ids):
    scan = default_ids.find_in_text("Student ID 67123412 " * 1000, deadline=time.monotonic() - 1)
    assert scan.deadline_reached and scan.hits == ()


@pytest.mark.parametrize("cell, header, expected", [
    ("67123412", "Student ID", ["67123412"]),
    ("67-1234-12", "Student #", ["67123412"]),
    ("S-1234567", "Student ID", []),  # not the default pattern's shape
    ("555-123-4567", "Student ID", []),  # a phone number in the wrong column
    ("2011-03-04", "Student ID", []),
    ("Student ID: 67123412", "", ["67123412"]),  # key and value in one cell
    ("67123412 / 76543210", "Student IDs", ["67123412", "76543210"]),
])
def test_find_in_cell_cases(default_ids, cell, header, expected):
    cache: dict = {}
    for _ in range(2):  # the second pass answers from the context cache
        assert [h.value for h in default_ids.find_in_cell(cell, header,
                                                          context_cache=cache).hits] == expected


@pytest.mark.parametrize("text, expected", [
    ("Student ID 38029574: laptop ready", ["38029574"]),
    ("student #1234567 at 12:30", ["1234567"]),
    ("Student ID 1234567/89", []),      # a fraction or date part, not an ID
])
def test_a_colon_after_an_id_is_not_a_time(default_ids, text, expected):
    assert values(default_ids, text) == expected
