"""The :class:`Results` of a Monte Carlo run: per-replication outcomes and the tables derived from them.

Event times are days since the scenario's start; ``inf`` marks "not done by the horizon" (censored), never NaN.
Probabilities carry 95 % Wilson score intervals; P-dates are sample quantiles without interpolation
(the smallest time t with at least a share q of replications done by t), reported as dates, or empty when
that quantile lies beyond the horizon.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import calendar as cal
from ..atomic import write_dir_atomic
from ..engine import BatchOutcome, Network
from ..sampling import Inputs
from ..scenario import Scenario
from .columns import FUNDING_COLUMNS, MILESTONE_COLUMNS, SERIES_COLUMNS, TARGET_COLUMNS
from .folders import MARKER, check_out, clean_stale, write_marker
from .money import funding_waits, series_bands
from .spool import OutcomeSpool, inputs_table, outcome_table
from .stats import QUANTILES, wilson_interval
from .store import read_folder, write_tables
from .streaming import RunAggregator
from .targets import resolved

TABLES = ("targets", "milestones", "outcomes", "inputs", "criticality", "series", "funding", "bottlenecks")


def iso_dates(times: np.ndarray, start: dt.date) -> list[str]:
    """Event times (days since ``start``) as ISO dates, empty beyond the horizon."""
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
        :func:`sim.results.resolved`).
    milestones : pandas.DataFrame
        One row per milestone: ``milestone, title, section, deadline, p_on_time, p10, p50, p80, p90,
        criticality``, then ``roadmap_id, ci_low, ci_high``.
    outcomes : pandas.DataFrame
        Per replication kept: completion time (days since start, ``inf`` when not done by the horizon) of every
        milestone (``milestone:ID``) and of every target whose id is not a milestone's (``target:ID``). A run
        of more replications than its subsample keeps only the first ones (``meta["kept_replications"]``; see
        :func:`sim.run`'s ``keep_outcomes``); the tables above count every replication.
    inputs : pandas.DataFrame
        Per replication kept: every sampled input by name (days, 0/1 or factors).
    criticality : pandas.DataFrame
        Criticality index per milestone (rows) and target (columns): share of replications in which the
        milestone is on the driving path that decides the target's date.
    meta : dict
        Run metadata (scenario, seed, iterations, version, wall time, engine …), as in ``run.json``.
    series : pandas.DataFrame
        Money observables and indicators on the monthly grid: ``observable, date, p10, p50, p90, mean``
        (empty without funds), over the replications kept.
    funding : pandas.DataFrame
        Waiting for money, per programme and pool: ``milestone, pool, p_requested, p_waited, mean_wait_days,
        p90_wait_days, p_never`` (see :func:`sim.results.funding_waits`).
    bottlenecks : pandas.DataFrame
        Per production line (rows) and target (columns): share of replications in which waiting for the
        line's deliveries lay on the path that decided the target's date (empty without lines).
    scenario : Scenario or None
        The scenario that was run (None for results read from a folder): charts and reports take it from
        here instead of reading scenario files.
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
    # every replication's outcomes and inputs on disk, when the run wrote them in chunks (sim.results.spool)
    spool: OutcomeSpool | None = field(default=None, repr=False, compare=False)
    # Values derived from these (immutable) results on demand, kept with them: see :meth:`derived`.
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of replications."""
        return int(self.meta["iterations"])

    @property
    def start(self) -> dt.date:
        """The scenario's start date: day 0 of every event time."""
        return dt.date.fromisoformat(self.meta["start"])

    def derived(self, key: Hashable, compute: Callable[[Results], Any]) -> Any:
        """``compute(self)``, computed once per results object and ``key`` and remembered with it.

        The results are immutable, so what is derived from them stays valid as long as they live, and goes
        with them (no module-level cache). :func:`sim.analysis.drivers` keeps its input ranks here, shared by
        every target's analysis.
        """
        if key not in self._derived:
            self._derived[key] = compute(self)
        return self._derived[key]

    # ------------------------------------------------------------------------------------------ building

    @classmethod
    def build(cls, scenario: Scenario, net: Network, outcome: BatchOutcome, input_names: Sequence[str],
              input_values: np.ndarray, meta: dict) -> Results:
        """Derive the tables from the engine's outcome for all replications (every one kept)."""
        aggregate = RunAggregator(scenario, net, input_names, keep=len(outcome.done))
        aggregate.add(outcome, Inputs(tuple(input_names), np.array(input_values, dtype=float), 0))  # its own copy
        return cls.of(aggregate, meta)

    @classmethod
    def of(cls, aggregate: RunAggregator, meta: dict) -> Results:
        """The results of a run counted batch by batch (:class:`sim.results.streaming.RunAggregator`).

        Targets, milestones, criticality and bottlenecks are counted over every replication; outcomes, inputs and
        the series bands come from the replications kept whole, and so does the P90 of waits for money (when
        not every replication is kept; see :mod:`sim.results.streaming`).
        """
        scenario, net = aggregate.scenario, aggregate.net
        kept, inputs = aggregate.kept(series=False)  # the series are read batch by batch, never joined
        kept_times = aggregate.kept_times()  # as counted: not computed again
        n, target_ids = aggregate.n, [t.id for t in scenario.targets]
        critical = pd.DataFrame(aggregate.critical / n, index=pd.Index([m.id for m in scenario.milestones], name="milestone"),
                                columns=target_ids)
        bottlenecks = pd.DataFrame(aggregate.bottleneck / n, index=pd.Index([line.id for line in scenario.lines], name="line"),
                                   columns=target_ids)
        funding = funding_waits(net, kept, inputs)
        if not aggregate.complete and not funding.empty:
            funding = aggregate.funding.table(funding["p90_wait_days"].to_numpy())
        return cls(_target_table(scenario, aggregate), _milestone_table(scenario, aggregate),
                   # the kept inputs are the aggregate's alone (a run drops its batches): the table takes them as they are
                   outcome_table(scenario, kept.done, kept_times), inputs_table(inputs.names, inputs.values, copy=False),
                   critical, meta, series_bands(net, aggregate.kept_series()), funding, bottlenecks, scenario,
                   aggregate.spool)

    # ------------------------------------------------------------------------------------------ per replication

    def met(self, target: str) -> np.ndarray:
        """Per replication kept, whether ``target`` is met by its deadline (bool array)."""
        row = self.targets.set_index("target").loc[target]
        deadline = cal.deadline_time(dt.date.fromisoformat(str(row["deadline"])), self.start)
        return self.times(target) <= deadline

    def times(self, target: str) -> np.ndarray:
        """Per replication kept, the event time of ``target`` (days since start; ``inf`` = not by the horizon)."""
        column = f"target:{target}"
        return self.outcomes[column if column in self.outcomes else f"milestone:{target}"].to_numpy()

    # ------------------------------------------------------------------------------------------ persistence

    def save(self, out: str | Path, extra: Callable[[Path], Any] | None = None, analysis: bool = True) -> Path:
        """Write the results folder ``out`` as ``readiness run`` does.

        It holds ``targets.csv``, ``milestones.csv``, ``run.json``, ``outcomes.csv.gz`` and ``inputs.csv.gz`` (and
        the money and production tables).

        With ``analysis`` (default) and the scenario at hand (results of a run), also ``drivers.csv`` (the top
        ten inputs of each target) and ``assumptions.csv`` (the assumption register). ``extra(directory)`` may
        add more files (charts) before the directory is moved into place; if it returns a context manager (see
        :func:`sim.charts.charts_written`), the tables are written inside it, while it draws in other processes.

        The directory appears complete or not at all (:func:`sim.atomic.write_dir_atomic`). Only a results
        folder this program wrote (see :func:`sim.results.check_out`) is ever replaced.

        Raises
        ------
        OutError
            When ``out`` exists and is not a results folder written by this program, or is the current folder.
        """
        out = Path(out)
        check_out(out, probe=False)
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(out)

        def write(tmp: Path) -> None:
            write_marker(tmp, [])  # first, so that a stale temporary folder is recognisably ours
            added = extra(tmp) if extra is not None else None
            with added if isinstance(added, contextlib.AbstractContextManager) else contextlib.nullcontext():
                if analysis and self.scenario is not None:
                    self._write_analysis(tmp, self.scenario)
                if self.spool is None:
                    write_tables(tmp, {name: getattr(self, name) for name in TABLES}, self.meta)
                else:  # the files hold every replication: written in chunks during the run, moved in now
                    meta = {k: v for k, v in self.meta.items() if k != "kept_replications"}
                    write_tables(tmp, {name: getattr(self, name) for name in TABLES}, meta, replications=False)
                    self.spool.move_into(tmp)
            write_marker(tmp, sorted(p.name for p in tmp.iterdir() if p.name != MARKER))
            check_out(out, probe=False)  # again: the folder may have changed during a long run

        return write_dir_atomic(out, write)

    def _write_analysis(self, directory: Path, scenario: Scenario) -> None:
        """``drivers.csv`` (the top ten inputs of each target) and ``assumptions.csv`` into ``directory``."""
        # imported here: the analysis layer sits above this one and reads these results
        from ..analysis import all_drivers
        from ..assumptions import assumption_register

        table = all_drivers(self, top=10_000)  # every input once: the register needs them all
        table.groupby("target", sort=False).head(10).to_csv(directory / "drivers.csv", index=False, float_format="%.6g")
        assumption_register(scenario, self, drivers_table=table).to_csv(directory / "assumptions.csv", index=False,
                                                                        float_format="%.6g")

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read results written by :meth:`save` (without the scenario: ``scenario`` is None).

        Raises
        ------
        ResultsError
            Naming the file that is missing, truncated or not what :meth:`save` writes.
        """
        return cls(**read_folder(directory))

    # ------------------------------------------------------------------------------------------ display

    def summary(self, max_title: int = 58) -> str:
        """A plain-text table of targets: probability, 95 % interval, deadline, P50 and P80 dates."""
        m = self.meta
        lines = [f"{m.get('title', '')}",
                 f"{self.n} replications, seed {m.get('seed')}, start {m.get('start')}, horizon {m.get('horizon')}",
                 "",
                 f"{'target':<{max_title}}  {'P(met)':>6}  {'95% interval':>13}  {'deadline':>10}  {'P50':>10}  {'P80':>10}"]
        for r in self.targets.to_dict("records"):
            title = str(r["title"])
            title = title if len(title) <= max_title else title[: max_title - 1] + "…"
            p50 = r["p50"] or "> horizon"
            p80 = r["p80"] or "> horizon"
            lines.append(f"{title:<{max_title}}  {r['p_met']:>6.0%}  {r['ci_low']:>5.0%} – {r['ci_high']:<5.0%}  "
                         f"{r['deadline']:>10}  {p50:>10}  {p80:>10}")
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
        for r in f.to_dict("records"):
            lines.append(f"  {str(r['milestone'])[:40]:<40} {str(r['pool'])[:22]:<22} {r['p_waited']:>7.0%} "
                         f"{r['mean_wait_days']:>6.0f} days {r['p90_wait_days']:>4.0f} days {r['p_never']:>6.0%}")
        lines.append("  waited: share of replications in which the money was not there when the programme was ready; "
                     "never: it never came before the horizon. All rows: funding.csv.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Results {self.meta.get('title', '')!r}: {len(self.targets)} targets, {self.n} replications>"

    def _repr_html_(self) -> str:
        """In Jupyter: the targets with RAG status chips, by section (display code lives with the tables)."""
        from ..tables import TargetsView  # imported here: the display layer sits above this one

        head = f"<p><b>{self.meta.get('title', '')}</b> — {self.n} replications, seed {self.meta.get('seed')}</p>"
        return head + TargetsView(self)._repr_html_()


def _target_table(scenario: Scenario, aggregate: RunAggregator) -> pd.DataFrame:
    """``targets``: per target its probability of being met with the 95 % interval, P-dates and status."""
    n, start, targets, days = aggregate.n, scenario.start, scenario.targets, aggregate.target_days
    low, high = wilson_interval(aggregate.met, n)
    q = days.quantile_days(n) if len(targets) else np.empty((4, 0))
    # the smallest and largest time of each target decide whether a status date resolves it, as all times would
    extremes = np.vstack([days.low, days.high])
    return pd.DataFrame({
        "target": [t.id for t in targets],
        "title": [t.title for t in targets],
        "kind": [t.kind for t in targets],
        "section": [t.section for t in targets],
        "deadline": [t.deadline.isoformat() for t in targets],
        "p_met": aggregate.met / n, "ci_low": low, "ci_high": high,
        **{f"p{int(qq * 100)}": iso_dates(q[k], start) for k, qq in enumerate(QUANTILES)},
        "roadmap_id": [t.roadmap_id for t in targets],
        "observable": [t.members[0] if t.kind == "indicator" else "" for t in targets],
        "threshold": [t.threshold if t.kind == "indicator" else np.nan for t in targets],
        "constraint": [t.constraint for t in targets],  # what forces a probability of 0 or 1
        **dict(zip(("status", "status_date"), resolved(scenario, extremes, aggregate.target_deadlines), strict=True)),
    }, columns=TARGET_COLUMNS)


def _milestone_table(scenario: Scenario, aggregate: RunAggregator) -> pd.DataFrame:
    """``milestones``: per milestone its probability of being on time (if it has a deadline), P-dates, criticality."""
    n, start, ms = aggregate.n, scenario.start, scenario.milestones
    has_deadline = ~np.isnan(aggregate.milestone_deadlines)
    low, high = wilson_interval(aggregate.on_time, n)
    q = aggregate.milestone_days.quantile_days(n)
    return pd.DataFrame({
        "milestone": [m.id for m in ms],
        "title": [m.title for m in ms],
        "section": [m.section for m in ms],
        "roadmap_id": [m.roadmap_id for m in ms],
        "deadline": [m.deadline.isoformat() if m.deadline else "" for m in ms],
        "p_on_time": np.where(has_deadline, aggregate.on_time / n, np.nan),
        "ci_low": np.where(has_deadline, low, np.nan),
        "ci_high": np.where(has_deadline, high, np.nan),
        **{f"p{int(qq * 100)}": iso_dates(q[k], start) for k, qq in enumerate(QUANTILES)},
        "criticality": aggregate.missed_critical / n,
    }, columns=MILESTONE_COLUMNS)


__all__ = ["Results", "iso_dates"]
