"""Insight on top of results: paired scenario comparisons, sweeps of a shock, and what drives each target.

Comparisons use common random numbers: every scenario runs with the same seed and named input streams, so
replication *i* of two scenarios differs only by what the scenarios change. The difference in a target's
probability is then estimated from per-replication paired differences, whose interval is far narrower than
the difference of two independent estimates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from . import calendar as cal
from .distributions import Fixed
from .results import Z95, Results, quantile_times
from .runner import run
from .scenario import Scenario, Shift

COMPARE_COLUMNS = ["scenario", "target", "title", "deadline", "p_base", "p_other", "diff", "diff_low", "diff_high",
                   "p50_base", "p50_other", "median_shift_days"]


def target_times(results: Results, target: str) -> np.ndarray:
    """Event time (days since start; ``inf`` = not by the horizon) of ``target`` in every replication."""
    return results.times(target)


def joint_probability(results: Results, targets: Sequence[str]) -> tuple[float, float, float]:
    """Probability that all ``targets`` are met by their own deadlines, with its 95 % Wilson interval."""
    from .results import wilson_interval

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
            for r in moved.head(rows).itertuples():
                title = r.title if len(r.title) <= 52 else r.title[:51] + "…"
                shift = "" if np.isnan(r.median_shift_days) else f"{r.median_shift_days:+.0f} days"
                out.append(f"  {title:<52} {r.p_base:>5.0%} {r.p_other:>5.0%} {100 * r.diff:>+7.1f}pp  "
                           f"[{100 * r.diff_low:+6.1f}, {100 * r.diff_high:+6.1f}]pp  {shift:>12}")
            unchanged = int((group["diff"] == 0).sum())
            if len(group) > rows:
                out.append(f"  … {len(group) - rows} more targets in compare.csv ({unchanged} unchanged)")
            out.append("")
        out.append("change: probability in this scenario minus the base, in percentage points, with the 95 % interval of "
                   "the paired difference; median shift: median over replications of how much later (+) or earlier "
                   "(−) the target is reached.")
        return "\n".join(out)

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "compare.csv"
        tmp = path.with_suffix(".csv.partial")
        self.table.to_csv(tmp, index=False, float_format="%.6g")
        tmp.replace(path)
        return path

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False, float_format=lambda x: f"{x:.3f}")


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
        for r in shared.itertuples():
            diff, low, high = paired_difference(base, other, r.target)
            tb, to = target_times(base, r.target), target_times(other, r.target)
            both = np.isfinite(tb) & np.isfinite(to)
            rows.append({
                "scenario": name, "target": r.target, "title": r.title, "deadline": r.deadline,
                "p_base": base_rows.loc[r.target, "p_met"], "p_other": r.p_met,
                "diff": diff, "diff_low": low, "diff_high": high,
                "p50_base": base_rows.loc[r.target, "p50"], "p50_other": r.p50,
                "median_shift_days": float(np.median(to[both] - tb[both])) if both.any() else np.nan,
            })
    return Comparison(pd.DataFrame(rows, columns=COMPARE_COLUMNS), base, others)


def compare(base: Scenario, others: Sequence[Scenario], n: int = 2000, seed: int | None = None, jobs: int = 1,
            progress: bool | None = None) -> Comparison:
    """Run ``base`` and ``others`` with common random numbers and compare every shared target.

    Parameters
    ----------
    base : Scenario
    others : sequence of Scenario
    n : int, default 2000
        Replications per scenario.
    seed : int, optional
        One seed for all (default: the base scenario's).
    """
    seed = base.seed if seed is None else seed
    base_results = run(base, n=n, seed=seed, jobs=jobs, progress=progress)
    seed = base_results.meta["seed"]
    named = {}
    for s in others:
        name = Path(s.path).stem if s.path else s.title
        named[name if name not in named else f"{name}-{len(named)}"] = run(s, n=n, seed=seed, jobs=jobs, progress=progress)
    return compare_results(base_results, named)


# ---------------------------------------------------------------------------------------------- sweeps


def with_delay(scenario: Scenario, milestones: Sequence[str], days: float) -> Scenario:
    """``scenario`` with the completion of ``milestones`` postponed by exactly ``days``."""
    shift = Shift("sweep:delay", Fixed(float(days)), tuple(milestones))
    return dataclasses.replace(scenario, shifts=scenario.shifts + (shift,))


def with_scale(scenario: Scenario, milestones: Sequence[str], factor: float) -> Scenario:
    """``scenario`` with the durations of ``milestones`` multiplied by ``factor``."""
    chosen = set(milestones)
    return dataclasses.replace(scenario, milestones=tuple(
        dataclasses.replace(m, scale=m.scale * factor) if m.id in chosen else m for m in scenario.milestones))


def select_milestones(scenario: Scenario, subject: str) -> list[str]:
    """Milestones named by ``subject``: a milestone id, or a tag (all milestones carrying it)."""
    ids = [m.id for m in scenario.milestones]
    if subject in ids:
        return [subject]
    tagged = [m.id for m in scenario.milestones if subject in m.tags]
    if not tagged:
        from .load import did_you_mean
        tags = sorted({t for m in scenario.milestones for t in m.tags})
        raise ValueError(f"'{subject}' is neither a milestone nor a tag of this scenario"
                         f"{did_you_mean(subject, ids + tags)}")
    return tagged


def sweep(scenario: Scenario, kind: str, subject: str, values: Sequence[float], n: int = 1000,
          seed: int | None = None, jobs: int = 1, progress: bool | None = None) -> pd.DataFrame:
    """Target probabilities as a function of a shock's size, with common random numbers across steps.

    Parameters
    ----------
    kind : {"delay", "scale"}
        ``delay``: postpone ``subject`` by each value (days); ``scale``: multiply its durations by each value.
    subject : str
        A milestone id or a tag.
    values : sequence of float
        Shock sizes (days for delays, factors for scales).

    Returns
    -------
    pandas.DataFrame
        Long format: ``value, target, title, deadline, p_met, ci_low, ci_high, p50``.
    """
    ids = select_milestones(scenario, subject)
    change = {"delay": with_delay, "scale": with_scale}[kind]
    frames = []
    for value in values:
        res = run(change(scenario, ids, value), n=n, seed=seed, jobs=jobs, progress=progress)
        frame = res.targets[["target", "title", "deadline", "p_met", "ci_low", "ci_high", "p50"]].copy()
        frame.insert(0, "value", value)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------- drivers


def drivers(results: Results, target: str, decile: float = 0.1) -> pd.DataFrame:
    """What drives ``target``: every sampled input ranked by its effect on the target.

    Columns: ``input`` (name), ``label``, ``spearman`` (rank correlation of the input with the target's
    event time; censored times rank last), ``impact_pp`` (target probability with the input in its upper
    decile minus lower decile, in percentage points; for a risk's ``occurs`` input: occurring minus not),
    ``p50_low``/``p50_high`` (median event day in the lower/upper group; ``inf`` = beyond the horizon) and
    ``impact_days`` (their difference; NaN when either is beyond the horizon). Sorted by |impact_pp|.
    """
    times = target_times(results, target)
    met = results.met(target)
    t_rank = stats.rankdata(times)
    labels = results.meta.get("labels", {})
    rows = []
    for name in results.inputs.columns:
        x = results.inputs[name].to_numpy()
        if np.ptp(x) == 0:
            continue
        rho = float(np.corrcoef(stats.rankdata(x), t_rank)[0, 1]) if np.ptp(t_rank) > 0 else 0.0
        if name.endswith(":occurs"):
            low, high = x == 0, x == 1
        else:
            lo_cut, hi_cut = np.quantile(x, [decile, 1 - decile])
            low, high = x <= lo_cut, x >= hi_cut
        if not low.any() or not high.any():
            continue
        p50_low = float(quantile_times(times[low][:, None], [0.5])[0, 0])
        p50_high = float(quantile_times(times[high][:, None], [0.5])[0, 0])
        days = p50_high - p50_low if np.isfinite(p50_low) and np.isfinite(p50_high) else np.nan
        rows.append({"input": name, "label": labels.get(name, name), "spearman": rho,
                     "impact_pp": 100 * (met[high].mean() - met[low].mean()),
                     "p50_low": p50_low, "p50_high": p50_high, "impact_days": days})
    table = pd.DataFrame(rows, columns=["input", "label", "spearman", "impact_pp", "p50_low", "p50_high", "impact_days"])
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


__all__ = ["Comparison", "compare", "compare_results", "drivers", "all_drivers", "joint_probability", "sweep",
           "with_delay", "with_scale", "select_milestones", "paired_difference", "date_label"]
