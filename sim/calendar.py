"""Dates, periods and durations: the only place that converts between calendar and simulated time.

Simulated time is a float number of **days since 00:00 of the scenario's start date**. The time convention,
stated once here and used everywhere:

* a milestone done at time ``t`` is done on the date ``start + floor(t)``;
* a deadline date ``D`` is met when ``t <= (D - start) + 1``, i.e. at any time during day ``D``.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
import math
import re
from dataclasses import dataclass

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

DATE_FORMS = (
    "ISO date 2026-03-31, month 2026-11, quarter 2026-Q1, half 2026-H1, "
    "start-2026 (Q1), mid-2026 (Q2, ends 30 June), end-2026 (Q4)"
)
# Longer than any roadmap horizon by far; beyond it a duration is a typo (and 1e308 years overflowed).
MAX_DURATION_YEARS = 1000
DURATION_FORMS = "a number and a unit: '45 days', '6 weeks', '3 months', '1.5 years'"

_UNIT_DAYS = {
    "day": 1.0,
    "days": 1.0,
    "week": 7.0,
    "weeks": 7.0,
    "month": DAYS_PER_MONTH,
    "months": DAYS_PER_MONTH,
    "year": DAYS_PER_YEAR,
    "years": DAYS_PER_YEAR,
}
UNITS = tuple(sorted(_UNIT_DAYS))

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_NAMED = re.compile(r"^(start|mid|end)-(\d{4})$")
_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([a-z]+)$")


class CalendarError(ValueError):
    """A date, period or duration that does not follow the grammar; the message says what is accepted."""


@dataclass(frozen=True)
class Period:
    """A closed range of calendar days ``[first, last]``; a single date is a period of one day."""

    first: dt.date
    last: dt.date
    text: str

    def __str__(self) -> str:
        return self.text


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _stdlib_calendar.monthrange(year, month)[1])


def parse_period(value: object) -> Period:
    """Parse a date or period written in the strict grammar.

    Parameters
    ----------
    value : str or datetime.date
        ``2026-03-31``, ``2026-11``, ``2026-Q1``, ``2026-H1``, ``start-2026``, ``mid-2026`` or
        ``end-2026``. YAML turns unquoted ISO dates into ``datetime.date``; both are accepted.

    Returns
    -------
    Period
        The first and last day of the period.

    Raises
    ------
    CalendarError
        For anything else, listing the accepted forms.
    """
    if isinstance(value, dt.datetime):
        raise CalendarError(f"found a date with a time of day '{value}'; expected {DATE_FORMS}")
    if isinstance(value, dt.date):
        return Period(value, value, value.isoformat())
    if not isinstance(value, str):
        raise CalendarError(f"found {value!r}; expected {DATE_FORMS}")
    text = value.strip()
    try:
        if m := _ISO.match(text):
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            return Period(day, day, text)
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            return Period(dt.date(year, month, 1), _month_end(year, month), text)
        if m := _QUARTER.match(text):
            year, q = int(m[1]), int(m[2])
            return Period(dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q), text)
        if m := _HALF.match(text):
            year, h = int(m[1]), int(m[2])
            return Period(dt.date(year, 6 * h - 5, 1), _month_end(year, 6 * h), text)
        if m := _NAMED.match(text):
            year = int(m[2])
            quarter = {"start": 1, "mid": 2, "end": 4}[m[1]]
            return Period(dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter), text)
    except ValueError as exc:  # e.g. 2026-02-30 or month 13
        raise CalendarError(f"found '{text}', which is not a real date ({exc})") from None
    raise CalendarError(f"found '{text}'; expected {DATE_FORMS}")


def parse_duration(value: object) -> float:
    """Parse a duration with its unit into days.

    Parameters
    ----------
    value : str
        ``'45 days'``, ``'6 weeks'``, ``'3 months'`` (365.25/12 days each), ``'1.5 years'`` (365.25 days).

    Returns
    -------
    float
        The duration in days (≥ 0).
    """
    if isinstance(value, bool) or not isinstance(value, str):
        raise CalendarError(f"found {value!r} without a unit; expected {DURATION_FORMS}")
    m = _DURATION.match(value.strip().lower())
    if not m or m[2] not in _UNIT_DAYS:
        raise CalendarError(f"found '{value}'; expected {DURATION_FORMS}")
    return to_days(float(m[1]), m[2])


def to_days(amount: float, unit: str) -> float:
    """``amount`` of ``unit`` in days, checked: finite, and at most :data:`MAX_DURATION_YEARS` long.

    The one check for every duration however it is written (``'3 months'`` or ``{value: 3, unit: months}``).
    """
    days = float(amount) * unit_days(unit)
    if not math.isfinite(days) or abs(days) > MAX_DURATION_YEARS * DAYS_PER_YEAR:
        raise CalendarError(f"found {amount:g} {unit}; expected a duration of at most {MAX_DURATION_YEARS} years")
    return days


def unit_days(unit: str) -> float:
    """Days in one ``unit`` (``day``, ``week``, ``month``, ``year``, singular or plural)."""
    if unit not in _UNIT_DAYS:
        raise CalendarError(f"found unit '{unit}'; expected one of {', '.join(UNITS)}")
    return _UNIT_DAYS[unit]


def day_offset(date: dt.date, start: dt.date) -> float:
    """Simulated time (days) of 00:00 on ``date``."""
    return float((date - start).days)


def deadline_time(deadline: dt.date, start: dt.date) -> float:
    """The latest simulated time that meets ``deadline``: the end of that day, ``(D - start) + 1``."""
    return float((deadline - start).days + 1)


def meets(t: float, deadline: dt.date, start: dt.date) -> bool:
    """Whether an event at simulated time ``t`` (days) meets the deadline date ``deadline``."""
    return t <= deadline_time(deadline, start)


def date_of(t: float, start: dt.date) -> dt.date | None:
    """Calendar date of simulated time ``t`` (``start + floor(t)``); ``None`` for a censored (infinite) time."""
    if not math.isfinite(t):
        return None
    return start + dt.timedelta(days=math.floor(t))
