"""Normalization against evasions, ID candidates, name keys, redaction."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from safesend.detect.normalize import (
    compact_id,
    id_candidates,
    id_runs,
    lower_same_length,
    name_key,
    name_parts,
    normalize_text,
    student_id_key,
)
from safesend.detect.redact import redact_date, redact_email, redact_id, redact_name


def test_ascii_text_is_returned_unchanged():
    text = "Dear families,\n\nThe field trip is on 3/4.\tThanks!"
    assert normalize_text(text) is text


def test_full_width_digits_and_letters_become_ascii():
    assert normalize_text("ＩＤ：６７１２３４５６") == "ID:67123456"


def test_invisible_characters_are_removed():
    hidden = "6\u200b7\u200c1\u200d2\u20603\u00ad4\ufeff5\u200e6"
    assert normalize_text(hidden) == "67123456"
    assert normalize_text("I\u200bE\u200bP") == "IEP"
    assert normalize_text("Mar\u034fia") == "Maria"


def test_spaces_dashes_quotes_and_line_separators():
    assert normalize_text("Maria\u00a0Garcia") == "Maria Garcia"
    assert normalize_text("67\u20091234\u202f5612") == "67 1234 5612"
    assert normalize_text("a\u3000b\u1680c") == "a b c"
    assert normalize_text("67\u20131234\u20145612\u2212") == "67-1234-5612-"
    assert normalize_text("O\u2019Brien") == "O'Brien"
    assert normalize_text("one\u2028two\u2029three") == "one\ntwo\nthree"


def test_digits_of_other_scripts_become_ascii():
    assert normalize_text("\u0666\u0667\u0661\u0662") == "6712"  # Arabic-Indic
    assert normalize_text("\u096c\u096d") == "67"  # Devanagari


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_lower_same_length_keeps_offsets(text):
    assert len(lower_same_length(text)) == len(text)


def test_lower_same_length_with_dotted_capital_i():
    assert lower_same_length("İEP") == "İep"


def _runs(text):
    return [[text[s:e] for s, e in groups] for groups in id_runs(text)]


def test_id_runs_join_digit_groups_by_single_separators():
    assert _runs("ID 67 1234 5612 and 67-1234-5612") == [["67", "1234", "5612"],
                                                         ["67", "1234", "5612"]]
    assert _runs("x 1234567 - 2345678") == [["1234567"], ["2345678"]]


def test_id_runs_letter_prefixes():
    assert _runs("S1234567 SID-7654321") == [["S1234567"], ["SID-7654321"]]
    assert _runs("abcdef123456") == []  # glued to a word: not an ID
    assert _runs("room1234") == [["room1234"]]
    assert _runs("grade 7, $1,234,567.00, 3/4") == []  # short numbers are never runs


def test_greedy_candidates_prefer_the_longest_accepted_join():
    accepted = {"6712345612", "12345678", "23456789"}
    found = [c.compact for c in id_candidates(
        "IDs 67 1234 5612, 12345678 23456789.", lambda c: c.compact in accepted)]
    assert found == ["6712345612", "12345678", "23456789"]


def test_greedy_candidates_do_not_join_short_groups():
    seen = []
    list(id_candidates("grades 90 85 77 92", lambda c: seen.append(c.compact) or False))
    assert "90857792" not in seen and "908577" not in seen


def test_student_id_key_rules():
    assert student_id_key("00671234") == "671234"
    assert student_id_key("671234") == "671234"
    assert student_id_key("67-1234 5612") == "6712345612"
    assert student_id_key("1234567.0") == "1234567"
    assert student_id_key("s-0012345") == "S0012345"  # letters keep their zeros
    assert student_id_key("0000") == "0"
    assert student_id_key("６７１２３４") == "671234"
    assert compact_id(" 67-1234 5612 ") == "6712345612"


def test_name_key_folds_case_accents_punctuation_and_lookalikes():
    assert name_key("María") == name_key("MARIA") == name_key("maria") == "maria"
    assert name_key("García") == "garcia"
    assert name_key("O'Brien") == name_key("OBrien") == "obrien"
    assert name_key("Smith-Jones") == "smithjones"
    assert name_key("De La Cruz") == "delacruz"
    assert name_key("Ångström") == "angstrom"
    assert name_key("M\u0430ria") == "maria"  # Cyrillic a
    assert name_key("Ma\u200bria") == "maria"
    assert name_key("Łukasz Øster") == "lukaszoster"
    assert name_parts("Mary-Ann  Smith") == ["mary", "ann", "smith"]


def test_redact_name():
    assert redact_name("Maria Garcia") == "M**** G*****"
    assert redact_name("GARCIA, MARIA") == "G*****, M****"
    assert redact_name("O'Brien") == "O'B****"


def test_redact_id():
    assert redact_id("67123412") == "67****12"
    assert redact_id("6712345612") == "67******12"
    assert redact_id("67-1234-5612") == "67******12"
    assert redact_id("671234") == "6****4"
    assert redact_id("67123") == "****3"
    assert redact_id("671") == "***"


def test_redact_email_and_date():
    assert redact_email("john.doe@Gmail.com") == "j***@gmail.com"
    assert redact_email("not an address") == "***"
    assert redact_date("2011-03-04") == "****-**-04"
    assert redact_date("03/04/2011") == "****-**-04"
    assert redact_date(dt.date(2011, 3, 4)) == "****-**-04"
    assert redact_date("soon") == "****-**-**"
