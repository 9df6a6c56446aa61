"""Shocks as pure functions Scenario → Scenario.

Delays, scales of durations, forced risks, freezes and cuts of pools, capacity factors of lines.

The loader applies a delay scenario's ``shocks:`` with them (to the scenario it builds without them), sweeps and
scripted what-ifs apply them to a loaded scenario: one implementation for both. Each returns a new scenario and
leaves its argument unchanged. Times are days since the scenario's start.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence

from .distributions import Distribution, Fixed
from .errors import did_you_mean
from .scenario import CapacityFactor, Freeze, Milestone, Scenario, Shift, Shock

WHOLE_RUN = (0.0, math.inf)  # a window (from day, to day) that covers every simulated day


def milestone_ids(milestones: Iterable[Milestone], ids: Iterable[str] = (), tags: Iterable[str] = ()) -> list[str]:
    """Ids of the milestones named by ``ids`` and by ``tags`` (every milestone carrying one), each once.

    The ids come first in the order given, then the tagged milestones in scenario order, tag by tag. Unknown ids
    and tags are the caller's to report; they select nothing here.
    """
    milestones = list(milestones)
    known = {m.id for m in milestones}
    out: list[str] = []
    for mid in ids:
        if mid in known and mid not in out:
            out.append(mid)
    for tag in tags:
        out.extend(m.id for m in milestones if tag in m.tags and m.id not in out)
    return out


def select_milestones(scenario: Scenario, subject: str) -> list[str]:
    """Milestones named by ``subject``: a milestone id, or a tag (all milestones carrying it).

    Raises
    ------
    ValueError
        When ``subject`` is neither, with the closest id or tag.
    """
    ids = [m.id for m in scenario.milestones]
    if subject in ids:
        return [subject]
    tagged = milestone_ids(scenario.milestones, tags=[subject])
    if not tagged:
        tags = sorted({t for m in scenario.milestones for t in m.tags})
        raise ValueError(f"'{subject}' is neither a milestone nor a tag of this scenario"
                         f"{did_you_mean(subject, ids + tags)}")
    return tagged


def select_pools(scenario: Scenario, subject: str) -> list[str]:
    """Pools named by ``subject``: a fund (all its pools) or one pool."""
    pools = {f.id: [p for p, _ in f.pools] for f in scenario.funds if not f.is_flow}
    every = [p for ps in pools.values() for p in ps]
    if subject in pools:
        return pools[subject]
    if subject in every:
        return [subject]
    raise ValueError(f"'{subject}' is not a fund or pool of this scenario{did_you_mean(subject, list(pools) + every)}")


def select_lines(scenario: Scenario, subject: str) -> list[str]:
    """The production line named by ``subject``, as a list of one id."""
    ids = [line.id for line in scenario.lines]
    if subject in ids:
        return [subject]
    raise ValueError(f"'{subject}' is not a production line of this scenario{did_you_mean(subject, ids)}")


def with_delay(scenario: Scenario, milestones: Sequence[str], days: float | Distribution,
               name: str = "sweep:delay") -> Scenario:
    """``scenario`` with the completion of ``milestones`` postponed by ``days``.

    ``days`` is a number of days, or a distribution of them (one draw per replication, shared by every milestone
    postponed); ``name`` is the input name of that draw (``shock:N:delay`` for the N-th shock of a file).
    """
    delay = Fixed(float(days)) if isinstance(days, (int, float)) else days
    shift = Shift(name, delay, tuple(milestones))
    return dataclasses.replace(scenario, shifts=scenario.shifts + (shift,))


def with_scale(scenario: Scenario, milestones: Sequence[str], factor: float) -> Scenario:
    """``scenario`` with the durations of ``milestones`` multiplied by ``factor``."""
    chosen = set(milestones)
    return dataclasses.replace(scenario, milestones=tuple(
        dataclasses.replace(m, scale=m.scale * factor) if m.id in chosen else m for m in scenario.milestones))


def with_risk(scenario: Scenario, risk: str, occurs: bool) -> Scenario:
    """``scenario`` with the risk ``risk`` forced to occur (probability 1) or ruled out (probability 0)."""
    probability = 1.0 if occurs else 0.0
    return dataclasses.replace(scenario, risks=tuple(
        dataclasses.replace(r, probability=probability) if r.id == risk else r for r in scenario.risks))


def with_cut(scenario: Scenario, pools: Sequence[str], share: float) -> Scenario:
    """``scenario`` with the envelopes of ``pools`` cut by ``share`` (0–1) from the start."""
    chosen = set(pools)
    funds = tuple(dataclasses.replace(f, pools=tuple((p, w * (1 - share)) if p in chosen else (p, w) for p, w in f.pools))
                  for f in scenario.funds)
    return dataclasses.replace(scenario, funds=funds)


def with_freeze(scenario: Scenario, pools: Sequence[str], window: tuple[float, float]) -> Scenario:
    """``scenario`` with no commitment from ``pools`` between the days ``window = (from, to)``."""
    lo, hi = window
    return dataclasses.replace(scenario, freezes=scenario.freezes + tuple(Freeze(p, lo, hi) for p in pools))


def with_capacity(scenario: Scenario, lines: Sequence[str], factor: float,
                  window: tuple[float, float] = WHOLE_RUN) -> Scenario:
    """``scenario`` with the capacity of ``lines`` multiplied by ``factor`` between the days ``window``.

    By default for the whole run.
    """
    lo, hi = window
    extra = tuple(CapacityFactor(line, float(factor), lo, hi) for line in lines)
    return dataclasses.replace(scenario, capacity_factors=scenario.capacity_factors + extra)


def noted(scenario: Scenario, shock: Shock) -> Scenario:
    """``scenario`` with ``shock`` added to the record of its shocks (as reports show them)."""
    return dataclasses.replace(scenario, shocks=scenario.shocks + (shock,))


SWEEPS: dict[str, tuple[Callable[..., list[str]], Callable[..., Scenario]]] = {  # kind → (select the subject, apply a value)
    "delay": (select_milestones, with_delay),
    "scale": (select_milestones, with_scale),
    "cut": (select_pools, with_cut),
    "capacity": (select_lines, with_capacity),
}
