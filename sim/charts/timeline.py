"""The milestone timeline: when each milestone is likely done (P10–P90 band, median) against its deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import did_you_mean
from ..formatting import DEFAULT_THRESHOLDS, check_thresholds, fmt_date, iso, pct, rag_status
from .parts import below_axes, date_axis, draw_headers, rows_by_section
from .style import (
    AMBER,
    CHROME_HEIGHT,
    GREEN,
    GREY,
    NO_DEADLINE_COLOUR,
    RAG_COLOURS,
    RED,
    ROW_HEIGHT,
    WIDTH,
    add_footer,
    date_num,
    date_of_num,
    hide_spines,
    horizon_date,
    new_axes,
    shorten_label,
    start_date,
)

__all__ = ["plot_timeline", "timeline_rows"]


def timeline_rows(results: Any, milestones: Iterable[str] | None) -> pd.DataFrame:
    """Rows of ``results.milestones`` to draw: ``milestones`` in their order, else every one with a deadline.

    Adds ``_deadline`` and ``_p50`` as dates for sorting (``date.max`` when missing).

    Raises
    ------
    ValueError
        When a requested milestone is not in the run.
    """
    table = results.milestones
    if milestones is None:
        chosen = table[table["deadline"].map(iso).notna()].copy()
    else:
        wanted = list(milestones)
        known = set(table["milestone"])
        unknown = [m for m in wanted if m not in known]
        if unknown:
            raise ValueError(f"milestones: unknown {', '.join(repr(m) for m in unknown)}; "
                             f"known milestones are {', '.join(table['milestone'])}"
                             f"{did_you_mean(unknown[0], table['milestone'])}")
        chosen = table.set_index("milestone").loc[wanted].reset_index()
    chosen["_deadline"] = [iso(d) or dt.date.max for d in chosen["deadline"]]
    chosen["_p50"] = [iso(d) or dt.date.max for d in chosen["p50"]]
    return chosen


@dataclass
class _Span:
    """The time axis in matplotlib date numbers (days); ``earliest`` grows left as rows are drawn."""

    end: float  # the horizon
    latest: float  # the last P90 date or deadline (the horizon when a band reaches it)
    earliest: float
    censored: bool  # some band reaches the horizon


def plot_timeline(results: Any, ax: Axes | None = None, milestones: Iterable[str] | None = None,
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
        Axes to draw into. Without one, a figure 13 in wide and about 0.3 in per row tall is created.
    milestones : iterable of str, optional
        Milestone ids to show; default every milestone with a deadline.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` probabilities for the RAG status of being on time, as in
        :func:`sim.charts.plot_dashboard`.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into. Deadline markers carry ``gid="deadline:<id>"``, bands ``gid="band:<id>"``.
    """
    thresholds = check_thresholds(thresholds)
    chosen = timeline_rows(results, milestones)
    rows = rows_by_section(chosen, ["_deadline", "_p50", "title"])
    own_figure = ax is None
    if ax is None:
        ax = new_axes((WIDTH, CHROME_HEIGHT + ROW_HEIGHT * max(len(rows), 3)))
    start = start_date(results)
    horizon = horizon_date(results) or start + dt.timedelta(days=365)
    span = _span(chosen, start, horizon)
    labels, late, dated = [], 0, 0
    for y, (kind, row) in enumerate(rows):
        if kind == "header":
            labels.append("")
            continue
        deadline, p50 = iso(row["deadline"]), iso(row["p50"])
        labels.append(f"{shorten_label(row['title'])}  ·  by {fmt_date(deadline)}" if deadline
                      else shorten_label(row["title"]))
        _draw_milestone(ax, y, row, span, thresholds)
        if deadline is not None:
            dated += 1
            late += p50 is None or p50 > deadline

    draw_headers(ax, rows)
    _style_axes(ax, labels, span, start)
    if dated:
        title = f"{late} of {dated} milestones more likely late than on time (median date after the deadline)"
    else:
        title = "Milestone timeline: P10–P90 completion dates"
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    _legend(ax, start, horizon, span.censored, thresholds, own_figure)
    add_footer(ax.figure, results)
    return ax


def _span(chosen: pd.DataFrame, start: dt.date, horizon: dt.date) -> _Span:
    """The axis runs to the horizon only when some band reaches it.

    Otherwise the simulated years after the last P90 date and deadline would squeeze every band into the left of
    the chart.
    """
    end = date_num(horizon)
    censored = bool(len(chosen)) and any(iso(v) is None for v in chosen["p90"])
    dates = [d for col in ("p90", "deadline") for d in map(iso, chosen[col]) if d is not None]
    latest = end if censored or not dates else min(date_num(max(dates)), end)
    return _Span(end, latest, date_num(start), censored)


def _draw_milestone(ax: Axes, y: int, row: pd.Series, span: _Span, thresholds: tuple[float, float]) -> None:
    """One milestone's band, median dot, deadline diamond and chance on row ``y``."""
    mid = row["milestone"]
    deadline = iso(row["deadline"])
    p10, p50, p90 = (iso(row[k]) for k in ("p10", "p50", "p90"))
    if deadline is not None:
        p = float(row["p_on_time"])
        status = rag_status(p, thresholds)
        colour, note = RAG_COLOURS[status], f"{pct(p, thresholds)}  {status}"
    else:
        colour, note = NO_DEADLINE_COLOUR, "no deadline"
    end = span.end
    if p10 is not None:
        lo = date_num(p10)
        hi = date_num(p90) if p90 is not None else end
        span.earliest = min(span.earliest, lo)
        # A band of zero width (an observed fact, a fixed duration) still shows as a sliver behind its dot.
        hi = max(hi, lo + 0.004 * max(span.latest - span.earliest, 365))
        ax.barh(y, hi - lo, left=lo, height=0.56, color=colour, alpha=0.9, lw=0, zorder=2, gid=f"band:{mid}")
        if p90 is None:
            ax.plot([end], [y], marker=">", color=colour, ms=7, zorder=3, clip_on=False)
    else:
        ax.plot([end], [y], marker=">", color=colour, ms=7, zorder=3, clip_on=False)
        ax.text(end - 3, y, "all beyond horizon ", ha="right", va="center", fontsize=7.5, color="#333333")
    if p50 is not None:
        # Above the deadline diamond: when both fall on the same date the median stays visible.
        ax.plot([date_num(p50)], [y], marker="o", ms=5.5, color="black", zorder=6, ls="none")
    if deadline is not None:
        xd = date_num(deadline)
        span.earliest = min(span.earliest, xd)
        ax.plot([xd], [y], marker="D", ms=6.5, mfc="white", mec="black", mew=1.4, zorder=5, ls="none",
                gid=f"deadline:{mid}")
    right = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    ax.text(1.02, y, note, transform=right, ha="left", va="center", fontsize=8.5,
            fontweight="bold" if deadline is not None else "normal")


def _style_axes(ax: Axes, labels: list[str], span: _Span, start: dt.date) -> None:
    """Row labels, the start line, the horizon line when reached, and dates at the top and the bottom."""
    ax.set_yticks(range(len(labels)), labels, fontsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)  # no rows: an empty band rather than a singular axis
    ax.axvline(date_num(start), color=GREY, lw=1, zorder=1)
    earliest, end = span.earliest, span.end
    if span.censored:
        ax.axvline(end, color=GREY, ls=":", lw=1.2, zorder=1)
        right_edge = end + 0.01 * (end - earliest)
    else:
        right_edge = span.latest + max(0.04 * (span.latest - earliest), 30)
    date_axis(ax, date_of_num(earliest), date_of_num(right_edge))
    ax.set_xlim(earliest - 0.01 * (right_edge - earliest), right_edge)
    ax.tick_params(axis="x", top=True, labeltop=True, labelsize=8.5)
    ax.grid(axis="x", which="major", color="#d0d0d0", lw=0.6, zorder=0)
    ax.grid(axis="x", which="minor", color="#efefef", lw=0.5, zorder=0)
    hide_spines(ax, ("top", "right", "left"))  # the start line takes the left spine's place


def _legend(ax: Axes, start: dt.date, horizon: dt.date, censored: bool, thresholds: tuple[float, float],
            own_figure: bool) -> None:
    """Filled column by column (ncol=4): what the marks mean, then the colours, then the reference lines."""
    green, amber = thresholds
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
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below_axes(ax, 22),
              ncol=4 if own_figure else 3, fontsize=8.5, frameon=False)  # in a page: within its width
