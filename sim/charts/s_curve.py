"""The S-curve of a target: the share of replications in which it is done by each date, against its deadline."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes

from ..formatting import DEFAULT_THRESHOLDS, check_thresholds, fmt_date, iso, pct, pct_range, rag_status
from .layout import Room
from .parts import date_axis
from .select import event_row
from .style import (
    BLUE,
    GREY,
    PERCENT_AXIS,
    RAG_COLOURS,
    S_CURVE_SIZE,
    add_footer,
    date_num,
    date_of_num,
    hide_spines,
    horizon_date,
    new_axes,
    shorten_label,
    start_date,
)

__all__ = ["plot_s_curve", "Curve", "s_curve_data"]

QUANTILES = ((0.5, "p50", "s"), (0.8, "p80", "^"))  # share done, results column, marker
WHITE_BOX = dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.8)


class Curve(NamedTuple):
    """An S-curve ready to draw: x in matplotlib date numbers (days), y the share of replications done."""

    xs: np.ndarray  # step curve, from the left edge to the right end
    ys: np.ndarray
    end: float  # right end of the axis (date number)
    reached: float  # share done by the end of the simulated period
    last_day: dt.date | None  # the date by which every finished replication is done
    horizon: dt.date | None


def s_curve_data(times: np.ndarray, start: dt.date, horizon: dt.date | None, deadline: dt.date | None) -> Curve:
    """The empirical cumulative distribution of event dates, and where the axis ends.

    Parameters
    ----------
    times : numpy.ndarray
        Event times in days since 00:00 of ``start``; ``inf`` when not done by the horizon (censored).
    start, horizon : datetime.date
        The run's start and the end of the simulated period (None when unknown).
    deadline : datetime.date or None
        Kept on the axis.
    """
    n = len(times)
    finite = times[np.isfinite(times)]
    # Step curve on calendar days: the share of all n replications done by the end of each day with an event.
    days, counts = np.unique(np.floor(finite).astype(np.int64), return_counts=True)
    share = np.cumsum(counts) / n if n else np.array([])
    day0 = date_num(start)
    x = day0 + days.astype(float)
    reached = float(share[-1]) if len(share) else 0.0
    # Show the whole simulated period only when it matters (some replications censored); otherwise stop a little
    # after the 99th percentile (a long thin tail would squeeze the rise of the curve into a corner): the curve
    # then runs on past the right edge, and the legend gives the date by which all replications are done.
    first = min([day0] + ([x[0]] if len(x) else []) + ([date_num(deadline)] if deadline else []))
    if horizon is not None and (1 - reached > 0 or not len(x)):
        end = date_num(horizon)
    else:
        p99 = day0 + math.floor(float(np.quantile(finite, 0.99, method="inverted_cdf"))) if len(x) else day0
        last = max([p99] + ([date_num(deadline)] if deadline else []))
        end = last + max(0.08 * (last - first), 30)
        if horizon is not None:
            end = min(end, date_num(horizon))
    xs = np.concatenate([[first], x, [max(end, x[-1] if len(x) else end)]])
    ys = np.concatenate([[0.0], share, [reached]])
    last_day = start + dt.timedelta(days=int(days[-1])) if len(days) else None
    return Curve(xs, ys, end, reached, last_day, horizon)


def plot_s_curve(results: Any, target: str, ax: Axes | None = None,
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
        ``(green, amber)`` probabilities for the RAG status of the deadline marker, as in
        :func:`sim.charts.plot_dashboard`.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into; the deadline line has ``gid="deadline"``, the curve ``gid="s-curve"``.
    """
    row, column = event_row(results, target)
    own_figure = ax is None
    if ax is None:
        ax = new_axes(S_CURVE_SIZE)
    deadline = iso(row.get("deadline"))
    p_met = float(row["p_met"]) if deadline is not None and not pd.isna(row.get("p_met")) else None
    thresholds = check_thresholds(thresholds)
    curve = s_curve_data(results.outcomes[column].to_numpy(dtype=float), start_date(results), horizon_date(results),
                         deadline)
    p_dates = {key: iso(row.get(key)) for key in ("p50", "p80")}

    ax.step(curve.xs, curve.ys, where="post", color=BLUE, lw=2, label=_curve_label(curve), gid="s-curve", zorder=3)
    ax.fill_between(curve.xs, curve.ys, step="post", color=BLUE, alpha=0.10, lw=0, zorder=1)
    censored_note = _draw_horizon(ax, curve)
    _draw_quantiles(ax, curve, p_dates)
    _style_axes(ax, curve)

    # Text on the chart, placed so that nothing hides the curve, a marker or another text (see Room).
    room = Room(ax, curve.xs, curve.ys, date_num(deadline) if deadline is not None else None, outside_legend=own_figure)
    _label_quantiles(ax, room, p_dates)
    if censored_note:  # '… not done by the horizon', above and left of the curve's end
        f_end, f_y = room.fx(curve.end), room.fy(curve.reached)
        room.take((f_end - 0.3, f_end, f_y, f_y + 0.12))
    if deadline is not None and p_met is not None:
        _draw_deadline(ax, room, row, deadline, p_met, thresholds)
    ax.set_title(_title(row, deadline, p_met, p_dates["p50"], thresholds), loc="left", fontsize=12, fontweight="bold")
    _legend(ax, room, own_figure)
    add_footer(ax.figure, results)
    return ax


def _curve_label(curve: Curve) -> str:
    """The curve's legend entry: where it ends, and how much is censored or by when all is done."""
    not_done = 1 - curve.reached
    if not_done > 0 and curve.horizon is not None:
        return (f"Share of replications done by date: ends at {pct(curve.reached)},\n{pct(not_done)} not done by "
                f"the horizon (censored)")
    if curve.last_day is not None:
        return f"Share of replications done by date\n(all done by {fmt_date(curve.last_day)})"
    return "Share of replications done by date"


def _draw_horizon(ax: Axes, curve: Curve) -> bool:
    """The horizon line when the axis reaches it, and a note of what is censored; whether the note was drawn."""
    horizon, not_done = curve.horizon, 1 - curve.reached
    if horizon is None or curve.end < date_num(horizon):
        return False
    ax.axvline(date_num(horizon), color=GREY, ls=":", lw=1.2, label=f"Horizon: end of simulation ({fmt_date(horizon)})",
               zorder=2)
    if not_done <= 0:
        return False
    # Said where the eye lands, not only in the legend: the curve stops short of 100 % on purpose. Above and left
    # of the curve's end is always free of the curve (it only rises); one line when room is short.
    sep = " " if curve.reached > 0.88 else "\n"
    ax.annotate(f"{pct(not_done)} not done{sep}by the horizon", xy=(curve.end, curve.reached), xytext=(-4, 3),
                textcoords="offset points", ha="right", va="bottom", fontsize=8.5, color="#333333", zorder=5,
                gid="censored", bbox=WHITE_BOX)
    return True


def _draw_quantiles(ax: Axes, curve: Curve, p_dates: dict[str, dt.date | None]) -> None:
    """P50 and P80 markers on the curve with dotted guides to the axes (or a legend entry when beyond the horizon)."""
    for q, key, marker in QUANTILES:
        when = p_dates[key]
        if when is None:
            # Not reached within the horizon: say so rather than leave the reader to look for a missing marker.
            ax.plot([], [], ls="none", marker=marker, mfc="white", mec="black",
                    label=f"P{int(q * 100)}: beyond the horizon")
            ax.axhline(q, color=GREY, ls=":", lw=0.8, zorder=1)
            continue
        xq = date_num(when)
        ax.plot([curve.xs[0], xq], [q, q], color=GREY, ls=":", lw=0.8, zorder=2)
        ax.plot([xq, xq], [0, q], color=GREY, ls=":", lw=0.8, zorder=2)
        ax.plot([xq], [q], marker=marker, ms=7, mfc="white", mec="black", mew=1.3, ls="none", zorder=5,
                label=f"P{int(q * 100)}: {fmt_date(when)} ({int(q * 100)} % done by then)")


def _style_axes(ax: Axes, curve: Curve) -> None:
    """Date axis from the curve's start to its end, a 0–100 % share axis, grid and axis labels."""
    span = curve.end - curve.xs[0]
    date_axis(ax, date_of_num(curve.xs[0]), date_of_num(curve.end))
    ax.set_xlim(curve.xs[0] - 0.01 * span, curve.end + 0.01 * span)
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.yaxis.set_major_formatter(PERCENT_AXIS)
    ax.grid(color="#e0e0e0", lw=0.6, zorder=0)
    hide_spines(ax)
    ax.set_ylabel("Share of replications done")
    ax.set_xlabel("Date")


def _label_quantiles(ax: Axes, room: Room, p_dates: dict[str, dt.date | None]) -> None:
    """'P50: date' right of and below each marker (the curve only rises, so that corner is never on it)."""
    for q, key, _ in QUANTILES:
        if (when := p_dates[key]) is None:
            continue
        label = f"P{int(q * 100)}: {fmt_date(when)}"
        ax.annotate(label, xy=(date_num(when), q), xytext=(7, -5), textcoords="offset points", ha="left", va="top",
                    fontsize=8.5, zorder=5, gid=f"label:{key}", bbox=WHITE_BOX)
        room.take_marker(date_num(when), q)
        w, h = room.size([label], 8.5, pad_w=7, pad_h=5)
        room.take((room.fx(date_num(when)), room.fx(date_num(when)) + w, room.fy(q) - h, room.fy(q)))


def _draw_deadline(ax: Axes, room: Room, row: pd.Series, deadline: dt.date, p_met: float,
                   thresholds: tuple[float, float]) -> None:
    """The deadline line, the chance marker where it meets the curve, and a box with the chance pointing at it."""
    status = rag_status(p_met, thresholds)
    xd = date_num(deadline)
    ax.axvline(xd, color="black", ls="--", lw=1.4, label=f"Deadline: {fmt_date(deadline)}", gid="deadline", zorder=4)
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
        room.take((spot[0], spot[0] + w, spot[1], spot[1] + h))
    else:
        xy_text, va = (0.02, 0.97), "top"  # no free spot: the white box covers some curve, still readable
    ax.annotate(note, xy=(xd, p_met), xytext=xy_text, textcoords="axes fraction", ha="left", va=va, fontsize=10,
                fontweight="bold", zorder=7, gid="probability",
                bbox=dict(boxstyle="round,pad=0.35", fc="white", ec=RAG_COLOURS[status], lw=1.8),
                arrowprops=dict(arrowstyle="-|>", color="black", lw=1, shrinkA=2, shrinkB=6))


def _title(row: pd.Series, deadline: dt.date | None, p_met: float | None, p50: dt.date | None,
           thresholds: tuple[float, float]) -> str:
    """The finding: the chance by the deadline, else the date with a 50 % chance."""
    name = shorten_label(row["title"], 120)
    if deadline is not None and p_met is not None:
        title = f"{name}: {pct(p_met, thresholds)} chance by {fmt_date(deadline, nbsp=True)}"
    else:
        title = (f"{name}: 50 % chance by {fmt_date(p50, nbsp=True)}" if p50
                 else f"{name}: under 50 % chance by the horizon")
    return textwrap.fill(title, 80)


def _legend(ax: Axes, room: Room, own_figure: bool) -> None:
    """Outside the axes in an own figure; in a given axes only in a corner where it hides nothing."""
    if own_figure:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False, borderaxespad=0)
    elif (corner := room.legend_corner(ax.get_legend_handles_labels()[1], fontsize=7.5)) is not None:
        # In someone else's grid a legend outside the axes would land on the neighbouring chart; inside, it goes
        # only where it hides nothing (the title, the box and the direct labels already carry the findings).
        ax.legend(loc=corner, fontsize=7.5, framealpha=0.9)
