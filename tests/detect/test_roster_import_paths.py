"""The roster import's fast paths give what the general ones give (issue 17).

The CSV reader reads a clean ASCII row inline and sends any other row through
the general `_record`; a roster whose every row carries one unused non-ASCII
cell goes the general way throughout, so the two readings can be compared on
the same students. The index loaded from the stored blob (`roster_load.py`,
what the service runs) must equal the one built from `HashedStudent` objects.
"""

from __future__ import annotations

import random

import pytest
from detect.synthetic import synthetic_roster

from safesend.detect import (
    RosterHasher,
    RosterIndex,
    RosterKeyError,
    import_roster,
    parse_roster_csv,
    serialize_roster,
)
from safesend.detect.roster_blob import import_roster_blob

SECRET = b"test-secret-key-0123456789abcdef"

# Rows that each take a different turn: blank, short, missing or too-long ID,
# a spreadsheet '.0', a bad date, a bad email, two emails in a cell, a
# duplicate ID, a non-ASCII name, yes/no flag columns, a full name only
MESSY = (
    "Student Number,First Name,Last Name,Birthdate,Plan,IEP,Parent Email,Guardian 2 Email,"
    "Student Name\n"
    "00123,Maria,Garcia,3/4/2011,504,,m.garcia@example.org,,\n"
    ",,,,,,,,\n"
    "124,Kenji,Nakamura,2011-05-06,IEP; ELL,Y,k@example.org; k2@example.org,k@example.org,\n"
    "125,,,2010-01-01,,,,,\"Lopez, Ana Maria\"\n"
    "126.0,Zoë,Ängström,2012-02-02,Zebulon program,yes,<zoe@example.org>,,\n"
    "127,Bad,Date,31/31/2011,,,,,\n"
    "128,Bad,Email,2011-01-01,,,not-an-email,,\n"
    "124,Dup,Licate,2011-01-01,,,,,\n"
    "129,Short,Row\n"
    ",No,Id,2011-01-01,,,,,\n"
    + "1" * 41 + ",Long,Id,2011-01-01,,,,,\n"
    "130,Maria,Garcia,3/4/2011,None,No,MARIA.G@EXAMPLE.ORG,\"a@example.org, b@example.net\",\n"
    "131,Mary-Ann,De La Cruz,2013-03-03,,,,,\n"
)


def _general(csv_text: str) -> str:
    """The same roster with an unused non-ASCII first column: every row but a blank
    one (which stays blank) goes through `_record`."""
    lines = csv_text.splitlines()
    return "\n".join(["Notes," + lines[0]] + [("," if not line.strip(",") else "café,") + line
                                              for line in lines[1:]]) + "\n"


def _random_roster(seed: int) -> str:
    return synthetic_roster(400, seed=seed).csv_text()


@pytest.mark.parametrize("csv_text", [MESSY, _random_roster(1), _random_roster(2)])
def test_fast_and_general_readings_give_the_same_records_and_errors(csv_text):
    fast, general = parse_roster_csv(csv_text), parse_roster_csv(_general(csv_text))
    assert fast.records == general.records
    assert fast.errors == general.errors
    assert fast.records


def _state(index: RosterIndex) -> dict:
    """Everything the matchers read, flag masks spelled as label sets (the label
    order differs between builds)."""
    return {
        "ids": index._ids, "tokens": index._tokens, "pairs": index._pairs,
        "ambiguous": index._ambiguous, "dob": list(index._dob), "refs": list(index._refs),
        "flags": [index.flags_in(m) for m in index._flags],
        "wards": {k: index._wards.get(k) for k in index._wards._keys},
        "count": len(index),
    }


def _loaded(csv_text: str, hasher: RosterHasher) -> RosterIndex:
    """The index the service loads after the product's import."""
    return RosterIndex.from_bytes(import_roster_blob(csv_text, hasher)[0].data, hasher)


@pytest.mark.parametrize("csv_text", [MESSY, _random_roster(3), _random_roster(4)])
def test_index_loaded_from_the_blob_equals_the_index_built_from_hashed_students(csv_text):
    hasher = RosterHasher(SECRET)
    students, _ = import_roster(csv_text, hasher)
    loaded = _loaded(csv_text, hasher)
    assert _state(loaded) == _state(RosterIndex(students, hasher))
    assert set(loaded.labels) == {label for s in students for label in s.flags}


def _shared_names_and_guardians() -> str:
    rng = random.Random(7)
    lines = ["Student ID,First Name,Last Name,DOB,Plan,Parent Email"]
    for n in range(300):  # few names and parents: ambiguous pairs and guardians of several
        lines.append(f"{n + 1},{rng.choice(['Ana', 'Ana Maria', 'Li'])},"
                     f"{rng.choice(['Garcia', 'Garcia Lopez', 'Wu'])},2011-01-0{rng.randint(1, 9)},"
                     f"{rng.choice(['', '504', 'IEP', 'Other plan'])},"
                     f"p{rng.randint(1, 40)}@example.org")
    return "\n".join(lines) + "\n"


def test_shared_names_and_guardians_load_the_same_index():
    hasher = RosterHasher(SECRET)
    csv_text = _shared_names_and_guardians()
    students, _ = import_roster(csv_text, hasher)
    loaded = _loaded(csv_text, hasher)
    assert _state(loaded) == _state(RosterIndex(students, hasher))
    assert loaded._ambiguous and any(len(loaded._wards.get(k)) > 1 for k in loaded._wards._keys)


def test_other_digest_sizes_load_the_general_way():
    hasher = RosterHasher(SECRET, digest_size=6)
    students, _ = import_roster(_shared_names_and_guardians(), hasher)
    loaded = RosterIndex.from_bytes(serialize_roster(students, hasher), hasher)
    assert _state(loaded) == _state(RosterIndex(students, hasher))


@pytest.mark.parametrize("cut", [1, 7, 9, 30])
def test_a_cut_or_padded_blob_does_not_load(cut):
    hasher = RosterHasher(SECRET)
    blob = import_roster_blob(MESSY, hasher)[0].data
    with pytest.raises(RosterKeyError, match="truncated"):
        RosterIndex.from_bytes(blob[:-cut], hasher)
    with pytest.raises(RosterKeyError, match="trailing"):
        RosterIndex.from_bytes(blob + bytes(cut), hasher)


def test_wards_give_what_a_dict_of_guardians_gives():
    from safesend.detect.roster_wards import Wards

    rng = random.Random(11)
    tops = [rng.getrandbits(30) for _ in range(20)]  # few top bits: many keys share them
    keys = [t << 34 | rng.getrandbits(34) for t in tops for _ in range(5)]
    wards, expected = Wards(), {}
    for student in range(400):
        for key in rng.sample(keys, rng.randint(0, 3)):
            wards.add(key, student)
            expected.setdefault(key, []).append(student)
    wards.freeze()
    for key in keys + [rng.getrandbits(64) for _ in range(50)] + [0, 2**64 - 1]:
        assert wards.get(key) == tuple(expected.get(key, ()))


def test_line_numbers_count_quoted_line_breaks_and_lone_carriage_returns():
    data = ('note line\nStudent ID,First Name,Last Name,DOB,Notes\n1,A,B,2011-01-01,"multi\nline'
            '\r\nnote"\n2,,B,2011-01-01,x\n\n3,C,D,bad,"q\n"\n3,E,F,2011-01-01,\n'
            '4,G,H,2011-01-01,\r5,I,J,,\r\n,K,L,,\n')
    result = parse_roster_csv(data)
    assert result.header_line == 2
    assert [(r.line, r.student_id) for r in result.records] == [(3, "1"), (10, "3"), (11, "4"),
                                                                 (12, "5")]
    assert [str(e) for e in result.errors] == ["line 6: first_name: missing",
                                               "line 8: dob: not a date",
                                               "line 13: student_id: missing"]
