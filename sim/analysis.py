"""Insight on top of results: paired scenario comparisons, sweeps of a shock, and what drives each target.

Comparisons use common random numbers: every scenario runs with the same seed and named input streams, so
replication *i* of two scenarios differs only by what the scenarios change. The difference in a target's
probability is then estimated from per-replication paired differences, whose interval is far narrower than
the difference of two independent estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import calendar as cal
from .atomic import write_atomic
from .results import Z95, Results, average_ranks, inverted_cdf_index, wilson_interval
from .runner import run_many
from .scenario import Scenario
from .shocks import SWEEPS, select_milestones, with_capacity, with_cut, with_delay, with_scale

COMPARE_COLUMNS = ["scenario", "target", "title", "deadline", "p_base", "p_other", "diff", "diff_low", "diff_high",
                   "p50_base", "p50_other", "median_shift_days"]


def joint_probability(results: Results, targets: Sequence[str]) -> tuple[float, float, float]:
    """Probability that all ``targets`` are met by their own deadlines, with its 95 % Wilson interval."""
    met = np.logical_and.reduce([results.met(t) for t in targets])
    low, high = wilson_interval(int(met.sum()), len(met))
    return float(met.mean()), float(low), float(high)


# ---------------------------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class Comparison:
    """Paired comparison of scenarios against a base (see :func:`compare`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (other scenario, target): ``p_base``, ``p_other``, ``diff`` = p_other − p_base with its
        95 % interval from paired differences, P50 dates and the median per-replication shift in days.
    base : Results
    others : dict of str to Results
    """

    table: pd.DataFrame
    base: Results
    others: dict

    def summary(self, rows: int = 15) -> str:
        """Per scenario, the targets whose probability moves most, in plain words."""
        out = []
        for name, group in self.table.groupby("scenario", sort=False):
            moved = group.reindex(group["diff"].abs().sort_values(ascending=False).index)
            out.append(f"{name} vs {self.base.meta.get('title', 'base')}  "
                       f"({self.base.n} paired replications, seed {self.base.meta.get('seed')})")
            out.append(f"  {'target':<52} {'base':>5} {'this':>5} {'change':>8}  {'95% interval':>17}  {'median shift':>12}")
            for r in moved.head(rows).to_dict("records"):
                title = str(r["title"])
                title = title if len(title) <= 52 else title[:51] + "…"
                shift = "" if np.isnan(r["median_shift_days"]) else f"{r['median_shift_days']:+.0f} days"
                out.append(f"  {title:<52} {r['p_base']:>5.0%} {r['p_other']:>5.0%} {100 * r['diff']:>+7.1f}pp  "
                           f"[{100 * r['diff_low']:+6.1f}, {100 * r['diff_high']:+6.1f}]pp  {shift:>12}")
            unchanged = int((group["diff"] == 0).sum())
            if len(group) > rows:
                out.append(f"  … {len(group) - rows} more targets in compare.csv ({unchanged} unchanged)")
            out.append("")
        out.append("change: probability in this scenario minus the base, in percentage points, with the 95 % interval of "
                   "the paired difference; median shift: median over replications of how much later (+) or earlier "
                   "(−) the target is reached.")
        return "\n".join(out)

    def save(self, directory: str | Path) -> Path:
        """Write the table to ``directory/compare.csv`` (atomically) and return its path."""
        path = Path(directory) / "compare.csv"
        write_atomic(path, lambda tmp: self.table.to_csv(tmp, index=False, float_format="%.6g"))
        return path

    def _repr_html_(self) -> str:
        """Jupyter: per scenario, targets by size of change; probabilities in %, changes in pp with intervals."""
        from html import escape

        def pct(x):
            return "" if pd.isna(x) else f"{100 * x:.1f} %"

        def pp(x):
            return "" if pd.isna(x) else f"{100 * x:+.1f}".replace("-", "\u2212")

        table = self.table
        order = table.assign(_abs=table["diff"].abs()).sort_values(["scenario", "_abs"], ascending=[True, False],
                                                                     kind="stable")
        order = order.set_index("scenario").loc[list(dict.fromkeys(table["scenario"]))].reset_index()
        shown = pd.DataFrame({
            "scenario": order["scenario"], "target": order["title"], "deadline": order["deadline"],
            "P(met) base": order["p_base"].map(pct), "P(met) scenario": order["p_other"].map(pct),
            "change (pp)": order["diff"].map(pp),
            "95 % interval (pp)": [f"{pp(lo)} to {pp(hi)}" for lo, hi in zip(order["diff_low"], order["diff_high"], strict=True)],
            "P50 base": order["p50_base"].fillna("").replace("", "> horizon"),
            "P50 scenario": order["p50_other"].fillna("").replace("", "> horizon"),
            "median shift (days)": order["median_shift_days"].map(lambda d: "" if pd.isna(d) else f"{d:+.0f}"),
        })
        head = (f"<p><b>Paired comparison with {escape(str(self.base.meta.get('title', 'the base')))}</b> — "
                f"{self.base.n} replications per scenario, seed {escape(str(self.base.meta.get('seed')))}, common "
                f"random numbers. <i>change</i>: scenario minus base in percentage points, with the 95 % interval "
                f"of the paired difference; <i>median shift</i>: how much later (+) the target is reached.</p>")
        return head + shown.to_html(index=False, escape=True)


def paired_difference(base: Results, other: Results, target: str) -> tuple[float, float, float]:
    """p_other − p_base for ``target`` with a 95 % interval from per-replication paired differences."""
    d = other.met(target).astype(float) - base.met(target).astype(float)
    mean = float(d.mean())
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0
    return mean, mean - Z95 * se, mean + Z95 * se


def compare_results(base: Results, others: dict[str, Results]) -> Comparison:
    """Compare results that were run with the same seed and number of replications."""
    rows = []
    for name, other in others.items():
        if other.n != base.n or other.meta.get("seed") != base.meta.get("seed"):
            raise ValueError("paired comparison needs the same seed and number of replications")
        shared = other.targets[other.targets.target.isin(base.targets.target)]
        base_rows = base.targets.set_index("target")
        for r in shared.to_dict("records"):
            target = str(r["target"])
            diff, low, high = paired_difference(base, other, target)
            tb, to = base.times(target), other.times(target)
            both = np.isfinite(tb) & np.isfinite(to)
            rows.append({
                "scenario": name, "target": target, "title": r["title"], "deadline": r["deadline"],
                "p_base": base_rows.loc[target, "p_met"], "p_other": r["p_met"],
                "diff": diff, "diff_low": low, "diff_high": high,
                "p50_base": base_rows.loc[target, "p50"], "p50_other": r["p50"],
                "median_shift_days": float(np.median(to[both] - tb[both])) if both.any() else np.nan,
            })
    return Comparison(pd.DataFrame(rows, columns=COMPARE_COLUMNS), base, others)


def compare(base: Scenario, others: Sequence[Scenario], n: int = 2000, seed: int | None = None, jobs: int = 1,
            progress: bool | None = None, engine: str = "fast", executor=None) -> Comparison:
    """Run ``base`` and ``others`` with common random numbers and compare every shared target.

    Parameters
    ----------
    base : Scenario
    others : sequence of Scenario
    n : int, default 2000
        Replications per scenario.
    seed : int, optional
        One seed for all (default: the base scenario's).
    engine : {"fast", "simpy"}, default "fast"
        The engine (results are identical).
    executor : optional
        Where chunks run instead of ``jobs`` processes (a :class:`sim.executors.DaskExecutor`); results are identical.
    """
    seed = base.seed if seed is None else seed
    # one grid of (scenario, chunk) tasks: with workers or a cluster, every scenario runs at once
    base_results, *rest = run_many([base, *others], n=n, seed=seed, jobs=jobs, progress=progress, engine=engine,
                                   executor=executor)
    return compare_results(base_results, dict(zip(scenario_names(others), rest, strict=True)))


def compare_with(base: Results, others: Sequence[Scenario], jobs: int = 1, progress: bool | None = None,
                 engine: str = "fast", executor=None) -> Comparison:
    """Run ``others`` with the seed and number of replications of an existing run, and compare them with it."""
    rest = run_many(others, n=base.n, seed=base.meta["seed"], jobs=jobs, progress=progress, engine=engine,
                    executor=executor)
    return compare_results(base, dict(zip(scenario_names(others), rest, strict=True)))


def scenario_names(scenarios: Sequence[Scenario]) -> list[str]:
    """A short name per scenario (its file's stem, else its title); repeats get a number."""
    names: list[str] = []
    for s in scenarios:
        name = Path(s.path).stem if s.path else s.title
        names.append(name if name not in names else f"{name}-{len(names)}")
    return names


# ---------------------------------------------------------------------------------------------- sweeps


def sweep(scenario: Scenario, kind: str, subject: str, values: Sequence[float], n: int = 1000,
          seed: int | None = None, jobs: int = 1, progress: bool | None = None, engine: str = "fast",
          executor=None) -> pd.DataFrame:
    """Target probabilities as a function of a shock's size, with common random numbers across steps.

    Parameters
    ----------
    kind : {"delay", "scale", "cut", "capacity"}
        ``delay``: postpone ``subject`` by each value (days); ``scale``: multiply its durations by each value;
        ``cut``: cut a fund's or pool's envelope by each share; ``capacity``: multiply a line's capacity.
    subject : str
        A milestone id or a tag (delay, scale), a fund or pool (cut), a line (capacity).
    values : sequence of float
        Shock sizes (days for delays, factors for scales and capacities, shares for cuts).
    executor : optional
        Where chunks run instead of ``jobs`` processes (a :class:`sim.executors.DaskExecutor`); results are identical.

    Returns
    -------
    pandas.DataFrame
        Long format: ``value, target, title, deadline, p_met, ci_low, ci_high, p50``.
    """
    select, change = SWEEPS[kind]
    ids = select(scenario, subject)
    frames = []
    steps = [change(scenario, ids, value) for value in values]
    every = run_many(steps, n=n, seed=scenario.seed if seed is None else seed, jobs=jobs, progress=progress,
                     engine=engine, executor=executor)  # one grid of (step, chunk) tasks
    for value, res in zip(values, every, strict=True):
        frame = res.targets[["target", "title", "deadline", "p_met", "ci_low", "ci_high", "p50"]].copy()
        frame.insert(0, "value", value)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------- drivers


@dataclass(frozen=True)
class InputGroups:
    """Per sampled input that varies, what every target's driver analysis needs.

    Attributes
    ----------
    names : list of str
        The inputs that vary (constant inputs drive nothing).
    rank_z : numpy.ndarray
        ``(replications, inputs)``: the ranks of each input as z-scores.
    low, high : numpy.ndarray
        ``(replications, inputs)`` bool: replications in the input's lower / upper ``decile`` (for a risk's
        ``occurs`` input: not occurring / occurring).
    """

    names: list
    rank_z: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, inputs: pd.DataFrame, decile: float) -> InputGroups:
        """Ranks and groups of every varying column of ``inputs`` (one row per replication)."""
        x = inputs.to_numpy(dtype=float)
        keep = np.ptp(x, axis=0) > 0 if x.size else np.zeros(x.shape[1], bool)
        names = [c for c, k in zip(inputs.columns, keep, strict=True) if k]
        x = x[:, keep]
        ranks = average_ranks(x)
        rank_z = (ranks - ranks.mean(axis=0)) / ranks.std(axis=0)
        occurs = np.array([n.endswith(":occurs") for n in names], dtype=bool)
        cuts = np.quantile(x, [decile, 1 - decile], axis=0) if len(names) else np.zeros((2, 0))
        low = np.where(occurs, x == 0, x <= cuts[0])
        high = np.where(occurs, x == 1, x >= cuts[1])
        return cls(names, rank_z, low, high)


def input_groups(results: Results, decile: float) -> InputGroups:
    """The :class:`InputGroups` of ``results``: computed once per results and decile, and kept with the results.

    The drivers of every target of a run share them (:meth:`sim.results.Results.derived` remembers them on the
    results object, so they live and go with it).
    """
    return results.derived(("input_groups", decile), lambda r: InputGroups.of(r.inputs, decile))


def _group_medians(times: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per column of ``masks``, the median (inverted CDF, as :func:`quantile_times`) of ``times`` in that group."""
    order = np.argsort(times, kind="stable")
    sorted_times = times[order]
    counts = masks.sum(axis=0)
    cum = np.cumsum(masks[order], axis=0)  # how many of the group are among the i smallest times
    out = np.full(masks.shape[1], np.nan)
    for count in np.unique(counts):
        if count == 0:
            continue
        cols = np.flatnonzero(counts == count)
        k = inverted_cdf_index(int(count), 0.5)
        out[cols] = sorted_times[np.argmax(cum[:, cols] >= k + 1, axis=0)]
    return out


def drivers(results: Results, target: str, decile: float = 0.1) -> pd.DataFrame:
    """What drives ``target``: every sampled input ranked by its effect on the target.

    Columns: ``input`` (name), ``label``, ``spearman`` (rank correlation of the input with the target's
    event time; censored times rank last), ``impact_pp`` (target probability with the input in its upper
    decile minus lower decile, in percentage points; for a risk's ``occurs`` input: occurring minus not),
    ``p50_low``/``p50_high`` (median event day in the lower/upper group; ``inf`` = beyond the horizon) and
    ``impact_days`` (their difference; NaN when either is beyond the horizon). Sorted by |impact_pp|.
    All inputs at once: ranks, groups and medians are array operations (the ranks and groups are computed once
    per run and shared by every target).
    """
    times = results.times(target)
    met = results.met(target).astype(float)
    labels = results.meta.get("labels", {})
    g = input_groups(results, decile)
    columns = ["input", "label", "spearman", "impact_pp", "p50_low", "p50_high", "impact_days"]
    usable = g.low.any(axis=0) & g.high.any(axis=0)
    if not usable.any():
        return pd.DataFrame(columns=columns)
    t_rank = average_ranks(times)
    if np.ptp(t_rank) > 0:
        t_z = (t_rank - t_rank.mean()) / t_rank.std()
        rho = (g.rank_z[:, usable] * t_z[:, None]).mean(axis=0)
    else:
        rho = np.zeros(int(usable.sum()))
    low, high = g.low[:, usable], g.high[:, usable]
    impact = 100 * (met @ high / high.sum(axis=0) - met @ low / low.sum(axis=0))
    p50_low, p50_high = _group_medians(times, low), _group_medians(times, high)
    with np.errstate(invalid="ignore"):
        days = np.where(np.isfinite(p50_low) & np.isfinite(p50_high), p50_high - p50_low, np.nan)
    names = [g.names[i] for i in np.flatnonzero(usable)]
    table = pd.DataFrame({"input": names, "label": [labels.get(n, n) for n in names], "spearman": rho,
                          "impact_pp": impact, "p50_low": p50_low, "p50_high": p50_high, "impact_days": days},
                         columns=columns)
    order = table["impact_pp"].abs().fillna(0) * 1000 + table["spearman"].abs().fillna(0)
    return table.loc[order.sort_values(ascending=False).index].reset_index(drop=True)


def all_drivers(results: Results, top: int = 10) -> pd.DataFrame:
    """The ``top`` drivers of every target, long format with a ``target`` column."""
    frames = []
    for target in results.targets.target:
        frame = drivers(results, target).head(top)
        frame.insert(0, "target", target)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def date_label(results: Results, days: float) -> str:
    """A day number as an ISO date, or "> horizon"."""
    date = cal.date_of(days, results.start)
    return date.isoformat() if date else "> horizon"


__all__ = ["Comparison", "compare", "compare_results", "compare_with", "scenario_names", "drivers", "all_drivers",
           "joint_probability", "sweep", "with_delay", "with_scale", "with_cut", "with_capacity", "select_milestones",
           "paired_difference", "date_label", "SWEEPS"]
