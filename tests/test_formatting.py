"""How numbers, dates and statuses read: percentages that never contradict their RAG status, intervals, dates,
signed effects with a true minus sign, and thresholds checked with a message that says what was found."""

import datetime as dt

import numpy as np
import pytest

from sim.formatting import (
    DEFAULT_THRESHOLDS,
    MINUS,
    check_thresholds,
    fmt_date,
    iso,
    pct,
    pct_range,
    rag_status,
    signed,
    target_status,
)


@pytest.mark.parametrize(("p", "expected"), [(0, "0 %"), (-0.1, "0 %"), (1, "100 %"), (1.2, "100 %"), (0.004, "< 1 %"),
                                             (0.996, "> 99 %"), (0.234, "23 %"), (0.5, "50 %")])
def test_pct(p, expected):
    assert pct(p) == expected


def test_pct_keeps_a_decimal_rather_than_contradict_the_status():
    assert pct(0.796) == "80 %"
    assert rag_status(0.796) == "AMBER"
    assert pct(0.796, DEFAULT_THRESHOLDS) == "79.6 %"  # '80 %' beside AMBER would contradict it
    assert pct(0.804, DEFAULT_THRESHOLDS) == "80 %"
    assert pct(0.4999, DEFAULT_THRESHOLDS) == "49.9 %"


def test_pct_range_shows_a_decimal_when_the_interval_is_narrow():
    assert pct_range(0.21, 0.25) == "21–25 %"
    assert pct_range(0.211, 0.219) == "21.1–21.9 %"


@pytest.mark.parametrize(("p", "status"), [(0.8, "GREEN"), (0.79, "AMBER"), (0.5, "AMBER"), (0.49, "RED"), (0, "RED")])
def test_rag_status(p, status):
    assert rag_status(p) == status


def test_target_status_says_met_or_missed_for_a_fact():
    assert target_status(0.1, "met") == "MET"
    assert target_status(0.9, "missed") == "MISSED"
    assert target_status(0.9, "open") == "GREEN"
    assert target_status(0.6, thresholds=(0.9, 0.7)) == "RED"


@pytest.mark.parametrize("bad", [(0.5, 0.8), (1.2, 0.5), (0.8,), "high", None, (0.8, -0.1)])
def test_bad_thresholds_say_what_was_found(bad):
    with pytest.raises(ValueError, match="found"):
        check_thresholds(bad)


def test_check_thresholds_returns_floats():
    assert check_thresholds(np.array([0.9, 0.6])) == (0.9, 0.6)
    assert all(isinstance(x, float) for x in check_thresholds([1, 0]))


def test_dates():
    d = dt.date(2027, 12, 31)
    assert fmt_date(d) == "31 Dec 2027"
    assert fmt_date(dt.date(2027, 3, 5)) == "5 Mar 2027"
    assert fmt_date(d, nbsp=True) == "31\u00a0Dec\u00a02027"
    assert iso("2027-12-31") == d
    assert iso(d) == d
    for empty in (None, "", float("nan")):
        assert iso(empty) is None  # beyond the horizon, or no deadline


def test_signed_uses_a_true_minus_and_no_sign_for_zero():
    assert signed(12.4, " pp") == "+12 pp"
    assert signed(-3, " pp") == f"{MINUS}3 pp"
    assert signed(0.2, " pp") == "0 pp"
    assert signed(-0.04, " pp", 1) == "0 pp"
    assert signed(-1.25, "", 1) == f"{MINUS}1.2"
