"""The briefing: one document with the readiness dashboard, what puts the most endangered targets at risk, and
the assumptions behind it, as a PDF, one PNG per page, or Markdown.

Page one is the readiness dashboard with, above it, the five targets most at risk and what drives each, in
words. The following pages carry the milestone timeline, the S-curves and tornado charts of those targets, fan
charts of money over time (when the run recorded time series), the scenario comparison (when given) and, last,
the assumptions that drive the headline results with their sources, the modelling conventions and the run's
metadata — so that every number in the briefing can be traced to where it came from.

The scenario's assumptions are read from the scenario file named in ``results.meta['scenario']`` (when it still
exists; a file changed since the run is flagged by its sha256). Nothing here needs more than matplotlib: the PDF
is written with ``matplotlib.backends.backend_pdf.PdfPages``.
"""

from __future__ import annotations

import math
import os
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.figure import Figure

from . import charts
from .charts import DEFAULT_THRESHOLDS, _fmt_date, _iso, _pct, _pct_range, _signed, rag_status

FORMATS = ("pdf", "png", "md")
RUN_KEYS = ("title", "scenario", "scenario_sha256", "seed", "iterations", "sampling", "engine", "package_version",
            "python", "numpy", "wall_time_s", "start", "horizon", "created", "correlations_repaired")
AT_RISK = 5
DRIVERS_IN_WORDS = 3
PP_NOTE = ("pp: change in the chance of meeting the deadline, in percentage points, when the input is high (its top "
           "10 %: a long duration, a slow shared factor) rather than low (its bottom 10 %), or when a risk occurs "
           "rather than not. Inputs whose effect could be Monte Carlo noise are not named (allowing for every input "
           "having been screened: Bonferroni, 95 %).")

__all__ = ["build_report", "briefing", "Briefing", "AtRisk", "Assumption", "scenario_of", "assumption_of", "FORMATS"]


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
class AtRisk:
    """A target at risk: its row in ``results.targets``, its drivers table and the drivers named in words."""

    row: pd.Series
    drivers: pd.DataFrame  # drivers(...) with a ``noise`` column (pp)
    named: pd.DataFrame  # the top drivers beyond the noise, at most DRIVERS_IN_WORDS
    n: int
    unit: str = " pp"  # " days" when no input moves the probability beyond the noise but some move the date

    def words(self, width: int = 60) -> str:
        """The drivers in a sentence; titles quoted in them are cut at ``width`` characters."""
        return _driver_words(self.named, self.n, width, self.unit)


@dataclass
class Briefing:
    """Everything the briefing says, computed once for every format."""

    results: object
    scenario: object | None
    scenario_note: str
    at_risk: list[AtRisk]
    assumptions: list[tuple[Assumption, list[tuple[str, str]]]]  # with (target title, effect) pairs
    comparison: object | None = None
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS
    counts: dict = field(default_factory=dict)


def scenario_of(results):
    """The scenario a run was made from, loaded from ``results.meta['scenario']``, and a note for the reader.

    Returns ``(scenario or None, note)``; the note says why the scenario is missing, or that the file has
    changed since the run (its sha256 differs), in which case sources are those of the current file.
    """
    from .load import ScenarioError, load

    path = results.meta.get("scenario")
    if not path:
        return None, "The run does not name its scenario file: assumptions and sources cannot be listed."
    if not Path(path).is_file():
        return None, (f"Scenario file '{path}' not found from {Path.cwd()}: assumptions and sources cannot be "
                      f"listed. Build the report from the folder the run was made in.")
    try:
        scenario = load(path)
    except ScenarioError as exc:
        return None, f"Scenario file '{path}' no longer loads ({len(exc.problems)} problems): sources not listed."
    expected = results.meta.get("scenario_sha256")
    if expected and scenario.sha256 and expected != scenario.sha256:
        return scenario, (f"Scenario file '{path}' has changed since the run (sha256 {scenario.sha256[:12]}… instead of "
                          f"{expected[:12]}…): the sources shown are those of the current file.")
    return scenario, ""


def _days_text(days: float) -> str:
    if not math.isfinite(days):
        return "never"
    if abs(days) < 61:
        return f"{days:.0f} days"
    months = days / (365.25 / 12)
    return f"{months:.1f} months" if abs(months) < 10 else f"{months:.0f} months"


def _spread(dist, fmt) -> str:
    """'median X (P10–P90 A–B)' of a distribution, or its value when fixed."""
    if dist is None:
        return ""
    try:
        p10, p50, p90 = (float(v) for v in dist.ppf(np.array([0.1, 0.5, 0.9])))
    except Exception:  # a distribution type this report does not know: say what it is rather than fail
        return type(dist).__name__
    if math.isclose(p10, p90):
        return fmt(p50)
    return f"median {fmt(p50)} (P10–P90 {fmt(p10)} to {fmt(p90)})"


def _find(items, key: str):
    return next((x for x in items if getattr(x, "id", None) == key), None)


# Which element of the scenario holds an input's source: input kind → its collection on the scenario.
_OWNERS = {"funding": "milestones", "order": "milestones", "milestone": "milestones", "driver": "drivers",
           "risk": "risks", "fund": "funds", "indicator": "indicators", "line": "lines"}
_DAY_INPUTS = ("duration", "delay", "lag", "first_output")


def assumption_of(scenario, name: str, label: str = "") -> Assumption:
    """What a named input assumes, and its ``source`` in the scenario.

    Names follow :func:`sim.scenario.uncertain_inputs`: ``milestone:ID:duration``, ``driver:ID``,
    ``risk:ID:occurs|delay|time|…``, ``fund:ID:…``, ``funding:MILESTONE:POOL:…`` (the programme's source),
    ``indicator:ID:…``, ``line:ID:…``, ``order:MILESTONE:…``, ``shock:K:delay``. The assumed distribution is
    summarised by its median and P10–P90 (durations in days or months).
    """
    parts = name.split(":")
    kind, key = parts[0], parts[1] if len(parts) > 1 else ""
    label = label or name
    where = f"{kind} {key}".strip()
    if scenario is None:
        return Assumption(name, label, "", "(scenario file not available)", where)
    try:
        dist = dict(scenario.inputs()).get(name) if hasattr(scenario, "inputs") else None
    except Exception:  # an older scenario model: describe what can be described
        dist = None
    fmt = _days_text if parts[-1] in _DAY_INPUTS else (lambda v: f"{v:.3g}")
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
        assumed = f"probability {_pct(element.probability)}{window}; delay {_spread(element.delay, _days_text)}"
    elif kind == "risk" and parts[-1] == "time":
        assumed = f"uniform over {element.window_text}" if getattr(element, "window_text", "") else ""
    elif kind == "driver":
        assumed = "durations ×" + _spread(element.factor, lambda v: f"{v:.2f}").replace("median ", "")
    else:
        assumed = _spread(dist, fmt)
    owner = _OWNERS.get(kind, kind + "s")[:-1]
    return Assumption(name, label, assumed, getattr(element, "source", ""), f"{owner} {key}")


def _driver_words(named: pd.DataFrame, n: int, width: int = 60, unit: str = " pp") -> str:
    if named.empty:
        return f"No single input stands out from the Monte Carlo noise at {n:,} replications.".replace(",", "\u202f")
    column = "impact_days" if unit == " days" else "impact_pp"
    parts = [f"{charts.driver_phrase(r.label, width)} ({_signed(getattr(r, column), unit)})" for r in named.itertuples()]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if unit == " days":
        return f"No input changes its chance, but its date is driven most by {listed}."
    return f"Driven most by {listed}."


def briefing(results, comparison=None, scenario=None, at_risk: int = AT_RISK,
             thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> Briefing:
    """Compute what the briefing says: targets at risk, their drivers in words, the assumptions behind them."""
    from .analysis import drivers

    thresholds = charts._check_thresholds(thresholds)
    note = ""
    if scenario is None:
        scenario, note = scenario_of(results)
    labels = results.meta.get("labels", {})
    items: list[AtRisk] = []
    behind: dict[str, tuple[Assumption, list[str]]] = {}
    for target in charts.at_risk_targets(results, at_risk):
        table = drivers(results, target)
        table["noise"] = charts.impact_noise(results, target, table["input"]) if len(table) else []
        beyond = table[table["impact_pp"].abs() > table["noise"].fillna(np.inf)]
        named, unit = beyond.head(DRIVERS_IN_WORDS), " pp"
        if named.empty and len(table):  # met in every or in no replication: say what moves its date instead
            days = table.assign(noise_days=charts._days_noise(results, target, table["input"]))
            days = days[np.isfinite(days["impact_days"]) & (days["impact_days"].abs() > days["noise_days"].fillna(np.inf))]
            named = days.reindex(days["impact_days"].abs().sort_values(ascending=False).index).head(DRIVERS_IN_WORDS)
            unit = " days"
        row = results.targets[results.targets["target"] == target].iloc[0]
        items.append(AtRisk(row, table, named, results.n, unit))
        # The assumptions behind the headline: the top drivers of each target at risk, whether or not they
        # stand out from the noise (the table says which do).
        for r in table.head(DRIVERS_IN_WORDS).itertuples():
            effect = _signed(r.impact_pp, " pp") + ("" if abs(r.impact_pp) > r.noise else ", within noise")
            label = charts.readable_label(labels.get(r.input, r.label))
            entry = behind.setdefault(r.input, (assumption_of(scenario, r.input, label), []))
            entry[1].append((str(row["title"]), effect))
    counts = {"GREEN": 0, "AMBER": 0, "RED": 0}
    for p in results.targets["p_met"]:
        counts[rag_status(float(p), thresholds)] += 1
    return Briefing(results, scenario, note, items, list(behind.values()), comparison, thresholds, counts)


def _headline(b: Briefing) -> str:
    n = sum(b.counts.values())
    green, amber = b.thresholds
    return (f"{b.counts['GREEN']} of {n} targets on track (GREEN, at least {_pct(green)} chance), "
            f"{b.counts['AMBER']} AMBER, {b.counts['RED']} RED (below {_pct(amber)}).")


def _run_line(results) -> str:
    m = results.meta
    created = str(m.get("created", ""))[:10] or "unknown date"
    return (f"{results.n:,} replications · seed {m.get('seed')} · start {m.get('start')} · horizon {m.get('horizon')} · "
            f"run {created} · readiness-sim {m.get('package_version', '?')}").replace(",", "\u202f")


def _p_date(value) -> str:
    d = _iso(value)
    return _fmt_date(d) if d else "beyond the horizon"


def _target_line(row) -> str:
    deadline = _iso(row["deadline"])
    return (f"{_pct(float(row['p_met']))} chance by {_fmt_date(deadline) if deadline else '—'} "
            f"(95 % interval {_pct_range(float(row['ci_low']), float(row['ci_high']))}); "
            f"P50 {_p_date(row['p50'])}, P80 {_p_date(row['p80'])}")


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

    def draw(self, fig_or_sub) -> None:
        y = 4.0  # points from the top
        base = fig_or_sub.transSubfigure if hasattr(fig_or_sub, "transSubfigure") else fig_or_sub.transFigure
        for text, size, weight, colour, before in self.lines:
            y += before + size * 1.35
            where = transforms.offset_copy(base, fig=fig_or_sub.figure if hasattr(fig_or_sub, "figure") else fig_or_sub,
                                           x=0.25 * 72, y=-y, units="points")
            fig_or_sub.text(0, 1, text, transform=where, fontsize=size, fontweight=weight, color=colour,
                            ha="left", va="baseline")


def _summary_text(b: Briefing, width_in: float) -> _TextPage:
    r = b.results
    page = _TextPage(width_in)
    page.add(f"Readiness briefing — {r.meta.get('title', '')}", size=17, weight="bold")
    page.add(_headline(b), size=12, before=4)
    page.add(_run_line(r), size=9, colour="#444444", before=2)
    if b.scenario_note:
        page.add(b.scenario_note, size=9, colour="#8a3b00", before=2)
    page.add(f"The {len(b.at_risk)} targets most at risk, and what drives them", size=13, weight="bold", before=12)
    for i, item in enumerate(b.at_risk, 1):
        page.add(f"{i}. {item.row['title']}", size=10.5, weight="bold", before=7)
        page.add(_target_line(item.row), size=10, indent=4)
        page.add(item.words(), size=10, indent=4)
    page.add(PP_NOTE, size=8.5, colour="#444444", before=8)
    page.add("Dashboard of every target below; then the milestone timeline, S-curves and tornado charts of the "
             "targets at risk" + (", fan charts of money over time" if charts.series_observables(r) else "")
             + (", the scenario comparison" if b.comparison is not None else "")
             + ", and the assumptions with their sources.", size=8.5, colour="#444444")
    return page


def _page_one(b: Briefing) -> Figure:
    """The summary of the targets at risk above the readiness dashboard, on one tall page."""
    width = charts.WIDTH
    text = _summary_text(b, width)
    top = text.height_pt / 72
    n_rows = len(b.results.targets) + len(set(b.results.targets["section"].fillna("other")))
    dash = charts.CHROME_HEIGHT + 0.26 * max(n_rows, 3)
    fig = Figure(figsize=(width, top + dash), layout="constrained")
    upper, lower = fig.subfigures(2, 1, height_ratios=[top, dash])
    text.draw(upper)
    charts.plot_dashboard(b.results, b.thresholds, ax=lower.add_subplot())
    return fig


def _assumption_pages(b: Briefing) -> list[Figure]:
    r = b.results
    width = 11.7
    page = _TextPage(width)
    page.add("The assumptions that drive the headline results, and their sources", size=15, weight="bold")
    page.add("The top drivers of each target at risk (first page), with what the scenario assumes for them and "
             "where that comes from. Durations are before shared factors and risks scale or delay them.",
             size=9.5, colour="#444444", before=2)
    if b.scenario_note:
        page.add(b.scenario_note, size=9.5, colour="#8a3b00", before=2)
    for assumption, drives in b.assumptions:
        page.add(assumption.label, size=10.5, weight="bold", before=8)
        if assumption.assumed:
            page.add(f"Assumed: {assumption.assumed}", size=9.5, indent=4)
        page.add(f"Source: {assumption.source or '(none given)'}", size=9.5, indent=4)
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
    page.add("P(met): share of replications meeting the deadline (any time on that day), with its 95 % Wilson "
             "interval, which reflects Monte Carlo noise only, not the uncertainty of the assumptions. P50/P80: "
             "dates by which 50 %/80 % of replications are done. RAG: GREEN at least "
             f"{_pct(b.thresholds[0])}, AMBER at least {_pct(b.thresholds[1])}, RED below.", size=9.5)
    page.add("Run", size=12, weight="bold", before=10)
    m = r.meta
    for key in RUN_KEYS:
        if key in m:
            page.add(f"{key}: {m[key]}", size=9, indent=2)
    # Pages of at most ~10.5 in of text, so that nothing is shrunk; an entry (a line with space before it and
    # its continuations) is never split across pages.
    blocks: list[list] = []
    for line in page.lines:
        if line[4] > 0 or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    pages, current, height = [], [], 0.0
    for block in blocks:
        h = sum(line[1] * 1.35 + line[4] for line in block)
        if current and height + h > 10.5 * 72:
            pages.append(current)
            current, height = [], 0.0
        current.extend(block)
        height += h
    pages.append(current)
    figures = []
    for lines in pages:
        chunk = _TextPage(width)
        chunk.lines = lines
        fig = Figure(figsize=(width, max(chunk.height_pt / 72 + 0.5, 3)))
        chunk.draw(fig)
        charts._add_footer(fig, r)
        figures.append(fig)
    return figures


def _pages(b: Briefing):
    """Page builders in order; each returns a Figure (built outside pyplot)."""
    r = b.results
    yield lambda: _page_one(b)
    yield lambda: charts.plot_timeline(r, thresholds=b.thresholds).figure
    for item in b.at_risk:
        yield lambda t=item.row["target"]: charts.plot_s_curve(r, t, thresholds=b.thresholds).figure
    for item in b.at_risk:
        yield lambda item=item: charts.plot_tornado(r, item.row["target"], table=item.drivers).figure
    for observable in charts.fan_observables(r, b.scenario):
        yield lambda o=observable: charts.plot_fan(r, o, targets=charts.indicator_targets(b.scenario, o, r),
                                                   label=charts.observable_label(r, o, b.scenario)).figure
    if b.comparison is not None:
        yield lambda: charts.plot_comparison(b.comparison, thresholds=b.thresholds).figure
    yield from (lambda f=f: f for f in _assumption_pages(b))


# ---------------------------------------------------------------------------------------------- markdown


def _drives_text(drives: list[tuple[str, str]], width: int) -> str:
    return "; ".join(f"{charts._shorten(title, width)} ({effect})" for title, effect in drives)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(b: Briefing) -> str:
    r = b.results
    green, amber = b.thresholds
    out = [f"# Readiness briefing — {r.meta.get('title', '')}", "", f"*{_run_line(r)}*", "", f"**{_headline(b)}**", ""]
    if b.scenario_note:
        out += [f"> {b.scenario_note}", ""]

    out += ["## Targets", "",
            "| Section | Target | Deadline | P(met) | 95 % interval | Status | P50 | P80 |",
            "|---|---|---|---:|---|---|---|---|"]
    for row in r.targets.itertuples():
        out.append(f"| {_cell(row.section)} | {_cell(row.title)} | {row.deadline} | {_pct(row.p_met, b.thresholds)} | "
                   f"{_pct_range(row.ci_low, row.ci_high)} | {rag_status(row.p_met, b.thresholds)} | "
                   f"{row.p50 or '> horizon'} | {row.p80 or '> horizon'} |")

    out += ["", f"## The {len(b.at_risk)} targets most at risk, and what drives them", ""]
    for i, item in enumerate(b.at_risk, 1):
        out.append(f"{i}. **{_cell(item.row['title'])}** — {_target_line(item.row)}.  ")
        out.append(f"   {item.words(200)}")
    out += ["", f"*{PP_NOTE}*", ""]

    out += ["## The assumptions that drive the headline results", "",
            "The top drivers of each target at risk, what the scenario assumes for them and where that comes from.", "",
            "| Assumption | Assumed | Source | Drives |", "|---|---|---|---|"]
    for a, drives in b.assumptions:
        out.append(f"| {_cell(a.label)} (`{a.input}`) | {_cell(a.assumed)} | {_cell(a.source or '(none given)')} | "
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
                out.append(f"| {_cell(name)} | {_cell(row.title)} | {_pct(row.p_base)} | {_pct(row.p_other)} | "
                           f"{_signed(100 * row.diff, ' pp', 1)} | {_signed(100 * row.diff_low, '', 1)} to "
                           f"{_signed(100 * row.diff_high, ' pp', 1)} | {shift} |")
            unchanged = int((group["diff"] == 0).sum())
            if unchanged:
                out.append(f"| {_cell(name)} | *{unchanged} targets unchanged* | | | | | |")

    out += ["", "## How to read the numbers", "",
            "- **P(met)**: share of replications meeting the deadline (any time on that day), with its 95 % Wilson "
            "interval, which reflects Monte Carlo noise only, not the uncertainty of the assumptions.",
            "- **P50 / P80**: dates by which 50 % / 80 % of replications are done (\"> horizon\" when not reached "
            "within the simulated period).",
            f"- **RAG**: GREEN at least {_pct(green)}, AMBER at least {_pct(amber)}, RED below.",
            "", "## Conventions", "", str(r.meta.get("conventions", "(not recorded)")), "", "## Run", ""]
    for key in RUN_KEYS:
        if key in r.meta:
            out.append(f"- {key}: `{r.meta[key]}`")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------- writing


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic(path: Path, write) -> None:
    """Write ``path`` through a temporary sibling renamed into place: a failed build leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; a briefing is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_report(results, out_path: str | Path, format: str = "pdf", comparison=None, scenario=None,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS, at_risk: int = AT_RISK,
                 dpi: int = charts.DPI) -> list[Path]:
    """Write the briefing of a run.

    Parameters
    ----------
    results : sim.Results
        A run (from :func:`sim.run` or :meth:`sim.Results.load`).
    out_path : str or pathlib.Path
        The file to write. For ``png``, pages go next to it as ``<stem>-1.png``, ``<stem>-2.png`` … (stale
        higher-numbered pages of an earlier, longer briefing are removed).
    format : {"pdf", "png", "md"}, default "pdf"
        ``pdf``: one document (matplotlib's PdfPages); ``png``: one image per page; ``md``: a Markdown summary —
        headline, the targets at risk and their drivers, the assumptions behind them with their sources, every
        target's probability, interval and P50/P80, the comparison, conventions and run metadata.
    comparison : sim.analysis.Comparison, optional
        Adds a comparison page (and table).
    scenario : sim.Scenario, optional
        The run's scenario; default loaded from ``results.meta['scenario']`` (see :func:`scenario_of`).
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` RAG thresholds.
    at_risk : int, default 5
        Number of targets at risk described and charted.
    dpi : int, default 150
        Resolution of PNG pages.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    if format not in FORMATS:
        raise ValueError(f"format: found '{format}'; expected one of {', '.join(FORMATS)}")
    out_path = Path(out_path)
    b = briefing(results, comparison=comparison, scenario=scenario, at_risk=at_risk, thresholds=thresholds)
    if format == "md":
        _atomic(out_path, lambda tmp: tmp.write_text(_markdown(b), encoding="utf-8"))
        return [out_path]

    written: list[Path] = []
    with charts._unmanaged_figures():
        if format == "pdf":
            from matplotlib.backends.backend_pdf import PdfPages

            def write_pdf(tmp: Path) -> None:
                info = {"Title": f"Readiness briefing — {results.meta.get('title', '')}", "Creator": "readiness-sim",
                        "Subject": charts.footer_text(results)}
                with PdfPages(tmp, metadata=info) as pdf:
                    for build in _pages(b):
                        fig = build()
                        try:
                            pdf.savefig(fig, bbox_inches="tight", pad_inches=0.25, facecolor="white")
                        finally:
                            fig.clear()

            _atomic(out_path, write_pdf)
            return [out_path]

        stem, parent = out_path.stem, out_path.parent
        for i, build in enumerate(_pages(b), 1):
            fig = build()
            try:
                path = parent / f"{stem}-{i}.png"
                _atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight",
                                                      pad_inches=0.25, facecolor="white"))
                written.append(path)
            finally:
                fig.clear()
        k = len(written) + 1
        while (stale := parent / f"{stem}-{k}.png").exists():
            stale.unlink()
            k += 1
    return written
