"""Briefing charts of a run: readiness dashboard, S-curves, milestone timeline, tornado charts of what drives a
target, fan charts of money over time, scenario comparisons and sweeps (matplotlib only).

Every plotting function has the form ``plot_x(results, ..., ax=None) -> matplotlib.axes.Axes``: given an
``ax`` it draws into it; without one it creates a figure sized for the content (through pyplot, so that it
shows in Jupyter). :func:`write_charts` renders the standard set to PNG files without touching pyplot's figure
registry, so it can run in a loop, in a worker or on a machine without a display.

Conventions shared by the charts:

* **Time.** Event times in ``results.outcomes`` are days since 00:00 of ``results.meta['start']``; an event at
  time ``t`` happens on the date ``start + floor(t)`` and a deadline date ``D`` is met when the event happens on
  or before ``D`` (see :mod:`sim.calendar`). Time axes show calendar dates.
* **RAG status.** A probability ``p`` of meeting a deadline is GREEN when ``p >= thresholds[0]`` (default 80 %),
  AMBER when ``p >= thresholds[1]`` (default 50 %), RED otherwise. Colours come from the Okabe–Ito palette,
  which stays distinguishable under the common forms of colour-vision deficiency, and the status is always
  written out as text as well, so colour is never the only cue (nor lost in grey-scale print).
* **Provenance.** Every figure carries a footer with the scenario title, seed, number of replications and run
  date from ``results.meta``, so a chart lifted into a briefing stays traceable.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import math
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker, transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .formatting import (
    DEFAULT_THRESHOLDS,
    check_thresholds,
    fmt_date,
    iso,
    pct,
    pct_range,
    rag_status,
    signed,
    target_status,
)
from .labels import format_value, observable_unit, shorten

# Okabe & Ito (2008) colour-blind-safe palette.
GREEN = "#009E73"  # bluish green
AMBER = "#E69F00"  # orange
RED = "#D55E00"  # vermillion
BLUE = "#0072B2"
GREY = "#6b6b6b"
HEADER_BAND = "#e6e6e6"
TRACK = "#f3f3f3"
RAG_COLOURS = {"GREEN": GREEN, "AMBER": AMBER, "RED": RED,
               "MET": "#4d4d4d", "MISSED": "#1a1a1a"}  # resolved by the facts of a status date: facts, not odds
NO_DEADLINE_COLOUR = "#9a9a9a"

DPI = 150
FOOTER_GID = "readiness-footer"
MAX_LABEL = 72  # characters of a row label before it is cut with an ellipsis

# Figure geometry in inches: wide enough for long target titles, one row per ~0.3 in so that 55 targets and
# their section headers still read at 9 pt.
WIDTH = 13.0
ROW_HEIGHT = 0.3
CHROME_HEIGHT = 2.2  # title, legend, axis labels, footer
S_CURVE_SIZE = (10.5, 5.6)

__all__ = ["plot_dashboard", "plot_s_curve", "plot_timeline", "plot_tornado", "plot_fan", "plot_comparison",
           "plot_sweep", "write_charts", "at_risk_targets", "driver_phrase", "fan_observables", "indicator_targets",
           "impact_noise", "noise_z", "series_observables", "observable_label", "rag_status", "footer_text",
           "RAG_COLOURS", "DEFAULT_THRESHOLDS"]

# When set, new figures are plain ``Figure`` objects unknown to pyplot (write_charts): nothing to leak, nothing
# shown, no backend needed. Otherwise pyplot figures, which Jupyter displays inline.
_UNMANAGED: contextvars.ContextVar[bool] = contextvars.ContextVar("unmanaged_figures", default=False)


# ---------------------------------------------------------------------------------------------- helpers


_PERCENT_AXIS = ticker.FuncFormatter(lambda v, _: f"{v * 100:.0f} %")


def _start(results) -> dt.date:
    return dt.date.fromisoformat(str(results.meta["start"]))


def _horizon(results) -> dt.date | None:
    value = results.meta.get("horizon")
    return dt.date.fromisoformat(str(value)) if value else None


def _num(d: dt.date) -> float:
    """Matplotlib date number of 00:00 on ``d`` (days; the unit of every time axis here)."""
    return float(mdates.date2num(d))


def shorten_label(text: str, width: int = MAX_LABEL) -> str:
    """One line of at most ``width`` characters, cut at a word boundary (see :func:`sim.labels.shorten`)."""
    return shorten(text, width)


def _section_order(frame: pd.DataFrame) -> list[str]:
    """Sections in order of first appearance: the scenario author's order, not the alphabet."""
    return list(dict.fromkeys(frame["section"].fillna("other").astype(str)))


def _new_axes(figsize: tuple[float, float]) -> Axes:
    if _UNMANAGED.get():
        fig = Figure(figsize=figsize, layout="constrained")
    else:
        import matplotlib.pyplot as plt  # only here: importing pyplot may select a GUI backend

        fig = plt.figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


@contextlib.contextmanager
def unmanaged_figures():
    token = _UNMANAGED.set(True)
    try:
        yield
    finally:
        _UNMANAGED.reset(token)


def footer_text(results) -> str:
    """The provenance line printed under every chart: scenario title, seed, replications, run date."""
    meta = results.meta
    created = str(meta.get("created", ""))[:10] or "unknown date"
    n = meta.get("iterations")
    reps = f"{int(n):,} replications".replace(",", "\u202f") if n is not None else "? replications"
    sampling = " (Latin hypercube)" if meta.get("sampling") == "latin-hypercube" else ""
    version = f" · readiness-sim {meta['package_version']}" if meta.get("package_version") else ""
    return (f"Scenario: {meta.get('title', '?')} · seed {meta.get('seed', '?')} · {reps}{sampling} · "
            f"run {created}{version}")


def add_footer(fig: Figure, results) -> None:
    """Put the provenance footer on ``fig`` once, however many charts share the figure."""
    if any(t.get_gid() == FOOTER_GID for t in fig.texts):
        return
    text = footer_text(results)
    style = dict(x=0.005, ha="left", fontsize=7.5, color=GREY)
    if not fig.get_supxlabel():
        # A supxlabel, unlike a free figure text, gets its own space from the constrained layout.
        label = fig.supxlabel(text, **style)
    else:
        label = fig.text(y=0.002, s=text, va="bottom", **style)
    label.set_gid(FOOTER_GID)


def _below_axes(ax: Axes, points: float) -> transforms.Transform:
    """Axes coordinates shifted down by ``points``: places a legend under the tick labels at any figure height."""
    return transforms.offset_copy(ax.transAxes, fig=ax.figure, x=0, y=-points, units="points")


def _rows(frame: pd.DataFrame, sort_keys: list[str]) -> list[tuple[str, object]]:
    """Rows to draw, top to bottom: ``("header", section)`` followed by that section's ``("item", row)``."""
    rows: list[tuple[str, object]] = []
    for section in _section_order(frame):
        part = frame[frame["section"].fillna("other").astype(str) == section].sort_values(sort_keys, kind="stable")
        rows.append(("header", section))
        rows.extend(("item", r) for _, r in part.iterrows())
    return rows


def _draw_headers(ax: Axes, rows: list[tuple[str, object]]) -> None:
    """Shaded band with the section name in capitals for every header row."""
    left = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    for y, (kind, value) in enumerate(rows):
        if kind != "header":
            continue
        ax.axhspan(y - 0.5, y + 0.5, color=HEADER_BAND, zorder=0, lw=0)
        ax.text(0.004, y, str(value).replace("-", " ").replace("_", " ").upper(), transform=left,
                va="center", ha="left", fontsize=8.5, fontweight="bold", color="#333333", gid="section-header")


def _date_axis(ax: Axes, first: dt.date, last: dt.date) -> None:
    """Calendar dates on the x axis: years with quarter ticks for multi-year spans, else concise month labels."""
    ax.xaxis_date()
    if (last - first).days > 2 * 365:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


# ---------------------------------------------------------------------------------------------- dashboard


def plot_dashboard(results, thresholds: Sequence[float] = DEFAULT_THRESHOLDS, ax: Axes | None = None,
                   sort: str = "p_met", title: str | None = None) -> Axes:
    """Readiness dashboard: the probability of meeting every target, RAG-coloured, grouped by section.

    One row per target: a bar of ``p_met`` (probability of meeting its deadline, 0–100 %) with its 95 % interval
    ``[ci_low, ci_high]`` as an error bar, coloured and labelled GREEN / AMBER / RED. Rows are grouped under a
    header per ``section`` (sections in the order they first appear) and sorted within a section by ``sort``;
    the deadline is printed after the target's title. The title states how many targets fall in each status.

    Parameters
    ----------
    results : sim.Results
        A run; uses ``results.targets`` and ``results.meta``.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` probabilities: GREEN when ``p_met >= green``, AMBER when ``p_met >= amber``, RED below.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into. Without one, a figure 12 in wide and about 0.3 in per row tall is created.
    sort : {"p_met", "deadline"}, default "p_met"
        Order within a section: least likely first (ties by deadline), or by deadline.
    title : str, optional
        Replaces the title (which otherwise counts the targets per status), e.g. for one page of a long
        dashboard split across pages.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into. Bars carry ``gid="target:<id>"`` and status labels ``gid="rag:<id>"``.
    """
    green, amber = check_thresholds(thresholds)
    if sort not in ("p_met", "deadline"):
        raise ValueError(f"sort: found '{sort}'; expected 'p_met' or 'deadline'")
    targets = results.targets.copy()
    targets["_deadline"] = [iso(d) or dt.date.max for d in targets["deadline"]]
    keys = ["p_met", "_deadline", "title"] if sort == "p_met" else ["_deadline", "title"]
    rows = _rows(targets, keys)
    if ax is None:
        ax = _new_axes((WIDTH, CHROME_HEIGHT + ROW_HEIGHT * max(len(rows), 3)))

    labels = []
    counts = {"GREEN": 0, "AMBER": 0, "RED": 0}
    right = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    for y, (kind, row) in enumerate(rows):
        if kind == "header":
            labels.append("")
            continue
        p = float(row["p_met"])
        status = target_status(p, row.get("status", "open"), (green, amber))  # MET/MISSED: facts
        counts[status] = counts.get(status, 0) + 1
        deadline = iso(row["deadline"])
        labels.append(f"{shorten_label(row['title'])}  ·  by {fmt_date(deadline) if deadline else '—'}")
        ax.barh(y, 1, height=0.62, color=TRACK, zorder=1, lw=0)  # the 0–100 % track, so a 0 % row is not blank
        ax.barh(y, p, height=0.62, color=RAG_COLOURS[status], zorder=2, gid=f"target:{row['target']}")
        low, high = float(row["ci_low"]), float(row["ci_high"])
        if status not in ("MET", "MISSED"):  # a fact has no Monte Carlo interval
            ax.errorbar(p, y, xerr=[[max(p - low, 0)], [max(high - p, 0)]], fmt="none", ecolor="black",
                        elinewidth=1, capsize=2.5, zorder=3)
        # Number and status in a column right of the plot: always legible, never on top of a bar.
        ax.text(1.095, y, "fact" if status in ("MET", "MISSED") else f"{pct(p, (green, amber))}", transform=right,
                ha="right", va="center", fontsize=8.5)
        ax.text(1.105, y, status, transform=right, ha="left", va="center", fontsize=8, fontweight="bold",
                color="black", gid=f"rag:{row['target']}")

    _draw_headers(ax, rows)
    ax.set_yticks(range(len(rows)), labels, fontsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.xaxis.set_minor_locator(ticker.MultipleLocator(0.1))
    ax.xaxis.set_major_formatter(_PERCENT_AXIS)
    # Percent scale at the top too: on a tall dashboard the bottom axis is off screen.
    ax.tick_params(axis="x", top=True, labeltop=True, labelsize=8.5)
    ax.grid(axis="x", which="major", color="#d0d0d0", lw=0.6, zorder=0)
    for value in sorted({green, amber}):
        ax.axvline(value, color="#444444", ls=(0, (4, 3)), lw=0.9, zorder=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("Probability of meeting the deadline (bar) with its 95 % interval (whisker)", fontsize=9)

    n = sum(counts.values())
    if title is not None:
        pass
    elif n:
        title = (f"{counts['GREEN']} of {n} targets on track (GREEN ≥ {pct(green)}), "
                 f"{counts['AMBER']} AMBER, {counts['RED']} RED (< {pct(amber)} chance)")
        if counts.get("MET", 0) or counts.get("MISSED", 0):
            title += f"; resolved: {counts.get('MET', 0)} met, {counts.get('MISSED', 0)} missed"
    else:
        title = "No targets in this run"
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")

    handles = [Patch(color=GREEN, label=f"GREEN: ≥ {pct(green)}"),
               Patch(color=AMBER, label=f"AMBER: {pct(amber)} to {pct(green)}"),
               Patch(color=RED, label=f"RED: < {pct(amber)}"),
               Line2D([], [], color="black", lw=1, marker="|", markersize=7, label="95 % interval"),
               Line2D([], [], color="#444444", ls=(0, (4, 3)), lw=0.9, label="RAG thresholds")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=_below_axes(ax, 34),
              ncol=5, fontsize=8.5, frameon=False)
    add_footer(ax.figure, results)
    return ax


# ---------------------------------------------------------------------------------------------- S-curve


def outcome_column(results, target: str) -> str | None:
    """The ``results.outcomes`` column holding ``target``'s event times, if there is one."""
    for column in (f"target:{target}", f"milestone:{target}"):
        if column in results.outcomes:
            return column
    return None


def _event_row(results, target: str) -> tuple[pd.Series, str]:
    """The table row describing ``target`` (a target id, else a milestone id) and its outcomes column."""
    targets = results.targets
    if target in set(targets["target"]):
        row = targets[targets["target"] == target].iloc[0]
        candidates = [f"target:{target}", f"milestone:{target}"]
    elif target in set(results.milestones["milestone"]):
        row = results.milestones[results.milestones["milestone"] == target].iloc[0]
        row = row.rename({"p_on_time": "p_met"})
        candidates = [f"milestone:{target}"]
    else:
        raise ValueError(f"target: found '{target}', which is neither a target nor a milestone of this run; "
                         f"targets are {', '.join(targets['target'])}")
    for column in candidates:
        if column in results.outcomes:
            return row, column
    raise ValueError(f"target '{target}': no per-replication outcomes column ({' or '.join(candidates)}) "
                     f"in results.outcomes")


def plot_s_curve(results, target: str, ax: Axes | None = None,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> Axes:
    """S-curve of a target: the share of replications in which it is done by each date.

    The curve is the empirical cumulative distribution of the target's event date (``start + floor(t)`` for an
    event time of ``t`` days), stepping up on the day the event happens. Replications in which it is not done by
    the horizon are censored (``inf``): they count in the denominator but never arrive, so the curve ends below
    100 % at the horizon, and a note at its end and the legend say by how much. The deadline is a vertical dashed
    line at 00:00 of the deadline date, so the step of that day (met, by the calendar rule) is included where the
    line meets the curve: the curve's value there equals ``p_met``, which is marked and written in a box beside
    it (with its 95 % interval and RAG status). P50 and P80 dates (from the results tables) are marked on the
    curve and labelled. Text is placed where it hides neither the curve nor a marker; the title states the
    finding. Without ``ax``, the legend sits outside the plot; in a given ``ax`` it goes inside only where there
    is room, so that it never lands on a neighbouring chart.

    Parameters
    ----------
    results : sim.Results
        A run; uses ``results.outcomes`` (days since ``results.meta['start']``), ``results.targets`` and
        ``results.meta``.
    target : str
        A target id (a milestone with a deadline or a combined target). A milestone id without a deadline is
        accepted too (no deadline line then).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; without one a 10.5 × 5.6 in figure is created.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` probabilities for the RAG status of the deadline marker, as in :func:`plot_dashboard`.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into; the deadline line has ``gid="deadline"``, the curve ``gid="s-curve"``.
    """
    row, column = _event_row(results, target)
    start = _start(results)
    horizon = _horizon(results)
    times = results.outcomes[column].to_numpy(dtype=float)
    n = len(times)
    finite = times[np.isfinite(times)]
    own_figure = ax is None
    if own_figure:
        ax = _new_axes(S_CURVE_SIZE)

    deadline = iso(row.get("deadline"))
    p_met = float(row["p_met"]) if deadline is not None and not pd.isna(row.get("p_met")) else None
    thresholds = check_thresholds(thresholds)
    status = rag_status(p_met, thresholds) if p_met is not None else None

    # Step curve on calendar days: the share of all n replications done by the end of each day with an event.
    days, counts = np.unique(np.floor(finite).astype(np.int64), return_counts=True)
    share = np.cumsum(counts) / n if n else np.array([])
    day0 = _num(start)
    x = day0 + days.astype(float)
    reached = float(share[-1]) if len(share) else 0.0
    not_done = 1 - reached
    p_dates = {key: iso(row.get(key)) for key in ("p50", "p80")}

    # Show the whole simulated period only when it matters (some replications censored); otherwise stop a little
    # after the 99th percentile (a long thin tail would squeeze the rise of the curve into a corner): the curve
    # then runs on past the right edge, and the legend gives the date by which all replications are done.
    first = min([day0] + ([x[0]] if len(x) else []) + ([_num(deadline)] if deadline else []))
    if horizon is not None and (not_done > 0 or not len(x)):
        end = _num(horizon)
    else:
        p99 = day0 + math.floor(float(np.quantile(finite, 0.99, method="inverted_cdf"))) if len(x) else day0
        last = max([p99] + ([_num(deadline)] if deadline else []))
        end = last + max(0.08 * (last - first), 30)
        if horizon is not None:
            end = min(end, _num(horizon))
    xs = np.concatenate([[first], x, [max(end, x[-1] if len(x) else end)]])
    ys = np.concatenate([[0.0], share, [reached]])

    if not_done > 0 and horizon is not None:
        curve_label = (f"Share of replications done by date: ends at {pct(reached)},\n{pct(not_done)} not done by "
                       f"the horizon (censored)")
    elif len(x):
        last_date = start + dt.timedelta(days=int(days[-1]))
        curve_label = f"Share of replications done by date\n(all done by {fmt_date(last_date)})"
    else:
        curve_label = "Share of replications done by date"
    ax.step(xs, ys, where="post", color=BLUE, lw=2, label=curve_label, gid="s-curve", zorder=3)
    ax.fill_between(xs, ys, step="post", color=BLUE, alpha=0.10, lw=0, zorder=1)

    censored_note = None
    if horizon is not None and end >= _num(horizon):
        ax.axvline(_num(horizon), color=GREY, ls=":", lw=1.2,
                   label=f"Horizon: end of simulation ({fmt_date(horizon)})", zorder=2)
        if not_done > 0:
            # Said where the eye lands, not only in the legend: the curve stops short of 100 % on purpose. Above
            # and left of the curve's end is always free of the curve (it only rises); one line when room is short.
            sep = " " if reached > 0.88 else "\n"
            censored_note = ax.annotate(f"{pct(not_done)} not done{sep}by the horizon", xy=(end, reached),
                                        xytext=(-4, 3), textcoords="offset points", ha="right", va="bottom",
                                        fontsize=8.5, color="#333333", zorder=5, gid="censored",
                                        bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.8))

    for q, key, marker in ((0.5, "p50", "s"), (0.8, "p80", "^")):
        when = p_dates[key]
        if when is None:
            # Not reached within the horizon: say so rather than leave the reader to look for a missing marker.
            ax.plot([], [], ls="none", marker=marker, mfc="white", mec="black",
                    label=f"P{int(q * 100)}: beyond the horizon")
            ax.axhline(q, color=GREY, ls=":", lw=0.8, zorder=1)
            continue
        xq = _num(when)
        ax.plot([xs[0], xq], [q, q], color=GREY, ls=":", lw=0.8, zorder=2)
        ax.plot([xq, xq], [0, q], color=GREY, ls=":", lw=0.8, zorder=2)
        ax.plot([xq], [q], marker=marker, ms=7, mfc="white", mec="black", mew=1.3, ls="none", zorder=5,
                label=f"P{int(q * 100)}: {fmt_date(when)} ({int(q * 100)} % done by then)")

    span = end - xs[0]
    _date_axis(ax, _date_of_num(xs[0]), _date_of_num(end))
    ax.set_xlim(xs[0] - 0.01 * span, end + 0.01 * span)
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.yaxis.set_major_formatter(_PERCENT_AXIS)
    ax.grid(color="#e0e0e0", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel("Share of replications done")
    ax.set_xlabel("Date")

    # Text on the chart, placed so that nothing hides the curve, a marker or another text (see _Room).
    room = _Room(ax, xs, ys, _num(deadline) if deadline is not None else None, outside_legend=own_figure)
    for q, key in ((0.5, "p50"), (0.8, "p80")):
        if (when := p_dates[key]) is None:
            continue
        # Right of and below its marker: the curve only rises, so that corner is never on the curve.
        label = f"P{int(q * 100)}: {fmt_date(when)}"
        ax.annotate(label, xy=(_num(when), q), xytext=(7, -5), textcoords="offset points", ha="left", va="top",
                    fontsize=8.5, zorder=5, gid=f"label:{key}",
                    bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.8))
        room.take_marker(_num(when), q)
        w, h = room.size([label], 8.5, pad_w=7, pad_h=5)
        room.taken.append((room.fx(_num(when)), room.fx(_num(when)) + w, room.fy(q) - h, room.fy(q)))
    if censored_note is not None:  # '… not done by the horizon', above and left of the curve's end
        f_end, f_y = room.fx(end), room.fy(reached)
        room.taken.append((f_end - 0.3, f_end, f_y, f_y + 0.12))

    if deadline is not None:
        xd = _num(deadline)
        ax.axvline(xd, color="black", ls="--", lw=1.4, label=f"Deadline: {fmt_date(deadline)}", gid="deadline",
                   zorder=4)
        ax.plot([xd], [p_met], marker="o", ms=9, mfc=RAG_COLOURS[status], mec="black", mew=1.2, ls="none", zorder=6,
                label=f"Chance of meeting the deadline: {pct(p_met, thresholds)} ({status})")
        note = f"{pct(p_met, thresholds)} chance by {fmt_date(deadline)} · {status}"
        if not pd.isna(row.get("ci_low")) and not pd.isna(row.get("ci_high")):
            note += f"\n95 % interval {pct_range(float(row['ci_low']), float(row['ci_high']))}"
        room.take_marker(xd, p_met)
        spot = room.note_spot((xd, p_met), note, fontsize=10)
        if spot is not None:
            xy_text, va = spot, "bottom"
            w, h = room.size(note.split("\n"), 10)
            room.taken.append((spot[0], spot[0] + w, spot[1], spot[1] + h))
        else:
            xy_text, va = (0.02, 0.97), "top"  # no free spot: the white box covers some curve, still readable
        ax.annotate(note, xy=(xd, p_met), xytext=xy_text, textcoords="axes fraction", ha="left", va=va, fontsize=10,
                    fontweight="bold", zorder=7, gid="probability",
                    bbox=dict(boxstyle="round,pad=0.35", fc="white", ec=RAG_COLOURS[status], lw=1.8),
                    arrowprops=dict(arrowstyle="-|>", color="black", lw=1, shrinkA=2, shrinkB=6))

    name = shorten_label(row["title"], 120)
    if deadline is not None:
        title = f"{name}: {pct(p_met, thresholds)} chance by {fmt_date(deadline, nbsp=True)}"
    else:
        p50 = p_dates["p50"]
        title = (f"{name}: 50 % chance by {fmt_date(p50, nbsp=True)}" if p50
                 else f"{name}: under 50 % chance by the horizon")
    ax.set_title(textwrap.fill(title, 80), loc="left", fontsize=12, fontweight="bold")
    if own_figure:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False, borderaxespad=0)
    elif (corner := room.legend_corner(ax.get_legend_handles_labels()[1], fontsize=7.5)) is not None:
        # In someone else's grid a legend outside the axes would land on the neighbouring chart; inside, it goes
        # only where it hides nothing (the title, the box and the direct labels already carry the findings).
        ax.legend(loc=corner, fontsize=7.5, framealpha=0.9)
    add_footer(ax.figure, results)
    return ax


def _date_of_num(x: float) -> dt.date:
    return mdates.num2date(x).date()


class _Room:
    """Free space in an S-curve's axes, in axes fraction, for text boxes placed before the figure is drawn.

    A cumulative curve is monotone, so a box is clear of it when the whole box lies above-left of the curve
    (curve below the box's bottom at its right edge) or below-right of it (curve above the box's top at its left
    edge). Sizes are estimated from character counts, as the layout is not final before drawing.
    """

    margin = 0.03

    def __init__(self, ax: Axes, xs: np.ndarray, ys: np.ndarray, deadline_x: float | None, outside_legend: bool):
        self.x0, self.x1 = ax.get_xlim()
        self.y0, self.y1 = ax.get_ylim()
        self.xs, self.ys = xs, ys
        fig_w, fig_h = ax.figure.get_size_inches()
        pos = ax.get_position()
        # Constrained layout shrinks the axes for a legend outside them: then assume ~60 % of the figure width.
        width = min(pos.width, 0.6) if outside_legend else pos.width
        self.width_pt = max(width * fig_w * 72, 1)
        self.height_pt = max(pos.height * fig_h * 72 * 0.9, 1)
        self.deadline = self.fx(deadline_x) if deadline_x is not None else None
        self.taken: list[tuple[float, float, float, float]] = []  # (x0, x1, y0, y1)

    def fx(self, x: float) -> float:
        return (x - self.x0) / (self.x1 - self.x0)

    def fy(self, y: float) -> float:
        return (y - self.y0) / (self.y1 - self.y0)

    def curve(self, f: float) -> float:
        i = np.searchsorted(self.xs, self.x0 + f * (self.x1 - self.x0), side="right") - 1
        return self.fy(float(self.ys[i]) if i >= 0 else 0.0)

    def size(self, lines: list[str], fontsize: float, pad_w: float = 12, pad_h: float = 10,
             line_height: float = 1.3) -> tuple[float, float]:
        """Estimated (width, height) in axes fraction of a block of text lines (pads in points)."""
        width = (max(len(s) for s in lines) * 0.6 * fontsize + pad_w) / self.width_pt
        return width, (len(lines) * line_height * fontsize + pad_h) / self.height_pt

    def take_marker(self, x: float, y: float) -> None:
        m = self.margin
        self.taken.append((self.fx(x) - m, self.fx(x) + m, self.fy(y) - m, self.fy(y) + m))

    def clear(self, bx0: float, by0: float, bx1: float, by1: float) -> bool:
        m = self.margin
        if bx0 < 0 or bx1 > 1 or by0 < 0 or by1 > 1:
            return False
        if not (self.curve(bx1) < by0 - m or self.curve(bx0) > by1 + m):
            return False
        if self.deadline is not None and bx0 - m < self.deadline < bx1 + m:  # would hide the deadline line
            return False
        return not any(bx0 < ox1 and ox0 < bx1 and by0 < oy1 and oy0 < by1 for ox0, ox1, oy0, oy1 in self.taken)

    def legend_corner(self, labels: list[str], fontsize: float) -> str | None:
        """The first corner where a legend with ``labels`` is clear of everything (reserved), else None."""
        lines = [line for label in labels for line in label.split("\n")]
        w, h = self.size(lines, fontsize, pad_w=3.5 * fontsize, pad_h=0.5 * fontsize * len(labels) + 8,
                         line_height=1.25)
        w, h = w + 0.01, h + 0.01
        corners = {"upper left": (0.01, 0.99 - h), "lower right": (0.99 - w, 0.01),
                   "upper right": (0.99 - w, 0.99 - h), "lower left": (0.01, 0.01),
                   "center right": (0.99 - w, 0.5 - h / 2), "center left": (0.01, 0.5 - h / 2)}
        for loc, (bx0, by0) in corners.items():
            if self.clear(bx0, by0, bx0 + w, by0 + h):
                self.taken.append((bx0, bx0 + w, by0, by0 + h))
                return loc
        return None

    def note_spot(self, target: tuple[float, float], text: str, fontsize: float) -> tuple[float, float] | None:
        """Lower-left corner of a clear spot for a text box pointing at ``target`` (data), nearest to it."""
        w, h = self.size(text.split("\n"), fontsize)
        tx, ty = self.fx(target[0]), self.fy(target[1])
        best, best_distance = None, math.inf
        for by0 in np.arange(0.04, 0.97 - h, 0.05):
            gap = self.margin + 0.005  # just clear of the deadline line, despite rounding
            for bx0 in (0.02, tx + gap, tx - gap - w, 0.98 - w):
                if not self.clear(bx0, by0, bx0 + w, by0 + h):
                    continue
                dx = max(bx0 - tx, 0, tx - bx0 - w) * self.width_pt
                dy = max(by0 - ty, 0, ty - by0 - h) * self.height_pt
                if (distance := math.hypot(dx, dy)) < best_distance:  # nearest keeps the arrow short
                    best, best_distance = (bx0, by0), distance
        return best


# ---------------------------------------------------------------------------------------------- timeline


def _timeline_rows(results, milestones: Iterable[str] | None) -> pd.DataFrame:
    table = results.milestones
    if milestones is None:
        chosen = table[table["deadline"].map(iso).notna()].copy()
    else:
        wanted = list(milestones)
        known = set(table["milestone"])
        unknown = [m for m in wanted if m not in known]
        if unknown:
            raise ValueError(f"milestones: unknown {', '.join(repr(m) for m in unknown)}; "
                             f"known milestones are {', '.join(table['milestone'])}")
        chosen = table.set_index("milestone").loc[wanted].reset_index()
    chosen["_deadline"] = [iso(d) or dt.date.max for d in chosen["deadline"]]
    chosen["_p50"] = [iso(d) or dt.date.max for d in chosen["p50"]]
    return chosen


def plot_timeline(results, ax: Axes | None = None, milestones: Iterable[str] | None = None,
                  thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> Axes:
    """Milestone timeline: when each milestone is likely done, against its deadline.

    Per milestone a band from its P10 to its P90 date (80 % of replications finish within it), a filled circle
    at the P50 date and an open diamond at the deadline, grouped by ``section`` and sorted by deadline. The band
    is coloured by the RAG status of the probability of being on time, which is also written on the right. A
    band that reaches the horizon ends in an arrow: the quantile lies beyond the simulated period. The title
    counts the milestones whose median date is after their deadline.

    Parameters
    ----------
    results : sim.Results
        A run; uses ``results.milestones`` (P-dates as ISO dates, empty beyond the horizon) and ``results.meta``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into. Without one, a figure 12 in wide and about 0.3 in per row tall is created.
    milestones : iterable of str, optional
        Milestone ids to show; default every milestone with a deadline.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` probabilities for the RAG status of being on time, as in :func:`plot_dashboard`.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into. Deadline markers carry ``gid="deadline:<id>"``, bands ``gid="band:<id>"``.
    """
    green, amber = thresholds = check_thresholds(thresholds)
    chosen = _timeline_rows(results, milestones)
    rows = _rows(chosen, ["_deadline", "_p50", "title"])
    own_figure = ax is None
    if own_figure:
        ax = _new_axes((WIDTH, CHROME_HEIGHT + ROW_HEIGHT * max(len(rows), 3)))

    start = _start(results)
    horizon = _horizon(results) or start + dt.timedelta(days=365)
    end = _num(horizon)
    # The axis runs to the horizon only when some band reaches it; otherwise the simulated years after the last
    # P90 date and deadline would squeeze every band into the left of the chart.
    censored = bool(len(chosen)) and any(iso(v) is None for v in chosen["p90"])
    dates = [d for col in ("p90", "deadline") for d in map(iso, chosen[col]) if d is not None]
    latest = end if censored or not dates else min(_num(max(dates)), end)
    right = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    earliest = _num(start)
    labels, late, dated = [], 0, 0
    for y, (kind, row) in enumerate(rows):
        if kind == "header":
            labels.append("")
            continue
        mid = row["milestone"]
        deadline = iso(row["deadline"])
        p10, p50, p90 = (iso(row[k]) for k in ("p10", "p50", "p90"))
        labels.append(f"{shorten_label(row['title'])}  ·  by {fmt_date(deadline)}" if deadline
                      else shorten_label(row["title"]))
        if deadline is not None:
            p = float(row["p_on_time"])
            status = rag_status(p, thresholds)
            colour = RAG_COLOURS[status]
            dated += 1
            late += p50 is None or p50 > deadline
            note = f"{pct(p, thresholds)}  {status}"
        else:
            colour, note = NO_DEADLINE_COLOUR, "no deadline"
        if p10 is not None:
            lo = _num(p10)
            hi = _num(p90) if p90 is not None else end
            earliest = min(earliest, lo)
            # A band of zero width (an observed fact, a fixed duration) still shows as a sliver behind its dot.
            hi = max(hi, lo + 0.004 * max(latest - earliest, 365))
            ax.barh(y, hi - lo, left=lo, height=0.56, color=colour, alpha=0.9, lw=0, zorder=2, gid=f"band:{mid}")
            if p90 is None:
                ax.plot([end], [y], marker=">", color=colour, ms=7, zorder=3, clip_on=False)
        else:
            ax.plot([end], [y], marker=">", color=colour, ms=7, zorder=3, clip_on=False)
            ax.text(end - 3, y, "all beyond horizon ", ha="right", va="center", fontsize=7.5, color="#333333")
        if p50 is not None:
            # Above the deadline diamond: when both fall on the same date the median stays visible.
            ax.plot([_num(p50)], [y], marker="o", ms=5.5, color="black", zorder=6, ls="none")
        if deadline is not None:
            xd = _num(deadline)
            earliest = min(earliest, xd)
            ax.plot([xd], [y], marker="D", ms=6.5, mfc="white", mec="black", mew=1.4, zorder=5, ls="none",
                    gid=f"deadline:{mid}")
        ax.text(1.02, y, note, transform=right, ha="left", va="center", fontsize=8.5,
                fontweight="bold" if deadline is not None else "normal")

    _draw_headers(ax, rows)
    ax.set_yticks(range(len(rows)), labels, fontsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.axvline(_num(start), color=GREY, lw=1, zorder=1)
    if censored:
        ax.axvline(end, color=GREY, ls=":", lw=1.2, zorder=1)
        right_edge = end + 0.01 * (end - earliest)
    else:
        right_edge = latest + max(0.04 * (latest - earliest), 30)
    _date_axis(ax, _date_of_num(earliest), _date_of_num(right_edge))
    ax.set_xlim(earliest - 0.01 * (right_edge - earliest), right_edge)
    ax.tick_params(axis="x", top=True, labeltop=True, labelsize=8.5)
    ax.grid(axis="x", which="major", color="#d0d0d0", lw=0.6, zorder=0)
    ax.grid(axis="x", which="minor", color="#efefef", lw=0.5, zorder=0)
    for side in ("top", "right", "left"):  # the start line takes the left spine's place
        ax.spines[side].set_visible(False)

    if dated:
        title = f"{late} of {dated} milestones more likely late than on time (median date after the deadline)"
    else:
        title = "Milestone timeline: P10–P90 completion dates"
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    # Filled column by column (ncol=4): what the marks mean, then the colours, then the reference lines.
    handles = [Patch(color="#8a8a8a", alpha=0.9, label="P10–P90 dates (colour: chance on time)"),
               Line2D([], [], marker="o", color="black", ls="none", ms=5.5, label="P50 (median) date"),
               Line2D([], [], marker="D", mfc="white", mec="black", mew=1.4, ls="none", ms=6.5, label="Deadline"),
               Line2D([], [], color=GREY, lw=1, label=f"Start {fmt_date(start)}"),
               Patch(color=GREEN, alpha=0.9, label=f"GREEN: ≥ {pct(green)} on time"),
               Patch(color=AMBER, alpha=0.9, label=f"AMBER: {pct(amber)} to {pct(green)}"),
               Patch(color=RED, alpha=0.9, label=f"RED: < {pct(amber)}")]
    if censored:
        handles.append(Line2D([], [], color=GREY, ls=":", marker=">", ms=6, lw=1.2,
                              label=f"Horizon (end of simulation) {fmt_date(horizon)}"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=_below_axes(ax, 22),
              ncol=4 if own_figure else 3, fontsize=8.5, frameon=False)  # in a page: within its width
    add_footer(ax.figure, results)
    return ax


# ---------------------------------------------------------------------------------------------- shared helpers

# Line colours for several targets in one chart: Okabe–Ito hues other than the RAG ones, so that a line's colour
# never reads as a status; markers and dashes tell them apart in grey-scale print.
SERIES_STYLES = [("#0072B2", "o", "-"), ("#CC79A7", "s", "-"), ("#000000", "^", "--"), ("#56B4E9", "D", "-"),
                 ("#7a5195", "v", "--"), ("#8c6d31", "P", "-."), ("#444444", "X", ":"), ("#0b5d3b", "*", "-.")]


def _target_row(results, target: str) -> pd.Series:
    targets = results.targets
    if target not in set(targets["target"]):
        raise ValueError(f"target: found '{target}', which is not a target of this run{_suggest(target, targets['target'])}; "
                         f"targets are {', '.join(targets['target'])}")
    return targets[targets["target"] == target].iloc[0]


def _suggest(word: str, options) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def at_risk_targets(results, k: int = 5) -> list[str]:
    """The ``k`` targets least likely to be met (ties: earlier deadline first, then id).

    Targets without per-replication outcomes (an explicit ``milestone:`` target under its own id in results
    written by an older version) are skipped: nothing can be drawn or analysed for them.
    """
    targets = results.targets.assign(_deadline=[iso(d) or dt.date.max for d in results.targets["deadline"]])
    targets = targets[[outcome_column(results, t) is not None for t in targets["target"]]]
    return list(targets.sort_values(["p_met", "_deadline", "target"], kind="stable").head(k)["target"])


_PHRASES = (("Duration: ", "how long ‘{}’ takes"), ("Risk occurs: ", "whether ‘{}’ happens"),
            ("Risk delay: ", "how much ‘{}’ delays things"), ("Risk timing: ", "when ‘{}’ happens"))


_INPUT_WORDS = {"envelope": "Envelope", "growth": "Growth", "amount": "Amount", "lag": "Payment lag",
                "capacity": "Starting capacity", "target": "Target capacity", "first_output": "Time to first output",
                "realisation": "Realisation factor", "quantity": "Quantity", "cut": "Cut", "capacity_cut": "Capacity cut",
                "numerator": "Numerator weight", "denominator": "Denominator weight", "delay": "Delay",
                "duration": "Duration", "occurs": "Occurs", "time": "Timing"}


def readable_label(label: str) -> str:
    """A label for an input that the run did not label (a bare name such as ``fund:edf:envelope``), in words:
    'Envelope: fund edf'. Labelled inputs are returned as they are.
    """
    label = str(label)
    if " " in label or ":" not in label:
        return label
    kind, _, rest = label.partition(":")
    parts = rest.split(":")
    if kind == "indicator" and len(parts) >= 3:  # indicator:ID:numerator|denominator:OBSERVABLE
        return f"{_INPUT_WORDS.get(parts[1], parts[1])} of {':'.join(parts[2:])}: indicator {parts[0]}"
    what = _INPUT_WORDS.get(parts[-1], parts[-1].replace("_", " ").capitalize())
    subject = " · ".join(parts[:-1]) if len(parts) > 1 else parts[0]
    return f"{what}: {kind} {subject}"


def _name_phrase(name: str, width: int) -> str | None:
    """Words for a bare input name of the money model, which reads badly through the generic label."""
    parts = name.split(":")
    if parts[0] == "indicator" and len(parts) >= 4:
        return (f"the {parts[2]} weight of ‘{shorten_label(':'.join(parts[3:]), width)}’ in "
                f"‘{shorten_label(parts[1], width)}’")
    if parts[0] == "funding" and len(parts) == 4:
        what = {"amount": "how much money ‘{m}’ needs from {p}", "lag": "the payment lag of {p} for ‘{m}’"}
        if parts[3] in what:
            return what[parts[3]].format(m=shorten_label(parts[1], width), p=parts[2])
    return None


def driver_phrase(label: str, width: int = 70) -> str:
    """An input's label (``drivers(...)['label']``) as words for a sentence: 'how long ‘EDIP adopted’ takes'."""
    label = str(label)
    if " " not in label and (phrase := _name_phrase(label, width)):
        return phrase
    label = " ".join(readable_label(label).split())
    for prefix, template in _PHRASES:
        if label.startswith(prefix):
            return template.format(shorten_label(label[len(prefix):], width))
    if label.endswith(" (shared factor)"):
        return f"the shared factor ‘{shorten_label(label[: -len(' (shared factor)')], width)}’"
    what, sep, subject = label.partition(": ")
    if sep and what.startswith(tuple(_INPUT_WORDS.values())):  # from readable_label
        return f"the {what[0].lower() + what[1:]} of ‘{shorten_label(subject, width)}’"
    return shorten_label(label, width)


def noise_z(results, level: float = 0.95) -> float:
    """Standard errors that make a driver "stand out from the noise", for all inputs screened together.

    A drivers table screens every varying input (m of them, ~100 in the baseline); at 1.96 standard errors about
    one in twenty inputs with no effect at all would still look like a driver. With the Bonferroni bound the
    chance that *any* of the m inputs is flagged by noise alone is at most ``1 − level``: z = Φ⁻¹(1 − (1 − level)
    / (2m)), about 3.5 for 100 inputs.
    """
    from scipy import stats

    values = results.inputs.to_numpy(dtype=float) if len(results.inputs.columns) else np.empty((0, 0))
    m = int((np.ptp(values, axis=0) > 0).sum()) if values.size else 0
    return float(stats.norm.ppf(1 - (1 - level) / (2 * max(m, 1))))


def impact_noise(results, target: str, inputs: Iterable[str], decile: float = 0.1, z: float | None = None) -> np.ndarray:
    """Monte Carlo noise of ``impact_pp`` per input: ``z`` standard errors, in percentage points.

    The impact compares the share of replications meeting the deadline in two groups (input in its upper vs lower
    ``decile``, or a risk occurring vs not); under "no effect" both shares equal the overall ``p``, so the
    difference has standard error ``sqrt(p (1 − p) (1/n_low + 1/n_high))``. ``z`` defaults to :func:`noise_z`
    (corrected for the number of inputs screened), so an impact within the noise is not distinguishable from
    chance at this number of replications.
    """
    z = noise_z(results) if z is None else z
    met = results.met(target)
    p = float(np.mean(met))
    out = []
    for name in inputs:
        x = results.inputs[name].to_numpy()
        if name.endswith(":occurs"):
            n_low, n_high = int((x == 0).sum()), int((x == 1).sum())
        else:
            lo, hi = np.quantile(x, [decile, 1 - decile])
            n_low, n_high = int((x <= lo).sum()), int((x >= hi).sum())
        if n_low == 0 or n_high == 0:
            out.append(np.nan)
            continue
        out.append(100 * z * math.sqrt(p * (1 - p) * (1 / n_low + 1 / n_high)))
    return np.asarray(out, dtype=float)


def _wrap_title(ax: Axes, text: str, own_figure: bool, left_in: float = 0.0, right_in: float = 0.0,
                fontsize: float = 12) -> str:
    """``text`` wrapped to the width the axes will have once tick labels (``left_in``/``right_in`` inches) are
    laid out, so that a left-aligned title never runs off the figure.
    """
    # Constrained layout widens an own figure's axes from the default subplot margins to the whole figure.
    chars = int(max(_axes_inches(ax, own_figure, left_in, right_in), 3.0) * 72 / (fontsize * 0.62))
    return textwrap.fill(text, max(chars, 30), break_on_hyphens=False)


def _axes_inches(ax: Axes, own_figure: bool, left_in: float = 0.0, right_in: float = 0.0) -> float:
    """Estimated width in inches of the axes once laid out (tick labels of ``left_in``/``right_in`` inches)."""
    fig_w = ax.figure.get_size_inches()[0]
    if own_figure:
        return max(fig_w - 0.4 - left_in - right_in, 1.0)
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    width = ax.get_position().width * fig_w
    if isinstance(ax.figure.get_layout_engine(), ConstrainedLayoutEngine):
        # Before layout the axes has the default subplot margins; the layout then fits its tick labels into its
        # cell, and keeps the axes of a row equally wide, so a neighbour's long labels can narrow it: estimate low.
        return max(width - left_in - right_in, 1.0)
    return max(width, 1.0)  # a fixed layout: tick labels are outside the axes already


def _label_inches(labels: Iterable[str], fontsize: float) -> float:
    """Estimated width of the widest label (DejaVu Sans averages ~0.55 em per character)."""
    return max((len(str(s)) for s in labels), default=0) * fontsize * 0.55 / 72


def _legend_below(ax: Axes, handles, points: float = 30, ncol: int = 3, fontsize: float = 8.5):
    return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=_below_axes(ax, points),
                     ncol=ncol, fontsize=fontsize, frameon=False)


# ---------------------------------------------------------------------------------------------- tornado


def _days_noise(results, target: str, inputs: Iterable[str], decile: float = 0.1, draws: int = 200) -> np.ndarray:
    """Monte Carlo noise of ``impact_days``: :func:`noise_z` bootstrap standard errors of the difference of group
    medians (NaN when too many resampled medians lie beyond the horizon). A fixed local seed keeps charts
    reproducible.
    """
    z = noise_z(results)
    times = np.asarray(results.times(target), dtype=float)
    rng = np.random.default_rng(20251016)
    out = []
    for name in inputs:
        x = results.inputs[name].to_numpy()
        if name.endswith(":occurs"):
            low, high = x == 0, x == 1
        else:
            lo, hi = np.quantile(x, [decile, 1 - decile])
            low, high = x <= lo, x >= hi
        a, b = times[low], times[high]
        if len(a) < 2 or len(b) < 2:
            out.append(np.nan)
            continue
        ma = np.quantile(a[rng.integers(0, len(a), (draws, len(a)))], 0.5, axis=1, method="inverted_cdf")
        mb = np.quantile(b[rng.integers(0, len(b), (draws, len(b)))], 0.5, axis=1, method="inverted_cdf")
        with np.errstate(invalid="ignore"):  # both medians beyond the horizon: inf − inf
            diff = mb - ma
        diff = diff[np.isfinite(diff)]
        out.append(z * float(np.std(diff, ddof=1)) if len(diff) >= 0.9 * draws else np.nan)
    return np.asarray(out, dtype=float)


def _tornado_rows(table: pd.DataFrame, metric: str, top: int) -> pd.DataFrame:
    if metric == "impact_pp":
        return table.head(top)
    finite = table[np.isfinite(table["impact_days"].astype(float))]
    finite = finite.reindex(finite["impact_days"].abs().sort_values(ascending=False, kind="stable").index)
    beyond = table[~np.isfinite(table["impact_days"].astype(float))]
    return pd.concat([finite, beyond]).head(top)


def _tornado_data(results, target: str, table: pd.DataFrame, metric: str, top: int):
    """Rows drawn, their values in ``metric`` and the Monte Carlo noise of each."""
    rows = _tornado_rows(table, metric, top).reset_index(drop=True)
    values = rows[metric].astype(float).to_numpy()
    if not len(rows):
        return rows, values, np.full(0, np.nan)
    noise = (impact_noise if metric == "impact_pp" else _days_noise)(results, target, rows["input"])
    return rows, values, noise


def _informative(values: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Bars worth drawing: a finite, non-zero effect not within the noise (unknown noise counts as beyond)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values != 0) & ~(np.isfinite(noise) & (np.abs(values) <= noise))


def _no_driver_page(ax: Axes, results, row: pd.Series, k: int) -> Axes:
    """A sentence instead of a tornado whose bars would all be noise (or beyond the horizon)."""
    deadline = iso(row["deadline"])
    chance = f"{pct(float(row['p_met']))} chance by {fmt_date(deadline)}" if deadline else ""
    ax.set_axis_off()
    ax.set_title(_wrap_title(ax, f"{shorten_label(row['title'], 110)}" + (f" ({chance})" if chance else ""), False),
                 loc="left", fontsize=12, fontweight="bold")
    n = f"{results.n:,}".replace(",", "\u202f")
    if not k:
        text = "No sampled input varies in this run, so nothing can be said to drive this target."
    else:
        text = (f"No single input moves this target beyond the Monte Carlo noise at {n} replications: neither its "
                f"chance of meeting the deadline nor its median date changes by more than chance alone could "
                f"produce when any one input is high rather than low. Its outcome depends on many inputs together, "
                f"or on ones whose effect is too small to show at this number of replications.")
    ax.text(0.0, 0.85, textwrap.fill(text, 110), transform=ax.transAxes, ha="left", va="top", fontsize=11,
            gid="no-drivers")
    add_footer(ax.figure, results)
    return ax


def plot_tornado(results, target: str, ax: Axes | None = None, metric: str = "auto", top: int = 10,
                 table: pd.DataFrame | None = None) -> Axes:
    """Tornado chart: the inputs that move a target most, one bar each, left (worse) or right (better) of zero.

    Per input (from :func:`sim.analysis.drivers`), the bar is the target's change when the input is high (its
    upper decile: a long duration, a slow shared factor, a late risk) rather than low (its lower decile); for a
    risk's ``occurs`` input, when the risk occurs rather than not. With ``metric="impact_pp"`` the change is in
    the probability of meeting the deadline (percentage points; bars in the drivers table's order). With
    ``metric="impact_days"`` it is the shift of the median date in days (sorted by its size; inputs for which a
    median lies beyond the horizon have no number and are listed last). A whisker marks the Monte Carlo noise
    (:func:`impact_noise` for points, a bootstrap of the group medians for days; both at :func:`noise_z` standard
    errors, which allows for every input having been screened), and a bar within it is drawn hatched and pale:
    at this number of replications it cannot be told from chance. Red
    bars make the target worse (less likely, later), blue bars better. The title gives the target's chance and
    names the input that moves it most.

    Parameters
    ----------
    results : sim.Results
    target : str
        A target id of the run.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; without one a figure 13 in wide and about 0.42 in per bar tall is created.
    metric : {"auto", "impact_pp", "impact_days"}, default "auto"
        ``auto`` uses probability points, or days when no input moves the probability at all (a target that
        is met in every replication or in none, where only its date can move).
    top : int, default 10
        Number of inputs shown.
    table : pandas.DataFrame, optional
        ``drivers(results, target)`` if already computed.

    Returns
    -------
    matplotlib.axes.Axes
        Bars carry ``gid="driver:<input name>"``, top to bottom in the order drawn.
    """
    if metric not in ("auto", "impact_pp", "impact_days"):
        raise ValueError(f"metric: found '{metric}'; expected 'auto', 'impact_pp' (probability points) or 'impact_days'")
    if int(top) < 1:
        raise ValueError(f"top: found {top}; expected a whole number ≥ 1")
    row = _target_row(results, target)
    if table is None:
        from .analysis import drivers

        table = drivers(results, target)
    auto = metric == "auto"
    if auto:
        metric = "impact_pp" if table["impact_pp"].abs().max() > 0 else "impact_days"
    if auto and metric == "impact_pp" and len(table):
        rows, values, noise = _tornado_data(results, target, table, "impact_pp", int(top))
        if not _informative(values, noise).any():  # nothing moves the chance: perhaps something moves the date
            metric = "impact_days"
    rows, values, noise = _tornado_data(results, target, table, metric, int(top))
    k = len(rows)
    own_figure = ax is None
    if own_figure:
        ax = _new_axes((WIDTH, 2.4 + 0.42 * max(k, 3)))
    if not _informative(values, noise).any():
        return _no_driver_page(ax, results, row, k)
    tick_labels = [shorten_label(readable_label(label), 80) for label in rows["label"]]

    pp = metric == "impact_pp"
    worse = values < 0 if pp else values > 0
    unit = " pp" if pp else " days"
    finite = np.isfinite(values)
    spread = np.abs(values) + np.nan_to_num(noise)
    # Each side holds its bars with their whiskers and the value written beyond them; a whisker of a bar on the
    # other side may cross zero; a side with nothing keeps a sliver so that zero stays visible.
    left = np.max(spread[finite & (values < 0)], initial=0.0)
    right = np.max(spread[finite & (values >= 0)], initial=0.0)
    cross_right = np.max((np.nan_to_num(noise) - np.abs(values))[finite & (values < 0)], initial=0.0)
    cross_left = np.max((np.nan_to_num(noise) - np.abs(values))[finite & (values >= 0)], initial=0.0)
    total = max(left + right, 5.0 if pp else 30.0)
    # Room for the value written beyond a bar (~0.75 in): a fraction f of the axes width on each side with bars.
    f = min(0.75 / _axes_inches(ax, own_figure, _label_inches(tick_labels, 9)), 0.3)
    pad = total * max(0.2, f / (1 - 2 * f))
    low = -(left + pad) if left else -max(0.06 * total, 1.08 * cross_left)
    high = right + pad if right else max(0.06 * total, 1.08 * cross_right)
    for y in range(k):
        v, name = values[y], rows.at[y, "input"]
        if not np.isfinite(v):
            ax.text(0, y, "  median date beyond the horizon in one group: no number in days", ha="left", va="center",
                    fontsize=8.5, color="#333333", gid=f"driver:{name}")
            continue
        within = bool(np.isfinite(noise[y]) and abs(v) <= noise[y])
        colour = RED if worse[y] else BLUE
        ax.barh(y, v, height=0.6, color=colour, alpha=0.35 if within else 0.9, hatch="///" if within else None,
                edgecolor=colour, lw=0.8 if within else 0, zorder=2, gid=f"driver:{name}")
        if np.isfinite(noise[y]):
            ax.errorbar(v, y, xerr=noise[y], fmt="none", ecolor="#333333", elinewidth=0.9, capsize=2.5, zorder=3)
        reach_y = abs(v) + (noise[y] if np.isfinite(noise[y]) else 0)
        ax.text(math.copysign(reach_y + 0.012 * total, v if v != 0 else 1), y,
                signed(v, unit), ha="left" if v >= 0 else "right", va="center", fontsize=9, fontweight="bold",
                zorder=4)
    ax.axvline(0, color="black", lw=1, zorder=3)
    ax.set_yticks(range(k), tick_labels, fontsize=9)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(max(k, 1) - 0.5, -0.5)
    ax.set_xlim(low, high)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: signed(v, "", 0)))
    ax.grid(axis="x", color="#e0e0e0", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    what = ("Change in the chance of meeting the deadline (percentage points)" if pp
            else "Shift of the median date (days; + is later)")
    ax.set_xlabel(f"{what}\nwhen the input is high (top 10 %) rather than low (bottom 10 %), or a risk occurs "
                  f"rather than not", fontsize=9)

    deadline = iso(row["deadline"])
    name = shorten_label(row["title"], 70)
    chance = f"{pct(float(row['p_met']))} by {fmt_date(deadline, nbsp=True)}" if deadline else ""
    head = f"{name} ({chance})" if chance else name
    if not k:
        finding = "no sampled input varies, nothing drives it"
    elif not np.isfinite(values[0]):
        finding = "its median date lies beyond the horizon, see the chart in percentage points"
    elif np.isfinite(noise[0]) and abs(values[0]) <= noise[0]:
        finding = f"no input moves it beyond Monte Carlo noise (largest {signed(values[0], unit)})"
    else:
        verb = "moves it most" if pp else "shifts its date most"
        finding = f"{driver_phrase(rows.at[0, 'label'], 60)} {verb} ({signed(values[0], unit)})"
    ax.set_title(_wrap_title(ax, f"{head}: {finding}", own_figure, left_in=_label_inches(tick_labels, 9)),
                 loc="left", fontsize=12, fontweight="bold")

    better = "Raises the chance" if pp else "Earlier date"
    handles = [Patch(color=RED, label="Lowers the chance" if pp else "Later date"), Patch(color=BLUE, label=better),
               Line2D([], [], color="#333333", lw=0.9, marker="|", ms=7,
                      label="Monte Carlo noise (an effect within it could be chance)"),
               Patch(facecolor=RED, alpha=0.35, hatch="///", edgecolor=RED, label="Within the noise")]
    _legend_below(ax, handles, points=50, ncol=len(handles) if own_figure else 2)  # in a page: fit its width
    add_footer(ax.figure, results)
    return ax


# ---------------------------------------------------------------------------------------------- fan chart

SERIES_COLUMNS = ("observable", "date", "p10", "p50", "p90", "mean")


def _series(results) -> pd.DataFrame:
    series = getattr(results, "series", None)
    if series is None or len(series) == 0:
        raise ValueError("results.series: this run has no time series (a scenario without funds or indicators, or "
                         "results from a version that did not record them); fan charts need them")
    missing = [c for c in SERIES_COLUMNS if c not in series.columns]
    if missing:
        raise ValueError(f"results.series: missing columns {', '.join(missing)}; expected {', '.join(SERIES_COLUMNS)}")
    return series


def series_observables(results) -> list[str]:
    """Observables in ``results.series``, in order of first appearance (empty when there is none)."""
    series = getattr(results, "series", None)
    if series is None or len(series) == 0 or "observable" not in series.columns:
        return []
    return list(dict.fromkeys(series["observable"].astype(str)))


def _observable_kind(observable: str, values: np.ndarray) -> str:
    """'share' (shown in %), 'money' (€ bn) or 'plain'."""
    if observable.endswith(("share", ".closed")) or (("." not in observable) and values.size
                                                     and np.nanmax(values) <= 1 + 1e-9 and np.nanmin(values) >= -1e-9):
        return "share"
    if observable.rsplit(".", 1)[-1] in ("committed", "disbursed"):
        return "money"
    return "plain"


def _unit_of(observable: str, values: np.ndarray, unit: str | None) -> str:
    """The display unit: given, else '%' for shares, '€ bn' for money, else the unit the name implies."""
    if unit is not None:
        return unit
    kind = _observable_kind(observable, values)
    return {"share": "%", "money": "€ bn"}.get(kind) or observable_unit(observable)


def _value_text(v: float, kind: str) -> str:
    """Kept for callers of the kind names: 'share', 'money', 'plain'."""
    return format_value(v, {"share": "%", "money": "€ bn"}.get(kind, ""))


def observable_label(results, observable: str, scenario=None) -> str:
    """A readable name for an observable: from the scenario's titles when given ('SAFE loans: share of the
    envelope paid out', see :func:`sim.labels.observable_label`), else one recorded in
    ``results.meta['observables']``, else words made from its id.
    """
    from .labels import observable_label as words

    titles = results.meta.get("observables") if isinstance(getattr(results, "meta", None), dict) else None
    if scenario is None and isinstance(titles, dict) and titles.get(observable):
        return str(titles[observable])
    return words(observable, scenario)


def _fan_targets(targets) -> list[tuple[float, dt.date, str | None, float | None, bool]]:
    out = []
    for item in targets or ():
        if isinstance(item, dict):
            value, when, label, chance = item.get("value"), item.get("date"), item.get("label"), item.get("p_met")
            held = bool(item.get("held", False))
        else:
            try:
                value, when, *rest = item
            except (TypeError, ValueError):
                raise ValueError(f"targets: found {item!r}; expected (value, date), (value, date, label), "
                                 f"(value, date, label, p_met) or (value, date, label, p_met, held)") from None
            label = rest[0] if rest else None
            chance = rest[1] if len(rest) > 1 else None
            held = bool(rest[2]) if len(rest) > 2 else False
        when = iso(when) if not isinstance(when, (dt.datetime, pd.Timestamp)) else pd.Timestamp(when).date()
        if when is None:
            raise ValueError(f"targets: found {item!r} without a date; expected (value, date)")
        out.append((float(value), when, label, None if chance is None else float(chance), held))
    return out


def _target_words(value: float, when: dt.date, unit: str, held: bool, nbsp: bool = False) -> str:
    """'at least 55 % held on 31 Dec 2030' or 'at least €0.5 bn reached at any time by 31 Mar 2026'."""
    on = fmt_date(when, nbsp=nbsp)
    amount = format_value(value, unit)
    return f"at least {amount} held on {on}" if held else f"at least {amount} reached at any time by {on}"


def plot_fan(results, observable: str, ax: Axes | None = None, targets=None, label: str | None = None,
             unit: str | None = None) -> Axes:
    """Fan chart of a time series: the P10–P90 band, the median (P50) line and the mean (dashed) per month.

    Reads ``results.series``: one row per observable per month with columns ``observable, date, p10, p50, p90,
    mean`` (dates ISO strings or dates; values in the observable's unit: shares 0–1 are shown in %, fund amounts
    in € bn; months without a value are left out). Optional target markers are "at least ``value`` by ``date``":
    a diamond at (date, value) and a dotted line to it. The marker's label and the title say whether the
    target must be *reached at any time* before its date (the default: the event time is when the value first
    reaches it) or *held on* the date (``held``: a ratio that can fall again). The title states the first
    target's chance when given and where the median stands on that date. When a target is far below the top
    of the band (under 5 % of it, e.g. the first €0.5 bn of a €150 bn fund), an inset zooms onto it, so the
    threshold is read on a sensible scale.

    Parameters
    ----------
    results : sim.Results or any object with ``series`` and ``meta``
    observable : str
        E.g. ``"safe.disbursed_share"`` or an indicator id such as ``"joint-procurement-share"``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; without one a 10.5 × 5.6 in figure is created.
    targets : sequence of (value, date[, label[, p_met[, held]]]) or of dicts with these keys, optional
        Target markers; ``date`` an ISO string or a date; ``p_met`` the target's chance, for the title;
        ``held`` True when the value must hold on the date (:func:`indicator_targets` builds these).
    label : str, optional
        Name of the observable for the title (default :func:`observable_label`).
    unit : str, optional
        Display unit: ``"%"`` (values 0–1), ``"€ bn"``, or a count such as ``"rounds"``; default from the
        observable's name (see :func:`sim.labels.observable_unit`).

    Returns
    -------
    matplotlib.axes.Axes
        The band has ``gid="band"``, the median ``gid="p50"``, the mean ``gid="mean"``, markers ``gid="target:<i>"``,
        the zoomed inset (when drawn) ``gid="zoom"``.
    """
    series = _series(results)
    available = series_observables(results)
    if observable not in available:
        raise ValueError(f"observable: found '{observable}'{_suggest(observable, available)}; available observables "
                         f"are {', '.join(available)}")
    data = series[series["observable"].astype(str) == observable].copy()
    data["_date"] = [pd.Timestamp(d).date() for d in data["date"]]
    data = data.sort_values("_date", kind="stable")
    data = data[data[["p10", "p50", "p90"]].notna().all(axis=1)]  # months where a ratio is undefined everywhere
    if data.empty:
        raise ValueError(f"observable '{observable}': no month has a value in results.series")
    x = np.array([_num(d) for d in data["_date"]])
    p10, p50, p90, mean = (data[c].to_numpy(dtype=float) for c in ("p10", "p50", "p90", "mean"))
    unit = _unit_of(observable, np.concatenate([p10, p90, mean]), unit)
    name = label or observable_label(results, observable)
    marks = _fan_targets(targets)
    own_figure = ax is None
    if own_figure:
        ax = _new_axes(S_CURVE_SIZE)

    def draw(axes, legend: bool) -> None:
        axes.fill_between(x, p10, p90, color=BLUE, alpha=0.2, lw=0, zorder=1, gid="band" if legend else None,
                          label="P10–P90: 80 % of replications inside the band" if legend else None)
        axes.plot(x, p50, color=BLUE, lw=2.2, zorder=3, gid="p50" if legend else None,
                  label="Median (P50)" if legend else None)
        axes.plot(x, mean, color="black", lw=1.2, ls="--", zorder=3, gid="mean" if legend else None,
                  label="Mean" if legend else None)
        for i, (value, when, text, _, held) in enumerate(marks):
            xt = _num(when)
            axes.plot([x[0], xt], [value, value], color=GREY, ls=":", lw=1, zorder=2)
            axes.plot([xt], [value], marker="D", ms=8, mfc="white", mec="black", mew=1.5, ls="none", zorder=5,
                      gid=f"target:{i}" if legend else None,
                      label=(text or f"Target: {_target_words(value, when, unit, held)}") if legend else None)

    draw(ax, True)
    first, last = data["_date"].iloc[0], data["_date"].iloc[-1]
    for value, when, *_ in marks:
        first, last = min(first, when), max(last, when)

    if marks:
        value, when, _, chance, held = marks[0]
        v50 = float(np.interp(_num(when), x, p50))
        on = fmt_date(when, nbsp=True)
        goal = _target_words(value, when, unit, held, nbsp=True)
        if chance is not None:
            title = f"{name}: {pct(chance)} chance of {goal} (median {format_value(v50, unit)} on {on})"
        else:
            title = f"{name}: median {format_value(v50, unit)} on {on}, against a target of {goal}"
    else:
        title = (f"{name}: median {format_value(p50[-1], unit)} by {fmt_date(data['_date'].iloc[-1], nbsp=True)} "
                 f"(80 % between {format_value(p10[-1], unit)} and {format_value(p90[-1], unit)})")
    ax.set_title(_wrap_title(ax, title, own_figure, left_in=0.8), loc="left", fontsize=12, fontweight="bold")

    span = max(_num(last) - _num(first), 1)
    _date_axis(ax, first, last)
    years = span / 365.25
    if years > 2 and (per_tick := math.ceil(years / (_axes_inches(ax, own_figure, 0.8) / 0.55))) > 1:
        ax.xaxis.set_major_locator(mdates.YearLocator(per_tick))  # a narrow axes: every year would overlap
    ax.set_xlim(_num(first) - 0.01 * span, _num(last) + 0.02 * span)
    top = max(np.nanmax(p90) if len(p90) else 0, max((m[0] for m in marks), default=0))
    bottom = min(np.nanmin(p10) if len(p10) else 0, 0)
    ax.set_ylim(bottom, top * 1.08 if top > 0 else 1)
    _value_axis(ax, unit)
    ax.set_xlabel("Date")
    ax.grid(color="#e0e0e0", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    small = [m for m in marks if 0 < m[0] < 0.05 * top]
    if small:
        # A threshold far below the band's top sits on the axis at this scale: zoom onto it.
        value, when = small[0][0], small[0][1]
        inset = ax.inset_axes([0.06, 0.45, 0.38, 0.45])
        inset.set_gid("zoom")
        draw(inset, False)
        x_end = _num(when) + 0.25 * max(_num(when) - x[0], 60)
        inset.set_xlim(x[0], x_end)
        inset.set_ylim(0, 2.5 * value)
        _date_axis(inset, _date_of_num(x[0]), _date_of_num(x_end))
        inset.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
        inset.xaxis.set_major_formatter(mdates.ConciseDateFormatter(inset.xaxis.get_major_locator()))
        _value_axis(inset, unit, label=False)
        inset.tick_params(labelsize=7.5)
        inset.set_title(f"Zoom on the target ({format_value(value, unit)})", fontsize=8.5, loc="left")
        inset.set_facecolor("white")
        inset.grid(color="#e0e0e0", lw=0.5)
    _legend_below(ax, ax.get_legend_handles_labels()[0], points=26, ncol=2)
    add_footer(ax.figure, results)
    return ax


def _value_axis(ax: Axes, unit: str, label: bool = True) -> None:
    """Tick labels and axis label in the display unit (shares in %, money in € bn, counts grouped)."""
    if unit == "%":
        ax.yaxis.set_major_formatter(_PERCENT_AXIS)
    elif unit != "€ bn":
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(
            lambda v, _: f"{v / 1e6:.3g} m" if abs(v) >= 1e6 else f"{v:,.0f}".replace(",", "\u202f")))
    if label:
        ax.set_ylabel({"%": "Share (%)", "€ bn": "€ bn"}.get(unit, unit[:1].upper() + unit[1:]))


def indicator_targets(scenario, observable: str, results=None) -> list[dict]:
    """Markers for :func:`plot_fan` from a scenario's indicator targets on ``observable``: dicts with ``value``,
    ``date``, ``label``, ``p_met`` (from ``results`` when given, else None) and ``held`` (the value must hold on
    the deadline rather than be reached at any time before it).
    """
    chances = {}
    if results is not None:
        chances = dict(zip(results.targets["target"], results.targets["p_met"]))
    out = []
    for t in getattr(scenario, "targets", ()):
        if t.kind == "indicator" and t.members and t.members[0] == observable and t.threshold is not None:
            unit = _unit_of(observable, np.array([float(t.threshold)]), None)
            if unit not in ("%", "€ bn"):
                unit = observable_unit(observable, scenario)
            held = bool(getattr(t, "at_deadline", False))
            label = f"Target: {_target_words(float(t.threshold), t.deadline, unit, held)}"
            chance = float(chances[t.id]) if t.id in chances else None
            if chance is not None:
                label += f" ({pct(chance)} chance)"
            out.append({"value": float(t.threshold), "date": t.deadline, "label": label, "p_met": chance,
                        "held": held})
    return out


def fan_observables(results, scenario=None, limit: int = 8) -> list[str]:
    """The observables worth a fan chart, most relevant first, at most ``limit``.

    Those with an indicator target in ``scenario`` first, then indicators (ids without a dot), disbursed shares
    of funds, and cumulative deliveries and closed capability gaps; raw committed/disbursed amounts only when
    a target is set on them (their shares tell the same story on a comparable scale).
    """
    available = series_observables(results)
    chosen = [t.members[0] for t in getattr(scenario, "targets", ()) if t.kind == "indicator" and t.members]
    chosen += [o for o in available if "." not in o]
    chosen += [o for o in available if o.endswith(".disbursed_share")]
    chosen += [o for o in available if o.endswith((".delivered", ".closed"))]
    present = set(available)
    return [o for o in dict.fromkeys(chosen) if o in present][: max(int(limit), 0)]


def _scenario_from_meta(results):
    """The run's scenario, when its file is still where the run found it (else None): for target markers."""
    from .load import ScenarioError, load
    from .shipped import resolve

    path = results.meta.get("scenario") if isinstance(getattr(results, "meta", None), dict) else None
    found = resolve(path) if path else None
    if found is None:
        return None
    try:
        return load(found)
    except ScenarioError:  # a chart must not fail because the scenario file changed since the run: no markers
        return None


# ---------------------------------------------------------------------------------------------- comparison


def plot_comparison(comparison, ax: Axes | None = None, top: int = 15,
                    thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> Axes:
    """What a delay scenario changes: per target, the base and the other probability and the paired change.

    For each compared scenario (a section with its name), the ``top`` targets whose probability moves most: a
    hollow circle at the base probability, an arrow to a filled circle at the scenario's probability (red when it
    falls, blue when it rises), and under it a whisker with the 95 % interval of the *paired* change (common
    random numbers: far narrower than two separate intervals). The change and its interval in percentage points
    are written on the right, in bold when the interval excludes zero. Targets that do not move are left out and
    counted in the title.

    Parameters
    ----------
    comparison : sim.analysis.Comparison or pandas.DataFrame
        A comparison, or its ``table`` (columns ``scenario, target, title, deadline, p_base, p_other, diff,
        diff_low, diff_high``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; without one a figure 13 in wide and about 0.34 in per row tall is created.
    top : int, default 15
        Targets shown per scenario.
    thresholds : (float, float), default (0.8, 0.5)
        RAG thresholds, drawn as dashed lines.

    Returns
    -------
    matplotlib.axes.Axes
        Arrows carry ``gid="change:<scenario>:<target>"``.
    """
    table = getattr(comparison, "table", comparison)
    needed = ["scenario", "target", "title", "deadline", "p_base", "p_other", "diff", "diff_low", "diff_high"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"comparison: missing columns {', '.join(missing)}; expected a Comparison or its table")
    green, amber = check_thresholds(thresholds)
    base = getattr(comparison, "base", None)
    base_name = base.meta.get("title", "base") if base is not None else "base"

    rows: list[tuple[str, object]] = []
    summary = {}
    own_figure = ax is None
    for name, group in table.groupby("scenario", sort=False):
        moved = group[group["diff"].abs() > 0]
        moved = moved.reindex(moved["diff"].abs().sort_values(ascending=False, kind="stable").index)
        down = int((group["diff_high"] < 0).sum())
        up = int((group["diff_low"] > 0).sum())
        summary[name] = (down, up, len(group) - len(moved), moved.head(1))
        rows.append(("header", name))
        rows.extend(("item", r) for _, r in moved.head(int(top)).iterrows())
        if moved.empty:
            rows.append(("none", name))
    if own_figure:
        ax = _new_axes((14.0, CHROME_HEIGHT + 0.34 * max(len(rows), 3)))

    labels, right = [], []
    for y, (kind, row) in enumerate(rows):
        if kind != "item":
            labels.append("")
            right.append("")
            if kind == "none":
                ax.text(0.01, y, "no target changes", va="center", fontsize=8.5, color="#333333")
            continue
        pb, po = float(row["p_base"]), float(row["p_other"])
        d, lo, hi = float(row["diff"]), float(row["diff_low"]), float(row["diff_high"])
        colour = RED if d < 0 else BLUE
        deadline = iso(row["deadline"])
        labels.append(f"{shorten_label(row['title'], 54)} · {fmt_date(deadline) if deadline else 'no deadline'}")
        ax.plot([pb], [y], marker="o", ms=7, mfc="white", mec="black", mew=1.3, ls="none", zorder=4, clip_on=False)
        ax.annotate("", xy=(po, y), xytext=(pb, y), zorder=3, gid=f"change:{row['scenario']}:{row['target']}",
                    arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.8, shrinkA=4, shrinkB=3, mutation_scale=11))
        ax.plot([po], [y], marker="o", ms=7, color=colour, mec="black", mew=0.6, ls="none", zorder=5, clip_on=False)
        # The paired interval, as where the scenario's probability could be given the base: base + change interval.
        ax.errorbar(po, y + 0.24, xerr=[[max(po - (pb + lo), 0)], [max(pb + hi - po, 0)]], fmt="none",
                    ecolor="#333333", elinewidth=0.9, capsize=2, zorder=3)
        significant = hi < 0 or lo > 0
        before, after = rag_status(pb, (green, amber)), rag_status(po, (green, amber))
        moved_status = f"  {before}→{after}" if before != after else ""
        right.append((f"{signed(100 * d, ' pp', 1)} [{signed(100 * lo, '', 1)}, {signed(100 * hi, '', 1)}]"
                       f"{moved_status}", significant))
    _draw_headers(ax, rows)
    ax.set_yticks(range(len(rows)), labels, fontsize=8.5)
    ax.tick_params(axis="y", length=0, pad=9)  # clear of a circle drawn at 0 %
    ax.set_ylim(len(rows) - 0.5, -0.5)
    sec = ax.secondary_yaxis("right")
    sec.set_yticks(range(len(rows)), [r[0] if r else "" for r in right], fontsize=8.5)
    for tick, r in zip(sec.get_yticklabels(), right):
        if r and r[1]:
            tick.set_fontweight("bold")
    sec.tick_params(axis="y", length=0)
    sec.spines["right"].set_visible(False)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.xaxis.set_major_formatter(_PERCENT_AXIS)
    ax.tick_params(axis="x", top=True, labeltop=True, labelsize=8.5)
    ax.grid(axis="x", color="#d0d0d0", lw=0.6, zorder=0)
    for value in sorted({green, amber}):
        ax.axvline(value, color="#444444", ls=(0, (4, 3)), lw=0.9, zorder=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_axisbelow(True)  # the RAG threshold lines above the grid
    ax.set_xlabel("Probability of meeting the deadline (base → scenario)\nRight: paired change in percentage points "
                  "[95 % interval], bold when the interval excludes 0; RAG status when it changes", fontsize=9)

    def verdict(name, detail):
        down, up, still, biggest = summary[name]
        text = f"{name}: {down} target{'s' if down != 1 else ''} less likely"
        if up:
            text += f", {up} more likely"
        if not biggest.empty:
            b = biggest.iloc[0]
            change = signed(100 * float(b["diff"]), " pp")
            text += f", most {shorten_label(b['title'], 50)} ({change})" if detail else f" (up to {change})"
        return text

    single = len(summary) == 1
    title = "; ".join(verdict(name, single) for name in summary) if summary else "No scenarios compared"
    item_labels = [label for label in labels if label]
    right_labels = [r[0] for r in right if r]
    ax.set_title(_wrap_title(ax, title, own_figure, left_in=_label_inches(item_labels, 8.5),
                             right_in=_label_inches(right_labels, 8.5)), loc="left", fontsize=12, fontweight="bold")
    drawn = [row for kind, row in rows if kind == "item"]
    handles = [Line2D([], [], marker="o", mfc="white", mec="black", mew=1.3, ls="none", ms=7,
                      label=f"Base: {shorten_label(base_name, 50)}")]
    if any(float(row["diff"]) < 0 for row in drawn):
        handles.append(Line2D([], [], marker="o", color=RED, mec="black", mew=0.6, ls="none", ms=7,
                              label="Scenario: lower"))
    if any(float(row["diff"]) > 0 for row in drawn):
        handles.append(Line2D([], [], marker="o", color=BLUE, mec="black", mew=0.6, ls="none", ms=7,
                              label="Scenario: higher"))
    handles += [Line2D([], [], color="#333333", lw=0.9, marker="|", ms=7, label="95 % interval of the paired change"),
               Line2D([], [], color="#444444", ls=(0, (4, 3)), lw=0.9, label="RAG thresholds")]
    _legend_below(ax, handles, points=52, ncol=len(handles) if own_figure else 3)  # in a page: fit its width
    if base is not None:
        add_footer(ax.figure, base)
    return ax


# ---------------------------------------------------------------------------------------------- sweep


def plot_sweep(sweep_table: pd.DataFrame, targets: Sequence[str] | None = None, ax: Axes | None = None,
               value_label: str = "Shock size", value_scale: float = 1.0, value_unit: str = "", top: int = 6,
               results=None, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> Axes:
    """How target probabilities fall (or rise) as a shock grows, from :func:`sim.analysis.sweep`.

    One line per target: probability of meeting its deadline at each shock size, with its 95 % interval as a
    shaded band; the RAG zones are shaded and their thresholds drawn as dashed lines, so where a line enters
    AMBER or RED reads directly. The title names the target that moves most and the shock size at which it
    falls below the amber threshold.

    Parameters
    ----------
    sweep_table : pandas.DataFrame
        Long format ``value, target, title, deadline, p_met, ci_low, ci_high`` (as returned by ``sweep``).
    targets : sequence of str, optional
        Targets to draw; default the ``top`` whose probability changes most from the first to the last value.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; without one a 10.5 × 6 in figure is created.
    value_label : str, default "Shock size"
        The x-axis label, e.g. "EDIP adoption delayed by (months)".
    value_scale : float, default 1.0
        Values are divided by it for display: 30.4375 shows a delay in days as months.
    value_unit : str, default ""
        Unit of the displayed values for the title, e.g. "months".
    top : int, default 6
    results : sim.Results, optional
        The base run, for the provenance footer.
    thresholds : (float, float), default (0.8, 0.5)

    Returns
    -------
    matplotlib.axes.Axes
        Lines carry ``gid="sweep:<target>"``; their x data are ``value / value_scale``, y data ``p_met``.
    """
    needed = ["value", "target", "title", "deadline", "p_met", "ci_low", "ci_high"]
    missing = [c for c in needed if c not in sweep_table.columns]
    if missing:
        raise ValueError(f"sweep_table: missing columns {', '.join(missing)}; expected the table from sim.analysis.sweep")
    if not value_scale or value_scale <= 0:
        raise ValueError(f"value_scale: found {value_scale}; expected a positive number")
    green, amber = check_thresholds(thresholds)
    wide = sweep_table.pivot_table(index="target", columns="value", values="p_met", sort=False)
    known = list(dict.fromkeys(sweep_table["target"]))
    if targets is None:
        moved = (wide.iloc[:, -1] - wide.iloc[:, 0]).abs().sort_values(ascending=False, kind="stable")
        chosen = list(moved[moved > 0].index[: int(top)]) or known[:3]
    else:
        chosen = list(targets)
        unknown = [t for t in chosen if t not in set(known)]
        if unknown:
            raise ValueError(f"targets: unknown {', '.join(repr(t) for t in unknown)}"
                             f"{_suggest(unknown[0], known)}; the sweep has {', '.join(known)}")
    own_figure = ax is None
    if own_figure:
        ax = _new_axes((10.5, 6.0))

    for y0, y1, colour in ((green, 1.02, GREEN), (amber, green, AMBER), (0, amber, RED)):
        ax.axhspan(y0, y1, color=colour, alpha=0.07, lw=0, zorder=0)
    for value in (green, amber):
        ax.axhline(value, color="#444444", ls=(0, (4, 3)), lw=0.9, zorder=1)
    crossings = {}
    for i, target in enumerate(chosen):
        part = sweep_table[sweep_table["target"] == target].sort_values("value", kind="stable")
        xs = part["value"].to_numpy(dtype=float) / value_scale
        ys = part["p_met"].to_numpy(dtype=float)
        colour, marker, dash = SERIES_STYLES[i % len(SERIES_STYLES)]
        ax.fill_between(xs, part["ci_low"].to_numpy(dtype=float), part["ci_high"].to_numpy(dtype=float),
                        color=colour, alpha=0.15, lw=0, zorder=1)
        first = part.iloc[0]
        deadline = iso(first["deadline"])
        ax.plot(xs, ys, color=colour, marker=marker, ls=dash, lw=1.8, ms=5.5, zorder=3, gid=f"sweep:{target}",
                label=f"{shorten_label(first['title'], 58)} (by {fmt_date(deadline) if deadline else '—'})")
        below = np.nonzero(ys < amber)[0]
        crossings[target] = xs[below[0]] if len(below) and ys[0] >= amber else None

    lead = chosen[0] if chosen else None
    if lead is not None:
        part = sweep_table[sweep_table["target"] == lead].sort_values("value", kind="stable")
        p0, p1 = float(part["p_met"].iloc[0]), float(part["p_met"].iloc[-1])
        v0, v1 = (float(part["value"].iloc[j]) / value_scale for j in (0, -1))
        verb = "falls" if p1 < p0 else "rises" if p1 > p0 else "stays"
        unit = f" {value_unit}" if value_unit else ""
        title = (f"{shorten_label(part['title'].iloc[0], 60)} {verb} from {pct(p0)} to {pct(p1)} "
                 f"as the shock grows from {v0:.3g} to {v1:.3g}{unit}")
        if crossings.get(lead) is not None:
            title += f"; below {pct(amber)} at {crossings[lead]:.3g}{unit}"
    else:
        title = "No targets in the sweep"
    ax.set_title(_wrap_title(ax, title, own_figure, left_in=0.7), loc="left", fontsize=12, fontweight="bold")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.yaxis.set_major_formatter(_PERCENT_AXIS)
    ax.set_ylabel("Chance of meeting the deadline")
    ax.set_xlabel(value_label)
    ax.grid(color="#e0e0e0", lw=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = ax.get_legend_handles_labels()[0]
    handles += [Patch(color="#888888", alpha=0.3, label="95 % interval"),
                Line2D([], [], color="#444444", ls=(0, (4, 3)), lw=0.9,
                       label=f"RAG thresholds: GREEN ≥ {pct(green)}, RED < {pct(amber)}")]
    _legend_below(ax, handles, points=28, ncol=2)
    if results is not None:
        add_footer(ax.figure, results)
    elif not any(t.get_gid() == FOOTER_GID for t in ax.figure.texts) and not ax.figure.get_supxlabel():
        values = sweep_table["value"].astype(float) / value_scale
        label = ax.figure.supxlabel(f"Sweep of {value_label.lower()}: {values.min():.3g} to {values.max():.3g} · "
                                    f"same random numbers at every step", x=0.005, ha="left", fontsize=7.5, color=GREY)
        label.set_gid(FOOTER_GID)
    return ax



# ---------------------------------------------------------------------------------------------- files


def write_charts(results, directory: str | Path, at_risk: int = 5, dpi: int = DPI,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS, scenario=None, fans: int = 8) -> list[Path]:
    """Write the standard briefing charts as PNG files.

    Writes ``dashboard.png``, ``timeline.png``, ``s-curve-<target>.png`` and ``tornado-<target>.png`` for the
    ``at_risk`` targets with the lowest probability of being met (ties: earlier deadline first), and
    ``fan-<observable>.png`` for up to ``fans`` observables of ``results.series`` (see :func:`fan_observables`)
    when the run recorded time series, with the scenario's indicator targets marked.
    Figures are built outside pyplot and released after saving, so repeated calls do not accumulate memory or
    open windows.

    Parameters
    ----------
    results : sim.Results
        A run.
    directory : str or pathlib.Path
        Where to write; created if missing. Existing files of the same name are replaced.
    at_risk : int, default 5
        Number of S-curves and tornado charts to draw.
    dpi : int, default 150
        Resolution in dots per inch.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` RAG thresholds, as in :func:`plot_dashboard`.
    scenario : sim.Scenario, optional
        The run's scenario, for the fan charts' target markers; default loaded from ``results.meta['scenario']``
        when that file exists and there are series to draw.
    fans : int, default 8
        Maximum number of fan charts.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    worst = at_risk_targets(results, at_risk)

    jobs = [("dashboard.png", lambda: plot_dashboard(results, thresholds)),
            ("timeline.png", lambda: plot_timeline(results, thresholds=thresholds))]
    jobs += [(f"s-curve-{t}.png", lambda t=t: plot_s_curve(results, t, thresholds=thresholds)) for t in worst]
    jobs += [(f"tornado-{t}.png", lambda t=t: plot_tornado(results, t)) for t in worst]
    if series_observables(results) and scenario is None:
        scenario = _scenario_from_meta(results)
    jobs += [(f"fan-{_file_safe(o)}.png",
              lambda o=o: plot_fan(results, o, targets=indicator_targets(scenario, o, results),
                                   label=observable_label(results, o, scenario)))
             for o in fan_observables(results, scenario, fans)]
    written = []
    with unmanaged_figures():
        for name, draw in jobs:
            ax = draw()
            fig = ax.figure
            try:
                path = directory / name
                fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.15, facecolor="white")
                written.append(path)
            finally:
                fig.clear()  # drop the artists now rather than at the next garbage collection
    return written


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
