import datetime as dt

import pytest

from sim import calendar as cal


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026-03-31", "2026-03-31", "2026-03-31"),
    ("2026-02", "2026-02-01", "2026-02-28"),
    ("2028-02", "2028-02-01", "2028-02-29"),  # leap year
    ("2026-Q1", "2026-01-01", "2026-03-31"),
    ("2026-Q3", "2026-07-01", "2026-09-30"),
    ("2026-H1", "2026-01-01", "2026-06-30"),
    ("2026-H2", "2026-07-01", "2026-12-31"),
    ("start-2026", "2026-01-01", "2026-03-31"),
    ("mid-2026", "2026-04-01", "2026-06-30"),
    ("end-2026", "2026-10-01", "2026-12-31"),
])
def test_periods(text, first, last):
    p = cal.parse_period(text)
    assert (p.first.isoformat(), p.last.isoformat()) == (first, last)


def test_yaml_dates_are_accepted():
    assert cal.parse_period(dt.date(2026, 5, 1)).last == dt.date(2026, 5, 1)


@pytest.mark.parametrize("bad", ["2026", "Q1 2026", "2026-Q5", "2026-13", "2026-02-30", "spring 2026",
                                 "early-2026", 2026, None, "2026/03/31"])
def test_bad_periods_list_accepted_forms(bad):
    with pytest.raises(cal.CalendarError) as exc:
        cal.parse_period(bad)
    assert "2026-Q1" in str(exc.value) or "not a real date" in str(exc.value)


@pytest.mark.parametrize(("text", "days"), [
    ("45 days", 45.0), ("1 day", 1.0), ("6 weeks", 42.0), ("3 months", 3 * 365.25 / 12),
    ("1.5 years", 1.5 * 365.25), ("0 days", 0.0), (".5 years", 0.5 * 365.25),
])
def test_durations(text, days):
    assert cal.parse_duration(text) == pytest.approx(days, rel=1e-12)


@pytest.mark.parametrize("bad", ["45", 45, "3 fortnights", "-3 days", "three months", "3months2", True])
def test_bad_durations(bad):
    with pytest.raises(cal.CalendarError) as exc:
        cal.parse_duration(bad)
    assert "months" in str(exc.value)


def test_deadline_rule_end_of_day():
    start = dt.date(2026, 1, 1)
    deadline = dt.date(2026, 1, 31)
    # Day 30.0 is 00:00 on 31 January, day 31.0 its last instant: both meet; a moment later does not.
    assert cal.meets(30.0, deadline, start)
    assert cal.meets(31.0, deadline, start)
    assert not cal.meets(31.000001, deadline, start)
    assert cal.date_of(30.999, start) == deadline
    assert cal.date_of(31.0, start) == dt.date(2026, 2, 1)


def test_leap_day_and_censoring():
    start = dt.date(2028, 2, 27)
    assert cal.date_of(2.5, start) == dt.date(2028, 2, 29)
    assert cal.date_of(3.0, start) == dt.date(2028, 3, 1)
    assert cal.deadline_time(dt.date(2028, 3, 1), start) == 4.0
    assert cal.date_of(float("inf"), start) is None
