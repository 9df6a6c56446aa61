"""Validation of ``shocks``: the changes a delay scenario makes against the scenario it extends.

``delay`` postpones milestones, ``scale`` multiplies their durations, ``risk`` forces a risk on or off,
``freeze`` stops commitments from pools for a period, ``cut`` shrinks pools' envelopes and ``capacity``
multiplies a line's capacity (for a period, or the whole run). Each valid shock becomes a change made by one
of the pure functions of :mod:`sim.shocks`, applied by :func:`apply` to the scenario built without shocks: the
same implementation as sweeps use. Windows are in days since the start.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from .. import calendar as cal
from .. import names
from .. import shocks as change
from ..errors import Path_, did_you_mean
from ..scenario import Fund, Milestone, Risk, Scenario, Shock
from .checks import Checker, needs_source, plain
from .milestones import selected
from .money import resolve_pools

SHOCK_FORMS = ("{delay: MILESTONE or {milestones: [...], tags: [...]}, by: DURATION or distribution}, "
               "{scale: MILESTONE or {milestones: [...], tags: [...]}, factor: NUMBER}, "
               "{risk: RISK, occurs: true or false}, {freeze: FUND or POOL, from: DATE, to: DATE}, "
               "{cut: FUND or POOL, share: 0.2}, {capacity: LINE, factor: 0.8[, from: DATE, to: DATE]}")
SHOCK_KEYS = {"delay": ("delay", "by", "source"), "scale": ("scale", "factor", "source"),
              "risk": ("risk", "occurs", "source"), "freeze": ("freeze", "from", "to", "source"),
              "cut": ("cut", "share", "source"), "capacity": ("capacity", "factor", "from", "to", "source")}


@dataclass(frozen=True)
class Context:
    """What shocks may refer to: the scenario's elements before any shock, and its span (days)."""

    milestones: list[Milestone]
    risks: list[Risk]
    tags: set[str]
    funds: list[Fund]
    lines: list[str]
    start: dt.date
    horizon_days: float


@dataclass(frozen=True)
class ValidShock:
    """A checked shock: how reports describe it, and the change it makes."""

    record: Shock
    change: Callable[[Scenario], Scenario]


def shocks(raw, check: Checker, context: Context) -> list[ValidShock]:
    """Check the ``shocks`` list; every valid shock, in file order (the others are reported in ``check``)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add(("shocks",), f"found {type(raw).__name__}; expected a list of shocks: {SHOCK_FORMS}")
        return []
    out = []
    for i, shock in enumerate(raw):
        path = ("shocks", i)
        kinds = [k for k in SHOCK_KEYS if isinstance(shock, dict) and k in shock]
        if len(kinds) != 1:
            check.add(path, f"found {shock!r}; expected one of {SHOCK_FORMS}")
            continue
        kind = kinds[0]
        check.unknown_keys(shock, SHOCK_KEYS[kind], path, f"a {kind} shock")
        source = needs_source(shock, path, check, "shock")
        found = _CHECKS[kind](shock, path, check, context, i)
        if found is not None:
            description, how = found
            out.append(ValidShock(Shock(kind, description, source), how))
    return out


def apply(scenario: Scenario, valid: list[ValidShock]) -> Scenario:
    """``scenario`` with every shock applied in file order, and recorded."""
    for shock in valid:
        scenario = change.noted(shock.change(scenario), shock.record)
    return scenario


_Found = tuple[str, Callable[[Scenario], Scenario]] | None


def _risk(shock: dict, path: Path_, check: Checker, context: Context, index: int) -> _Found:
    known = [r.id for r in context.risks]
    rid, occurs = shock["risk"], shock.get("occurs")
    if not isinstance(rid, str) or rid not in known:
        check.add(path + ("risk",), f"unknown risk {rid!r}{did_you_mean(rid, known)}")
        return None
    if not isinstance(occurs, bool):
        check.add(path + ("occurs",), f"found {occurs!r}; expected true (force it to occur) or false (rule it out)")
        return None
    return (f"risk {rid} forced to {'occur' if occurs else 'not occur'}",
            functools.partial(change.with_risk, risk=rid, occurs=occurs))


def _capacity(shock: dict, path: Path_, check: Checker, context: Context, index: int) -> _Found:
    line = shock["capacity"]
    if not isinstance(line, str) or line not in context.lines:
        check.add(path + ("capacity",), f"unknown line {line!r}{did_you_mean(line, context.lines)}")
        return None
    factor = _factor(shock, path, check, "a capacity factor")
    if factor is None:
        return None
    window = change.WHOLE_RUN
    if "from" in shock or "to" in shock:
        found = _window(shock, path, check, context, clip=False)
        if found is None:
            return None
        window = found
    when = "" if window[1] == float("inf") else f" from {shock['from']} to {shock['to']}"
    return (f"capacity of {line} × {factor:g}{when}",
            functools.partial(change.with_capacity, lines=[line], factor=factor, window=window))


def _freeze(shock: dict, path: Path_, check: Checker, context: Context, index: int) -> _Found:
    pools = resolve_pools(shock["freeze"], path + ("freeze",), check, context.funds)
    first = check.period(shock.get("from"), path + ("from",))
    last = check.period(shock.get("to"), path + ("to",))
    if not (pools and first and last):
        return None
    window = _window(shock, path, check, context, clip=True, periods=(first, last))
    if window is None:
        return None
    return (f"{', '.join(pools)} frozen from {first} to {last}",
            functools.partial(change.with_freeze, pools=pools, window=window))


def _cut(shock: dict, path: Path_, check: Checker, context: Context, index: int) -> _Found:
    pools = resolve_pools(shock["cut"], path + ("cut",), check, context.funds)
    try:
        share = plain(shock.get("share"))
        if not 0 <= share <= 1:
            raise ValueError(f"found {share}; a cut is a share between 0 and 1")
    except ValueError as exc:
        check.add(path + ("share",), str(exc))
        return None
    return f"{', '.join(pools)} cut by {share:.0%}", functools.partial(change.with_cut, pools=pools, share=share)


def _delay(shock: dict, path: Path_, check: Checker, context: Context, index: int) -> _Found:
    ids = _select(shock["delay"], path + ("delay",), check, context)
    if "by" not in shock:
        check.add(path, "missing 'by'; expected a duration such as 6 months, or a duration distribution")
        return None
    delay = check.distribution(shock["by"], path + ("by",), duration=True)
    if delay is None or not ids:
        return None
    what = shock["by"] if isinstance(shock["by"], str) else "a drawn delay"
    return (f"{', '.join(ids)} delayed by {what}",
            functools.partial(change.with_delay, milestones=ids, days=delay, name=names.shock(index)))


def _scale(shock: dict, path: Path_, check: Checker, context: Context, index: int) -> _Found:
    ids = _select(shock["scale"], path + ("scale",), check, context)
    factor = _factor(shock, path, check, "a duration factor")
    if factor is None:
        return None
    return (f"durations of {', '.join(ids)} scaled by {factor:g}",
            functools.partial(change.with_scale, milestones=ids, factor=factor))


_CHECKS = {"delay": _delay, "scale": _scale, "risk": _risk, "freeze": _freeze, "cut": _cut, "capacity": _capacity}


def _factor(shock: dict, path: Path_, check: Checker, what: str) -> float | None:
    """The shock's ``factor``: a number ≥ 0 (None, with the problem recorded, otherwise)."""
    try:
        factor = plain(shock.get("factor"))
        if factor < 0:
            raise ValueError(f"found {factor}; {what} cannot be negative")
    except ValueError as exc:
        check.add(path + ("factor",), str(exc))
        return None
    return factor


def _window(shock: dict, path: Path_, check: Checker, context: Context, clip: bool,
            periods=None) -> tuple[float, float] | None:
    """``from``/``to`` as days since the start (``clip``: cut at the horizon), or None after a problem."""
    if periods is None:
        periods = (check.period(shock.get("from"), path + ("from",)), check.period(shock.get("to"), path + ("to",)))
    first, last = periods
    if not (first and last):
        return None
    if first.first > last.last:  # a capacity window the wrong way round was a silent no-op; it is refused too
        check.add(path, f"found from {first} to {last}: 'from' is after 'to'; expected from ≤ to")
        return None
    lo, hi = max(cal.day_offset(first.first, context.start), 0.0), cal.deadline_time(last.last, context.start)
    if not clip:
        return lo, hi
    hi = min(hi, context.horizon_days)
    if lo >= hi:
        check.add(path, f"found {first} to {last}, which leaves no time between the start and the horizon")
        return None
    return lo, hi


def _select(raw, path: Path_, check: Checker, context: Context) -> list[str]:
    """Milestone ids named by a shock's selector: an id, or {milestones: [...], tags: [...]}."""
    if isinstance(raw, str):  # a plain id: reported at the key itself
        return selected({"milestones": [raw]}, lambda *_: path, check, context.milestones, context.tags)
    if not isinstance(raw, dict) or not raw or not set(raw) <= {"milestones", "tags"}:
        check.add(path, f"found {raw!r}; expected a milestone id or {{milestones: [ids], tags: [tags]}}")
        return []
    return selected(raw, lambda *rest: path + rest, check, context.milestones, context.tags)
