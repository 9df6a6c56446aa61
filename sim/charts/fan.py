"""Fan charts of a time series: the P10–P90 band, the median and the mean per month, with target markers."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes

from ..errors import did_you_mean
from ..formatting import fmt_date, pct
from ..labels import format_value
from .parts import axes_inches, date_axis, legend_below, wrap_title
from .phrasing import observable_label
from .series import (
    FanTarget,
    display_unit,
    fan_targets,
    series_observables,
    series_table,
    target_words,
    value_axis,
)
from .style import BLUE, GREY, S_CURVE_SIZE, add_footer, date_num, date_of_num, hide_spines, new_axes

__all__ = ["plot_fan", "Fan", "fan_data"]


class Fan(NamedTuple):
    """One observable's monthly quantiles: x in matplotlib date numbers (days), values in its unit."""

    dates: list[dt.date]
    x: np.ndarray
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    mean: np.ndarray


def fan_data(results: Any, observable: str) -> Fan:
    """The months of ``results.series`` where ``observable`` has a value, in date order.

    Raises
    ------
    ValueError
        When the run has no series, the observable is not among them, or no month has a value.
    """
    series = series_table(results)
    available = series_observables(results)
    if observable not in available:
        raise ValueError(f"observable: found '{observable}'; available observables are {', '.join(available)}"
                         f"{did_you_mean(observable, available)}")
    data = series[series["observable"].astype(str) == observable].copy()
    data["_date"] = [pd.Timestamp(d).date() for d in data["date"]]
    data = data.sort_values("_date", kind="stable")
    data = data[data[["p10", "p50", "p90"]].notna().all(axis=1)]  # months where a ratio is undefined everywhere
    if data.empty:
        raise ValueError(f"observable '{observable}': no month has a value in results.series")
    dates = list(data["_date"])
    p10, p50, p90, mean = (data[c].to_numpy(dtype=float) for c in ("p10", "p50", "p90", "mean"))
    return Fan(dates, np.array([date_num(d) for d in dates]), p10, p50, p90, mean)


def plot_fan(results: Any, observable: str, ax: Axes | None = None, targets: Any = None, label: str | None = None,
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
        The run.
    observable : str
        E.g. ``"safe.disbursed_share"`` or an indicator id such as ``"joint-procurement-share"``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; without one a 10.5 × 5.6 in figure is created.
    targets : sequence of (value, date[, label[, p_met[, held]]]) or of dicts with these keys, optional
        Target markers; ``date`` an ISO string or a date; ``p_met`` the target's chance, for the title;
        ``held`` True when the value must hold on the date (:func:`sim.charts.indicator_targets` builds these).
    label : str, optional
        Name of the observable for the title (default :func:`sim.charts.observable_label`).
    unit : str, optional
        Display unit: ``"%"`` (values 0–1), ``"€ bn"``, or a count such as ``"rounds"``; default from the
        observable's name (see :func:`sim.labels.observable_unit`).

    Returns
    -------
    matplotlib.axes.Axes
        The band has ``gid="band"``, the median ``gid="p50"``, the mean ``gid="mean"``, markers ``gid="target:<i>"``,
        the zoomed inset (when drawn) ``gid="zoom"``.
    """
    fan = fan_data(results, observable)
    unit = display_unit(observable, np.concatenate([fan.p10, fan.p90, fan.mean]), unit)
    name = label or observable_label(results, observable)
    marks = fan_targets(targets)
    own_figure = ax is None
    if ax is None:
        ax = new_axes(S_CURVE_SIZE)
    _draw(ax, fan, marks, unit, legend=True)
    first, last = fan.dates[0], fan.dates[-1]
    for _, when, *_rest in marks:
        first, last = min(first, when), max(last, when)
    ax.set_title(wrap_title(ax, _title(name, fan, marks, unit), own_figure, left_in=0.8), loc="left", fontsize=12,
                 fontweight="bold")
    top = _style_axes(ax, fan, marks, unit, (first, last), own_figure)
    small = [m for m in marks if 0 < m[0] < 0.05 * top]
    if small:  # a threshold far below the band's top sits on the axis at this scale: zoom onto it
        _zoom(ax, fan, marks, small[0], unit)
    legend_below(ax, ax.get_legend_handles_labels()[0], points=26, ncol=2)
    add_footer(ax.figure, results)
    return ax


def _draw(axes: Axes, fan: Fan, marks: list[FanTarget], unit: str, legend: bool) -> None:
    """Band, median, mean and target markers; with ``legend``, labelled and tagged for tests."""
    x = fan.x
    axes.fill_between(x, fan.p10, fan.p90, color=BLUE, alpha=0.2, lw=0, zorder=1, gid="band" if legend else None,
                      label="P10–P90: 80 % of replications inside the band" if legend else None)
    axes.plot(x, fan.p50, color=BLUE, lw=2.2, zorder=3, gid="p50" if legend else None,
              label="Median (P50)" if legend else None)
    axes.plot(x, fan.mean, color="black", lw=1.2, ls="--", zorder=3, gid="mean" if legend else None,
              label="Mean" if legend else None)
    for i, (value, when, text, _, held) in enumerate(marks):
        xt = date_num(when)
        axes.plot([x[0], xt], [value, value], color=GREY, ls=":", lw=1, zorder=2)
        axes.plot([xt], [value], marker="D", ms=8, mfc="white", mec="black", mew=1.5, ls="none", zorder=5,
                  gid=f"target:{i}" if legend else None,
                  label=(text or f"Target: {target_words(value, when, unit, held)}") if legend else None)


def _title(name: str, fan: Fan, marks: list[FanTarget], unit: str) -> str:
    """The first target's chance and where the median stands on its date; else the last month's spread."""
    if marks:
        value, when, _, chance, held = marks[0]
        v50 = float(np.interp(date_num(when), fan.x, fan.p50))
        on = fmt_date(when, nbsp=True)
        goal = target_words(value, when, unit, held, nbsp=True)
        if chance is not None:
            return f"{name}: {pct(chance)} chance of {goal} (median {format_value(v50, unit)} on {on})"
        return f"{name}: median {format_value(v50, unit)} on {on}, against a target of {goal}"
    return (f"{name}: median {format_value(fan.p50[-1], unit)} by {fmt_date(fan.dates[-1], nbsp=True)} "
            f"(80 % between {format_value(fan.p10[-1], unit)} and {format_value(fan.p90[-1], unit)})")


def _style_axes(ax: Axes, fan: Fan, marks: list[FanTarget], unit: str, period: tuple[dt.date, dt.date],
                own_figure: bool) -> float:
    """Date axis over ``period``, value axis from 0 (or below) to above the band and targets; returns its top."""
    first, last = period
    span = max(date_num(last) - date_num(first), 1)
    date_axis(ax, first, last)
    years = span / 365.25
    if years > 2 and (per_tick := math.ceil(years / (axes_inches(ax, own_figure, 0.8) / 0.55))) > 1:
        ax.xaxis.set_major_locator(mdates.YearLocator(per_tick))  # a narrow axes: every year would overlap
    ax.set_xlim(date_num(first) - 0.01 * span, date_num(last) + 0.02 * span)
    top = max(np.nanmax(fan.p90) if len(fan.p90) else 0, max((m[0] for m in marks), default=0))
    bottom = min(np.nanmin(fan.p10) if len(fan.p10) else 0, 0)
    ax.set_ylim(bottom, top * 1.08 if top > 0 else 1)
    value_axis(ax, unit)
    ax.set_xlabel("Date")
    ax.grid(color="#e0e0e0", lw=0.6, zorder=0)
    hide_spines(ax)
    return float(top)


def _zoom(ax: Axes, fan: Fan, marks: list[FanTarget], mark: FanTarget, unit: str) -> None:
    """An inset from the first month to a little after ``mark``'s date, 0 to 2.5 × its value."""
    value, when = mark[0], mark[1]
    x = fan.x
    inset = ax.inset_axes((0.06, 0.45, 0.38, 0.45))
    inset.set_gid("zoom")
    _draw(inset, fan, marks, unit, legend=False)
    x_end = date_num(when) + 0.25 * max(date_num(when) - x[0], 60)
    inset.set_xlim(x[0], x_end)
    inset.set_ylim(0, 2.5 * value)
    date_axis(inset, date_of_num(x[0]), date_of_num(x_end))
    inset.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
    inset.xaxis.set_major_formatter(mdates.ConciseDateFormatter(inset.xaxis.get_major_locator()))
    value_axis(inset, unit, label=False)
    inset.tick_params(labelsize=7.5)
    inset.set_title(f"Zoom on the target ({format_value(value, unit)})", fontsize=8.5, loc="left")
    inset.set_facecolor("white")
    inset.grid(color="#e0e0e0", lw=0.5)
