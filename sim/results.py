"""Immutable results of a Monte Carlo run: per-replication outcomes and the tables derived from them.

Event times are days since the scenario's start; ``inf`` marks "not done by the horizon" (censored), never NaN.
Probabilities carry 95 % Wilson score intervals; P-dates are sample quantiles without interpolation
(the smallest time t with at least a share q of replications done by t), reported as dates, or empty when
that quantile lies beyond the horizon.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import calendar as cal
from .engine import BatchOutcome, Network
from .sampling import Inputs
from .scenario import Scenario

Z95 = 1.959963984540054
QUANTILES = (0.10, 0.50, 0.80, 0.90)
# The contract's columns first (DESIGN.md, "Results contract"), then extra columns.
TARGET_COLUMNS = ["target", "title", "kind", "deadline", "p_met", "ci_low", "ci_high", "p10", "p50", "p80", "p90",
                  "section", "roadmap_id", "observable", "threshold", "constraint", "status", "status_date"]
# Columns a results folder written before they existed may lack (filled in when it is read).
_LATER_TARGET_COLUMNS = {"status": "open", "status_date": ""}
MILESTONE_COLUMNS = ["milestone", "title", "section", "deadline", "p_on_time", "p10", "p50", "p80", "p90", "criticality",
                     "roadmap_id", "ci_low", "ci_high"]


def wilson_interval(successes: np.ndarray | int, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (default 95 %)."""
    p = np.asarray(successes, dtype=float) / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def quantile_times(times: np.ndarray, qs=QUANTILES) -> np.ndarray:
    """Quantiles ``(len(qs), columns)`` of event times, ``inf`` where censored (no interpolation).

    numpy's ``inverted_cdf``: the smallest time t with at least a share q of replications done by t, read from
    one sort of each column (as contiguous rows; faster than numpy's partition per column and quantile).
    """
    times = np.asarray(times, dtype=float)
    if times.size == 0:
        return np.quantile(times, qs, axis=0, method="inverted_cdf") if times.ndim == 2 else np.empty((len(qs), 0))
    ordered = np.sort(np.ascontiguousarray(times.T), axis=1)
    n = times.shape[0]
    index = np.array([inverted_cdf_index(n, q) for q in qs])
    return ordered[:, index].T


def inverted_cdf_index(n: int, q: float) -> int:
    """Position in the sorted sample of numpy's ``inverted_cdf`` quantile q (its own arithmetic)."""
    return int(np.quantile(np.arange(n, dtype=float), q, method="inverted_cdf"))


def resolved(scenario: Scenario, times: np.ndarray, deadlines: np.ndarray) -> tuple[list[str], list[str]]:
    """Per target, whether the facts known on the status date resolve it: (status, observed date).

    Nothing that is not reported done can be done by the status date (the engines' floor), so a target whose
    event time is at or before the end of ``as_of`` in every replication is a fact: ``met`` if that time is by
    its deadline, ``missed`` if later (done late, on the date given). A target whose deadline has passed by
    ``as_of`` without it in any replication is ``missed`` (no date: not done), and so is a target that an
    abandoned commitment makes impossible. Everything else is ``open``.
    Without a status date, the start plays its part (facts observed before it). Indicator targets and targets
    on metric gates depend on money and production, which are not observed yet: always ``open``.
    """
    as_of = scenario.status.as_of_days if scenario.status is not None else 0.0
    gates = {m.id for m in scenario.milestones if m.when is not None}
    by_id = {t.id: t for t in scenario.targets if t.kind != "milestone"}

    def modelled(t) -> bool:
        """Whether money or production (not facts) decide the target: indicators and metric gates in it."""
        return t.kind == "indicator" or any(m in gates or (m in by_id and modelled(by_id[m])) for m in t.members)

    # milestones that can never be done: abandoned ones, and those that fewer than k of their dependencies can reach
    dropped = {m.id for m in scenario.milestones if m.abandoned is not None}
    changed = bool(dropped)
    while changed:
        changed = False
        for m in scenario.milestones:
            if m.id not in dropped and m.done_on is None and m.after.ids and \
                    sum(d not in dropped for d in m.after.ids) < m.after.k:
                dropped.add(m.id)
                changed = True

    def doomed(member: str) -> bool:
        """Whether an abandoned commitment (not replaced for it) makes the target impossible."""
        t = by_id.get(member)
        if t is None:
            return member in dropped
        return (any if t.kind == "all_of" else all)(doomed(m) for m in t.members) if t.kind != "indicator" else False

    status, dates = [], []
    for k, t in enumerate(scenario.targets):
        col = times[:, k] if times.size else np.zeros(0)
        if t.kind == "milestone" and t.members[0] in dropped or t.kind != "milestone" and doomed(t.id):
            status.append("missed"), dates.append("")  # abandoned: it will not be done
        elif modelled(t) or not len(col):
            status.append("open"), dates.append("")
        elif np.all(col <= as_of) and np.all(col == col[0]):
            status.append("met" if col[0] <= deadlines[k] else "missed")
            dates.append(cal.date_of(float(col[0]), scenario.start).isoformat())
        elif deadlines[k] <= as_of and np.all(col > deadlines[k]):
            status.append("missed"), dates.append("")
        else:
            status.append("open"), dates.append("")
    return status, dates


def target_times(scenario: Scenario, done: np.ndarray, indicator_times: np.ndarray | None = None) -> np.ndarray:
    """Event time of every target ``(replications, targets)``.

    From milestone completion times ``done`` and, for indicator targets, ``indicator_times`` (one column
    per indicator target, in scenario order).
    """
    column = {m.id: i for i, m in enumerate(scenario.milestones)}
    explicit = {t.id: t for t in scenario.targets if t.kind != "milestone"}
    indicator_column = {t.id: k for k, t in enumerate(t for t in scenario.targets if t.kind == "indicator")}
    memo: dict[str, np.ndarray] = {}

    def time_of(member: str) -> np.ndarray:
        if member in explicit:
            return target_time(explicit[member])
        return done[:, column[member]]

    def target_time(t) -> np.ndarray:
        if t.id not in memo:
            if t.kind == "milestone":
                memo[t.id] = done[:, column[t.members[0]]]
            elif t.kind == "indicator":
                memo[t.id] = indicator_times[:, indicator_column[t.id]]
            else:
                stacked = np.column_stack([time_of(m) for m in t.members])
                memo[t.id] = stacked.max(axis=1) if t.kind == "all_of" else stacked.min(axis=1)
        return memo[t.id]

    if not scenario.targets:
        return np.empty((done.shape[0], 0))
    return np.column_stack([target_time(t) for t in scenario.targets])


def driving_predecessor(net: Network, done: np.ndarray) -> np.ndarray:
    """Per replication and milestone, the dependency whose completion released it (−1: none).

    For all-of that is the last dependency done, for any-of the first, for k-of-n the k-th, in the order of a
    stable sort of their times (among equal times the one listed first comes first: all-of then picks the tied
    one listed last, any-of the one listed first). Observed milestones have none.
    """
    driver = np.full(done.shape, -1, dtype=np.int32)
    for i, deps in enumerate(net.deps):
        if not deps or not math.isnan(net.observed[i]):
            continue
        dep_times = done[:, list(deps)]
        need = net.need[i]
        if need == len(deps):  # all-of: the last done (among ties, the one a stable sort puts last)
            pick = len(deps) - 1 - np.argmax(dep_times[:, ::-1], axis=1)
        elif need == 1:  # any-of: the first done (among ties, the first listed)
            pick = np.argmin(dep_times, axis=1)
        else:
            pick = np.argsort(dep_times, axis=1, kind="stable")[:, need - 1]
        driver[:, i] = np.asarray(deps)[pick]
    return driver


def criticality(scenario: Scenario, net: Network, done: np.ndarray, times: np.ndarray,
                delivered: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How often each milestone is on the driving path of each target.

    The driving path of a target runs from the milestone that decides its date (for all-of targets the
    latest member, for any-of the earliest) back through driving predecessors.

    Returns
    -------
    missed : numpy.ndarray
        Per milestone, share of replications in which it is on the driving path of at least one target that
        is missed.
    by_target : numpy.ndarray
        ``(milestones, targets)``: share of replications in which the milestone is on the target's driving path.
    bottleneck : numpy.ndarray
        ``(lines, targets)``: share of replications in which a milestone waiting for deliveries is on the
        target's driving path and the line's order was the last of its orders delivered — the line was the
        bottleneck. Targets decided by a metric (indicator targets, metric gates) get no attribution.
    """
    n, m = done.shape
    drivers = driving_predecessor(net, done)
    column = {mid: i for i, mid in enumerate(net.ids)}
    by_id = {t.id: j for j, t in enumerate(scenario.targets)}
    explicit = {t.id: t for t in scenario.targets if t.kind != "milestone"}
    rows = np.arange(n)

    def anchor(member: str) -> np.ndarray:
        """The milestone deciding ``member``'s date, per replication."""
        if member not in explicit:
            return np.full(n, column[member])
        t = explicit[member]
        if t.kind == "indicator":  # decided by money flows, not by one milestone chain
            return np.full(n, -1)
        member_times = np.column_stack([times[:, by_id[x]] if x in explicit else done[:, column[x]] for x in t.members])
        pick = member_times.argmax(axis=1) if t.kind == "all_of" else member_times.argmin(axis=1)
        anchors = np.column_stack([anchor(x) for x in t.members])
        return anchors[rows, pick]

    on_missed_path = np.zeros((n, m), dtype=bool)
    by_target = np.zeros((m, len(scenario.targets)))
    bottleneck = np.zeros((len(scenario.lines), len(scenario.targets)))
    driving_line = None  # milestone index → per replication, the line whose order it waited for last
    if net.lines is not None and delivered is not None and delivered.shape[1]:
        driving_line = {}
        for i, orders in enumerate(net.lines.milestone_orders):
            if orders:
                last = np.argmax(np.where(np.isfinite(delivered[:, list(orders)]), delivered[:, list(orders)], np.inf), axis=1)
                driving_line[i] = np.array([net.lines.orders[o][1] for o in orders])[last]
    for j, t in enumerate(scenario.targets):
        on_path = np.zeros((n, m), dtype=bool)
        current = anchor(t.members[0] if t.kind == "milestone" else t.id).copy()
        while (active := current >= 0).any():
            on_path[rows[active], current[active]] = True
            current[active] = drivers[rows[active], current[active]]
        by_target[:, j] = on_path.mean(axis=0)
        missed = times[:, j] > cal.deadline_time(t.deadline, scenario.start)
        on_missed_path |= on_path & missed[:, None]
        if driving_line is not None:
            for k in range(len(scenario.lines)):
                decided = np.zeros(n, dtype=bool)
                for i, line_of in driving_line.items():
                    decided |= on_path[:, i] & (line_of == k)
                bottleneck[k, j] = decided.mean()
    return on_missed_path.mean(axis=0), by_target, bottleneck


SERIES_COLUMNS = ["observable", "date", "p10", "p50", "p90", "mean"]
FUNDING_COLUMNS = ["milestone", "pool", "p_requested", "p_waited", "mean_wait_days", "p90_wait_days", "p_never",
                   "p_short", "mean_share_received"]


def nan_quantiles(values: np.ndarray, qs) -> np.ndarray:
    """``numpy.nanquantile(values, qs, axis=0)`` with its default linear method and the same arithmetic, fast.

    Columns are sorted as contiguous rows (NaN last) and grouped by their number n of valid values; each
    group is read at numpy's virtual indices q·(n − 1) and interpolated as numpy does. ``nanquantile`` itself
    loops over the columns in Python. (A full SIMD sort of contiguous rows beats ``partition`` here.)
    """
    flat = np.sort(np.ascontiguousarray(values.reshape(values.shape[0], -1).T), axis=1)  # NaN sorts last
    valid = (~np.isnan(flat)).sum(axis=1)
    out = np.full((len(qs), len(flat)), np.nan)
    for n in np.unique(valid):
        if n == 0:
            continue
        cols = np.flatnonzero(valid == n)
        rows = flat[cols]
        virtual = (n - 1) * np.asarray(qs, dtype=float)
        previous = np.floor(virtual)
        lo = np.clip(previous, 0, n - 1).astype(int)
        hi = np.clip(previous + 1, 0, n - 1).astype(int)
        a, b = rows[:, lo].astype(float).T, rows[:, hi].astype(float).T
        gamma = (virtual - previous)[:, None]
        diff = b - a
        out[:, cols] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)  # numpy's _lerp
    return out.reshape((len(qs),) + values.shape[1:])


def series_bands(net: Network, outcome: BatchOutcome) -> pd.DataFrame:
    """Quantile bands of every money observable on the monthly grid (NaN ratios are left out of a month)."""
    if outcome.series.size == 0:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    values = outcome.series  # (n, observables, months), float32
    q = nan_quantiles(values, [0.1, 0.5, 0.9])
    valid = (~np.isnan(values)).sum(axis=0)
    with np.errstate(all="ignore"):
        mean = np.where(valid > 0, np.nansum(values, axis=0, dtype=float) / np.maximum(valid, 1), np.nan)
    rows = len(net.observables) * len(net.monthly_dates)
    return pd.DataFrame({
        "observable": np.repeat(net.observables, len(net.monthly_dates)),
        "date": np.tile(net.monthly_dates, len(net.observables)),
        "p10": q[0].reshape(rows), "p50": q[1].reshape(rows), "p90": q[2].reshape(rows), "mean": mean.reshape(rows),
    }, columns=SERIES_COLUMNS)


def funding_waits(scenario: Scenario, net: Network, outcome: BatchOutcome, inputs) -> pd.DataFrame:
    """How often and how long each programme waited for each pool's money.

    Columns: ``p_requested`` (share of replications in which the programme asked for the money before the
    horizon), ``p_waited`` (share in which it then waited more than a day, including never being served),
    ``mean_wait_days`` and ``p90_wait_days`` (among those that waited and got it), ``p_never`` (share in
    which it asked but was never served before the horizon), ``p_short`` (share in which it got less than it
    asked because the pool ran short) and ``mean_share_received`` (mean share of the amount asked that it got).
    """
    mnet = net.money
    if mnet is None or not mnet.parts:
        return pd.DataFrame(columns=FUNDING_COLUMNS)
    asked = np.isfinite(outcome.requested)
    got = np.isfinite(outcome.committed)
    asked_amount = mnet.amounts(inputs)
    with np.errstate(invalid="ignore"):
        wait = np.where(asked & got, outcome.committed - outcome.requested, np.nan)
    rows = []
    for j, (i, p) in enumerate(mnet.parts):
        waited = wait[:, j][wait[:, j] > 1.0]
        rows.append({
            "milestone": mnet.milestone_ids[i], "pool": mnet.pools[p],
            "p_requested": asked[:, j].mean(),
            "p_waited": ((wait[:, j] > 1.0) | (asked[:, j] & ~got[:, j])).mean(),
            "mean_wait_days": waited.mean() if waited.size else 0.0,
            "p90_wait_days": float(np.quantile(waited, 0.9)) if waited.size else 0.0,
            "p_never": (asked[:, j] & ~got[:, j]).mean(),
            "p_short": (got[:, j] & (outcome.committed_amount[:, j] < asked_amount[:, j] * (1 - 1e-9))).mean(),
            "mean_share_received": float(np.mean(outcome.committed_amount[got[:, j], j] / asked_amount[got[:, j], j]))
            if got[:, j].any() and (asked_amount[got[:, j], j] > 0).all() else np.nan,
        })
    return pd.DataFrame(rows, columns=FUNDING_COLUMNS)


def _dates(times: np.ndarray, start: dt.date) -> list[str]:
    return [d.isoformat() if (d := cal.date_of(t, start)) else "" for t in times]


@dataclass(frozen=True)
class Results:
    """What a run produced.

    Attributes
    ----------
    targets : pandas.DataFrame
        One row per target: ``target, title, kind, deadline, p_met, ci_low, ci_high, p10, p50, p80, p90``
        (P-dates as ISO dates, empty beyond the horizon), then ``section, roadmap_id`` and, for indicator
        targets, ``observable, threshold``, then ``constraint`` (the stated constraint behind a probability of
        exactly 0 or 1), then ``status, status_date``: ``met`` or ``missed`` when the facts of a status date
        resolve the target (with the observed date: done on it, or empty for not done), else ``open`` (see
        :func:`resolved`).
    milestones : pandas.DataFrame
        One row per milestone: ``milestone, title, section, deadline, p_on_time, p10, p50, p80, p90,
        criticality``, then ``roadmap_id, ci_low, ci_high``.
    outcomes : pandas.DataFrame
        Per replication: completion time (days since start, ``inf`` when not done by the horizon) of every
        milestone (``milestone:ID``) and of every target whose id is not a milestone's (``target:ID``).
    inputs : pandas.DataFrame
        Per replication: every sampled input by name (days, 0/1 or factors).
    criticality : pandas.DataFrame
        Criticality index per milestone (rows) and target (columns): share of replications in which the
        milestone is on the driving path that decides the target's date.
    meta : dict
        Run metadata (scenario, seed, iterations, version, wall time, engine …), as in ``run.json``.
    series : pandas.DataFrame
        Money observables and indicators on the monthly grid: ``observable, date, p10, p50, p90, mean``
        (empty without funds).
    funding : pandas.DataFrame
        Waiting for money, per programme and pool: ``milestone, pool, p_requested, p_waited, mean_wait_days,
        p90_wait_days, p_never`` (see :func:`funding_waits`).
    bottlenecks : pandas.DataFrame
        Per production line (rows) and target (columns): share of replications in which waiting for the
        line's deliveries lay on the path that decided the target's date (empty without lines).
    """

    targets: pd.DataFrame
    milestones: pd.DataFrame
    outcomes: pd.DataFrame
    inputs: pd.DataFrame
    criticality: pd.DataFrame
    meta: dict = field(default_factory=dict)
    series: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SERIES_COLUMNS))
    funding: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FUNDING_COLUMNS))
    bottlenecks: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenario: Scenario | None = field(default=None, repr=False, compare=False)  # what was run (None when loaded)

    @property
    def n(self) -> int:
        """Number of replications."""
        return int(self.meta["iterations"])

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(self.meta["start"])

    @classmethod
    def build(cls, scenario: Scenario, net: Network, outcome: BatchOutcome, input_names, input_values: np.ndarray,
              meta: dict) -> Results:
        """Derive the tables from the engine's outcome for all replications."""
        done = outcome.done
        n = done.shape[0]
        times = target_times(scenario, done, outcome.indicator_times)
        start = scenario.start

        deadlines = np.array([cal.deadline_time(t.deadline, start) for t in scenario.targets])
        met = (times <= deadlines).sum(axis=0)
        low, high = wilson_interval(met, n)
        q = quantile_times(times) if len(scenario.targets) else np.empty((4, 0))
        targets = pd.DataFrame({
            "target": [t.id for t in scenario.targets],
            "title": [t.title for t in scenario.targets],
            "kind": [t.kind for t in scenario.targets],
            "section": [t.section for t in scenario.targets],
            "deadline": [t.deadline.isoformat() for t in scenario.targets],
            "p_met": met / n, "ci_low": low, "ci_high": high,
            **{f"p{int(qq * 100)}": _dates(q[k], start) for k, qq in enumerate(QUANTILES)},
            "roadmap_id": [t.roadmap_id for t in scenario.targets],
            "observable": [t.members[0] if t.kind == "indicator" else "" for t in scenario.targets],
            "threshold": [t.threshold if t.kind == "indicator" else np.nan for t in scenario.targets],
            "constraint": [t.constraint for t in scenario.targets],  # what forces a probability of 0 or 1
            **dict(zip(("status", "status_date"), resolved(scenario, times, deadlines))),
        }, columns=TARGET_COLUMNS)

        ms = scenario.milestones
        m_deadline = np.array([cal.deadline_time(m.deadline, start) if m.deadline else np.nan for m in ms])
        on_time = (done <= m_deadline).sum(axis=0)
        has_deadline = ~np.isnan(m_deadline)
        mlow, mhigh = wilson_interval(on_time, n)
        mq = quantile_times(done)
        missed_criticality, by_target, bottleneck = criticality(scenario, net, done, times, outcome.delivered)
        milestones = pd.DataFrame({
            "milestone": [m.id for m in ms],
            "title": [m.title for m in ms],
            "section": [m.section for m in ms],
            "roadmap_id": [m.roadmap_id for m in ms],
            "deadline": [m.deadline.isoformat() if m.deadline else "" for m in ms],
            "p_on_time": np.where(has_deadline, on_time / n, np.nan),
            "ci_low": np.where(has_deadline, mlow, np.nan),
            "ci_high": np.where(has_deadline, mhigh, np.nan),
            **{f"p{int(qq * 100)}": _dates(mq[k], start) for k, qq in enumerate(QUANTILES)},
            "criticality": missed_criticality,
        }, columns=MILESTONE_COLUMNS)
        critical = pd.DataFrame(by_target, index=pd.Index([m.id for m in ms], name="milestone"),
                                columns=[t.id for t in scenario.targets])

        # Targets that are not simply "milestone X by its own deadline" get their own outcome column.
        combined = [j for j, t in enumerate(scenario.targets) if t.kind != "milestone" or t.id != t.members[0]]
        outcomes = pd.DataFrame(
            np.column_stack([done, times[:, combined]]) if combined else done,
            columns=[f"milestone:{m.id}" for m in ms] + [f"target:{scenario.targets[j].id}" for j in combined],
        )
        outcomes.index.name = "replication"
        inputs = pd.DataFrame(input_values, columns=list(input_names))
        inputs.index.name = "replication"
        bottlenecks = pd.DataFrame(bottleneck, index=pd.Index([line.id for line in scenario.lines], name="line"),
                                   columns=[t.id for t in scenario.targets])
        return cls(targets, milestones, outcomes, inputs, critical, meta,
                   series_bands(net, outcome), funding_waits(scenario, net, outcome, Inputs(tuple(input_names), input_values, 0)),
                   bottlenecks, scenario)

    def met(self, target: str) -> np.ndarray:
        """Per replication, whether ``target`` is met by its deadline (bool array)."""
        row = self.targets.set_index("target").loc[target]
        deadline = cal.deadline_time(dt.date.fromisoformat(row["deadline"]), self.start)
        return self.times(target) <= deadline

    def times(self, target: str) -> np.ndarray:
        """Per replication, the event time of ``target`` (days since start; ``inf`` = not by the horizon)."""
        column = f"target:{target}"
        return self.outcomes[column if column in self.outcomes else f"milestone:{target}"].to_numpy()

    # ------------------------------------------------------------------------------------------ persistence

    def save(self, out: str | Path, extra: Callable[[Path], None] | None = None, analysis: bool = True) -> Path:
        """Write ``targets.csv``, ``milestones.csv``, ``run.json``, ``outcomes.csv.gz`` and ``inputs.csv.gz`` (and
        the money and production tables), as ``readiness run`` does.

        With ``analysis`` (default) and the scenario at hand (results of a run), also ``drivers.csv`` (the top
        ten inputs of each target) and ``assumptions.csv`` (the assumption register). ``extra(directory)`` may
        add more files (charts) before the directory is moved into place.

        The directory appears complete or not at all: files go to a temporary sibling directory that is
        renamed into place (an existing directory is replaced only once the new one is complete). Only a
        results folder this program wrote (see :func:`check_out`) is ever replaced.

        Raises
        ------
        OutError
            When ``out`` exists and is not a results folder written by this program, or is the current folder.
        """
        out = Path(out)
        check_out(out, probe=False)
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".partial", dir=out.parent))
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; results are meant to be shared
        try:
            _write_marker(tmp, [])  # first, so that a stale temporary folder is recognisably ours
            if analysis and self.scenario is not None:
                # imported here: the analysis layer sits above this one and reads these results
                from .analysis import all_drivers
                from .assumptions import assumption_register

                table = all_drivers(self, top=10_000)  # every input once: the register needs them all
                table.groupby("target", sort=False).head(10).to_csv(tmp / "drivers.csv", index=False,
                                                                    float_format="%.6g")
                assumption_register(self.scenario, self, drivers_table=table).to_csv(
                    tmp / "assumptions.csv", index=False, float_format="%.6g")
            self.targets.to_csv(tmp / "targets.csv", index=False, float_format="%.6g")
            self.milestones.to_csv(tmp / "milestones.csv", index=False, float_format="%.6g")
            self.outcomes.to_csv(tmp / "outcomes.csv.gz", float_format="%.6f")
            self.inputs.to_csv(tmp / "inputs.csv.gz", float_format="%.6f")
            self.criticality.to_csv(tmp / "criticality.csv", float_format="%.4f")
            if not self.series.empty:
                self.series.to_csv(tmp / "series.csv", index=False, float_format="%.6g")
            if not self.funding.empty:
                self.funding.to_csv(tmp / "funding.csv", index=False, float_format="%.6g")
            if not self.bottlenecks.empty:
                self.bottlenecks.to_csv(tmp / "bottlenecks.csv", float_format="%.4f")
            (tmp / "run.json").write_text(json.dumps(self.meta, indent=2, default=str) + "\n")
            if extra is not None:
                extra(tmp)
            _write_marker(tmp, sorted(p.name for p in tmp.iterdir() if p.name != MARKER))
            check_out(out, probe=False)  # again: the folder may have changed during a long run
            _replace_dir(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read results written by :meth:`save`.

        Raises
        ------
        ResultsError
            Naming the file that is missing, truncated or not what :meth:`save` writes.
        """
        d = Path(directory)
        if not d.is_dir():
            raise ResultsError(f"{d}: not a folder; expected a results folder written by `readiness run`")
        meta = _read_meta(d / "run.json")
        keep = {"deadline": str, "p10": str, "p50": str, "p80": str, "p90": str, "roadmap_id": str, "observable": str,
                "section": str, "constraint": str, "status": str, "status_date": str}
        targets = _read_table(d / "targets.csv", [c for c in TARGET_COLUMNS if c not in _LATER_TARGET_COLUMNS],
                              dtype=keep, keep_default_na=False, na_values=[""])
        for col, default in _LATER_TARGET_COLUMNS.items():  # a folder written before the status date existed
            if col not in targets:
                targets[col] = default
        targets = targets[TARGET_COLUMNS + [c for c in targets.columns if c not in TARGET_COLUMNS]]
        milestones = _read_table(d / "milestones.csv", MILESTONE_COLUMNS, dtype=keep, keep_default_na=False,
                                 na_values=[""])
        for table in (targets, milestones):
            for col in keep:
                if col in table:
                    table[col] = table[col].fillna("")
        _check_values(d / "targets.csv", targets, ("target", "title", "kind", "deadline"), ("p_met", "ci_low", "ci_high"),
                      ("deadline", "p10", "p50", "p80", "p90"))
        _check_values(d / "milestones.csv", milestones, ("milestone", "title"), (), ("deadline", "p10", "p50", "p80", "p90"))
        outcomes = _read_table(d / "outcomes.csv.gz", ["replication"], index_col="replication")
        inputs = _read_table(d / "inputs.csv.gz", ["replication"], index_col="replication")
        for name, table in (("outcomes.csv.gz", outcomes), ("inputs.csv.gz", inputs)):
            numeric = table.apply(pd.to_numeric, errors="coerce")
            if len(table) != meta["iterations"] or numeric.isna().to_numpy().any():
                raise ResultsError(f"{d / name}: found {len(table)} rows{' with missing or non-numeric values' if len(table) == meta['iterations'] else ''}; "
                                   f"expected {meta['iterations']} complete rows (run.json: iterations); the file is "
                                   "truncated or was changed — run the scenario again")
        missing = [t for t in targets["target"] if f"target:{t}" not in outcomes and f"milestone:{t}" not in outcomes]
        if missing:
            raise ResultsError(f"{d / 'outcomes.csv.gz'}: no outcome column for target '{missing[0]}'; the files do "
                               "not belong to the same run")
        critical = _read_table(d / "criticality.csv", ["milestone"], index_col="milestone")
        # criticality.csv has one row per milestone and one column per target: rows lost from a truncated
        # targets.csv or milestones.csv show up as a mismatch.
        for name, ids, expected in (("targets.csv", list(targets["target"]), [str(c) for c in critical.columns]),
                                    ("milestones.csv", list(milestones["milestone"]), [str(i) for i in critical.index])):
            if ids != expected:
                raise ResultsError(f"{d / name}: found {len(ids)} rows; criticality.csv lists {len(expected)} "
                                   f"({name[:-5]} ids differ); the file is truncated or was changed")
        series = _read_table(d / "series.csv", SERIES_COLUMNS) if (d / "series.csv").exists() else pd.DataFrame(columns=SERIES_COLUMNS)
        funding = _read_table(d / "funding.csv", FUNDING_COLUMNS) if (d / "funding.csv").exists() else pd.DataFrame(columns=FUNDING_COLUMNS)
        bottlenecks = _read_table(d / "bottlenecks.csv", ["line"], index_col="line") if (d / "bottlenecks.csv").exists() else pd.DataFrame()
        return cls(targets, milestones, outcomes, inputs, critical, meta, series, funding, bottlenecks)

    # ------------------------------------------------------------------------------------------ display

    def summary(self, max_title: int = 58) -> str:
        """A plain-text table of targets: probability, 95 % interval, deadline, P50 and P80 dates."""
        m = self.meta
        lines = [f"{m.get('title', '')}",
                 f"{self.n} replications, seed {m.get('seed')}, start {m.get('start')}, horizon {m.get('horizon')}",
                 "",
                 f"{'target':<{max_title}}  {'P(met)':>6}  {'95% interval':>13}  {'deadline':>10}  {'P50':>10}  {'P80':>10}"]
        for r in self.targets.itertuples():
            title = r.title if len(r.title) <= max_title else r.title[: max_title - 1] + "…"
            p50 = r.p50 or "> horizon"
            p80 = r.p80 or "> horizon"
            lines.append(f"{title:<{max_title}}  {r.p_met:>6.0%}  {r.ci_low:>5.0%} – {r.ci_high:<5.0%}  "
                         f"{r.deadline:>10}  {p50:>10}  {p80:>10}")
        lines.append("")
        lines.append("P(met): share of replications meeting the deadline (any time on that day); "
                     "P50/P80: dates by which 50 %/80 % of replications are done.")
        if not self.funding.empty:
            lines += ["", self.funding_summary()]
        return "\n".join(lines)

    def funding_summary(self, rows: int = 10) -> str:
        """Which programmes waited for which money, how often and how long."""
        f = self.funding.copy()
        f["impact"] = f.p_waited * f.mean_wait_days + f.p_never * 10_000
        f = f.sort_values("impact", ascending=False).head(rows)
        lines = ["Waiting for money (programmes that most often wait for their funds to commit):",
                 f"  {'programme':<40} {'pool':<22} {'waited':>7} {'mean wait':>10} {'P90 wait':>9} {'never':>6}"]
        for r in f.itertuples():
            lines.append(f"  {r.milestone[:40]:<40} {r.pool[:22]:<22} {r.p_waited:>7.0%} {r.mean_wait_days:>6.0f} days "
                         f"{r.p90_wait_days:>4.0f} days {r.p_never:>6.0%}")
        lines.append("  waited: share of replications in which the money was not there when the programme was ready; "
                     "never: it never came before the horizon. All rows: funding.csv.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Results {self.meta.get('title', '')!r}: {len(self.targets)} targets, {self.n} replications>"

    def _repr_html_(self) -> str:
        """In Jupyter: the targets with RAG status chips, by section (display code lives with the tables)."""
        from .tables import TargetsView  # imported here: the display layer sits above this one

        head = f"<p><b>{self.meta.get('title', '')}</b> — {self.n} replications, seed {self.meta.get('seed')}</p>"
        return head + TargetsView(self)._repr_html_()


class ResultsError(ValueError):
    """A results folder that cannot be read; the message names the broken file and what is wrong with it."""


class OutError(FileExistsError):
    """A results folder that may not be written: it holds files this program did not write, or is in use."""


# Every results folder this program writes holds this file: JSON naming the program and every entry it wrote.
# A folder is replaced only when it has the marker and nothing beyond the listed entries, so a mistyped --out
# (a home folder, a project folder, `.`) is refused instead of deleted.
MARKER = ".readiness-results"


def _write_marker(directory: Path, entries: list[str]) -> None:
    from . import __version__

    (directory / MARKER).write_text(json.dumps({"written_by": "readiness-sim", "version": __version__,
                                                "entries": entries}, indent=1) + "\n")


# What results folders held before the marker existed: such a folder, with these files only and a run.json
# written by this program, is still recognised (and replaced) as a results folder.
_LEGACY = {"targets.csv", "milestones.csv", "outcomes.csv.gz", "inputs.csv.gz", "criticality.csv", "series.csv",
           "funding.csv", "bottlenecks.csv", "drivers.csv", "assumptions.csv", "run.json"}


def _marker_entries(directory: Path) -> list[str] | None:
    """The entries a results folder's marker lists, or None if it has no valid marker."""
    if not (directory / MARKER).exists():
        present = {p.name for p in directory.iterdir()} if directory.is_dir() else set()
        try:
            meta = json.loads((directory / "run.json").read_text())
        except (OSError, ValueError):
            return None
        legacy = isinstance(meta, dict) and "package_version" in meta and "scenario_sha256" in meta
        return sorted(present) if legacy and present <= _LEGACY else None
    try:
        marker = json.loads((directory / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("written_by") != "readiness-sim" or \
            not isinstance(marker.get("entries"), list):
        return None
    return [e for e in marker["entries"] if isinstance(e, str)]


def check_out(out: str | Path, probe: bool = True) -> Path:
    """Check, before a run of minutes, that results can be written to ``out``.

    ``out`` may not exist yet (its parent is created), may be an empty folder, or a results folder written
    by this program with nothing added to it. With ``probe``, a temporary folder is created and removed
    beside ``out`` to prove that the parent is writable.

    Raises
    ------
    OutError
        ``out`` is a file, the current folder (or holds it), a folder this program did not write, or a
        results folder with files added by someone else — nothing is deleted.
    OSError
        The parent cannot be created or written.
    """
    out = Path(out)
    full = out.resolve()
    here = Path.cwd().resolve()
    if full == here or full in here.parents:
        raise OutError(f"'{out}' is the current folder or contains it; expected a new or results folder, e.g. "
                       f"results/{here.name}")
    if full.is_file() or (full.exists() and not full.is_dir()):
        raise OutError(f"'{out}' is a file; expected a folder to write results into")
    if full.is_dir():
        present = sorted(p.name for p in full.iterdir())
        entries = _marker_entries(full)
        if present and entries is None:
            raise OutError(f"'{out}' exists and is not a results folder written by readiness (no {MARKER} file); "
                           "it is left as it is — choose another --out, or empty or remove it yourself")
        foreign = [name for name in present if name != MARKER and name not in (entries or [])]
        if present and foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise OutError(f"'{out}' is a results folder, but holds files readiness did not write ({shown}); it is "
                           "left as it is — move them away, or choose another --out")
    if probe:
        full.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tempfile.mkdtemp(prefix=f".{full.name}.{os.getpid()}.", suffix=".partial", dir=full.parent))
    return out


def clean_stale(out: str | Path) -> list[Path]:
    """Remove the temporary folders that runs writing ``out`` left behind when they were killed.

    Only folders named as :meth:`Results.save` names them, marked as ours (or still empty), and whose
    process is gone are touched. If a run was killed between moving the previous results aside and moving
    the new ones in, the previous results are moved back. Returns what was removed.
    """
    out = Path(out)
    parent, name = out.parent, out.name
    removed = []
    if not parent.is_dir():
        return removed
    for path in sorted(parent.glob(f".{glob.escape(name)}.*")):
        rest = path.name[len(name) + 2:]
        pid_text = rest.split(".")[0] if rest.endswith(".partial") else rest[4:] if rest.startswith("old-") else ""
        if not pid_text.isdigit() or not path.is_dir() or _process_alive(int(pid_text)):
            continue
        if rest.startswith("old-") and not out.exists() and _marker_entries(path) is not None:
            os.replace(path, out)  # the previous results, moved aside by a run killed before the swap ended
            continue
        # Ours: marked, empty, or (a previous folder whose removal was cut short) result files only.
        if _marker_entries(path) is not None or {p.name for p in path.iterdir()} <= _LEGACY:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process: leave its folder alone
    return True


_META_TYPES = {
    "title": (lambda v: isinstance(v, str), "text"),
    "scenario": (lambda v: isinstance(v, str), "a file path"),
    "scenario_sha256": (lambda v: isinstance(v, str), "text"),
    "conventions": (lambda v: isinstance(v, str), "text"),
    "engine": (lambda v: isinstance(v, str), "text"),
    "sampling": (lambda v: isinstance(v, str), "text"),
    "seed": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number ≥ 0"),
    "labels": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), "a mapping of text"),
    "shocks": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v), "a list of objects"),
    "wall_time_s": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "max_half_width": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
}


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing; a results folder written by `readiness run` has run.json") from None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc}); the file is truncated or was changed") from None
    if not isinstance(meta, dict):
        raise ResultsError(f"{path}: found {type(meta).__name__}; expected a JSON object with the run's metadata")
    problems = []
    if isinstance(meta.get("iterations"), bool) or not isinstance(meta.get("iterations"), int) or meta["iterations"] < 1:
        problems.append(f"iterations {meta.get('iterations')!r} (expected a whole number ≥ 1)")
    for key in ("start", "horizon"):
        try:
            dt.date.fromisoformat(str(meta.get(key)))
        except ValueError:
            problems.append(f"{key} {meta.get(key)!r} (expected an ISO date)")
    # Optional keys the report reads: absent is fine, another type is a changed file.
    for key, (ok, expected) in _META_TYPES.items():
        if key in meta and meta[key] is not None and not ok(meta[key]):
            problems.append(f"{key} {meta[key]!r} (expected {expected})")
    if problems:
        raise ResultsError(f"{path}: found " + ", ".join(problems) + "; the file is truncated or was changed")
    return meta


def _read_table(path: Path, columns, **options) -> pd.DataFrame:
    """A CSV (optionally gzip) file with the given ``columns`` at least, or a ResultsError naming it."""
    import zlib

    try:
        table = pd.read_csv(path, **options)
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing; run the scenario again to write a complete results folder") from None
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, pd.errors.ParserError) as exc:  # pandas raises all these
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsError(f"{path}: cannot be read ({message}); the file is truncated or was changed") from None
    names = list(table.columns) + ([table.index.name] if table.index.name else [])
    absent = [c for c in columns if c not in names]
    if absent:
        raise ResultsError(f"{path}: no column {', '.join(absent)}; expected a file written by `readiness run`")
    return table


def _check_values(path: Path, table: pd.DataFrame, text_columns, probability_columns, date_columns) -> None:
    """Rows cut short (a file truncated mid-row) leave empty, non-numeric or half dates in required columns."""
    for col in date_columns:
        for row, value in enumerate(table[col]):
            try:
                if value != "":
                    dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                raise ResultsError(f"{path}:{row + 2}: {col}: found {value!r}; expected an ISO date or nothing "
                                   "(the file is truncated or was changed)") from None
    for col in text_columns:
        if (table[col].astype(str).str.len() == 0).any():
            row = int(np.flatnonzero(table[col].astype(str).str.len().to_numpy() == 0)[0]) + 2
            raise ResultsError(f"{path}:{row}: empty {col}; the file is truncated or was changed")
    for col in probability_columns:
        values = pd.to_numeric(table[col], errors="coerce")
        bad = values.isna() | (values < 0) | (values > 1)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ResultsError(f"{path}:{row + 2}: {col}: found {table[col].iloc[row]!r}; expected a probability "
                               "from 0 to 1 (the file is truncated or was changed)")
        table[col] = values


def _replace_dir(new: Path, out: Path) -> None:
    """Move the complete directory ``new`` to ``out``, replacing an existing ``out`` as late as possible."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        try:
            os.replace(new, out)
        except BaseException:  # incl. a signal between the two renames: the previous results go back
            if not out.exists():
                os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, out)
