"""Cutting a large mailbox's dates into slices (sources/slices.py), against a
source that counts a list of sent dates: the slices tile the dates, half-open,
so every message (one on a cut included) belongs to exactly one slice."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from safesend.incident.sources import JobPlan, Window, slice_window
from safesend.incident.sources.slices import halve

START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


class Dated:
    """Counts messages by sent date; estimates are off by up to `noise` (as Gmail's are)."""

    def __init__(self, dates: list[datetime], noise: float = 0.0, span: bool = True):
        self.dates = sorted(dates)
        self.exact_counts = noise == 0.0
        self.noise = noise
        self.with_span = span
        self.rng = random.Random(5)
        self.counts = 0

    def count(self, mailbox: str, dates: Window) -> int:
        self.counts += 1
        true = sum(1 for d in self.dates if dates.holds(d))
        return max(0, round(true * (1 + self.rng.uniform(-self.noise, self.noise))))

    def span(self, mailbox: str, dates: Window):
        inside = [d for d in self.dates if dates.holds(d)]
        return (inside[0], inside[-1]) if inside and self.with_span else (None, None)


def cut_all(source: Dated, window: Window, limit: int) -> list[JobPlan]:
    """Every job halves itself when it starts, as workers do."""
    done, waiting = [], [JobPlan("teacher@district.example.org")]
    while waiting:
        own, given = halve(source, waiting.pop(), window, limit, now=START + timedelta(days=400))
        done.append(own)
        waiting.extend(given)
    return done


def assert_tiles(plans: list[JobPlan], dates: list[datetime], window: Window) -> None:
    ranges = sorted((slice_window(p, window) for p in plans), key=lambda w: w.since or datetime.min.replace(
        tzinfo=UTC))
    assert ranges[0].since == window.since and ranges[-1].until == window.until
    assert all(a.until == b.since for a, b in zip(ranges, ranges[1:], strict=False))
    for moment in dates:
        assert sum(1 for r in ranges if r.holds(moment)) == (1 if window.holds(moment) else 0), moment
    assert len({p.slice_no for p in plans}) == len(plans)


def test_slices_tile_the_dates_and_hold_at_most_the_limit():
    dates = [START + timedelta(minutes=37 * n) for n in range(2001)]
    source = Dated(dates)
    plans = cut_all(source, Window(), 150)
    assert_tiles(plans, dates, Window())
    assert all(0 < p.expected <= 150 for p in plans)
    assert sum(p.expected for p in plans) == 2001
    # The first cut is the middle second of the first and last message: message 1000 sits on it.
    cuts = {slice_window(p, Window()).since for p in plans}
    assert dates[1000] in cuts


def test_a_message_on_a_cut_is_in_the_newer_slice_only():
    dates = [START + timedelta(seconds=s) for s in (0, 10, 20, 20, 20, 30, 40)]
    plans = cut_all(Dated(dates), Window(), 3)
    holding = [p for p in plans if slice_window(p, Window()).holds(START + timedelta(seconds=20))]
    assert len(holding) == 1
    assert slice_window(holding[0], Window()).since == START + timedelta(seconds=20)
    assert_tiles(plans, dates, Window())


def test_the_scan_dates_bound_the_outer_slices():
    dates = [START + timedelta(hours=n) for n in range(1000)]
    window = Window(START + timedelta(days=3), START + timedelta(days=30))
    plans = cut_all(Dated(dates), window, 100)
    assert_tiles(plans, dates, window)
    assert sum(p.expected for p in plans) == sum(1 for d in dates if window.holds(d))


@pytest.mark.parametrize("noise", [0.3, 0.6])
def test_estimated_counts_size_slices_but_never_decide_what_is_read(noise):
    rng = random.Random(8)
    dates = [START + timedelta(seconds=rng.randrange(0, 86400 * 200)) for _ in range(3000)]
    plans = cut_all(Dated(dates, noise=noise, span=False), Window(), 200)   # Gmail: no span, estimates
    assert_tiles(plans, dates, Window())
    assert len(plans) >= 10


def test_mail_bunched_in_one_second_is_one_slice_not_endless_halving():
    burst = [START + timedelta(days=50)] * 500                   # a mail merge sent at once
    dates = [START + timedelta(hours=n) for n in range(300)] + burst
    source = Dated(dates)
    plans = cut_all(source, Window(), 100)
    assert_tiles(plans, dates, Window())
    assert max(p.expected for p in plans) == 500
    assert source.counts < 200


def test_an_empty_or_small_mailbox_is_one_job_with_its_count():
    for dates in ([], [START]):
        source = Dated(dates)
        own, given = halve(source, JobPlan("teacher@district.example.org"), Window(), 10)
        assert given == [] and own.expected == len(dates) and own.bounds == {} and source.counts == 1


def test_a_slice_far_from_its_mail_narrows_before_it_cuts():
    """No span (Gmail): cuts start from 2000-01-01; empty halves are dropped, not made jobs."""
    dates = [START + timedelta(minutes=n) for n in range(250)]
    plans = cut_all(Dated(dates, span=False), Window(), 100)
    assert_tiles(plans, dates, Window())
    assert len(plans) <= 4 and all(p.expected > 0 for p in plans)
