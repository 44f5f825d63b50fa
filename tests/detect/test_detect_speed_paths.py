"""The fast paths of issue 17 find exactly what the plain ones did: words of
the roster located with `str.find` instead of a step per word, name keys of
plain words without the regex, and the detection settings looked up by the
section object instead of a JSON dump per check."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from safesend import content
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
