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

from collections.abc import Sequence
from dataclasses import fields

import numpy as np

from .. import calendar as cal
from ..engine import BatchOutcome, Network
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
        times = np.asarray(times, dtype=float)
        if times.size == 0:
            return
        self.low = np.minimum(self.low, times.min(axis=0))  # NaN propagates, as numpy.min over all would
        self.high = np.maximum(self.high, times.max(axis=0))
        finite = np.isfinite(times)
        every = bool(finite.all())
        if not every:
            self.below += (times == -np.inf).sum(axis=0)
            self.censored += (times == np.inf).sum(axis=0)
            self.nan += np.isnan(times).sum(axis=0)
            if not finite.any():
                return
        # whole days, with a stand-in day where a time is not finite (its bin is dropped below)
        stand_in = times[np.unravel_index(np.argmax(finite), finite.shape)]
        days = np.floor(times if every else np.where(finite, times, stand_in)).astype(np.int64)
        self._cover(int(days.min()), int(days.max()))
        width = self.counts.shape[1]
        flat = (days - self.first_day) + np.arange(times.shape[1]) * width
        if not every:
            flat[~finite] = self.counts.size  # one extra bin, dropped
        counts = np.bincount(flat.ravel(), minlength=self.counts.size + 1)[:self.counts.size]
        self.counts += counts.reshape(self.counts.shape)

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
            k = inverted_cdf_index(n, q)  # position in the sorted column
            for c in range(columns):
                rank = k - self.below[c]
                if rank < 0:
                    out[i, c] = -np.inf
                elif rank < total[c]:
                    out[i, c] = self.first_day + int(np.searchsorted(finite[c], rank, side="right"))
                elif rank < total[c] + self.censored[c]:
                    out[i, c] = np.inf
                else:
                    out[i, c] = np.nan
        return out


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
        self._kept: list[BatchOutcome] = []
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
                           inputs_table(self.input_names, inputs.values, first=self.n))
        room = self.keep - self.kept_count
        if room > 0:
            count = len(outcome.done)
            self._kept.append(outcome if count <= room else _head(outcome, room))
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

    def kept(self) -> tuple[BatchOutcome, Inputs]:
        """The outcome and inputs of the kept replications (the first ones), as one batch each."""
        if len(self._kept) > 1:  # joined once, and kept joined
            self._kept = [BatchOutcome.concat(self._kept)]
            self._kept_inputs = [np.concatenate(self._kept_inputs)]
        values = self._kept_inputs[0] if self._kept_inputs else np.empty((0, len(self.input_names)))
        return self._kept[0], Inputs(self.input_names, values, 0)

    def half_width(self) -> float:
        """Largest 95 % Wilson half-width over the target probabilities so far (0 without targets)."""
        if not self.scenario.targets or not self.n:
            return 0.0
        low, high = wilson_interval(self.met, self.n)
        return float(np.max((high - low) / 2))


def _head(outcome: BatchOutcome, count: int) -> BatchOutcome:
    """The first ``count`` replications of a batch, copied (a view would keep the whole batch alive)."""
    return BatchOutcome(*(getattr(outcome, f.name)[:count].copy() for f in fields(BatchOutcome)))


__all__ = ["SUBSAMPLE", "DayCounts", "RunAggregator"]
