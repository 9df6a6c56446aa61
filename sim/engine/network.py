"""A scenario compiled to integer-indexed arrays for the engine (built once, shared by all replications)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .. import names as naming
from ..calendar import day_offset, deadline_time
from ..sampling import Inputs
from ..scenario import Scenario
from .columns import Columns, column_index
from .money import MoneyNetwork
from .production import LineNetwork


def month_starts(start: dt.date, horizon: dt.date) -> list[dt.date]:
    """The start date and the 1st of every following month up to the horizon: the monthly grid."""
    out = [start]
    nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    while nxt <= horizon:
        out.append(nxt)
        nxt = dt.date(nxt.year + nxt.month // 12, nxt.month % 12 + 1, 1)
    return out


def csr(groups) -> tuple[np.ndarray, np.ndarray]:
    """Compressed rows of a list of integer lists (``int64``): pointers (row ``i`` is ``idx[ptr[i]:ptr[i + 1]]``), indices."""
    ptr = np.zeros(len(groups) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(g) for g in groups])
    return ptr, np.array([x for g in groups for x in g], dtype=np.int64)


class RiskRecord(NamedTuple):
    """A risk as the engines see it."""

    windowed: bool  # occurs at a sampled time in its window; otherwise present from day 0
    affected: tuple[int, ...]  # milestones it delays


def observed_times(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Per milestone, its observed done time and when its money was committed by the facts (days; NaN: not).

    Both at midday of the observed date: done on that date, meeting a deadline on it but not the day before.
    A programme reported done without a commitment date was committed on its done date.
    """
    observed = np.full(len(scenario.milestones), np.nan)
    commit = np.full(len(scenario.milestones), np.nan)
    for i, m in enumerate(scenario.milestones):
        if m.done_on is not None:
            observed[i] = day_offset(m.done_on, scenario.start) + 0.5
        day = m.committed_on or (m.done_on if m.funding else None)
        if day is not None and m.funding:
            commit[i] = day_offset(day, scenario.start) + 0.5
    return observed, commit


@dataclass(frozen=True)
class Network:
    """The milestone network, risks and drivers of a scenario, by index.

    Attributes
    ----------
    ids : tuple of str
        Milestone ids; index ``i`` everywhere below refers to ``ids[i]``.
    deps : tuple of tuple of int
        Dependencies of each milestone.
    need : tuple of int
        How many dependencies must be done (``len(deps)`` for all-of, 1 for any-of, k for k-of-n).
    observed : numpy.ndarray
        Observed completion time (days) of milestones with ``status: done on``, NaN otherwise.
    durations : Columns
        Where each milestone's duration (days) is: a sampled column, or a constant (0 for an observed
        milestone or one without duration, the value of a fixed duration).
    driver_factors : numpy.ndarray
        ``(pairs, 2)`` (milestone index, input column): the drivers scaling each milestone's duration, in the
        order they multiply it.
    risks : tuple of RiskRecord
        Per risk: whether it has a window, and the milestones it affects.
    risk_occurs, risk_delay, risk_time : Columns
        Per risk: occurrence (0/1), delay (days) and time (days; constant 0 for a risk without a window).
    scale : numpy.ndarray
        Duration multiplier of each milestone from ``scale`` shocks.
    shifts : tuple of tuple of int
        Milestones affected by each ``delay`` shock; ``shift_days`` their days.
    horizon : float
        End of the simulated span (days).
    """

    ids: tuple[str, ...]
    deps: tuple[tuple[int, ...], ...]
    need: tuple[int, ...]
    observed: np.ndarray
    durations: Columns
    driver_factors: np.ndarray
    risks: tuple[RiskRecord, ...]
    risk_occurs: Columns
    risk_delay: Columns
    risk_time: Columns
    scale: np.ndarray
    shifts: tuple[tuple[int, ...], ...]  # milestones affected by each ``delay`` shock
    shift_days: Columns  # days of each ``delay`` shock
    input_names: tuple[str, ...]  # the sampled inputs the columns refer to, in sampling order
    horizon: float
    money: MoneyNetwork | None = None
    lines: LineNetwork | None = None
    observables: tuple[str, ...] = ()
    monthly: np.ndarray = field(default_factory=lambda: np.zeros(0))  # days of the 1st of each month
    monthly_dates: tuple[str, ...] = ()
    weekly: np.ndarray = field(default_factory=lambda: np.zeros(0))  # every 7 days to the horizon
    indicator_targets: tuple[tuple[str, str, float, float | None], ...] = ()  # (target, observable, threshold,
    # deadline time for "holds at the deadline" targets, None for "first reaches")
    gated: tuple[bool, ...] = ()  # milestones done when a metric reaches a value (set after the run)
    gates: tuple[tuple[int, str, float], ...] = ()  # (milestone, observable, threshold)
    # Earliest time each milestone may be done (days): just after the end of the status date for a milestone not
    # reported done (it is not done by as_of), 0 otherwise. The engines wait until then after its duration and
    # deliveries, before consuming its risk delays (so a risk hitting during the wait still delays it).
    floor: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # When a programme's money was committed by the facts (days; NaN: by the model): it is then committed at
    # that time, whatever the pool holds, and its work runs from there (docs/status-date.md).
    commit_observed: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self):
        if len(self.floor) != len(self.ids):  # built without a status date: no floor (0 changes nothing)
            object.__setattr__(self, "floor", np.zeros(len(self.ids)))
        if len(self.commit_observed) != len(self.ids):
            object.__setattr__(self, "commit_observed", np.full(len(self.ids), np.nan))

    risk_ids: tuple[str, ...] = ()  # id of each risk (for traces; names are never split back)

    @classmethod
    def of(cls, scenario: Scenario) -> Network:
        """The network of ``scenario``: milestones, risks, money and lines by index, input columns compiled."""
        months = month_starts(scenario.start, scenario.horizon)
        ids = tuple(m.id for m in scenario.milestones)
        index = {m: i for i, m in enumerate(ids)}
        observed, commit_observed = observed_times(scenario)
        input_names = tuple(name for name, _ in scenario.inputs())
        column = column_index(input_names)
        # An observed date replaces the duration, whatever its distribution (its own or inherited through
        # `extends`): it is not an input, so there is no column to read (issue 12's traceback). A programme done
        # keeps as its planned work the observed time from commitment to done (its payments follow it).
        durations = Columns.compile(column, (
            (naming.duration(m.id), None if m.done_on is not None else m.duration,
             float(observed[i] - commit_observed[i]) if m.done_on is not None and m.funding else 0.0)
            for i, m in enumerate(scenario.milestones)))
        driver_factors = np.array([(i, column[naming.driver(d.id)]) for i, m in enumerate(scenario.milestones)
                                   for d in scenario.drivers if set(d.applies_to) & set(m.tags) and m.done_on is None],
                                  dtype=np.intp).reshape(-1, 2)
        risks = tuple(RiskRecord(r.window is not None, tuple(index[a] for a in r.affects)) for r in scenario.risks)
        risk_occurs = Columns.compile(column, ((naming.risk(r.id, "occurs"), None, 0.0) for r in scenario.risks))
        risk_delay = Columns.compile(column, ((naming.risk(r.id, "delay"), r.delay, 0.0) for r in scenario.risks))
        risk_time = Columns.compile(column, ((naming.risk(r.id, "time"), None, 0.0) for r in scenario.risks))
        floor = np.zeros(len(ids))
        if scenario.status is not None:
            # Not done by the end of the status date: strictly later than as_of_days, so that a deadline on the
            # status date counts as missed (a deadline D is met when t ≤ (D − start) + 1).
            after = float(np.nextafter(scenario.status.as_of_days, np.inf))
            floor = np.array([0.0 if (m.done_on is not None or m.when is not None or m.abandoned) else after
                              for m in scenario.milestones])
        return cls(
            floor=floor,
            ids=ids,
            deps=tuple(tuple(index[d] for d in m.after.ids) for m in scenario.milestones),
            need=tuple(m.after.k for m in scenario.milestones),
            observed=observed,
            commit_observed=commit_observed,
            durations=durations,
            driver_factors=driver_factors,
            risks=risks,
            risk_occurs=risk_occurs,
            risk_delay=risk_delay,
            risk_time=risk_time,
            input_names=input_names,
            risk_ids=tuple(r.id for r in scenario.risks),
            scale=np.array([1.0 if m.done_on is not None else m.scale for m in scenario.milestones]),
            shifts=tuple(tuple(index[a] for a in sh.affects) for sh in scenario.shifts),
            shift_days=Columns.compile(column, ((sh.name, sh.delay, 0.0) for sh in scenario.shifts)),
            horizon=scenario.horizon_days,
            money=MoneyNetwork.of(scenario, column),
            lines=LineNetwork.of(scenario, column),
            observables=scenario.observables(),
            monthly=np.array([day_offset(d, scenario.start) for d in months]),
            monthly_dates=tuple(d.isoformat() for d in months),
            weekly=np.append(np.arange(0.0, scenario.horizon_days, 7.0), scenario.horizon_days),
            indicator_targets=tuple((t.id, t.members[0], t.threshold,
                                     deadline_time(t.deadline, scenario.start) if t.at_deadline else None)
                                    for t in scenario.targets if t.kind == "indicator" and t.threshold is not None),
            gated=tuple(m.when is not None or m.abandoned is not None for m in scenario.milestones),  # never done in the engines
            gates=tuple((i, m.when[0], m.when[1]) for i, m in enumerate(scenario.milestones) if m.when is not None),
        )

    def check_inputs(self, inputs: Inputs) -> None:
        """Refuse inputs sampled for another scenario: the compiled columns would read the wrong quantities."""
        if inputs.names is not self.input_names and inputs.names != self.input_names:
            raise ValueError("these inputs were not sampled for this network's scenario (their names differ)")

    def effective_durations(self, inputs: Inputs) -> np.ndarray:
        """Effective durations ``(count, milestones)`` in days: sampled or fixed, times driver factors."""
        out = self.durations.take(inputs)
        for i, j in self.driver_factors:
            out[:, i] *= inputs.values[:, j]
        return out * self.scale

    def shift(self, inputs: Inputs) -> np.ndarray:
        """Completion shifts ``(count, milestones)`` in days from ``delay`` shocks (0 where none)."""
        out = np.zeros((inputs.values.shape[0], len(self.ids)))
        days = self.shift_days.take(inputs)
        for s, affected in enumerate(self.shifts):
            for i in affected:
                out[:, i] += days[:, s]
        return out

    def risk_columns(self, inputs: Inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Occurrence (0/1), delay (days) and time (days) of every risk, each ``(count, risks)``."""
        return self.risk_occurs.take(inputs), self.risk_delay.take(inputs), self.risk_time.take(inputs)
