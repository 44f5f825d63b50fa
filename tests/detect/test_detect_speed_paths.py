"""The fast paths of issue 17 find exactly what the plain ones did: words of
the roster located with `str.find` instead of a step per word, name keys of
plain words without the regex, and the detection settings looked up by the
section object instead of a JSON dump per check."""

from __future__ import annotations

import json

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from safesend import content
from safesend.detect.id_shapes import ascii_shape_test
from safesend.detect.ids import FILTERS
from safesend.detect.normalize import _ASCII_NON_LETTERS, name_key
from safesend.detect.roster_match import _WORD, _distinct_words, _word_starts
from safesend.policy import parse_policy

_ALPHABET = "abAB'- \n,.0_1éÉ²½ßxyz"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60), st.data())
def test_word_starts_are_the_tokens_finditer_finds(text, data):
    tokens = [m.group() for m in _WORD.finditer(text)]
    words = set(data.draw(st.lists(st.sampled_from(tokens), max_size=4))) if tokens else set()
    more = data.draw(st.lists(st.text(alphabet="abAB'-é", min_size=1, max_size=3), max_size=2))
    words |= {w for w in more if _WORD.fullmatch(w)}  # words as `_WORD` reads them
    expected = [(m.start(), m.group()) for m in _WORD.finditer(text) if m.group() in words]
    assert _word_starts(text, words) == expected


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET + "\t\u00a0\u2003\u2162\u0663", max_size=60))
def test_distinct_words_are_the_words_findall_finds(text):
    assert _distinct_words(text) == set(_WORD.findall(text))


def test_word_starts_respect_joined_words():
    text = "Ann-Marie Ann's Annual ann Ann-"
    assert _word_starts(text, {"Ann", "Marie"}) == [(27, "Ann")]


@given(st.text(alphabet="abcXYZ'-. é", max_size=12))
def test_name_key_of_plain_words_is_unchanged(word):
    if word.isascii():
        assert name_key(word) == _ASCII_NON_LETTERS.sub("", word.lower())


def test_detect_config_is_found_by_the_section_object_without_a_json_dump(monkeypatch):
    policy = parse_policy({"internal_domains": ["district.example.org"]})
    first = content.detect_config(policy.detection)
    dumps = []
    real_dumps = json.dumps
    monkeypatch.setattr(content.json, "dumps",
                        lambda *a, **k: dumps.append(1) or real_dumps(*a, **k))
    assert content.detect_config(policy.detection) is first
    assert dumps == []  # no key built per check
    same_settings = parse_policy({"internal_domains": ["district.example.org"]})
    assert content.detect_config(same_settings.detection) is first  # found by its JSON
    assert dumps == [1]
    other = parse_policy({"internal_domains": ["district.example.org"],
                          "detection": {"near_window": 50}})
    assert content.detect_config(other.detection).near_window == 50


# --- ID patterns of a simple shape are tested with str methods (detect/id_shapes.py)

_SHAPED = (r"\d{6,10}", r"\d{8}", r"S\d{7}", r"[0-9]{5,}", r"ab\d{4,6}", r"\d{4,4}")
_NOT_SHAPED = (r"\d{6,10}x?", r"(\d{8})", r"\d+", r"[A-Z]\d{7}", r"S-?\d{7}", r"\d{6}|\d{9}")


@pytest.mark.parametrize("pattern", _NOT_SHAPED)
def test_other_patterns_keep_the_regex(pattern):
    assert ascii_shape_test(pattern) is None


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_SHAPED),
       st.text(alphabet="0123456789sSAbBx-_ \u0663\u00b2\u017f", max_size=14))
def test_shape_tests_equal_the_regex_on_ascii_values(pattern, value):
    test = ascii_shape_test(pattern)
    assert test is not None
    compiled = regex.compile(pattern, regex.IGNORECASE | regex.V0)
    if value.isascii():
        assert test(value) == (compiled.fullmatch(value) is not None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789SAbx\u0663", min_size=1, max_size=14))
def test_filters_pass_alphanumeric_tokens(token):
    """`_single_token` skips FILTERS for a cell of letters and digits only."""
    if token.isalnum():
        assert not any(f(token, "", "") for f in FILTERS)


def test_find_in_cell_gives_the_same_hits_with_and_without_the_shape_test():
    from safesend.detect.ids import DEFAULT_ID_PATTERNS, IdPatternConfig, compile_id_patterns

    configs = (*DEFAULT_ID_PATTERNS, IdPatternConfig(name="s", regex=r"S\d{7}",
                                                     require_context=False))
    fast, slow = compile_id_patterns(configs), compile_id_patterns(configs)
    for pattern in slow._patterns:
        pattern.ascii_test = None
    cells = ["12345678", "S1234567", "s-1234567", "123", "12345678901", "1234-5678",
             "ab12345", "\u0663" * 8, "S123456", "0012345678"]
    for header in ("Student ID", "Account", ""):
        for cell in cells:
            assert fast.find_in_cell(cell, header, context_cache={}) == \
                slow.find_in_cell(cell, header, context_cache={})


# --- header roles: one search rules out the cells no word rule matches (detect/tables.py)

_HEADER_WORDS = ("student", "name", "id", "parent", "e", "mail", "email", "phone", "birth",
                 "dob", "504", "iep", "sped", "health", "first", "last", "grade", "teacher",
                 "account", "total", "meal", "free", "maria", "garcia", "notes", "#", "no",
                 "staff", "accommodation", "diagnosis", "suspended", "cell", "surname")


def _role_by_each_rule(key):
    from safesend.detect.tables import _EXACT, _WORD_RULES, Role

    if not key:
        return Role.OTHER, None
    found = _EXACT.get(key) or _EXACT.get(key.replace(" ", ""))
    if found:
        return found
    for pattern, role, category in _WORD_RULES:
        if pattern.search(key):
            return role, category
    return Role.OTHER, None


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_HEADER_WORDS) | st.text(alphabet="abdeilmnst9 ", max_size=6),
                max_size=4))
def test_header_roles_equal_trying_each_rule(words):
    from safesend.detect.tables import _role_of_key, header_key

    key = header_key(" ".join(words))
    assert _role_of_key(key) == _role_by_each_rule(key)
