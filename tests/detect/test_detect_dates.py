"""Dates as written in rosters and emails."""

from __future__ import annotations

import datetime as dt

import pytest

from safesend.detect.dates import find_dates, parse_date

TODAY = dt.date(2025, 9, 1)
MARCH_4 = dt.date(2011, 3, 4)


@pytest.mark.parametrize("text", [
    "2011-03-04", "2011/03/04", "03/04/2011", "3/4/11", "3/4/2011", "03-04-2011",
    "March 4, 2011", "Mar 4 2011", "Mar. 4th, 2011", "4 March 2011", "4-Mar-2011",
    "2011-03-04 00:00:00", "2011-03-04T00:00:00", "20110304",
])
def test_parse_date_formats(text):
    assert parse_date(text, today=TODAY) == MARCH_4


def test_parse_date_order():
    assert parse_date("04/03/2011", "DMY", today=TODAY) == MARCH_4
    assert parse_date("13/04/2011", "MDY", today=TODAY) == dt.date(2011, 4, 13)
    assert parse_date("3/4/98", today=TODAY) == dt.date(1998, 3, 4)


@pytest.mark.parametrize("text", ["", "13/13/2011", "2011-02-30", "hello", "12345",
                                  "3/4", "1899-01-01", "2999-01-01", "Marchy 4, 2011"])
def test_parse_date_rejects(text):
    assert parse_date(text, today=TODAY) is None


def test_find_dates_in_text_with_ambiguity():
    hits = find_dates("born 03/04/2011, seen March 4, 2011 and 2011-03-04.", today=TODAY)
    assert [h.dates for h in hits] == [
        (MARCH_4, dt.date(2011, 4, 3)), (MARCH_4,), (MARCH_4,)]
    assert [h.start for h in hits] == [5, 22, 40]


def test_find_dates_ignores_numbers_that_are_not_dates():
    assert find_dates("order 1234-56-7890, ratio 3/45/2011, v1.2.3, 13/13/13", today=TODAY) == []
