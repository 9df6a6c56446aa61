"""Results aggregated as batches arrive: memory that does not grow with the number of replications.

A run of a million replications cannot keep every replication's milestone times and monthly series. What the
summary tables need is countable exactly:

- probabilities are counts of replications meeting a deadline (Wilson intervals from the counts);
- P-dates are dates, and the date of an event time t is ``start + floor(t)`` (:func:`sim.calendar.date_of`):
  the date of the k-th smallest time is the date of the k-th smallest *day*, so a histogram of event times by
  whole simulated day (with the censored ``inf`` and any NaN counted apart, where a sort puts them) gives every
  inverted-CDF P-date exactly (:class:`DayCounts`);
- criticality and bottleneck shares are counts of replications with a milestone on a driving path;
- whether a status date resolves a target needs only the smallest and largest time of each target;
- waiting for money: counts and sums of waits (:class:`sim.results.money.FundingCounts`).

What needs the distribution of many values at once — quantile bands of the monthly series, the P90 of waits for
money, the per-replication outcomes and inputs, and the driver analysis built on them — comes from the first
``keep`` replications (the *subsample*, :data:`SUBSAMPLE` by default). When every replication is kept, every
table is what the whole sample gives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import fields, replace

import numpy as np

from .. import calendar as cal
from ..engine import BatchOutcome, Network
from ..engine.compiled import compiled
from ..sampling import Inputs
from ..scenario import Scenario
from .criticality import criticality_counts
from .money import FundingCounts
from .spool import OutcomeSpool, inputs_table, outcome_table
from .stats import QUANTILES, inverted_cdf_index, wilson_interval
from .targets import target_times

# Replications kept per run when the outcomes are not all kept: 20,000 put the series bands' P10/P90 within about
# ±0.5 percentile points and the drivers' rank correlations within about ±0.015 (95 %) of the whole sample's; the
# baseline's subsample holds about 600 MB (its monthly series: 75 observables × 96 months, float32).
SUBSAMPLE = 20_000


class DayCounts:
    """Per column, how many event times fall on each whole simulated day, in a histogram that grows as needed.

    Event times are days since the start; ``-inf``, ``inf`` (censored) and NaN are counted apart, in the order
    a sort puts them: ``-inf`` first, then the days, then ``inf``, then NaN. Also kept: each column's smallest
    and largest time (NaN when the column holds a NaN, as :func:`numpy.min` gives).
    """

    def __init__(self, columns: int):
        self.first_day = 0  # the day of bin 0
        self.counts = np.zeros((columns, 0), dtype=np.int64)
        self.below = np.zeros(columns, dtype=np.int64)  # -inf
        self.censored = np.zeros(columns, dtype=np.int64)  # inf: not by the horizon
        self.nan = np.zeros(columns, dtype=np.int64)
        self.low = np.full(columns, np.inf)
        self.high = np.full(columns, -np.inf)

    def add(self, times: np.ndarray) -> None:
        """Count the event times ``(replications, columns)`` of a batch (days since the start)."""
        times = np.ascontiguousarray(times, dtype=float)
        if times.size == 0:
            return
        columns = times.shape[1]
        low, high = np.empty(columns), np.empty(columns)
        below, censored, nan = (np.zeros(columns, dtype=np.int64) for _ in range(3))
        days = np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).min])  # the first and last whole day seen
        _scan(times, low, high, below, censored, nan, days)
        self.low = np.minimum(self.low, low)  # NaN propagates, as numpy.min over all would
        self.high = np.maximum(self.high, high)
        self.below += below
        self.censored += censored
        self.nan += nan
        if days[0] > days[1]:
            return  # no finite time
        self._cover(int(days[0]), int(days[1]))
        _count_days(times, self.first_day, self.counts)

    def _cover(self, first: int, last: int) -> None:
        """Widen the histogram to hold the days ``first`` … ``last``."""
        width = self.counts.shape[1]
        if width and first >= self.first_day and last < self.first_day + width:
            return
        new_first = min(first, self.first_day) if width else first
        new_last = max(last, self.first_day + width - 1) if width else last
        grown = np.zeros((self.counts.shape[0], new_last - new_first + 1), dtype=np.int64)
        grown[:, self.first_day - new_first: self.first_day - new_first + width] = self.counts
        self.counts, self.first_day = grown, new_first

    def quantile_days(self, n: int, qs: Sequence[float] = QUANTILES) -> np.ndarray:
        """``(len(qs), columns)``: the day (as a float) of numpy's ``inverted_cdf`` quantile of each column.

        ``-inf``, ``inf`` or NaN where the quantile is one of those. ``n`` is the number of replications counted.
        Its date, :func:`sim.calendar.date_of`, is the date of the quantile of the times themselves.
        """
        columns = len(self.below)
        out = np.empty((len(qs), columns))
        finite = np.cumsum(self.counts, axis=1)
        total = finite[:, -1] if finite.shape[1] else np.zeros(columns, dtype=np.int64)
        for i, q in enumerate(qs):
            rank = inverted_cdf_index(n, q) - self.below  # position in the sorted column, past the -inf
            inside = (rank >= 0) & (rank < total)
            # the first day whose cumulative count exceeds the rank (searchsorted, side="right", of each row)
            day = self.first_day + (finite <= np.where(inside, rank, -1)[:, None]).sum(axis=1)
            out[i] = np.where(rank < 0, -np.inf, np.where(inside, day, np.where(rank < total + self.censored, np.inf, np.nan)))
        return out


@compiled(nogil=True)
def _scan(times, low, high, below, censored, nan, days):  # pragma: no cover - compiled
    """Per column of ``times`` its smallest and largest value (NaN if it holds one) and its -inf, inf and NaN.

    ``days`` ``[first, last]`` is widened to the whole days of the finite times.
    """
    rows, columns = times.shape
    for c in range(columns):
        low[c], high[c] = math.inf, -math.inf
    for r in range(rows):
        for c in range(columns):
            t = times[r, c]
            if t != t:
                nan[c] += 1
                low[c], high[c] = t, t  # and NaN they stay
                continue
            if low[c] == low[c]:
                low[c], high[c] = min(low[c], t), max(high[c], t)
            if t == -math.inf:
                below[c] += 1
            elif t == math.inf:
                censored[c] += 1
            else:
                day = math.floor(t)
                days[0], days[1] = min(days[0], day), max(days[1], day)


@compiled(nogil=True)
def _count_days(times, first_day, counts):  # pragma: no cover - compiled
    """Add one to ``counts[c, day - first_day]`` for every finite time of column ``c`` on ``day``."""
    rows, columns = times.shape
    for r in range(rows):
        for c in range(columns):
            t = times[r, c]
            if math.isfinite(t):
                counts[c, math.floor(t) - first_day] += 1


class RunAggregator:
    """The tables of a run, counted batch by batch, and the first ``keep`` replications kept whole.

    Parameters
    ----------
    scenario, net : Scenario, Network
        What is run.
    input_names : sequence of str
        The sampled inputs, in the order of :attr:`sim.sampling.Inputs.values`' columns.
    keep : int
        How many replications (the first ones) to keep whole: outcomes, inputs, monthly series, waits for money.
    """

    def __init__(self, scenario: Scenario, net: Network, input_names: Sequence[str], keep: int,
                 spool: OutcomeSpool | None = None):
        self.scenario, self.net, self.input_names, self.keep = scenario, net, tuple(input_names), keep
        self.spool = spool  # every replication's outcomes and inputs written here as batches arrive
        start = scenario.start
        self.target_deadlines = np.array([cal.deadline_time(t.deadline, start) for t in scenario.targets])
        self.milestone_deadlines = np.array([cal.deadline_time(m.deadline, start) if m.deadline else np.nan
                                             for m in scenario.milestones])
        self.n = 0
        self.met = np.zeros(len(scenario.targets), dtype=np.int64)
        self.on_time = np.zeros(len(scenario.milestones), dtype=np.int64)
        self.target_days = DayCounts(len(scenario.targets))
        self.milestone_days = DayCounts(len(scenario.milestones))
        self.missed_critical = np.zeros(len(scenario.milestones), dtype=np.int64)
        self.critical = np.zeros((len(scenario.milestones), len(scenario.targets)), dtype=np.int64)
        self.bottleneck = np.zeros((len(scenario.lines), len(scenario.targets)), dtype=np.int64)
        self.funding = FundingCounts(net)
        self._kept: list[BatchOutcome] = []  # without their series, which are kept apart (below)
        self._kept_series: list[np.ndarray] = []  # the series of the kept replications, batch by batch
        self._kept_times: list[np.ndarray] = []  # their target event times, as counted
        self._kept_inputs: list[np.ndarray] = []

    def add(self, outcome: BatchOutcome, inputs: Inputs) -> None:
        """Count a batch of replications (the next ones in order) and keep what falls in the first ``keep``."""
        times = target_times(self.scenario, outcome.done, outcome.indicator_times)
        self.met += (times <= self.target_deadlines).sum(axis=0)
        self.on_time += (outcome.done <= self.milestone_deadlines).sum(axis=0)
        self.target_days.add(times)
        self.milestone_days.add(outcome.done)
        missed, by_target, bottleneck = criticality_counts(self.scenario, self.net, outcome.done, times,
                                                           outcome.delivered)
        self.missed_critical += missed
        self.critical += by_target
        self.bottleneck += bottleneck
        self.funding.add(outcome, inputs)
        if self.spool is not None:
            self.spool.add(outcome_table(self.scenario, outcome.done, times, first=self.n),
                           inputs_table(self.input_names, inputs.values, first=self.n, copy=False))  # only written
        room = self.keep - self.kept_count
        if room > 0:
            count = len(outcome.done)
            head = outcome if count <= room else _head(outcome, room)
            self._kept.append(replace(head, series=_NO_SERIES))
            self._kept_series.append(head.series)
            self._kept_times.append(times if count <= room else times[:room].copy())
            self._kept_inputs.append(inputs.values if count <= room else inputs.values[:room].copy())
        self.n += len(outcome.done)

    @property
    def kept_count(self) -> int:
        """Replications kept whole so far."""
        return sum(len(o.done) for o in self._kept)

    @property
    def complete(self) -> bool:
        """Whether every replication counted is also kept whole."""
        return self.kept_count == self.n

    def kept(self, series: bool = True) -> tuple[BatchOutcome, Inputs]:
        """The outcome and inputs of the kept replications (the first ones), as one batch each.

        Parameters
        ----------
        series : bool, default True
            Join the monthly series too. Without, the outcome's ``series`` is empty (``(count, 0, 0)``): joining
            them copies the largest array of a run (600 MB for 20,000 baseline replications), which what reads
            them batch by batch (:meth:`kept_series`) does not need.
        """
        if len(self._kept) > 1:  # joined once, and kept joined
            self._kept = [BatchOutcome.concat(self._kept)]
            self._kept_inputs = [np.concatenate(self._kept_inputs)]
            self._kept_times = [np.concatenate(self._kept_times)]
        outcome = self._kept[0]
        if series:
            if len(self._kept_series) > 1:
                self._kept_series = [np.concatenate(self._kept_series)]
            outcome = replace(outcome, series=self._kept_series[0])
        else:
            outcome = replace(outcome, series=np.zeros((len(outcome.done), 0, 0), np.float32))
        values = self._kept_inputs[0] if self._kept_inputs else np.empty((0, len(self.input_names)))
        return outcome, Inputs(self.input_names, values, 0)

    def kept_times(self) -> np.ndarray:
        """The target event times ``(replications, targets)`` of the kept replications (:func:`target_times`)."""
        self.kept(series=False)  # joins them
        return self._kept_times[0]

    def kept_series(self) -> list[np.ndarray]:
        """The monthly series ``(replications, observables, months)`` of the kept replications, in batches."""
        return list(self._kept_series)

    def half_width(self) -> float:
        """Largest 95 % Wilson half-width over the target probabilities so far (0 without targets)."""
        if not self.scenario.targets or not self.n:
            return 0.0
        low, high = wilson_interval(self.met, self.n)
        return float(np.max((high - low) / 2))


_NO_SERIES = np.zeros((0, 0, 0), np.float32)  # stands for the series of a kept outcome: they are kept apart


def _head(outcome: BatchOutcome, count: int) -> BatchOutcome:
    """The first ``count`` replications of a batch, copied (a view would keep the whole batch alive)."""
    return BatchOutcome(*(getattr(outcome, f.name)[:count].copy() for f in fields(BatchOutcome)))


__all__ = ["SUBSAMPLE", "DayCounts", "RunAggregator"]
