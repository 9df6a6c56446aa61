"""A scenario compiled to integer-indexed arrays for the engine (built once, shared by all replications)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .. import names as naming
from ..calendar import day_offset, deadline_time
from ..distributions import Fixed
from ..sampling import Inputs
from ..scenario import Scenario
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
    fixed_duration : numpy.ndarray
        Duration (days) of milestones whose duration is not uncertain, NaN for uncertain ones.
    duration_input : tuple of str or None
        Input name of each uncertain duration.
    driver_inputs : tuple of tuple of str
        Input names of the drivers scaling each milestone's duration.
    risks : tuple
        ``(occurs_input, delay_input, time_input or None, affected indices)`` per risk.
    scale : numpy.ndarray
        Duration multiplier of each milestone from ``scale`` shocks.
    shifts : tuple
        ``(input name or None, fixed days, affected indices)`` per ``delay`` shock.
    horizon : float
        End of the simulated span (days).
    """

    ids: tuple[str, ...]
    deps: tuple[tuple[int, ...], ...]
    need: tuple[int, ...]
    observed: np.ndarray
    fixed_duration: np.ndarray
    duration_input: tuple[str | None, ...]
    driver_inputs: tuple[tuple[str, ...], ...]
    risks: tuple[tuple[str, str, str | None, tuple[int, ...]], ...]
    scale: np.ndarray
    shifts: tuple[tuple[str | None, float, tuple[int, ...]], ...]
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

    def __post_init__(self):
        if len(self.floor) != len(self.ids):  # built without a status date: no floor (0 changes nothing)
            object.__setattr__(self, "floor", np.zeros(len(self.ids)))

    risk_ids: tuple[str, ...] = ()  # id of each risk (for traces; names are never split back)

    @classmethod
    def of(cls, scenario: Scenario) -> Network:
        months = month_starts(scenario.start, scenario.horizon)
        ids = tuple(m.id for m in scenario.milestones)
        index = {m: i for i, m in enumerate(ids)}
        observed = np.full(len(ids), np.nan)
        fixed = np.full(len(ids), np.nan)
        duration_input: list[str | None] = []
        for i, m in enumerate(scenario.milestones):
            if m.done_on is not None:
                # Midday of the observed date: done on that date, meeting a deadline on it but not the day before.
                observed[i] = day_offset(m.done_on, scenario.start) + 0.5
            if m.done_on is not None:
                # An observed date replaces the duration, whatever its distribution (its own or inherited through
                # `extends`): it is not an input, so there is no column to read (issue 12's traceback).
                fixed[i] = 0.0
                duration_input.append(None)
            elif m.duration is None or isinstance(m.duration, Fixed):
                fixed[i] = 0.0 if m.duration is None else m.duration.value
                duration_input.append(None)
            else:
                duration_input.append(naming.duration(m.id))
        drivers = tuple(
            tuple(naming.driver(d.id) for d in scenario.drivers if set(d.applies_to) & set(m.tags))
            for m in scenario.milestones
        )
        risks = tuple(
            (naming.risk(r.id, "occurs"), naming.risk(r.id, "delay"), naming.risk(r.id, "time") if r.window else None,
             tuple(index[a] for a in r.affects))
            for r in scenario.risks
        )
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
            fixed_duration=fixed,
            duration_input=tuple(duration_input),
            driver_inputs=drivers,
            risks=risks,
            risk_ids=tuple(r.id for r in scenario.risks),
            scale=np.array([m.scale for m in scenario.milestones]),
            shifts=tuple(
                (None, sh.delay.value, tuple(index[a] for a in sh.affects)) if isinstance(sh.delay, Fixed)
                else (sh.name, 0.0, tuple(index[a] for a in sh.affects))
                for sh in scenario.shifts
            ),
            horizon=scenario.horizon_days,
            money=MoneyNetwork.of(scenario),
            lines=LineNetwork.of(scenario),
            observables=scenario.observables(),
            monthly=np.array([day_offset(d, scenario.start) for d in months]),
            monthly_dates=tuple(d.isoformat() for d in months),
            weekly=np.append(np.arange(0.0, scenario.horizon_days, 7.0), scenario.horizon_days),
            indicator_targets=tuple((t.id, t.members[0], t.threshold,
                                     deadline_time(t.deadline, scenario.start) if t.at_deadline else None)
                                    for t in scenario.targets if t.kind == "indicator"),
            gated=tuple(m.when is not None or m.abandoned is not None for m in scenario.milestones),  # never done in the engines
            gates=tuple((i, m.when[0], m.when[1]) for i, m in enumerate(scenario.milestones) if m.when is not None),
        )

    def durations(self, inputs: Inputs) -> np.ndarray:
        """Effective durations ``(count, milestones)`` in days: sampled or fixed, times driver factors."""
        count = inputs.values.shape[0]
        out = np.tile(self.fixed_duration, (count, 1))
        for i, name in enumerate(self.duration_input):
            if name is not None:
                out[:, i] = inputs.column(name)
        for i, names in enumerate(self.driver_inputs):
            for name in names:
                out[:, i] *= inputs.column(name)
        return out * self.scale

    def shift(self, inputs: Inputs) -> np.ndarray:
        """Completion shifts ``(count, milestones)`` in days from ``delay`` shocks (0 where none)."""
        out = np.zeros((inputs.values.shape[0], len(self.ids)))
        for name, fixed, affected in self.shifts:
            days = inputs.column(name) if name is not None else fixed
            for i in affected:
                out[:, i] += days
        return out
