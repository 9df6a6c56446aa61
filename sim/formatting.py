"""How numbers, dates and statuses read in charts, tables and the briefing: one phrasing everywhere."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd

DEFAULT_THRESHOLDS = (0.8, 0.5)  # (green, amber): GREEN at >= 80 %, AMBER at >= 50 %, else RED
MINUS = "\u2212"  # a true minus sign


def target_status(p: float, status: str = "open", thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> str:
    """``MET`` or ``MISSED`` for a target the facts of a status date resolved, else the RAG status of ``p``."""
    if status in ("met", "missed"):
        return status.upper()
    return rag_status(p, thresholds)


def rag_status(p: float, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> str:
    """RAG status of a probability.

    Parameters
    ----------
    p : float
        Probability of meeting a deadline, in [0, 1].
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)``: GREEN when ``p >= green``, AMBER when ``p >= amber``, else RED.

    Returns
    -------
    str
        ``"GREEN"``, ``"AMBER"`` or ``"RED"``.
    """
    green, amber = check_thresholds(thresholds)
    if p >= green:
        return "GREEN"
    if p >= amber:
        return "AMBER"
    return "RED"


def check_thresholds(thresholds: Sequence[float]) -> tuple[float, float]:
    """RAG thresholds ``(green, amber)`` as two probabilities with ``0 <= amber <= green <= 1``.

    Raises
    ------
    ValueError
        For anything else, saying what was found and what is expected.
    """
    try:
        green, amber = (float(x) for x in thresholds)
    except (TypeError, ValueError):
        raise ValueError(f"thresholds: found {thresholds!r}; expected two probabilities (green, amber) "
                         f"such as (0.8, 0.5)") from None
    if not 0 <= amber <= green <= 1:
        raise ValueError(f"thresholds: found green {green}, amber {amber}; need 0 <= amber <= green <= 1")
    return green, amber


def pct(p: float, thresholds: Sequence[float] | None = None) -> str:
    """A probability as a percentage for people: '23 %', '< 1 %', '> 99 %'.

    With ``thresholds``, a value that rounds onto a RAG boundary from below (79.6 % → '80 %' but AMBER) keeps
    one decimal, so the number never contradicts the status written beside it.
    """
    if p <= 0:
        return "0 %"
    if p >= 1:
        return "100 %"
    if p < 0.01:
        return "< 1 %"
    if p > 0.99:
        return "> 99 %"
    text = f"{p * 100:.0f} %"
    if thresholds is not None and rag_status(round(p, 2), thresholds) != rag_status(p, thresholds):
        text = f"{math.floor(p * 1000) / 10:.1f} %"
    return text


def pct_range(low: float, high: float) -> str:
    """A 95 % interval as '21–25 %'; one decimal when whole percentages would hide its width."""
    decimals = 1 if high - low < 0.02 else 0
    return f"{low * 100:.{decimals}f}–{high * 100:.{decimals}f} %"


def fmt_date(d: dt.date, nbsp: bool = False) -> str:
    """'31 Dec 2027' (``%-d`` is not portable); with ``nbsp`` the date never breaks across lines."""
    text = f"{d.day} {d:%b %Y}"
    return text.replace(" ", "\u00a0") if nbsp else text


def iso(value) -> dt.date | None:
    """An ISO date from a results table, or None for the empty / missing value (beyond the horizon, no deadline)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def signed(x: float, unit: str = "", decimals: int = 0) -> str:
    """'+12 pp', '−3 pp' (a true minus sign), '0 pp'."""
    text = f"{abs(x):.{decimals}f}"
    if float(text) == 0:
        return f"0{unit}"
    return f"{'+' if x > 0 else MINUS}{text}{unit}"
