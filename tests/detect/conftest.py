"""Fixtures for detection tests: a server secret, a hasher, a small roster index."""

from __future__ import annotations

import pytest
from detect.synthetic import SMALL_ROSTER_CSV, synthetic_roster

from safesend.detect import RosterHasher, RosterIndex, parse_roster_csv, serialize_roster


@pytest.fixture(scope="session")
def hasher() -> RosterHasher:
    return RosterHasher(b"test-secret-0123456789abcdef-not-for-production")


@pytest.fixture(scope="session")
def small_index(hasher: RosterHasher) -> RosterIndex:
    result = parse_roster_csv(SMALL_ROSTER_CSV.encode())
    assert not result.errors
    return RosterIndex.from_bytes(serialize_roster(hasher.hash_records(result.records), hasher),
                                  hasher)


@pytest.fixture(scope="session")
def big_roster():
    return synthetic_roster(3000, seed=11)


@pytest.fixture(scope="session")
def big_index(hasher: RosterHasher, big_roster) -> RosterIndex:
    result = parse_roster_csv(big_roster.csv_text())
    assert not result.errors
    return RosterIndex(hasher.hash_records(result.records), hasher)
