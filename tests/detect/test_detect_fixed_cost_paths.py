"""The fast paths of issue 17's fixed cost per message find exactly what the
plain ones did (each is held equal to the plain way, by property tests)."""

from __future__ import annotations

import hashlib
import hmac
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from safesend.detect import roster
from safesend.detect.config import DetectConfig
from safesend.detect.phrases import PhraseMatcher
from safesend.detect.roster import RosterHasher
from safesend.detect.roster_hits import _DOB, _EMAIL, _ID, _NAME
from safesend.detect.roster_match import _WORD, _distinct_words, _word_starts
from safesend.detect.words import AsciiWords

_DOMAINS = st.sampled_from((_ID, _NAME, _DOB, _EMAIL))


# --- the roster HMAC on CPython's own SHA-256 (detect/roster.py) ---------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=16, max_size=130), _DOMAINS,
       st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_roster_digests_are_hmac_sha256(secret, domain, values):
    hasher = RosterHasher(secret)
    expected = [hmac.digest(secret, domain + v.encode("utf-8", "surrogatepass"), "sha256")[:8]
                for v in values]
    assert [hasher._digest(domain, v) for v in values] == expected
    assert hasher._digests(domain, values) == expected
    assert [hasher._digester(domain)(v) for v in values] == expected


def test_roster_digests_are_the_same_on_openssls_sha256(monkeypatch):
    values = ["maria", "garcia", "12345678", "2011-03-04", "ann@example.org", "é"]
    own = RosterHasher(b"a secret of 32 bytes, not less!!")
    monkeypatch.setattr(roster, "_SHA256", hashlib.sha256)
    openssl = RosterHasher(b"a secret of 32 bytes, not less!!")
    for domain in (_ID, _NAME, _DOB, _EMAIL):
        assert own._digests(domain, values) == openssl._digests(domain, values)


# --- names in ASCII text: words of the lower-cased text (detect/roster_match.py) ---------

_ASCII_ALPHABET = "abAB'- \n\t,.0_1xyzZ"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ASCII_ALPHABET, max_size=60))
def test_ascii_words_are_the_words_findall_finds(text):
    assert AsciiWords(text.lower()).words == {w.lower() for w in _WORD.findall(text)}
    assert AsciiWords(text).words == set(_WORD.findall(text))
    assert AsciiWords(text).letter_runs == set(re.findall(r"[A-Za-z]+", text))


def _names_the_plain_way(session, text):
    """`_names_in_text` of short text as it was: every distinct word as written."""
    names = session._names_among(_distinct_words(text))
    hits, consumed = [], 0
    for start, word in _word_starts(text, names):
        if start >= consumed:
            hit = session._name_at(text, start, word)
            if hit is not None:
                hits.append(hit)
                consumed = hit.end
    return hits


_NAME_PIECES = ("Maria", "maria", "GARCIA", "Garcia", "garcia's", "James", "O'Brien", "obrien",
                "Ana Sofia", "De La Cruz", "de la cruz", "Liam", "Smith-Jones", "smith",
                "Kenji", "NAKAMURA", "Olivia", "Mensah", "M.", "J", "the", "trip", "Friday")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_NAME_PIECES) | st.text(alphabet=_ASCII_ALPHABET, max_size=4),
                max_size=14),
       st.lists(st.sampled_from((" ", ", ", "\n", "  ", "-", ". ", "'", "\t")), min_size=14,
                max_size=14))
def test_names_in_ascii_text_are_the_names_found_word_by_word(small_index, pieces, gaps):
    text = "".join(piece + gap for piece, gap in zip(pieces, gaps, strict=False))
    assert text.isascii()
    assert small_index.session()._names_in_text(text) == \
        _names_the_plain_way(small_index.session(), text)


def test_names_in_ascii_text_are_found_in_any_case(small_index):
    text = "Maria Garcia met GARCIA, MARIA and de la cruz, ana sofia; Liam Smith-Jones's form."
    hits = small_index.session()._names_in_text(text)
    assert [text[h.start:h.end] for h in hits] == [
        "Maria Garcia", "GARCIA, MARIA", "de la cruz, ana sofia", "Liam Smith-Jones's"]
    assert hits == _names_the_plain_way(small_index.session(), text)


# --- phrases: the pattern's pass is spared when no phrase can occur (detect/phrases.py) ---

_TERM_PIECES = ("504", "504 plan", "plan", "iep", "ieps", "d.o.b", "dob", "born on", "born",
                "diagnos", "diagnosed", "free and reduced", "free", "reduced", "x-ray", "in",
                "school", "suspension", "out of school", "has a 504", "a", "d", "o", "b", "adhd",
                "epipen", "epipens", "suicid", "_", "5041", "fecha de nacimiento", "o'brien")
_CUSTOM = PhraseMatcher([("504 plan", "504"), ("diagnos*", "health"), ("x-ray", "health"),
                         ("d.o.b", "dob"), ("o'brien", "name"), ("#iep", "iep"),
                         ("sec_504", "504"), ("504*", "504"), ("out of school*", "discipline")])


@settings(max_examples=250, deadline=None)
@given(st.lists(st.sampled_from(_TERM_PIECES) | st.text(alphabet="abdeiopr5 04-.'_#\n", max_size=5),
                max_size=10),
       st.lists(st.sampled_from((" ", "-", ".", "'", "\n", "", "_", ", ")), min_size=10,
                max_size=10))
def test_no_phrase_is_found_where_may_occur_says_none_can(pieces, gaps):
    lowered = "".join(p + g for p, g in zip(pieces, gaps, strict=False)).lower()
    for matcher in (DetectConfig().compiled().keywords, _CUSTOM):
        if not matcher.may_occur(AsciiWords(lowered), lowered):
            assert list(matcher.find(lowered)) == []


def test_may_occur_lets_the_terms_of_a_text_through():
    keywords = DetectConfig().compiled().keywords
    for text in ("she has a 504 plan.", "diagnosed with adhd", "his d.o.b is", "free and reduced",
                 "out-of-school suspension", "carries an epipen"):
        assert list(keywords.find(text))
        assert keywords.may_occur(AsciiWords(text), text)
    text = "the field trip is on friday, permission slips due monday."
    assert not keywords.may_occur(AsciiWords(text), text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789aBc. /-\n\t", max_size=30))
def test_every_date_shape_has_a_digit(text):
    from safesend.detect.roster_match import _DATE_SHAPE, _DIGIT

    if _DATE_SHAPE.search(text):
        assert _DIGIT.search(text)
