"""The briefing: what a decision maker reads in 30 seconds, then the evidence, on A4 landscape pages (PDF or
one PNG per page), as one self-contained HTML file, or as Markdown.

Page one: the headline with its Monte Carlo uncertainty ("4–6 of 70 targets on track"), the roadmap's headline
targets with their chance, P50 date and RAG status, and *where action matters* — the targets still in play,
ranked by how much their main driver moves them, each with its lever in plain words (and, given a reference
forecast, what changed since it). Then the full target dashboard (split across pages, by section, least likely
first), the milestone timeline, S-curves and tornado charts of the targets where action matters, fan charts of
money and production, the scenario comparison when given, and the assumptions behind the results with their
sources, the conventions and the run's metadata — so that every number can be traced to where it came from.

Every page is A4 landscape (297 × 210 mm): figures are built at that size and saved without cropping. The
scenario's assumptions are read from the scenario file named in ``results.meta['scenario']`` (resolved against
the shipped scenarios when the run was made elsewhere; a file changed since the run is flagged by its sha256).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.figure import Figure

from . import charts, names
from .atomic import write_atomic
from .formatting import DEFAULT_THRESHOLDS, check_thresholds, fmt_date, iso, pct, pct_range, rag_status, signed
from .labels import format_value, lever, lever_direction, observable_unit, shorten

FORMATS = ("pdf", "png", "md", "html", "xlsx")
A4 = (11.69, 8.27)  # landscape, inches
IN_PLAY = (0.05, 0.95)  # a target with a chance outside this range is near-certain or near-hopeless
ACTION_ROWS = 6
HEADLINE_MAX = 12
DASHBOARD_ROWS = 30  # rows (targets and section headers) per A4 dashboard page
TIMELINE_ROWS = 28
RUN_KEYS = ("title", "scenario", "scenario_sha256", "seed", "iterations", "sampling", "engine", "package_version",
            "python", "numpy", "wall_time_s", "start", "horizon", "created", "correlations_repaired")
DRIVERS_IN_WORDS = 3
PP_NOTE = ("pp: change in the chance of meeting the deadline, in percentage points, when the input is high (its top "
           "10 %: a long duration, a slow shared factor) rather than low (its bottom 10 %), or when a risk occurs "
           "rather than not. Inputs whose effect could be Monte Carlo noise are not named (allowing for every input "
           "having been screened: Bonferroni, 95 %).")

__all__ = ["build_report", "briefing", "Briefing", "Action", "Assumption", "scenario_of", "assumption_of",
           "headline_targets", "on_track_range", "FORMATS", "A4"]


# ---------------------------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Assumption:
    """A sampled input of the scenario with what was assumed and where it comes from."""

    input: str
    label: str
    assumed: str
    source: str
    element: str  # "milestone ID", "driver ID", …


@dataclass(frozen=True)
class Action:
    """A target still in play and what moves it: its row in ``results.targets``, its drivers table (with a
    ``noise`` column, pp) and its levers: the drivers beyond the noise that help when acted on (see
    :func:`sim.labels.lever_direction`), largest first.
    """

    row: pd.Series
    drivers: pd.DataFrame
    named: pd.DataFrame
    n: int

    @property
    def external(self) -> bool:
        """Whether its main lever is something other than the target's own work (its own duration)."""
        return bool(len(self.named)) and self.named["input"].iloc[0] != names.duration(self.row['target'])

    @property
    def effect(self) -> float:
        """Percentage points the main driver moves the target's chance (0 when none stands out)."""
        return float(abs(self.named["impact_pp"].iloc[0])) if len(self.named) else 0.0

    def levers(self, k: int = 2, width: int = 60) -> list[tuple[str, float]]:
        """The ``k`` main levers in words with their effect in pp (positive: acting on it raises the chance)."""
        out = []
        for r in self.named.head(k).itertuples():
            # Acting on an input means moving it towards its good end: the gain is the size of its effect.
            out.append((lever(r.input, r.label, width), abs(float(r.impact_pp))))
        return out

    def words(self, width: int = 60) -> str:
        """The drivers in a sentence; titles quoted in them are cut at a word boundary at ``width`` characters."""
        return _driver_words(self.named, self.n, width)


@dataclass
class Briefing:
    """Everything the briefing says, computed once for every format."""

    results: object
    scenario: object | None
    scenario_note: str
    headline: pd.DataFrame  # rows of results.targets: the roadmap's headline targets
    actions: list[Action]  # targets in play, most movable first
    in_play: int  # how many targets are in play (whether or not a driver stands out)
    on_track: tuple[int, int, int]  # (low, count, high): targets GREEN, with its range over Monte Carlo noise
    assumptions: list[tuple[Assumption, list[tuple[str, str]]]]  # with (target title, effect) pairs
    comparison: object | None = None
    reference: object | None = None
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS
    counts: dict = field(default_factory=dict)


def scenario_of(results):
    """The scenario a run was made from, loaded from ``results.meta['scenario']``, and a note for the reader.

    A relative path that does not exist from the current folder is looked up among the shipped scenarios
    (:func:`sim.shipped.resolve`); the sha256 recorded by the run tells whether it is the same file.

    Returns ``(scenario or None, note)``; the note says why the scenario is missing, or that the file has
    changed since the run (its sha256 differs), in which case sources are those of the current file.
    """
    from .load import ScenarioError, load
    from .shipped import resolve

    path = results.meta.get("scenario")
    if not path:
        return None, "The run does not name its scenario file: assumptions and sources cannot be listed."
    found = resolve(path)
    if found is None:
        return None, (f"Scenario file '{path}' not found from {Path.cwd()}: assumptions and sources cannot be "
                      f"listed. Build the report from the folder the run was made in, or name the file.")
    try:
        scenario = load(found)
    except ScenarioError as exc:
        return None, f"Scenario file '{found}' no longer loads ({len(exc.problems)} problems): sources not listed."
    expected = results.meta.get("scenario_sha256")
    if expected and scenario.sha256 and expected != scenario.sha256:
        return scenario, (f"Scenario file '{found}' has changed since the run (sha256 {scenario.sha256[:12]}… instead "
                          f"of {expected[:12]}…): the sources shown are those of the current file.")
    return scenario, ""


def _days_text(days: float) -> str:
    if not math.isfinite(days):
        return "never"
    if abs(days) < 61:
        return f"{days:.0f} days"
    months = days / (365.25 / 12)
    return f"{months:.1f} months" if abs(months) < 10 else f"{months:.0f} months"


def _spread(dist, fmt) -> str:
    """'median X (P10–P90 A to B)' of a distribution, or its value when fixed."""
    if dist is None:
        return ""
    if not hasattr(dist, "ppf"):
        return type(dist).__name__  # not a distribution object: say what it is rather than fail
    p10, p50, p90 = (float(v) for v in dist.ppf(np.array([0.1, 0.5, 0.9])))
    if math.isclose(p10, p90):
        return fmt(p50)
    low, high = fmt(p10), fmt(p90)
    # '1.62–1.88 million rounds per year' rather than the unit twice; '7 days to 5.1 months' keeps both.
    unit = next((low[i:] for i in range(len(low)) if low[i] == " " and high.endswith(low[i:])), "")
    if unit and not low[: len(low) - len(unit)].endswith((" ", "€")):
        return f"median {fmt(p50)} (P10–P90 {low[: len(low) - len(unit)]}–{high[: len(high) - len(unit)]}{unit})"
    return f"median {fmt(p50)} (P10–P90 {low} to {high})"


def _find(items, key: str):
    return next((x for x in items if getattr(x, "id", None) == key), None)


# Which element of the scenario holds an input's source: input kind → its collection on the scenario.
_OWNERS = {"funding": "milestones", "order": "milestones", "milestone": "milestones", "driver": "drivers",
           "risk": "risks", "fund": "funds", "indicator": "indicators", "line": "lines"}
_DAY_INPUTS = ("duration", "delay", "lag", "first_output")


def _input_format(name: str, scenario):
    """How to write a value of the input ``name`` with its unit: days/months, %, € bn, units, ×."""
    parts = name.split(":")
    kind, last = parts[0], parts[-1]
    if last in _DAY_INPUTS:
        return _days_text
    if last in ("realisation", "cut", "capacity_cut", "growth") or kind == "indicator":
        return lambda v: f"{v * 100:.0f} %"
    if kind == "driver" or last == "scale":
        return lambda v: f"×{v:.2f}"
    if last in ("envelope", "amount"):
        return lambda v: format_value(v, "€ bn")
    if kind == "line" and last in ("capacity", "target"):
        unit = observable_unit(f"{parts[1]}.capacity", scenario)
        return lambda v: format_value(v, unit)
    if kind == "order":
        line = _find(getattr(scenario, "lines", ()), parts[2]) if len(parts) > 3 else None
        unit = getattr(line, "unit", "") or "units"
        return lambda v: format_value(v, unit)
    return lambda v: f"{v:.3g}"


def assumption_of(scenario, name: str, label: str = "") -> Assumption:
    """What a named input assumes, and its ``source`` in the scenario.

    Names follow :func:`sim.scenario.uncertain_inputs`: ``milestone:ID:duration``, ``driver:ID``,
    ``risk:ID:occurs|delay|time|…``, ``fund:ID:…``, ``funding:MILESTONE:POOL:…`` (the programme's source),
    ``indicator:ID:…``, ``line:ID:…``, ``order:MILESTONE:…``, ``shock:K:delay``. The assumed distribution is
    summarised by its median and P10–P90, each with its unit (days or months, %, € bn, units, ×).
    """
    parts = name.split(":")
    kind, key = parts[0], parts[1] if len(parts) > 1 else ""
    label = label or charts.readable_label(name)
    where = f"{kind} {key}".strip()
    if scenario is None:
        return Assumption(name, label, "", "(scenario file not available)", where)
    dist = dict(scenario.inputs()).get(name)
    fmt = _input_format(name, scenario)
    if kind == "shock":
        try:
            shock = scenario.shocks[int(key)]
        except (ValueError, IndexError):
            shock = None
        if shock is not None:
            return Assumption(name, label, shock.description, shock.source or "(no source given)", "shock")
    element = _find(getattr(scenario, _OWNERS.get(kind, kind + "s"), ()), key)
    if element is None:
        return Assumption(name, label, _spread(dist, fmt), "(source not found in the scenario)", where)
    if kind == "risk" and parts[-1] == "occurs":
        window = f" in {element.window_text}" if getattr(element, "window_text", "") else ""
        assumed = f"probability {pct(element.probability)}{window}; delay {_spread(element.delay, _days_text)}"
    elif kind == "risk" and parts[-1] == "time":
        assumed = f"uniform over {element.window_text}" if getattr(element, "window_text", "") else ""
    elif kind == "driver":
        assumed = "durations " + _spread(element.factor, lambda v: f"×{v:.2f}").replace("median ", "median ")
    else:
        assumed = _spread(dist, fmt)
    owner = _OWNERS.get(kind, kind + "s")[:-1]
    return Assumption(name, label, assumed, getattr(element, "source", ""), f"{owner} {key}")


def _driver_words(named: pd.DataFrame, n: int, width: int = 60, unit: str = " pp") -> str:
    if named.empty:
        return f"No single input stands out from the Monte Carlo noise at {n:,} replications.".replace(",", "\u202f")
    column = "impact_days" if unit == " days" else "impact_pp"
    parts = [f"{charts.driver_phrase(r.label, width)} ({signed(getattr(r, column), unit)})" for r in named.itertuples()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Driven most by {listed}."


def on_track_range(results, thresholds: Sequence[float] = DEFAULT_THRESHOLDS, level: float = 0.9,
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
    rng = np.random.default_rng(20251016)
    chances = rng.beta(k + 0.5, n - k + 0.5, size=(draws, len(p)))
    counts = (chances >= green).sum(axis=1)
    low, high = np.quantile(counts, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    count = int((p >= green).sum())
    return int(min(low, count)), count, int(max(high, count))


def headline_targets(results, scenario=None, limit: int = HEADLINE_MAX) -> pd.DataFrame:
    """The roadmap's headline targets: the targets a scenario declares itself (combined and indicator targets,
    not a single milestone's own deadline), less those that are members of another declared target (the nine
    area gaps are summed up by "all gaps closed"). Without the scenario, every declared target. In the order
    of the scenario, at most ``limit``.
    """
    targets = results.targets
    declared = [t for t in targets["target"] if f"target:{t}" in results.outcomes.columns]
    if scenario is not None:
        members = {m for t in scenario.targets if t.kind in ("all_of", "any_of") for m in t.members}
        declared = [t for t in declared if t not in members]
    if not declared:  # a scenario with milestone deadlines only: the earliest deadlines
        declared = list(targets.sort_values("deadline", kind="stable")["target"])
    chosen = targets.set_index("target").loc[declared[:limit]].reset_index()
    return chosen


def _actions(results, thresholds) -> tuple[list[Action], int]:
    """Targets in play ranked by how much their main driver (beyond the noise) moves them."""
    from .analysis import drivers

    low, high = IN_PLAY
    in_play = results.targets[(results.targets["p_met"] >= low) & (results.targets["p_met"] <= high)]
    out = []
    for row in in_play.itertuples(index=False):
        if charts.outcome_column(results, row.target) is None:
            continue
        table = drivers(results, row.target)
        table["noise"] = charts.impact_noise(results, row.target, table["input"]) if len(table) else []
        named = table[table["impact_pp"].abs() > table["noise"].fillna(np.inf)]
        # A lever helps when acted on: a longer payment delay that happens to raise a target's chance (an
        # interaction in the model) is no advice to delay payments.
        helps = [float(p) * lever_direction(name) > 0 for name, p in zip(named["input"], named["impact_pp"])]
        named = named[helps] if len(named) else named
        # "Speed up X" is no advice for target X: its own duration is named only when nothing else stands out.
        others = named[named["input"] != names.duration(row.target)]
        series = results.targets[results.targets["target"] == row.target].iloc[0]
        out.append(Action(series, table, (others if len(others) else named).reset_index(drop=True), results.n))
    out.sort(key=lambda a: (not a.external, -a.effect, a.row["target"]))
    return out, len(in_play)


def briefing(results, comparison=None, scenario=None, thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
             reference=None) -> Briefing:
    """Compute what the briefing says: the headline and its range, the headline targets, where action matters,
    and the assumptions behind them.

    Parameters
    ----------
    results : sim.Results
    comparison : sim.analysis.Comparison, optional
    scenario : sim.Scenario, optional
        Default loaded from ``results.meta['scenario']`` (see :func:`scenario_of`).
    thresholds : (float, float), default (0.8, 0.5)
    reference : sim.Results, optional
        An earlier forecast: page one then says what changed since it.
    """
    thresholds = check_thresholds(thresholds)
    note = ""
    if scenario is None:
        scenario, note = scenario_of(results)
    if scenario is not None:
        # Labels in the words of this version, also for a run saved by an older one (its run.json keeps its own).
        from .labels import input_labels

        results = dataclasses.replace(results, meta={**results.meta, "labels": {**results.meta.get("labels", {}),
                                                                                **input_labels(scenario)}})
    labels = results.meta.get("labels", {})
    actions, in_play = _actions(results, thresholds)
    headline = headline_targets(results, scenario)
    behind: dict[str, tuple[Assumption, list[tuple[str, str]]]] = {}
    # The assumptions behind page one: the drivers beyond the noise (at most three each) of the targets where
    # action matters that it shows and of the headline targets, each with the targets it moves.
    shown = [a for a in actions if len(a.named)][:ACTION_ROWS]
    tables = [(a.row, a.named) for a in shown]
    done = {a.row["target"] for a in shown}
    for row in headline.itertuples(index=False):
        if row.target in done or charts.outcome_column(results, row.target) is None:
            continue
        from .analysis import drivers

        table = drivers(results, row.target)
        table["noise"] = charts.impact_noise(results, row.target, table["input"]) if len(table) else []
        table = table[table["impact_pp"].abs() > table["noise"].fillna(np.inf)]
        tables.append((results.targets[results.targets["target"] == row.target].iloc[0], table))
    for row, table in tables:
        for r in table.head(DRIVERS_IN_WORDS).itertuples():
            effect = signed(r.impact_pp, " pp")
            label = charts.readable_label(labels.get(r.input, r.label))
            entry = behind.setdefault(r.input, (assumption_of(scenario, r.input, label), []))
            entry[1].append((str(row["title"]), effect))
    counts = {"GREEN": 0, "AMBER": 0, "RED": 0}
    for p in results.targets["p_met"]:
        counts[rag_status(float(p), thresholds)] += 1
    return Briefing(results, scenario, note, headline, actions, in_play, on_track_range(results, thresholds),
                    list(behind.values()), comparison, reference, thresholds, counts)


def _headline(b: Briefing) -> str:
    low, count, high = b.on_track
    n = sum(b.counts.values())
    span = f"{low}–{high}" if low != high else f"{count}"
    return f"{span} of {n} targets on track"


def _headline_detail(b: Briefing) -> str:
    green, amber = b.thresholds
    low, count, high = b.on_track
    return (f"On track: at least {pct(green)} chance of meeting the deadline. {count} in this run; the range is "
            f"what another run could show (90 %, Monte Carlo noise at {b.results.n:,} replications). "
            f"{b.counts['AMBER']} AMBER ({pct(amber)} to {pct(green)}), {b.counts['RED']} RED (below {pct(amber)})."
            ).replace(",", "\u202f")


def _run_line(results) -> str:
    m = results.meta
    created = str(m.get("created", ""))[:10] or "unknown date"
    return (f"{results.n:,} replications · seed {m.get('seed')} · start {m.get('start')} · horizon {m.get('horizon')} · "
            f"run {created} · readiness-sim {m.get('package_version', '?')}").replace(",", "\u202f")


def _p_date(value) -> str:
    d = iso(value)
    return fmt_date(d) if d else "beyond the horizon"


def _target_line(row) -> str:
    deadline = iso(row["deadline"])
    return (f"{pct(float(row['p_met']))} chance by {fmt_date(deadline) if deadline else '—'} "
            f"(95 % interval {pct_range(float(row['ci_low']), float(row['ci_high']))}); "
            f"P50 {_p_date(row['p50'])}, P80 {_p_date(row['p80'])}")


def _changes(b: Briefing, k: int = 5) -> tuple[str, list[tuple[str, float, float]]]:
    """Against the reference forecast: the headline count then, and the ``k`` targets whose chance moved most
    (title, then, now).
    """
    ref = b.reference
    if ref is None:
        return "", []
    then = ref.targets.set_index("target")["p_met"]
    now = b.results.targets.set_index("target")
    shared = [t for t in now.index if t in then.index]
    moved = sorted(shared, key=lambda t: -abs(float(now.at[t, "p_met"]) - float(then[t])))[:k]
    low, count, high = on_track_range(ref, b.thresholds)
    created = str(ref.meta.get("created", ""))[:10]
    head = (f"Reference forecast {ref.meta.get('title', '')} ({created}): {low}–{high} on track then "
            f"({count} in that run).")
    status = getattr(b.scenario, "status", None)
    if status is not None and "status" in b.results.targets:
        resolved = b.results.targets["status"].value_counts()
        head += (f" Since: {len(status.facts)} facts as of {status.as_of.day} {status.as_of:%b %Y} "
                 f"({resolved.get('met', 0)} targets met, {resolved.get('missed', 0)} missed).")
    return head, [(str(now.at[t, "title"]), float(then[t]), float(now.at[t, "p_met"])) for t in moved
                  if abs(float(now.at[t, "p_met"]) - float(then[t])) >= 0.005]


# ---------------------------------------------------------------------------------------------- pages


class _TextPage:
    """Lines of text laid out top-down in points on a figure region; measures its own height."""

    def __init__(self, width_in: float):
        self.width_in = width_in
        self.lines: list[tuple[str, float, str, str, float]] = []  # text, size, weight, colour, space before

    def add(self, text: str, size: float = 10, weight: str = "normal", colour: str = "black", before: float = 0,
            indent: int = 0):
        chars = int((self.width_in - 0.5) * 72 / (size * (0.62 if weight == "bold" else 0.57))) - indent
        wrapped = textwrap.wrap(text, max(chars, 20), break_on_hyphens=False) or [""]
        for i, line in enumerate(wrapped):
            self.lines.append((" " * indent + line if indent else line, size, weight, colour, before if i == 0 else 0))

    @property
    def height_pt(self) -> float:
        return sum(size * 1.35 + before for _, size, _, _, before in self.lines) + 8

    def draw(self, fig_or_sub, top: float = 4.0) -> None:
        y = top  # points from the top
        base = fig_or_sub.transSubfigure if hasattr(fig_or_sub, "transSubfigure") else fig_or_sub.transFigure
        for text, size, weight, colour, before in self.lines:
            y += before + size * 1.35
            where = transforms.offset_copy(base, fig=fig_or_sub.figure if hasattr(fig_or_sub, "figure") else fig_or_sub,
                                           x=0.25 * 72, y=-y, units="points")
            fig_or_sub.text(0, 1, text, transform=where, fontsize=size, fontweight=weight, color=colour,
                            ha="left", va="baseline")


def _a4(layout: str | None = "constrained") -> Figure:
    """An A4 landscape figure: every page of the briefing has this size (saved without cropping)."""
    return Figure(figsize=A4, layout=layout)


def _a4_axes():
    fig = _a4()
    return fig.add_subplot()


def _page_title(ax, suffix: str = "") -> Figure:
    """Move the chart's title (placed over the axes, right of the tick labels) to the top of the page, where the
    whole width is free, wrapped at word boundaries; returns the figure.
    """
    text = " ".join(ax.get_title(loc="left").split()) + suffix
    ax.set_title("", loc="left")
    fig = ax.figure
    # Bold glyphs are ~15 % wider than the average _wrap assumes.
    fig.suptitle("\n".join(_wrap(text, A4[0] - 0.6, 12.5 * 1.15, 3)), x=0.012, ha="left", fontsize=12.5,
                 fontweight="bold")
    return fig


class _Writer:
    """Text placed top-down on an A4 figure in inches from its top-left corner."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.w, self.h = fig.get_size_inches()

    def text(self, x: float, y: float, s: str, size: float = 9, weight: str = "normal", colour: str = "black",
             **kw):
        return self.fig.text(x / self.w, 1 - y / self.h, s, fontsize=size, fontweight=weight, color=colour,
                             ha=kw.pop("ha", "left"), va=kw.pop("va", "baseline"), **kw)

    def box(self, x: float, y: float, width: float, height: float, colour: str, **kw):
        from matplotlib.patches import Rectangle

        rect = Rectangle((x / self.w, 1 - (y + height) / self.h), width / self.w, height / self.h,
                         transform=self.fig.transFigure, facecolor=colour, edgecolor="none", **kw)
        self.fig.patches.append(rect)
        return rect


def _chars(width_in: float, size: float) -> int:
    """Characters of DejaVu Sans at ``size`` pt that fit ``width_in`` inches (~0.55 em per character)."""
    return max(int(width_in * 72 / (size * 0.55)), 10)


def _wrap(text: str, width_in: float, size: float, lines: int | None = None) -> list[str]:
    """``text`` wrapped at word boundaries to ``width_in`` inches; at most ``lines`` lines, the last one ending in
    an ellipsis when text is left out.
    """
    wrapped = textwrap.wrap(" ".join(str(text).split()), _chars(width_in, size), break_on_hyphens=False) or [""]
    if lines is not None and len(wrapped) > lines:
        rest = " ".join(wrapped[lines - 1:])
        wrapped = wrapped[: lines - 1] + [shorten(rest, _chars(width_in, size))]
    return wrapped


def _page_one(b: Briefing) -> Figure:
    """One A4 page: headline with its range, the headline targets, where action matters (and what changed)."""
    r = b.results
    fig = _a4(layout=None)
    w = _Writer(fig)
    left, width = 0.45, A4[0] - 0.9
    y = 0.62
    w.text(left, y, shorten(f"Readiness briefing — {r.meta.get('title', '')}", _chars(width, 15)), 15, "bold")
    y += 0.48
    w.text(left, y, _headline(b), 22, "bold", gid="headline")
    y += 0.3
    for line in _wrap(_headline_detail(b), width, 9.5):
        w.text(left, y, line, 9.5, colour="#333333")
        y += 0.17
    w.text(left, y, _run_line(r), 8, colour="#666666")
    y += 0.16
    if b.scenario_note:
        for line in _wrap(b.scenario_note, width, 8, 2):
            w.text(left, y, line, 8, colour="#8a3b00")
            y += 0.15
    top = y + 0.25

    # Left: the headline targets.
    col_w = 6.55
    y = top
    w.text(left, y, "The roadmap's headline targets", 12.5, "bold")
    y += 0.27
    x_status, x_title, x_by, x_p, x_p50 = left, left + 0.72, left + 4.0, left + 5.05, left + 5.75
    for x, head in ((x_status, "Status"), (x_title, "Target"), (x_by, "Deadline"), (x_p, "Chance"),
                    (x_p50, "P50 date")):
        w.text(x, y, head, 8, "bold", colour="#444444")
    y += 0.08
    fig.add_artist(_rule(w, left, y, col_w))
    foot = ("Chance: share of replications meeting the deadline (any time on that day); small print: its 95 % "
            "interval (Monte Carlo noise only). P50: the date by which half the replications are done. Lever: "
            "moving that input from its worst to its best 10 % of replications changes the chance by up to this "
            "many percentage points.")
    foot_lines = _wrap(foot, col_w, 7.5, lines=4)
    # the table ends where the foot note (under it) still fits above the page footer
    table_end = A4[1] - 0.5 - 0.3 - 0.14 * len(foot_lines)
    rows = list(b.headline.itertuples(index=False))
    for shown_rows, row in enumerate(rows):
        lines = _wrap(row.title, x_by - x_title - 0.1, 8.5, 2)
        height = 0.155 * len(lines) + 0.11
        if y + height > table_end:  # no room: say how many more there are instead of overprinting the foot
            w.text(x_title, y + 0.2, f"+ {len(rows) - shown_rows} more headline target"
                   f"{'s' if len(rows) - shown_rows > 1 else ''}: see the dashboard pages", 8, colour="#555555")
            y += 0.3
            break
        status = charts.target_status(float(row.p_met), getattr(row, "status", "open"), b.thresholds)
        w.box(x_status, y + 0.06, 0.64, height - 0.08, charts.RAG_COLOURS[status])
        w.text(x_status + 0.32, y + 0.06 + (height - 0.08) / 2, status, 7, "bold",
               colour="white" if status != "AMBER" else "black", ha="center", va="center")
        for i, line in enumerate(lines):
            w.text(x_title, y + 0.2 + 0.16 * i, line, 8.5)
        deadline = iso(row.deadline)
        w.text(x_by, y + 0.2, fmt_date(deadline) if deadline else "—", 8.5)
        w.text(x_p + 0.45, y + 0.2, pct(float(row.p_met), b.thresholds), 9.5, "bold", ha="right")
        w.text(x_p + 0.45, y + 0.36, pct_range(float(row.ci_low), float(row.ci_high)), 6.5, colour="#555555",
               ha="right")
        w.text(x_p50, y + 0.2, _p_date(row.p50).replace("beyond the horizon", "after horizon"), 8.5)
        y += height
        fig.add_artist(_rule(w, left, y, col_w, colour="#dddddd"))
    bottom_left = y

    # Right: where action matters.
    x0 = left + col_w + 0.3
    right_w = A4[0] - 0.45 - x0
    y = top
    w.text(x0, y, "Where action matters", 12.5, "bold")
    y += 0.2
    low, high = IN_PLAY
    head, moved = _changes(b, 4)
    # With a reference forecast, what changed takes the room of the last two targets where action matters.
    shown = [a for a in b.actions if len(a.named)][:ACTION_ROWS - (2 if head else 0)]
    intro = (f"{b.in_play} targets are still in play (chance {pct(low)}–{pct(high)}); those whose main driver "
             f"moves them most, with the lever:")
    for line in _wrap(intro, right_w, 8):
        y += 0.15
        w.text(x0, y, line, 8, colour="#444444")
    y += 0.1
    for i, action in enumerate(shown, 1):
        y += 0.2
        status = rag_status(float(action.row["p_met"]), b.thresholds)
        title_lines = _wrap(f"{i}. {action.row['title']}", right_w - 0.8, 8.5, 2)
        for k, line in enumerate(title_lines):
            w.text(x0, y + 0.155 * k, line, 8.5, "bold")
        w.text(x0 + right_w, y, pct(float(action.row["p_met"]), b.thresholds), 9, "bold", ha="right",
               colour=charts.RAG_COLOURS[status] if status != "AMBER" else "#9a6500")
        y += 0.155 * (len(title_lines) - 1)
        name, gain = action.levers(1, 70)[0]
        for line in _wrap(f"Lever: {name} (up to {gain:.0f} pp)", right_w - 0.15, 8, 2):
            y += 0.15
            w.text(x0 + 0.15, y, line, 8, colour="#222222")
        y += 0.04
    silent = b.in_play - len([a for a in b.actions if len(a.named)])
    if silent > 0:
        y += 0.22
        for line in _wrap(f"{silent} other targets in play have no single driver beyond the Monte Carlo noise.",
                          right_w, 7.5):
            w.text(x0, y, line, 7.5, colour="#555555")
            y += 0.14
    if head:
        y += 0.35
        w.text(x0, y, "What changed since the reference forecast", 10, "bold")
        for line in _wrap(head, right_w, 7.5):
            y += 0.15
            w.text(x0, y, line, 7.5)
        for title, then, now in moved:
            y += 0.15
            change = f": {pct(then)} → {pct(now)}"  # the numbers are what matters: only the title is cut
            w.text(x0, y, shorten(title, _chars(right_w, 7.5) - len(change)) + change, 7.5)

    # Foot: how to read (under the left column: the right one may run lower).
    y = bottom_left + 0.3
    for line in foot_lines:
        w.text(left, y, line, 7.5, colour="#555555")
        y += 0.14
    charts.add_footer(fig, r)
    return fig


def _rule(w: _Writer, x: float, y: float, width: float, colour: str = "#888888"):
    from matplotlib.lines import Line2D

    return Line2D([x / w.w, (x + width) / w.w], [1 - y / w.h] * 2, transform=w.fig.transFigure, color=colour, lw=0.6)


def _dashboard_pages(b: Briefing) -> list:
    """The whole dashboard, by section and least likely first, on A4 pages of at most DASHBOARD_ROWS rows."""
    r = b.results
    targets = r.targets.assign(_section=r.targets["section"].fillna("other").astype(str),
                               _deadline=[iso(d) or dt.date.max for d in r.targets["deadline"]])
    order = list(dict.fromkeys(targets["_section"]))
    targets = targets.assign(_rank=targets["_section"].map(order.index)).sort_values(
        ["_rank", "p_met", "_deadline", "title"], kind="stable")
    pages, current, section, rows = [], [], None, 0
    for t, sec in zip(targets["target"], targets["_section"]):
        extra = 2 if sec != section else 1  # a section header takes a row
        if current and rows + extra > DASHBOARD_ROWS:
            pages.append(current)
            current, rows, section = [], 0, None
            extra = 2
        current.append(t)
        rows += extra
        section = sec
    if current:
        pages.append(current)
    low, count, high = b.on_track
    builders = []
    for i, ids in enumerate(pages, 1):
        part = dataclasses.replace(r, targets=r.targets[r.targets["target"].isin(ids)])
        title = (f"Every target by section, least likely first — page {i} of {len(pages)} · "
                 f"{_headline(b)} ({count} in this run)")

        def build(part=part, title=title):
            ax = _a4_axes()
            charts.plot_dashboard(part, b.thresholds, ax=ax, title=title)
            return _page_title(ax)

        builders.append(build)
    return builders


def _timeline_pages(b: Briefing) -> list:
    r = b.results
    table = r.milestones[r.milestones["deadline"].map(iso).notna()]
    if table.empty:
        return []
    table = table.assign(_section=table["section"].fillna("other").astype(str),
                         _deadline=[iso(d) for d in table["deadline"]])
    order = list(dict.fromkeys(table["_section"]))
    table = table.assign(_rank=table["_section"].map(order.index)).sort_values(["_rank", "_deadline"], kind="stable")
    pages, current, section, rows = [], [], None, 0
    for m, sec in zip(table["milestone"], table["_section"]):
        extra = 2 if sec != section else 1
        if current and rows + extra > TIMELINE_ROWS:
            pages.append(current)
            current, rows, section, extra = [], 0, None, 2
        current.append(m)
        rows += extra
        section = sec
    pages.append(current)

    def build(ids, i):
        ax = _a4_axes()
        charts.plot_timeline(r, ax=ax, milestones=ids, thresholds=b.thresholds)
        return _page_title(ax, f" — milestone timeline, page {i} of {len(pages)}" if len(pages) > 1 else "")

    return [lambda ids=ids, i=i: build(ids, i) for i, ids in enumerate(pages, 1)]


def _assumption_pages(b: Briefing) -> list[Figure]:
    r = b.results
    width = A4[0]
    page = _TextPage(width)
    page.add("The assumptions that drive the results, and their sources", size=15, weight="bold")
    page.add("The main drivers (beyond the Monte Carlo noise) of the headline targets and of the targets where "
             "action matters on page one, with what the scenario assumes for them and where that comes from. "
             "Durations are before shared factors and risks scale or delay them. Every input: the Excel export.",
             size=9.5, colour="#444444", before=2)
    if b.scenario_note:
        page.add(b.scenario_note, size=9.5, colour="#8a3b00", before=2)
    sources: dict[str, str] = {}
    for assumption, drives in b.assumptions:
        page.add(assumption.label, size=10.5, weight="bold", before=8)
        if assumption.assumed:
            page.add(f"Assumed: {assumption.assumed}", size=9.5, indent=4)
        source = assumption.source or "(none given)"
        if source in sources and len(source) > 60:  # one source for several inputs: not the paragraph again
            page.add(f"Source: as for ‘{shorten(sources[source], 80)}’ above", size=9.5, indent=4)
        else:
            page.add(f"Source: {source}", size=9.5, indent=4)
            sources.setdefault(source, assumption.label)
        page.add(f"Drives: {_drives_text(drives, 60)}", size=9, colour="#444444", indent=4)
    shocks = r.meta.get("shocks") or []
    if shocks:
        page.add("Changes against the scenario it extends (shocks)", size=12, weight="bold", before=12)
        for s in shocks:
            page.add(f"{s.get('kind', '')}: {s.get('what', '')} — source: {s.get('source') or '(none given)'}",
                     size=9.5, indent=2)
    page.add("Conventions", size=12, weight="bold", before=12)
    page.add(str(r.meta.get("conventions", "(not recorded)")), size=9.5)
    page.add("How to read the numbers", size=12, weight="bold", before=10)
    page.add("Chance (P(met)): share of replications meeting the deadline (any time on that day), with its 95 % "
             "Wilson interval, which reflects Monte Carlo noise only, not the uncertainty of the assumptions. "
             "P50/P80: dates by which 50 %/80 % of replications are done. RAG: GREEN at least "
             f"{pct(b.thresholds[0])}, AMBER at least {pct(b.thresholds[1])}, RED below. {PP_NOTE}", size=9.5)
    page.add("Run", size=12, weight="bold", before=10)
    m = r.meta
    for key in RUN_KEYS:
        if key in m:
            page.add(f"{key}: {m[key]}", size=9, indent=2)
    # A4 pages of at most ~7.3 in of text; an entry (a line with space before it and its continuations) is never
    # split across pages.
    blocks: list[list] = []
    for line in page.lines:
        if line[4] > 0 or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    pages, current, height = [], [], 0.0
    for block in blocks:
        h = sum(line[1] * 1.35 + line[4] for line in block)
        if current and height + h > 7.3 * 72:
            pages.append(current)
            current, height = [], 0.0
        current.extend(block)
        height += h
    pages.append(current)
    figures = []
    for lines in pages:
        chunk = _TextPage(width)
        chunk.lines = lines
        fig = _a4(layout=None)
        chunk.draw(fig, top=0.35 * 72)
        charts.add_footer(fig, r)
        figures.append(fig)
    return figures


def _fan_page(b: Briefing, observable: str) -> Figure:
    ax = _a4_axes()
    charts.plot_fan(b.results, observable, ax=ax, targets=charts.indicator_targets(b.scenario, observable, b.results),
                    label=charts.observable_label(b.results, observable, b.scenario),
                    unit=observable_unit(observable, b.scenario))
    return _page_title(ax)


def _chart_targets(b: Briefing, k: int = 5) -> list[str]:
    """Targets whose S-curve and tornado are drawn: where action matters (with a driver beyond the noise)."""
    return [a.row["target"] for a in b.actions if len(a.named)][:k]


def _pages(b: Briefing):
    """Page builders in order; each returns an A4 landscape Figure (built outside pyplot)."""
    r = b.results
    yield lambda: _page_one(b)
    yield from _dashboard_pages(b)
    yield from _timeline_pages(b)
    for target in _chart_targets(b):
        action = next(a for a in b.actions if a.row["target"] == target)

        def s_curve(t=target):
            ax = _a4_axes()
            charts.plot_s_curve(r, t, ax=ax, thresholds=b.thresholds)
            return _page_title(ax)

        def tornado(a=action):
            ax = _a4_axes()
            charts.plot_tornado(r, a.row["target"], ax=ax, table=a.drivers)
            return _page_title(ax)

        yield s_curve
        yield tornado
    for observable in charts.fan_observables(r, b.scenario):
        yield lambda o=observable: _fan_page(b, o)
    if b.comparison is not None:
        def comparison():
            ax = _a4_axes()
            scenarios = max(b.comparison.table["scenario"].nunique(), 1)
            charts.plot_comparison(b.comparison, ax=ax, top=max(3, 24 // scenarios), thresholds=b.thresholds)
            return _page_title(ax)

        yield comparison
    yield from (lambda f=f: f for f in _assumption_pages(b))


# ---------------------------------------------------------------------------------------------- markdown


def _drives_text(drives: list[tuple[str, str]], width: int) -> str:
    return "; ".join(f"{charts.shorten_label(title, width)} ({effect})" for title, effect in drives)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(b: Briefing) -> str:
    r = b.results
    green, amber = b.thresholds
    out = [f"# Readiness briefing — {r.meta.get('title', '')}", "", f"*{_run_line(r)}*", "", f"**{_headline(b)}**", "",
           _headline_detail(b), ""]
    if b.scenario_note:
        out += [f"> {b.scenario_note}", ""]

    out += ["## The roadmap's headline targets", "",
            "| Status | Target | Deadline | Chance | 95 % interval | P50 |", "|---|---|---|---:|---|---|"]
    for row in b.headline.itertuples(index=False):
        out.append(f"| {charts.target_status(row.p_met, getattr(row, 'status', 'open'), b.thresholds)} | {_cell(row.title)} | {row.deadline} | "
                   f"{pct(row.p_met, b.thresholds)} | {pct_range(row.ci_low, row.ci_high)} | {row.p50 or '> horizon'} |")

    low, high = IN_PLAY
    out += ["", "## Where action matters", "",
            f"{b.in_play} targets are still in play (chance {pct(low)}–{pct(high)}); those whose main driver moves "
            f"them most, with the lever (and how many percentage points it moves the chance):", ""]
    for i, a in enumerate([a for a in b.actions if len(a.named)][:ACTION_ROWS], 1):
        levers = "; ".join(f"{name} (up to {gain:.0f} pp)" for name, gain in a.levers(2, 200))
        out.append(f"{i}. **{_cell(a.row['title'])}** — {_target_line(a.row)}.  ")
        out.append(f"   Lever: {_cell(levers)}")
    head, moved = _changes(b)
    if head:
        out += ["", "### What changed since the reference forecast", "", head, ""]
        out += [f"- {_cell(t)}: {pct(then)} → {pct(now)}" for t, then, now in moved]
    out += ["", f"*{PP_NOTE}*", ""]

    out += ["## Every target", "",
            "| Section | Target | Deadline | P(met) | 95 % interval | Status | P50 | P80 |",
            "|---|---|---|---:|---|---|---|---|"]
    for row in r.targets.itertuples():
        out.append(f"| {_cell(row.section)} | {_cell(row.title)} | {row.deadline} | {pct(row.p_met, b.thresholds)} | "
                   f"{pct_range(row.ci_low, row.ci_high)} | {charts.target_status(row.p_met, getattr(row, 'status', 'open'), b.thresholds)} | "
                   f"{row.p50 or '> horizon'} | {row.p80 or '> horizon'} |")

    out += ["", "## The assumptions that drive the results", "",
            "The main drivers of the headline targets and of the targets where action matters, what the scenario "
            "assumes for them and where that comes from.", "",
            "| Assumption | Assumed | Source | Drives |", "|---|---|---|---|"]
    for a, drives in b.assumptions:
        out.append(f"| {_cell(a.label)} | {_cell(a.assumed)} | {_cell(a.source or '(none given)')} | "
                   f"{_cell(_drives_text(drives, 200))} |")
    shocks = r.meta.get("shocks") or []
    if shocks:
        out += ["", "### Changes against the scenario it extends (shocks)", ""]
        out += [f"- {s.get('kind', '')}: {_cell(s.get('what', ''))} — source: {_cell(s.get('source') or '(none given)')}"
                for s in shocks]

    if b.comparison is not None:
        table = b.comparison.table
        out += ["", "## Scenario comparison (paired, common random numbers)", "",
                "| Scenario | Target | Base | Scenario | Change | 95 % interval | Median shift |",
                "|---|---|---:|---:|---:|---|---:|"]
        for name, group in table.groupby("scenario", sort=False):
            moved = group[group["diff"] != 0]
            moved = moved.reindex(moved["diff"].abs().sort_values(ascending=False, kind="stable").index).head(15)
            for row in moved.itertuples():
                shift = "" if pd.isna(row.median_shift_days) else f"{row.median_shift_days:+.0f} days"
                out.append(f"| {_cell(name)} | {_cell(row.title)} | {pct(row.p_base)} | {pct(row.p_other)} | "
                           f"{signed(100 * row.diff, ' pp', 1)} | {signed(100 * row.diff_low, '', 1)} to "
                           f"{signed(100 * row.diff_high, ' pp', 1)} | {shift} |")
            unchanged = int((group["diff"] == 0).sum())
            if unchanged:
                out.append(f"| {_cell(name)} | *{unchanged} targets unchanged* | | | | | |")

    out += ["", "## How to read the numbers", "",
            "- **P(met)**: share of replications meeting the deadline (any time on that day), with its 95 % Wilson "
            "interval, which reflects Monte Carlo noise only, not the uncertainty of the assumptions.",
            "- **P50 / P80**: dates by which 50 % / 80 % of replications are done (\"> horizon\" when not reached "
            "within the simulated period).",
            f"- **RAG**: GREEN at least {pct(green)}, AMBER at least {pct(amber)}, RED below.",
            "", "## Conventions", "", str(r.meta.get("conventions", "(not recorded)")), "", "## Run", ""]
    for key in RUN_KEYS:
        if key in r.meta:
            out.append(f"- {key}: `{r.meta[key]}`")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------- writing


def build_report(results, out_path: str | Path, format: str = "pdf", comparison=None, scenario=None,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS, reference=None, dpi: int = charts.DPI,
                 progress=None) -> list[Path]:
    """Write the briefing of a run.

    Parameters
    ----------
    results : sim.Results
        A run (from :func:`sim.run` or :meth:`sim.Results.load`).
    out_path : str or pathlib.Path
        The file to write. For ``png``, pages go next to it as ``<stem>-1.png``, ``<stem>-2.png`` … (stale
        higher-numbered pages of an earlier, longer briefing are removed).
    format : {"pdf", "png", "md", "html", "xlsx"}, default "pdf"
        ``pdf``: one document of A4 landscape pages; ``png``: one A4 landscape image per page; ``md``: a
        Markdown summary; ``html``: one self-contained file (charts as inline SVG, a sortable and filterable
        targets table, nothing loaded from elsewhere, see :mod:`sim.html`); ``xlsx``: a workbook of the results
        (see :mod:`sim.workbook`; needs openpyxl).
    comparison : sim.analysis.Comparison, optional
        Adds a comparison page (and table).
    scenario : sim.Scenario, optional
        The run's scenario; default loaded from ``results.meta['scenario']`` (see :func:`scenario_of`).
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` RAG thresholds.
    reference : sim.Results, optional
        An earlier forecast: page one says what changed since it.
    dpi : int, default 150
        Resolution of PNG pages.
    progress : callable, optional
        Called with a line of text at every stage (analysis, each page or chart, writing), with the time elapsed.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    if format not in FORMATS:
        raise ValueError(f"format: found '{format}'; expected one of {', '.join(FORMATS)}")
    out_path = Path(out_path)
    started = time.perf_counter()

    def say(what: str) -> None:
        if progress is not None:
            progress(f"[{time.perf_counter() - started:6.1f} s] {what}")

    say(f"analysis: drivers of the {len(results.targets)} targets, headline range, assumptions")
    b = briefing(results, comparison=comparison, scenario=scenario, thresholds=thresholds, reference=reference)
    say(f"analysis done: {b.in_play} targets in play")
    if format == "md":
        write_atomic(out_path, lambda tmp: tmp.write_text(_markdown(b), encoding="utf-8"))
        return [out_path]
    if format == "html":
        from .html import html_briefing

        say("charts: building the HTML briefing with inline SVG charts")
        text = html_briefing(b)
        say(f"writing {out_path}")
        write_atomic(out_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return [out_path]
    if format == "xlsx":
        from .workbook import write_workbook

        write_atomic(out_path, lambda tmp: write_workbook(b, tmp))
        return [out_path]

    written: list[Path] = []
    with charts.unmanaged_figures():
        if format == "pdf":
            from matplotlib.backends.backend_pdf import PdfPages

            def write_pdf(tmp: Path) -> None:
                info = {"Title": f"Readiness briefing — {results.meta.get('title', '')}", "Creator": "readiness-sim",
                        "Subject": charts.footer_text(results)}
                with PdfPages(tmp, metadata=info) as pdf:
                    for i, build in enumerate(_pages(b), 1):
                        say(f"page {i}")
                        fig = build()
                        try:
                            pdf.savefig(fig, facecolor="white")  # never cropped: every page stays A4
                        finally:
                            fig.clear()

            write_atomic(out_path, write_pdf)
            return [out_path]

        stem, parent = out_path.stem, out_path.parent
        for i, build in enumerate(_pages(b), 1):
            say(f"page {i}")
            fig = build()
            try:
                path = parent / f"{stem}-{i}.png"
                write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi, facecolor="white"))
                written.append(path)
            finally:
                fig.clear()
        k = len(written) + 1
        while (stale := parent / f"{stem}-{k}.png").exists():
            stale.unlink()
            k += 1
    return written
