"""The fast paths of issue 17's fixed cost per message find exactly what the
plain ones did (each is held equal to the plain way, by property tests)."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from safesend.detect import roster
from safesend.detect.roster import RosterHasher
from safesend.detect.roster_hits import _DOB, _EMAIL, _ID, _NAME

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
