"""Date slices of a large mailbox read through an API (Graph, EWS, Gmail).

A mailbox starts as one job over the scan's dates. Before it reads its first
message, the job asks the source how many messages its dates hold; while
that is more than the slice size, it halves its dates at the middle second,
keeps the older half and hands the newer half to a new job, which halves
itself the same way when a worker starts it. Planning stays quick (nothing
is counted when a scan starts) and the counting is spread over the workers.

Every range is half-open, [after, before): a message sent exactly on a cut
belongs to the newer half only, so each message is read by exactly one job.
Cuts fall on whole seconds, the precision of every API's date filter.

Slice numbers follow a binary heap: the halves of slice k are 2k+1 (older)
and 2k+2 (newer), so two workers splitting slices of one mailbox at the same
time never pick the same number.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from . import JobPlan, Window, slice_window

# Where the cuts are placed in a range with no start (before any school mailbox's first message;
# an older message still lands in the oldest slice, whose start is open).
FLOOR = datetime(2000, 1, 1, tzinfo=UTC)
MAX_SLICE_NO = 2 ** 30          # a heap number this deep is ~30 halvings: a second cannot be cut further


class DateSliced(Protocol):
    """A source that can count a mailbox's messages between two dates."""

    exact_counts: bool          # False when counts are estimates (Gmail's resultSizeEstimate)

    def count(self, mailbox: str, dates: Window) -> int: ...

    def span(self, mailbox: str, dates: Window) -> tuple[datetime | None, datetime | None]:
        """The first and last sent dates within `dates`, or None where the source cannot tell cheaply."""
        ...


def halve(source: DateSliced, plan: JobPlan, window: Window, limit: int,
          now: datetime | None = None) -> tuple[JobPlan, list[JobPlan]]:
    """This job's plan cut down to at most `limit` messages (where a second can
    be cut), with its expected count, and the newer halves it gave away."""
    dates = slice_window(plan, window)
    total = source.count(plan.mailbox, dates)
    if total <= limit:
        return replace(plan, expected=total), []
    lo, hi = _cut_range(source, plan, dates, now)
    slice_no, after, before = plan.slice_no, dates.since, dates.until
    given: list[JobPlan] = []
    while total > limit and lo is not None and hi is not None and slice_no < MAX_SLICE_NO:
        middle = _middle(lo, hi)
        if middle is None:
            break                    # more than a slice's worth of mail within two seconds: read it as one
        older = source.count(plan.mailbox, Window(after, middle))
        newer = total - older if source.exact_counts else source.count(plan.mailbox, Window(middle, before))
        if newer <= 0:               # nothing on the newer side: cut the older side next, same job
            hi, total = middle, older
            continue
        if older <= 0:
            lo, total = middle, newer
            continue
        given.append(JobPlan(plan.mailbox, 2 * slice_no + 2, _bounds(middle, before, middle, hi), newer))
        slice_no, before, hi, total = 2 * slice_no + 1, middle, middle, older
    own = JobPlan(plan.mailbox, slice_no, _bounds(after, before, lo, hi), total)
    return own, given


def _cut_range(source: DateSliced, plan: JobPlan, dates: Window,
               now: datetime | None) -> tuple[datetime | None, datetime | None]:
    """Where to place cuts: a newer half knows it from its parent; a whole mailbox asks the source."""
    bounds = plan.bounds or {}
    if bounds.get("lo") and bounds.get("hi"):
        return datetime.fromisoformat(bounds["lo"]), datetime.fromisoformat(bounds["hi"])
    first, last = source.span(plan.mailbox, dates)
    lo = dates.since or first or FLOOR
    if dates.until is not None:
        hi = dates.until
    elif last is not None:
        hi = last + timedelta(seconds=1)
    else:
        hi = (now or datetime.now(UTC)) + timedelta(days=1)
    return lo, hi


def _middle(lo: datetime, hi: datetime) -> datetime | None:
    """A whole second strictly inside (lo, hi), near the middle; None when the range is under 2 s."""
    start, end = lo.timestamp(), hi.timestamp()
    if end - start < 2:
        return None
    return datetime.fromtimestamp(math.floor((start + end) / 2), UTC)


def _bounds(after: datetime | None, before: datetime | None, lo: datetime | None,
            hi: datetime | None) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return moment.astimezone(UTC).isoformat() if moment else None

    return {"after": iso(after), "before": iso(before), "lo": iso(lo), "hi": iso(hi)}
