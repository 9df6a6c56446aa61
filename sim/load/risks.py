"""Validation of the ``risks`` section: the risk register (delays, money freezes and cuts, capacity cuts).

Probabilities are per run; windows and delays are in days since the start.
"""

from __future__ import annotations

import datetime as dt

from .. import calendar as cal
from ..distributions import Distribution, Fixed
from ..errors import Path_
from ..scenario import Milestone, Risk
from . import money, production
from .checks import Checker, needs_source, plain
from .milestones import selected

RISK_KEYS = ("title", "probability", "window", "delay", "affects", "freeze", "cut", "capacity_cut", "source")
_MONEY_KEYS = ("freeze", "cut", "capacity_cut")


def risk(risk_id: str, raw: dict, check: Checker, start: dt.date, horizon_days: float, milestones: list[Milestone],
         tags_in_use: set[str], fund_list=(), line_ids=()) -> Risk | None:
    """One risk of the register, or None when it has problems (recorded in ``check``)."""
    path = ("risks", risk_id)
    check.unknown_keys(raw, RISK_KEYS, path, "a risk")
    probability = _probability(raw, path, check)
    freeze, cut, cut_share = money.risk_money(raw, path, check, list(fund_list))
    capacity_cut, capacity_share = production.risk_capacity(raw, path, check, list(line_ids))
    delay = _delay(raw, path, check)
    ok, window, window_text = _window(raw, path, check, start, horizon_days)
    ids: list[str] = []
    ok = _affects(raw, path, check, milestones, tags_in_use, ids) and ok and probability is not None
    ids = [i for i in ids if next(m for m in milestones if m.id == i).done_on is None]  # observed: never delayed
    source = needs_source(raw, path, check, "risk")
    if not ok or delay is None or probability is None:
        return None
    title = check.text(raw.get("title"), path + ("title",), default=risk_id)
    if ("cut" in raw and cut_share is None) or ("freeze" in raw and not freeze) or \
            ("capacity_cut" in raw and (capacity_share is None or not capacity_cut)):
        return None
    return Risk(risk_id, title, probability, delay, tuple(ids), window, window_text, source, freeze, cut, cut_share,
                capacity_cut, capacity_share)


def _probability(raw: dict, path: Path_, check: Checker) -> float | None:
    probability = raw.get("probability")
    try:
        number = plain(probability)
        if not 0 <= number <= 1:
            raise ValueError(f"found {number}; expected a probability 0 ≤ p ≤ 1")
    except ValueError as exc:
        check.add(path + ("probability",), str(exc) if probability is not None else "missing; expected a probability 0 ≤ p ≤ 1")
        return None
    return number


def _delay(raw: dict, path: Path_, check: Checker) -> Distribution | None:
    """The delay a risk causes (days); a pure cut of money has none (zero)."""
    if "cut" in raw and "affects" not in raw and "freeze" not in raw and "capacity_cut" not in raw:
        return check.distribution(raw["delay"], path + ("delay",), duration=True) if "delay" in raw else Fixed(0.0)
    if "delay" not in raw:
        check.add(path, "missing 'delay'; expected a duration distribution, e.g. {triangular: {min: 1 month, mode: 2 "
                        "months, max: 6 months}}")
        return None
    return check.distribution(raw["delay"], path + ("delay",), duration=True)


def _window(raw: dict, path: Path_, check: Checker, start: dt.date,
            horizon_days: float) -> tuple[bool, tuple[float, float] | None, str]:
    """Whether the window is good, and the window in days clipped to the simulated span, with its text."""
    if "window" not in raw:
        return True, None, ""
    w = raw["window"]
    if not isinstance(w, dict) or set(w) != {"from", "to"}:
        check.add(path + ("window",), f"found {w!r}; expected {{from: DATE, to: DATE}}")
        return False, None, ""
    first = check.period(w["from"], path + ("window", "from"))
    last = check.period(w["to"], path + ("window", "to"))
    if not (first and last):
        return False, None, ""
    if first.first > last.last:
        check.add(path + ("window",), f"found from {first} to {last}: 'from' is after 'to'; expected from ≤ to")
        return False, None, ""
    lo = max(cal.day_offset(first.first, start), 0.0)
    hi = min(cal.deadline_time(last.last, start), horizon_days)
    if lo >= hi:
        check.add(path + ("window",), f"found {first} to {last}, which leaves no time between the start and the horizon")
        return False, (lo, hi), f"{first}..{last}"
    return True, (lo, hi), f"{first}..{last}"


def _affects(raw: dict, path: Path_, check: Checker, milestones: list[Milestone], tags_in_use: set[str],
             ids: list[str]) -> bool:
    """Whether ``affects`` is good; the milestones it names are appended to ``ids``."""
    affects = raw.get("affects")
    if affects is None and any(k in raw for k in _MONEY_KEYS):
        return True  # a money risk need not delay milestones directly
    if not isinstance(affects, dict) or not set(affects) <= {"milestones", "tags"} or not affects:
        check.add(path + ("affects",), f"found {affects!r}; expected {{milestones: [ids], tags: [tags]}} (either or both)")
        return False
    ids.extend(selected(affects, lambda *rest: path + ("affects",) + rest, check, milestones, tags_in_use))
    return True
