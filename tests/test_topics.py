"""Sensitive topic terms: the substring pre-filter never changes what the
regex finds (it only skips the regex when no term's first word occurs)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from safesend.detect.normalize import normalize_text
from safesend.policy import DEFAULT_SENSITIVE_TOPICS
from safesend.topics import _compile, find_topics

# Letters re.IGNORECASE folds in ways str.lower() alone does not (İ, ı, ſ, µ, ς, ϐ, ﬅ)
# and the pieces of the default terms, so generated texts hit the terms often.
TRICKY = "İıIiſSsµμΜςσΣϐβẛṡﬅﬆKK\u200b５０４ -\t\n"
PIECES = ["504", "section", "plan", "IEP", "iep", "disab", "ility", "ilities", "special", "ed",
          "education", "free", "and", "or", "reduced", "lunch", "McKinney", "Vento", "foster",
          "care", "SPED", "mental", "health", "x", "_", "Friday", "families"]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet=TRICKY, max_size=3)),
                 max_size=40).map("".join)
term_lists = st.one_of(
    st.just(tuple(DEFAULT_SENSITIVE_TOPICS)),
    st.lists(st.one_of(st.sampled_from(DEFAULT_SENSITIVE_TOPICS),
                       st.text(alphabet="ıİſsSµμ504iI-é ", min_size=1, max_size=6)),
             min_size=1, max_size=8).map(tuple))


def regex_only(text: str, terms: tuple[str, ...], limit: int = 5) -> list[str]:
    """What find_topics answered before the pre-filter: the whole term list's regex
    (less terms without a word, such as "-", which matched the empty string everywhere)."""
    pattern = _compile(tuple(t for t in terms if any(re.split(r"[\s\-]+", t.strip()))))
    found: list[str] = []
    for match in (pattern.finditer(normalize_text(text)) if pattern and text else ()):
        term = " ".join(match.group(0).lower().split())
        if term not in found:
            found.append(term)
            if len(found) >= limit:
                break
    return found


@settings(max_examples=600, deadline=None)
@given(texts, term_lists)
def test_the_prefilter_finds_what_the_regex_finds(text, terms):
    assert find_topics(text, terms) == regex_only(text, terms)


def test_folded_letters_still_match():
    # The regex matches these case-insensitively; a plain lower() pre-filter would miss them.
    assert find_topics("a dıSABILITY note", ["disability"]) == ["dısability"]
    assert find_topics("İEP meeting", ["IEP"]) == ["i̇ep"]
    assert find_topics("ſped team", ["SPED"]) == ["sped"]  # NFKC: ſ is s


def test_a_term_without_a_word_matches_nothing():
    assert find_topics("any message at all", ["-", " - "]) == []


def test_a_body_without_any_term_finds_nothing_and_the_subject_still_counts():
    body = ("Dear families, the meeting is on Friday. " * 125)[:5000]
    assert find_topics(body, DEFAULT_SENSITIVE_TOPICS) == []
    assert find_topics("504 plan meetings\n" + body, DEFAULT_SENSITIVE_TOPICS) == ["504 plan"]
