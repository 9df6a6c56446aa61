"""Shocks as pure functions Scenario → Scenario: a delay, a scale of durations, a cut of envelopes, a capacity factor.

Sweeps and scripted what-ifs apply them to a loaded scenario; each returns a new scenario and leaves its argument
unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .distributions import Fixed
from .errors import did_you_mean
from .scenario import Scenario, Shift


def with_delay(scenario: Scenario, milestones: Sequence[str], days: float) -> Scenario:
    """``scenario`` with the completion of ``milestones`` postponed by exactly ``days``."""
    shift = Shift("sweep:delay", Fixed(float(days)), tuple(milestones))
    return dataclasses.replace(scenario, shifts=scenario.shifts + (shift,))


def with_scale(scenario: Scenario, milestones: Sequence[str], factor: float) -> Scenario:
    """``scenario`` with the durations of ``milestones`` multiplied by ``factor``."""
    chosen = set(milestones)
    return dataclasses.replace(scenario, milestones=tuple(
        dataclasses.replace(m, scale=m.scale * factor) if m.id in chosen else m for m in scenario.milestones))


def with_cut(scenario: Scenario, pools: Sequence[str], share: float) -> Scenario:
    """``scenario`` with the envelopes of ``pools`` cut by ``share`` (0–1) from the start."""
    chosen = set(pools)
    funds = tuple(dataclasses.replace(f, pools=tuple((p, w * (1 - share)) if p in chosen else (p, w) for p, w in f.pools))
                  for f in scenario.funds)
    return dataclasses.replace(scenario, funds=funds)


def with_capacity(scenario: Scenario, lines: Sequence[str], factor: float) -> Scenario:
    """``scenario`` with the capacity of ``lines`` multiplied by ``factor`` for the whole run."""
    extra = tuple((line, float(factor), 0.0, float("inf")) for line in lines)
    return dataclasses.replace(scenario, capacity_factors=scenario.capacity_factors + extra)


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
    ids = [line.id for line in scenario.lines]
    if subject in ids:
        return [subject]
    raise ValueError(f"'{subject}' is not a production line of this scenario{did_you_mean(subject, ids)}")


SWEEPS = {  # kind → (how to select the subject, how to apply a value)
    "delay": (lambda sc, x: select_milestones(sc, x), lambda sc, ids, v: with_delay(sc, ids, v)),
    "scale": (lambda sc, x: select_milestones(sc, x), lambda sc, ids, v: with_scale(sc, ids, v)),
    "cut": (lambda sc, x: select_pools(sc, x), lambda sc, ids, v: with_cut(sc, ids, v)),
    "capacity": (lambda sc, x: select_lines(sc, x), lambda sc, ids, v: with_capacity(sc, ids, v)),
}


def select_milestones(scenario: Scenario, subject: str) -> list[str]:
    """Milestones named by ``subject``: a milestone id, or a tag (all milestones carrying it)."""
    ids = [m.id for m in scenario.milestones]
    if subject in ids:
        return [subject]
    tagged = [m.id for m in scenario.milestones if subject in m.tags]
    if not tagged:
        tags = sorted({t for m in scenario.milestones for t in m.tags})
        raise ValueError(f"'{subject}' is neither a milestone nor a tag of this scenario"
                         f"{did_you_mean(subject, ids + tags)}")
    return tagged
