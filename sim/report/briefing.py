"""What the briefing says, computed once for every format.

The headline count with its Monte Carlo range, the roadmap's headline targets, where action matters, the
assumptions behind them and what changed since a reference forecast.

The scenario comes from the caller or from ``results.scenario`` (what was run); nothing is read from a file. A
run read back from a results folder carries no scenario: the briefing then says so on page one and lists its
drivers without what was assumed for them or their sources (:data:`sim.report.assumptions.NOT_AVAILABLE`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import charts, names
from ..analysis import Comparison, drivers
from ..formatting import DEFAULT_THRESHOLDS, check_thresholds, rag_status, signed
from ..labels import factor_label, input_labels, lever, lever_direction
from ..results import Results
from ..scenario import Scenario
from .assumptions import Assumption, assumption_of

__all__ = ["Action", "Briefing", "briefing", "on_track_range", "headline_targets", "scenario_note", "cell",
           "since_reference", "rows", "IN_PLAY", "ACTION_ROWS", "HEADLINE_MAX", "DRIVERS_IN_WORDS", "RUN_KEYS", "PP_NOTE"]

IN_PLAY = (0.05, 0.95)  # a target with a chance outside this range is near-certain or near-hopeless
ACTION_ROWS = 6  # targets where action matters shown on page one
HEADLINE_MAX = 12
DRIVERS_IN_WORDS = 3  # drivers per target whose assumptions are listed
RUN_KEYS = ("title", "scenario", "scenario_sha256", "seed", "iterations", "sampling", "engine", "package_version",
            "python", "numpy", "wall_time_s", "start", "horizon", "created", "correlations_repaired")
PP_NOTE = ("pp: change in the chance of meeting the deadline, in percentage points, when the input is high (its top "
           "10 %: a long duration, a slow shared factor) rather than low (its bottom 10 %), or when a risk occurs "
           "rather than not. Inputs whose effect could be Monte Carlo noise are not named (allowing for every input "
           "having been screened: Bonferroni, 95 %).")
RANGE_SEED = 20251016  # fixed: the headline range of a run is the same every time its briefing is built


def cell(row: pd.Series, key: str) -> Any:
    """The value ``key`` of a row of a results table (pandas types it as any scalar; callers convert it)."""
    return row[key]


def rows(table: pd.DataFrame) -> Iterator[Any]:
    """The rows of a results table as named tuples (columns as attributes; values as stored, callers convert)."""
    return table.itertuples(index=False)


@dataclass(frozen=True)
class Action:
    """A target still in play and what moves it.

    Attributes
    ----------
    row : pandas.Series
        Its row in ``results.targets``.
    drivers : pandas.DataFrame
        Its drivers table (:func:`sim.analysis.drivers`) with a ``noise`` column, in percentage points.
    named : pandas.DataFrame
        Its levers: the drivers beyond the noise that help when acted on (see :func:`sim.labels.lever_direction`),
        largest first.
    n : int
        Replications of the run.
    """

    row: pd.Series
    drivers: pd.DataFrame
    named: pd.DataFrame
    n: int

    @property
    def target(self) -> str:
        """The target's id."""
        return str(cell(self.row, "target"))

    @property
    def title(self) -> str:
        """The target's title."""
        return str(cell(self.row, "title"))

    @property
    def p_met(self) -> float:
        """The target's chance of being met by its deadline (0–1)."""
        return float(cell(self.row, "p_met"))

    @property
    def external(self) -> bool:
        """Whether its main lever is something other than the target's own work (its own duration)."""
        return bool(len(self.named)) and self.named["input"].iloc[0] != names.duration(self.target)

    @property
    def effect(self) -> float:
        """Percentage points the main driver moves the target's chance (0 when none stands out)."""
        return float(abs(self.named["impact_pp"].iloc[0])) if len(self.named) else 0.0

    def levers(self, k: int = 2, width: int = 60) -> list[tuple[str, float]]:
        """The ``k`` main levers in words with their effect in pp (positive: acting on it raises the chance)."""
        # Acting on an input means moving it towards its good end: the gain is the size of its effect.
        return [(lever(r.input, r.label, width), abs(float(r.impact_pp))) for r in rows(self.named.head(k))]


@dataclass
class Briefing:
    """Everything the briefing says, computed once for every format (see :func:`briefing`)."""

    results: Results
    scenario: Scenario | None
    scenario_note: str
    headline: pd.DataFrame  # rows of results.targets: the roadmap's headline targets
    actions: list[Action]  # targets in play, most movable first
    in_play: int  # how many targets are in play (whether or not a driver stands out)
    on_track: tuple[int, int, int]  # (low, count, high): targets GREEN, with its range over Monte Carlo noise
    assumptions: list[tuple[Assumption, list[tuple[str, str]]]]  # with (target title, effect) pairs
    comparison: Comparison | None = None
    reference: Results | None = None
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS
    counts: dict[str, int] = field(default_factory=dict)  # targets per RAG status
    sensitivity: pd.DataFrame | None = None  # global sensitivity (sim.sensitivity) of the run's scenario

    @property
    def with_lever(self) -> list[Action]:
        """The targets where action matters that have a driver beyond the noise, most movable first."""
        return [a for a in self.actions if len(a.named)]


def scenario_note(results: Results, scenario: Scenario | None) -> str:
    """What the reader must know about the scenario behind the assumptions: missing, or not the one run."""
    if scenario is None:
        return ("The results carry no scenario (they were read from a results folder): the assumptions and their "
                "sources cannot be listed. Build the briefing with the scenario: readiness report --scenario FILE, "
                "or build_report(..., scenario=sim.load(FILE)).")
    expected = results.meta.get("scenario_sha256")
    if expected and scenario.sha256 and expected != scenario.sha256:
        return (f"The scenario given is not the one run (sha256 {scenario.sha256[:12]}… instead of {expected[:12]}…): "
                f"the assumptions and sources shown are those of the scenario given.")
    return ""


def on_track_range(results: Results, thresholds: Sequence[float] = DEFAULT_THRESHOLDS, level: float = 0.9,
                   draws: int = 4000) -> tuple[int, int, int]:
    """How many targets are on track (chance ≥ the green threshold), with its range over Monte Carlo noise.

    Each target's true chance is uncertain given ``k`` of ``n`` replications met: its Jeffreys posterior is
    Beta(k + ½, n − k + ½). Drawing every target's chance from it and counting those at or above the green
    threshold gives the distribution of the count; its central ``level`` range is what another run with another
    seed could plausibly print. A fixed local seed keeps the briefing reproducible.

    Returns
    -------
    (int, int, int)
        ``(low, count, high)``: the range and the count in this run.
    """
    green, _ = check_thresholds(thresholds)
    p = results.targets["p_met"].to_numpy(dtype=float)
    n = results.n
    k = np.rint(p * n)
    rng = np.random.default_rng(RANGE_SEED)
    chances = rng.beta(k + 0.5, n - k + 0.5, size=(draws, len(p)))
    counts = (chances >= green).sum(axis=1)
    low, high = np.quantile(counts, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    count = int((p >= green).sum())
    return int(min(low, count)), count, int(max(high, count))


def headline_targets(results: Results, scenario: Scenario | None = None, limit: int = HEADLINE_MAX) -> pd.DataFrame:
    """The roadmap's headline targets, in the order of the scenario, at most ``limit``.

    They are the targets a scenario declares itself (combined and indicator targets, not a single milestone's own
    deadline), less those that are members of another declared target (the nine area gaps are summed up by "all
    gaps closed"). Without the scenario, every declared target.
    """
    targets = results.targets
    declared = [t for t in targets["target"] if f"target:{t}" in results.outcomes.columns]
    if scenario is not None:
        members = {m for t in scenario.targets if t.kind in ("all_of", "any_of") for m in t.members}
        declared = [t for t in declared if t not in members]
    if not declared:  # a scenario with milestone deadlines only: the earliest deadlines
        declared = list(targets.sort_values("deadline", kind="stable")["target"])
    return targets.set_index("target").loc[declared[:limit]].reset_index()


def _target_row(results: Results, target: str) -> pd.Series:
    return results.targets[results.targets["target"] == target].iloc[0]


def _drivers_with_noise(results: Results, target: str) -> pd.DataFrame:
    """The drivers table of ``target`` with the Monte Carlo noise of each impact (``noise``, pp)."""
    table = drivers(results, target)
    table["noise"] = charts.impact_noise(results, target, table["input"]) if len(table) else []
    return table


def _beyond_noise(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["impact_pp"].abs() > table["noise"].fillna(np.inf)]


def _levers(target: str, table: pd.DataFrame) -> pd.DataFrame:
    """The drivers of ``target`` beyond the noise that help when acted on; its own duration only as a last word."""
    named = _beyond_noise(table)
    # A lever helps when acted on: a longer payment delay that happens to raise a target's chance (an
    # interaction in the model) is no advice to delay payments.
    helps = [float(p) * lever_direction(name) > 0 for name, p in zip(named["input"], named["impact_pp"], strict=True)]
    named = named[helps] if len(named) else named
    # "Speed up X" is no advice for target X: its own duration is named only when nothing else stands out.
    others = named[named["input"] != names.duration(target)]
    return (others if len(others) else named).reset_index(drop=True)


def rank_actions(results: Results) -> tuple[list[Action], int]:
    """Targets in play ranked by how much their main driver (beyond the noise) moves them, and how many are in play.

    Targets whose main lever is their own work come after those with an external lever.
    """
    low, high = IN_PLAY
    in_play = results.targets[(results.targets["p_met"] >= low) & (results.targets["p_met"] <= high)]
    out = []
    for target in in_play["target"]:
        if charts.outcome_column(results, target) is None:
            continue
        table = _drivers_with_noise(results, target)
        out.append(Action(_target_row(results, target), table, _levers(target, table), results.n))
    out.sort(key=lambda a: (not a.external, -a.effect, a.target))
    return out, len(in_play)


def assumptions_behind(results: Results, scenario: Scenario | None, shown: list[Action],
                       headline: pd.DataFrame) -> list[tuple[Assumption, list[tuple[str, str]]]]:
    """The assumptions behind page one, each with the targets it moves (title, effect in pp).

    They are the drivers beyond the noise (at most :data:`DRIVERS_IN_WORDS` each) of the targets where action
    matters that page one shows (``shown``) and of the ``headline`` targets.
    """
    labels = results.meta.get("labels", {})
    tables = [(a.title, a.named) for a in shown]
    done = {a.target for a in shown}
    for target in headline["target"]:
        if target in done or charts.outcome_column(results, target) is None:
            continue
        tables.append((str(cell(_target_row(results, target), "title")),
                       _beyond_noise(_drivers_with_noise(results, target))))
    behind: dict[str, tuple[Assumption, list[tuple[str, str]]]] = {}
    for title, table in tables:
        for r in rows(table.head(DRIVERS_IN_WORDS)):
            label = charts.readable_label(labels.get(r.input, r.label))
            entry = behind.setdefault(r.input, (assumption_of(scenario, r.input, label), []))
            entry[1].append((title, signed(r.impact_pp, " pp")))
    return list(behind.values())


def briefing(results: Results, comparison: Comparison | None = None, scenario: Scenario | None = None,
             thresholds: Sequence[float] = DEFAULT_THRESHOLDS, reference: Results | None = None,
             sensitivity: pd.DataFrame | None = None) -> Briefing:
    """Compute what the briefing says.

    That is the headline and its range, the headline targets, where action matters, and the assumptions behind
    them.

    Parameters
    ----------
    results : sim.Results
    comparison : sim.analysis.Comparison, optional
    scenario : sim.Scenario, optional
        The scenario of the assumptions and sources; default ``results.scenario`` (what was run). Results read
        from a folder carry none: the briefing then says that the assumptions cannot be listed
        (:func:`scenario_note`).
    thresholds : (float, float), default (0.8, 0.5)
    reference : sim.Results, optional
        An earlier forecast: page one then says what changed since it.
    sensitivity : pandas.DataFrame, optional
        A global sensitivity analysis of the scenario (:func:`sim.sensitivity.sensitivity`, or its
        ``sensitivity.csv``): adds what decides the headline targets.
    """
    green_amber = check_thresholds(thresholds)
    scenario = scenario if scenario is not None else results.scenario
    note = scenario_note(results, scenario)
    if scenario is not None:
        # Labels in the words of this version, also for a run saved by an older one (its run.json keeps its own).
        labels = {**results.meta.get("labels", {}), **input_labels(scenario)}
        results = dataclasses.replace(results, meta={**results.meta, "labels": labels})
    actions, in_play = rank_actions(results)
    headline = headline_targets(results, scenario)
    shown = [a for a in actions if len(a.named)][:ACTION_ROWS]
    counts = {"GREEN": 0, "AMBER": 0, "RED": 0}
    for p in results.targets["p_met"]:
        counts[rag_status(float(p), green_amber)] += 1
    return Briefing(results, scenario, note, headline, actions, in_play, on_track_range(results, green_amber),
                    assumptions_behind(results, scenario, shown, headline), comparison, reference, green_amber, counts,
                    sensitivity)


def deciding_factors(b: Briefing, per_target: int = 3, targets: int = 8) -> list[tuple[str, list[tuple[str, float]]]]:
    """What decides each headline target most, from the global sensitivity analysis.

    Returns, for up to ``targets`` headline targets in the analysis, their title and their ``per_target``
    factors with the largest total index (Sobol' ST, or Morris μ*) of the target being met; ``[]`` without an
    analysis.
    """
    if b.sensitivity is None or not len(b.sensitivity):
        return []
    table = b.sensitivity[b.sensitivity["outcome"] == "met"]
    value = "ST" if table["method"].iloc[0] == "sobol" else "mu_star"
    labels = b.results.meta.get("labels", {})
    out = []
    for target in sensitivity_targets(b)[:targets]:
        rows = table[table["target"] == target].dropna(subset=[value]).nlargest(per_target, value)
        if len(rows):
            out.append((str(rows["title"].iloc[0]), [(factor_label(str(f), labels), float(v))
                                                     for f, v in zip(rows["factor"], rows[value], strict=True)]))
    return out


def sensitivity_targets(b: Briefing) -> list[str]:
    """The targets a sensitivity page shows: headline targets first, then the others, as the analysis has them."""
    if b.sensitivity is None:
        return []
    analysed = list(dict.fromkeys(b.sensitivity["target"]))
    first = [t for t in b.headline["target"] if t in set(analysed)]
    return first + [t for t in analysed if t not in set(first)]


def since_reference(b: Briefing, k: int = 5) -> tuple[str, list[tuple[str, float, float]]]:
    """What changed since the reference forecast: the headline count then, and the targets that moved most.

    Returns the sentence on the count then, and the ``k`` targets whose chance moved most, by at least half a
    percentage point, as (title, then, now); ``("", [])`` without a reference.
    """
    ref = b.reference
    if ref is None:
        return "", []
    then = {str(t): float(p) for t, p in zip(ref.targets["target"], ref.targets["p_met"], strict=True)}
    targets = b.results.targets
    now = {str(t): float(p) for t, p in zip(targets["target"], targets["p_met"], strict=True)}
    titles = {str(t): str(title) for t, title in zip(targets["target"], targets["title"], strict=True)}
    shared = [t for t in now if t in then]
    moved = sorted(shared, key=lambda t: -abs(now[t] - then[t]))[:k]
    low, count, high = on_track_range(ref, b.thresholds)
    created = str(ref.meta.get("created", ""))[:10]
    head = (f"Reference forecast {ref.meta.get('title', '')} ({created}): {low}–{high} on track then "
            f"({count} in that run).")
    status = b.scenario.status if b.scenario is not None else None
    if status is not None and "status" in targets:
        resolved = targets["status"].value_counts()
        head += (f" Since: {len(status.facts)} facts as of {status.as_of.day} {status.as_of:%b %Y} "
                 f"({resolved.get('met', 0)} targets met, {resolved.get('missed', 0)} missed).")
    return head, [(titles[t], then[t], now[t]) for t in moved if abs(now[t] - then[t]) >= 0.005]
