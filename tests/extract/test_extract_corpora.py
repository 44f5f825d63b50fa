"""Every file of the real-world corpora (../shared/corpora), each fed as an
attachment: no exception, each finishes within the time bound, and each file's
outcome (scanned, or unscannable and why) matches the reviewed snapshot."""

from __future__ import annotations

import collections
import time

import pytest
from corpus_snapshot import compare, outcome

from safesend.extract import ExtractLimits, extract_attachments
from safesend.extract.isolation import GRACE_SECONDS

BUDGET = 30.0  # generous per message (no corpus file comes near it): the sweep proves bounds, not speed
# OCR may use the whole budget: a snapshot records what a file holds, not how busy
# the machine was (a JPEG 2000 scan ran past the 4 s default under load).
OCR_SECONDS = BUDGET
DAMAGED_BUDGET = 10.0  # damaged copies: bounds only, so a stuck parser costs little


def _corpus_files(corpora):
    return sorted(p for p in corpora.rglob("*") if p.is_file())


@pytest.mark.slow
def test_every_corpus_file_is_extracted_within_bounds(capsys, corpora):
    files = _corpus_files(corpora)
    limits = ExtractLimits(time_budget_seconds=BUDGET, ocr_time_seconds=OCR_SECONDS)
    reasons: collections.Counter[str] = collections.Counter()
    slowest = (0.0, "")
    outcomes: dict[str, str] = {}
    started = time.monotonic()
    for path in files:
        began = time.monotonic()
        result = extract_attachments([(path.name, None, path.read_bytes())], limits)
        elapsed = time.monotonic() - began
        assert elapsed < BUDGET + GRACE_SECONDS + 2, f"{path} took {elapsed:.1f} s"
        slowest = max(slowest, (elapsed, str(path.relative_to(corpora))))
        reasons.update(problem.reason for problem in result.problems)
        outcomes[path.relative_to(corpora).as_posix()] = outcome([p.reason for p in result.problems])
    with capsys.disabled():
        top = "; ".join(f"{n}x {reason}" for reason, n in reasons.most_common(5))
        print(f"\ncorpora sweep: {len(files)} files in {time.monotonic() - started:.1f} s, "
              f"{sum(reasons.values())} unscannable (top: {top}); slowest {slowest[0]:.2f} s {slowest[1]}")
    compare("corpora_extract", outcomes)


@pytest.mark.slow
def test_damaged_copies_of_every_corpus_file(corpora):
    """Real, complex files cut short and with a flipped bit: the parsers'
    error paths on realistic structure, not just on random bytes."""
    files = _corpus_files(corpora)
    limits = ExtractLimits(time_budget_seconds=DAMAGED_BUDGET)  # outcomes are not compared here
    for path in files:
        data = path.read_bytes()
        if len(data) < 16:
            continue
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0x10
        for variant in (data[: len(data) * 3 // 5], bytes(flipped)):
            began = time.monotonic()
            extract_attachments([(path.name, None, variant)], limits)
            assert time.monotonic() - began < DAMAGED_BUDGET + GRACE_SECONDS + 2, path
