"""One synthetic district (safesend/synthetic_district.py) draws the demo's, the detection
tests' and the corpus's rosters. The digests were taken from the three generators it
replaced: the same students come out, so no test figure, snapshot or benchmark moved."""

from __future__ import annotations

import hashlib

import pytest
from corpus import people
from detect import synthetic

from safesend import demo_data
from safesend.synthetic_district import (
    CORPUS_STYLE,
    DEMO_STYLE,
    mailbox_name,
    staff,
    synthetic_roster,
    unlisted_students,
)


def _digest(data: str | bytes) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(("roster", "expected"), [
    (lambda: synthetic_roster(600, seed=14, plan_rate=1.0).csv_text(),     # tests/gate
     "2f04f12589f34b5ca4e09d0828453f072e3a19008f20ffbfa3f53d79b852cfc8"),
    (lambda: synthetic_roster(200, seed=23, plan_rate=0.3, id_digits=7).csv_text(),
     "ce3efe0211d025791c7acdbad9962325a1bd0ff5e02aec2ecc85f9078caa85d2"),
    (lambda: synthetic_roster(1200, style=DEMO_STYLE).csv_text(),          # the demo's roster
     "fa7aa5566e8a5f2e1c16d53573c02dbef63d5cdd4dfdbd62ab0fa5769921c268"),
    (lambda: synthetic_roster(320, seed=2024, plan_rate=0.25, style=CORPUS_STYLE).csv_bytes(),
     "02d6c44521a69a8a793fea9d0dc80317721874d611cac89e0b25837c0cd75e2e"),
])
def test_the_rosters_are_the_ones_the_figures_were_measured_on(roster, expected):
    assert _digest(roster()) == expected


def test_people_around_the_corpus_roster_are_unchanged():
    roster = synthetic_roster(320, seed=2024, plan_rate=0.25, style=CORPUS_STYLE)
    people_ = staff(20, roster, seed=46) + unlisted_students(12, roster)
    assert _digest(repr([(p.first, p.last, p.title) for p in people_])) == \
        "7eb8cabdde62480c052113691d04879c1ba34cd3f0c855e455521b596aab425d"


def test_the_three_users_draw_from_the_one_generator():
    assert synthetic.synthetic_roster(50, seed=4).students == synthetic_roster(50, seed=4).students
    assert demo_data.synthetic_roster(50, seed=4).students == \
        synthetic_roster(50, seed=4, style=DEMO_STYLE).students
    assert people.make_roster(40, seed=4).students == \
        synthetic_roster(40, seed=4, plan_rate=0.25, style=CORPUS_STYLE).students


def test_styles_keep_their_promises():
    corpus = synthetic_roster(320, seed=2024, plan_rate=0.25, style=CORPUS_STYLE)
    assert len({(s.first, s.last) for s in corpus.students}) == 320        # unique full names
    assert all(len(s.flags) <= 1 and 1 <= s.grade <= 12 for s in corpus.students)
    big = synthetic_roster(3000, seed=11)
    assert len(big.ids()) == 3000 and all(len(i) == 8 for i in big.ids())
    assert all(s.grade is None for s in big.students)
    assert mailbox_name("Ana Sofia", "O'Connell") == "anasofia.oconnell"
    assert mailbox_name("Zoë", "Ångström") == "zo.ngstrm"   # as the corpus always spelled it
