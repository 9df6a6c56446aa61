"""Briefing charts of a run: readiness dashboard, S-curves and milestone timeline (matplotlib only).

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
from matplotlib import ticker
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

# Okabe & Ito (2008) colour-blind-safe palette.
GREEN = "#009E73"  # bluish green
AMBER = "#E69F00"  # orange
RED = "#D55E00"  # vermillion
BLUE = "#0072B2"
GREY = "#6b6b6b"
HEADER_BAND = "#e6e6e6"
TRACK = "#f3f3f3"
RAG_COLOURS = {"GREEN": GREEN, "AMBER": AMBER, "RED": RED}
NO_DEADLINE_COLOUR = "#9a9a9a"

DEFAULT_THRESHOLDS = (0.8, 0.5)
DPI = 150
FOOTER_GID = "readiness-footer"
MAX_LABEL = 72  # characters of a row label before it is cut with an ellipsis

# Figure geometry in inches: wide enough for long target titles, one row per ~0.3 in so that 55 targets and
# their section headers still read at 9 pt.
WIDTH = 13.0
ROW_HEIGHT = 0.3
CHROME_HEIGHT = 2.2  # title, legend, axis labels, footer
S_CURVE_SIZE = (10.5, 5.6)

__all__ = ["plot_dashboard", "plot_s_curve", "plot_timeline", "write_charts", "rag_status", "footer_text",
           "RAG_COLOURS", "DEFAULT_THRESHOLDS"]

# When set, new figures are plain ``Figure`` objects unknown to pyplot (write_charts): nothing to leak, nothing
# shown, no backend needed. Otherwise pyplot figures, which Jupyter displays inline.
_UNMANAGED: contextvars.ContextVar[bool] = contextvars.ContextVar("unmanaged_figures", default=False)


# ---------------------------------------------------------------------------------------------- helpers


def rag_status(p: float, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> str:
    """RAG status of a probability.

    Parameters
    ----------
    p : float
        Probability of meeting a deadline, in [0, 1].
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)``: GREEN when ``p >= green``, AMBER when ``p >= amber``, else RED.

    Returns
    -------
    str
        ``"GREEN"``, ``"AMBER"`` or ``"RED"``.
    """
    green, amber = _check_thresholds(thresholds)
    if p >= green:
        return "GREEN"
    if p >= amber:
        return "AMBER"
    return "RED"


def _check_thresholds(thresholds: Sequence[float]) -> tuple[float, float]:
    try:
        green, amber = (float(x) for x in thresholds)
    except (TypeError, ValueError):
        raise ValueError(f"thresholds: found {thresholds!r}; expected two probabilities (green, amber) "
                         f"such as (0.8, 0.5)") from None
    if not 0 <= amber <= green <= 1:
        raise ValueError(f"thresholds: found green {green}, amber {amber}; need 0 <= amber <= green <= 1")
    return green, amber


def _pct(p: float, thresholds: Sequence[float] | None = None) -> str:
    """A probability as a percentage for people: '23 %', '< 1 %', '> 99 %'.

    With ``thresholds``, a value that rounds onto a RAG boundary from below (79.6 % → '80 %' but AMBER) keeps
    one decimal, so the number never contradicts the status written beside it.
    """
    if p <= 0:
        return "0 %"
    if p >= 1:
        return "100 %"
    if p < 0.01:
        return "< 1 %"
    if p > 0.99:
        return "> 99 %"
    text = f"{p * 100:.0f} %"
    if thresholds is not None and rag_status(round(p, 2), thresholds) != rag_status(p, thresholds):
        text = f"{math.floor(p * 1000) / 10:.1f} %"
    return text


def _pct_range(low: float, high: float) -> str:
    """A 95 % interval as '21–25 %'; one decimal when whole percentages would hide its width."""
    decimals = 1 if high - low < 0.02 else 0
    return f"{low * 100:.{decimals}f}–{high * 100:.{decimals}f} %"


_PERCENT_AXIS = ticker.FuncFormatter(lambda v, _: f"{v * 100:.0f} %")


def _fmt_date(d: dt.date, nbsp: bool = False) -> str:
    """'31 Dec 2027' (``%-d`` is not portable); with ``nbsp`` the date never breaks across lines."""
    text = f"{d.day} {d:%b %Y}"
    return text.replace(" ", "\u00a0") if nbsp else text


def _iso(value) -> dt.date | None:
    """An ISO date from a results table, or None for the empty / missing value (beyond the horizon, no deadline)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _start(results) -> dt.date:
    return dt.date.fromisoformat(str(results.meta["start"]))


def _horizon(results) -> dt.date | None:
    value = results.meta.get("horizon")
    return dt.date.fromisoformat(str(value)) if value else None


def _num(d: dt.date) -> float:
    """Matplotlib date number of 00:00 on ``d`` (days; the unit of every time axis here)."""
    return float(mdates.date2num(d))


def _shorten(text: str, width: int = MAX_LABEL) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


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
def _unmanaged_figures():
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


def _add_footer(fig: Figure, results) -> None:
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


def plot_dashboard(results, thresholds: Sequence[float] = DEFAULT_THRESHOLDS, ax: Axes | None = None) -> Axes:
    """Readiness dashboard: the probability of meeting every target, RAG-coloured, grouped by section.

    One row per target: a bar of ``p_met`` (probability of meeting its deadline, 0–100 %) with its 95 % interval
    ``[ci_low, ci_high]`` as an error bar, coloured and labelled GREEN / AMBER / RED. Rows are grouped under a
    header per ``section`` (sections in the order they first appear) and sorted by deadline within a section;
    the deadline is printed after the target's title. The title states how many targets fall in each status.

    Parameters
    ----------
    results : sim.Results
        A run; uses ``results.targets`` and ``results.meta``.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` probabilities: GREEN when ``p_met >= green``, AMBER when ``p_met >= amber``, RED below.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into. Without one, a figure 12 in wide and about 0.3 in per row tall is created.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into. Bars carry ``gid="target:<id>"`` and status labels ``gid="rag:<id>"``.
    """
    green, amber = _check_thresholds(thresholds)
    targets = results.targets.copy()
    targets["_deadline"] = [_iso(d) or dt.date.max for d in targets["deadline"]]
    rows = _rows(targets, ["_deadline", "title"])
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
        status = rag_status(p, (green, amber))
        counts[status] += 1
        deadline = _iso(row["deadline"])
        labels.append(f"{_shorten(row['title'])}  ·  by {_fmt_date(deadline) if deadline else '—'}")
        ax.barh(y, 1, height=0.62, color=TRACK, zorder=1, lw=0)  # the 0–100 % track, so a 0 % row is not blank
        ax.barh(y, p, height=0.62, color=RAG_COLOURS[status], zorder=2, gid=f"target:{row['target']}")
        low, high = float(row["ci_low"]), float(row["ci_high"])
        ax.errorbar(p, y, xerr=[[max(p - low, 0)], [max(high - p, 0)]], fmt="none", ecolor="black",
                    elinewidth=1, capsize=2.5, zorder=3)
        # Number and status in a column right of the plot: always legible, never on top of a bar.
        ax.text(1.095, y, f"{_pct(p, (green, amber))}", transform=right, ha="right", va="center", fontsize=8.5)
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
    if n:
        title = (f"{counts['GREEN']} of {n} targets on track (GREEN ≥ {_pct(green)}), "
                 f"{counts['AMBER']} AMBER, {counts['RED']} RED (< {_pct(amber)} chance)")
    else:
        title = "No targets in this run"
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")

    handles = [Patch(color=GREEN, label=f"GREEN: ≥ {_pct(green)}"),
               Patch(color=AMBER, label=f"AMBER: {_pct(amber)} to {_pct(green)}"),
               Patch(color=RED, label=f"RED: < {_pct(amber)}"),
               Line2D([], [], color="black", lw=1, marker="|", markersize=7, label="95 % interval"),
               Line2D([], [], color="#444444", ls=(0, (4, 3)), lw=0.9, label="RAG thresholds")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=_below_axes(ax, 34),
              ncol=5, fontsize=8.5, frameon=False)
    _add_footer(ax.figure, results)
    return ax


# ---------------------------------------------------------------------------------------------- S-curve


def _outcome_column(results, target: str) -> str | None:
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

    deadline = _iso(row.get("deadline"))
    p_met = float(row["p_met"]) if deadline is not None and not pd.isna(row.get("p_met")) else None
    thresholds = _check_thresholds(thresholds)
    status = rag_status(p_met, thresholds) if p_met is not None else None

    # Step curve on calendar days: the share of all n replications done by the end of each day with an event.
    days, counts = np.unique(np.floor(finite).astype(np.int64), return_counts=True)
    share = np.cumsum(counts) / n if n else np.array([])
    day0 = _num(start)
    x = day0 + days.astype(float)
    reached = float(share[-1]) if len(share) else 0.0
    not_done = 1 - reached
    p_dates = {key: _iso(row.get(key)) for key in ("p50", "p80")}

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
        curve_label = (f"Share of replications done by date: ends at {_pct(reached)},\n{_pct(not_done)} not done by "
                       f"the horizon (censored)")
    elif len(x):
        last_date = start + dt.timedelta(days=int(days[-1]))
        curve_label = f"Share of replications done by date\n(all done by {_fmt_date(last_date)})"
    else:
        curve_label = "Share of replications done by date"
    ax.step(xs, ys, where="post", color=BLUE, lw=2, label=curve_label, gid="s-curve", zorder=3)
    ax.fill_between(xs, ys, step="post", color=BLUE, alpha=0.10, lw=0, zorder=1)

    censored_note = None
    if horizon is not None and end >= _num(horizon):
        ax.axvline(_num(horizon), color=GREY, ls=":", lw=1.2,
                   label=f"Horizon: end of simulation ({_fmt_date(horizon)})", zorder=2)
        if not_done > 0:
            # Said where the eye lands, not only in the legend: the curve stops short of 100 % on purpose. Above
            # and left of the curve's end is always free of the curve (it only rises); one line when room is short.
            sep = " " if reached > 0.88 else "\n"
            censored_note = ax.annotate(f"{_pct(not_done)} not done{sep}by the horizon", xy=(end, reached),
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
                label=f"P{int(q * 100)}: {_fmt_date(when)} ({int(q * 100)} % done by then)")

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
        label = f"P{int(q * 100)}: {_fmt_date(when)}"
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
        ax.axvline(xd, color="black", ls="--", lw=1.4, label=f"Deadline: {_fmt_date(deadline)}", gid="deadline",
                   zorder=4)
        ax.plot([xd], [p_met], marker="o", ms=9, mfc=RAG_COLOURS[status], mec="black", mew=1.2, ls="none", zorder=6,
                label=f"Chance of meeting the deadline: {_pct(p_met, thresholds)} ({status})")
        note = f"{_pct(p_met, thresholds)} chance by {_fmt_date(deadline)} · {status}"
        if not pd.isna(row.get("ci_low")) and not pd.isna(row.get("ci_high")):
            note += f"\n95 % interval {_pct_range(float(row['ci_low']), float(row['ci_high']))}"
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

    name = _shorten(row["title"], 120)
    if deadline is not None:
        title = f"{name}: {_pct(p_met, thresholds)} chance by {_fmt_date(deadline, nbsp=True)}"
    else:
        p50 = p_dates["p50"]
        title = (f"{name}: 50 % chance by {_fmt_date(p50, nbsp=True)}" if p50
                 else f"{name}: under 50 % chance by the horizon")
    ax.set_title(textwrap.fill(title, 80), loc="left", fontsize=12, fontweight="bold")
    if own_figure:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False, borderaxespad=0)
    elif (corner := room.legend_corner(ax.get_legend_handles_labels()[1], fontsize=7.5)) is not None:
        # In someone else's grid a legend outside the axes would land on the neighbouring chart; inside, it goes
        # only where it hides nothing (the title, the box and the direct labels already carry the findings).
        ax.legend(loc=corner, fontsize=7.5, framealpha=0.9)
    _add_footer(ax.figure, results)
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
        chosen = table[table["deadline"].map(_iso).notna()].copy()
    else:
        wanted = list(milestones)
        known = set(table["milestone"])
        unknown = [m for m in wanted if m not in known]
        if unknown:
            raise ValueError(f"milestones: unknown {', '.join(repr(m) for m in unknown)}; "
                             f"known milestones are {', '.join(table['milestone'])}")
        chosen = table.set_index("milestone").loc[wanted].reset_index()
    chosen["_deadline"] = [_iso(d) or dt.date.max for d in chosen["deadline"]]
    chosen["_p50"] = [_iso(d) or dt.date.max for d in chosen["p50"]]
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
    green, amber = thresholds = _check_thresholds(thresholds)
    chosen = _timeline_rows(results, milestones)
    rows = _rows(chosen, ["_deadline", "_p50", "title"])
    if ax is None:
        ax = _new_axes((WIDTH, CHROME_HEIGHT + ROW_HEIGHT * max(len(rows), 3)))

    start = _start(results)
    horizon = _horizon(results) or start + dt.timedelta(days=365)
    end = _num(horizon)
    # The axis runs to the horizon only when some band reaches it; otherwise the simulated years after the last
    # P90 date and deadline would squeeze every band into the left of the chart.
    censored = bool(len(chosen)) and any(_iso(v) is None for v in chosen["p90"])
    dates = [d for col in ("p90", "deadline") for d in map(_iso, chosen[col]) if d is not None]
    latest = end if censored or not dates else min(_num(max(dates)), end)
    right = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    earliest = _num(start)
    labels, late, dated = [], 0, 0
    for y, (kind, row) in enumerate(rows):
        if kind == "header":
            labels.append("")
            continue
        mid = row["milestone"]
        deadline = _iso(row["deadline"])
        p10, p50, p90 = (_iso(row[k]) for k in ("p10", "p50", "p90"))
        labels.append(f"{_shorten(row['title'])}  ·  by {_fmt_date(deadline)}" if deadline
                      else _shorten(row["title"]))
        if deadline is not None:
            p = float(row["p_on_time"])
            status = rag_status(p, thresholds)
            colour = RAG_COLOURS[status]
            dated += 1
            late += p50 is None or p50 > deadline
            note = f"{_pct(p, thresholds)}  {status}"
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
               Line2D([], [], color=GREY, lw=1, label=f"Start {_fmt_date(start)}"),
               Patch(color=GREEN, alpha=0.9, label=f"GREEN: ≥ {_pct(green)} on time"),
               Patch(color=AMBER, alpha=0.9, label=f"AMBER: {_pct(amber)} to {_pct(green)}"),
               Patch(color=RED, alpha=0.9, label=f"RED: < {_pct(amber)}")]
    if censored:
        handles.append(Line2D([], [], color=GREY, ls=":", marker=">", ms=6, lw=1.2,
                              label=f"Horizon {_fmt_date(horizon)}: later not simulated"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=_below_axes(ax, 22),
              ncol=4, fontsize=8.5, frameon=False)
    _add_footer(ax.figure, results)
    return ax


# ---------------------------------------------------------------------------------------------- files


def write_charts(results, directory: str | Path, at_risk: int = 5, dpi: int = DPI,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> list[Path]:
    """Write the standard briefing charts as PNG files.

    Writes ``dashboard.png``, ``timeline.png`` and ``s-curve-<target>.png`` for the ``at_risk`` targets with the
    lowest probability of being met (ties: earlier deadline first). Figures are built outside pyplot and
    released after saving, so repeated calls do not accumulate memory or open windows.

    Parameters
    ----------
    results : sim.Results
        A run.
    directory : str or pathlib.Path
        Where to write; created if missing. Existing files of the same name are replaced.
    at_risk : int, default 5
        Number of S-curves to draw.
    dpi : int, default 150
        Resolution in dots per inch.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` RAG thresholds, as in :func:`plot_dashboard`.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    targets = results.targets.assign(_deadline=[_iso(d) or dt.date.max for d in results.targets["deadline"]])
    # A target without a per-replication column (an explicit 'milestone:' target under its own id, which
    # Results does not store) cannot have an S-curve; the next target at risk takes its place.
    targets = targets[[_outcome_column(results, t) is not None for t in targets["target"]]]
    worst = targets.sort_values(["p_met", "_deadline", "target"], kind="stable").head(at_risk)["target"]

    jobs = [("dashboard.png", lambda: plot_dashboard(results, thresholds)),
            ("timeline.png", lambda: plot_timeline(results, thresholds=thresholds))]
    jobs += [(f"s-curve-{t}.png", lambda t=t: plot_s_curve(results, t, thresholds=thresholds)) for t in worst]
    written = []
    with _unmanaged_figures():
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
