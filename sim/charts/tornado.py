"""Tornado charts: the inputs that move a target most, one bar each, left (worse) or right (better) of zero."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..formatting import fmt_date, iso, pct, signed
from .noise import days_noise, impact_noise
from .parts import axes_inches, label_inches, legend_below, wrap_title
from .phrasing import driver_phrase, readable_label
from .select import target_row
from .style import BLUE, RED, WIDTH, add_footer, hide_spines, new_axes, shorten_label

__all__ = ["plot_tornado", "tornado_rows", "tornado_data", "informative"]

METRICS = ("auto", "impact_pp", "impact_days")


def tornado_rows(table: pd.DataFrame, metric: str, top: int) -> pd.DataFrame:
    """The ``top`` rows of a drivers table for ``metric``.

    In the table's order for ``impact_pp``; by the size of ``impact_days`` for days, with inputs whose median
    lies beyond the horizon (no number) last.
    """
    if metric == "impact_pp":
        return table.head(top)
    finite = table[np.isfinite(table["impact_days"].astype(float))]
    finite = finite.reindex(finite["impact_days"].abs().sort_values(ascending=False, kind="stable").index)
    beyond = table[~np.isfinite(table["impact_days"].astype(float))]
    return pd.concat([finite, beyond]).head(top)


def tornado_data(results: Any, target: str, table: pd.DataFrame, metric: str,
                 top: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Rows drawn, their values in ``metric`` (pp or days) and the Monte Carlo noise of each (same unit)."""
    rows = tornado_rows(table, metric, top).reset_index(drop=True)
    values = rows[metric].astype(float).to_numpy()
    if not len(rows):
        return rows, values, np.full(0, np.nan)
    noise = (impact_noise if metric == "impact_pp" else days_noise)(results, target, rows["input"])
    return rows, values, noise


def informative(values: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Bars worth drawing: a finite, non-zero effect not within the noise (unknown noise counts as beyond)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (values != 0) & ~(np.isfinite(noise) & (np.abs(values) <= noise))


def _no_driver_page(ax: Axes, results: Any, row: pd.Series, k: int) -> Axes:
    """A sentence instead of a tornado whose bars would all be noise (or beyond the horizon)."""
    deadline = iso(row["deadline"])
    chance = f"{pct(float(row['p_met']))} chance by {fmt_date(deadline)}" if deadline else ""
    ax.set_axis_off()
    ax.set_title(wrap_title(ax, f"{shorten_label(row['title'], 110)}" + (f" ({chance})" if chance else ""), False),
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


def plot_tornado(results: Any, target: str, ax: Axes | None = None, metric: str = "auto", top: int = 10,
                 table: pd.DataFrame | None = None) -> Axes:
    """Tornado chart: the inputs that move a target most, one bar each, left (worse) or right (better) of zero.

    Per input (from :func:`sim.analysis.drivers`), the bar is the target's change when the input is high (its
    upper decile: a long duration, a slow shared factor, a late risk) rather than low (its lower decile); for a
    risk's ``occurs`` input, when the risk occurs rather than not. With ``metric="impact_pp"`` the change is in
    the probability of meeting the deadline (percentage points; bars in the drivers table's order). With
    ``metric="impact_days"`` it is the shift of the median date in days (sorted by its size; inputs for which a
    median lies beyond the horizon have no number and are listed last). A whisker marks the Monte Carlo noise
    (:func:`sim.charts.impact_noise` for points, a bootstrap of the group medians for days; both at
    :func:`sim.charts.noise_z` standard errors, which allows for every input having been screened), and a bar
    within it is drawn hatched and pale: at this number of replications it cannot be told from chance. Red
    bars make the target worse (less likely, later), blue bars better. The title gives the target's chance and
    names the input that moves it most.

    Parameters
    ----------
    results : sim.Results
        A run.
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
    if metric not in METRICS:
        raise ValueError(f"metric: found '{metric}'; expected 'auto', 'impact_pp' (probability points) or 'impact_days'")
    if int(top) < 1:
        raise ValueError(f"top: found {top}; expected a whole number ≥ 1")
    row = target_row(results, target)
    if table is None:
        from ..analysis import drivers

        table = drivers(results, target)
    metric, rows, values, noise = _choose_metric(results, target, table, metric, int(top))
    k = len(rows)
    own_figure = ax is None
    if ax is None:
        ax = new_axes((WIDTH, 2.4 + 0.42 * max(k, 3)))
    if not informative(values, noise).any():
        return _no_driver_page(ax, results, row, k)
    tick_labels = [shorten_label(readable_label(label), 80) for label in rows["label"]]
    pp = metric == "impact_pp"
    low, high, total = _limits(values, noise, pp, axes_inches(ax, own_figure, label_inches(tick_labels, 9)))
    _draw_bars(ax, rows, values, noise, pp, total)
    _style_axes(ax, tick_labels, (low, high), pp)
    title = f"{_head(row)}: {_finding(rows, values, noise, pp)}"
    ax.set_title(wrap_title(ax, title, own_figure, left_in=label_inches(tick_labels, 9)),
                 loc="left", fontsize=12, fontweight="bold")
    _legend(ax, pp, own_figure)
    add_footer(ax.figure, results)
    return ax


def _choose_metric(results: Any, target: str, table: pd.DataFrame, metric: str,
                   top: int) -> tuple[str, pd.DataFrame, np.ndarray, np.ndarray]:
    """The metric drawn and its data; ``auto`` turns to days when nothing moves the chance beyond the noise."""
    auto = metric == "auto"
    if auto:
        metric = "impact_pp" if table["impact_pp"].abs().max() > 0 else "impact_days"
    rows, values, noise = tornado_data(results, target, table, metric, top)
    if auto and metric == "impact_pp" and len(table) and not informative(values, noise).any():
        # Nothing moves the chance: perhaps something moves the date.
        metric = "impact_days"
        rows, values, noise = tornado_data(results, target, table, metric, top)
    return metric, rows, values, noise


def _limits(values: np.ndarray, noise: np.ndarray, pp: bool, axes_width: float) -> tuple[float, float, float]:
    """The x limits and the total span of the bars (pp or days), with room for the values written beyond them.

    Each side holds its bars with their whiskers and the value written beyond them; a whisker of a bar on the
    other side may cross zero; a side with nothing keeps a sliver so that zero stays visible. ``axes_width`` is
    the estimated width of the axes in inches.
    """
    finite = np.isfinite(values)
    spread = np.abs(values) + np.nan_to_num(noise)
    left = np.max(spread[finite & (values < 0)], initial=0.0)
    right = np.max(spread[finite & (values >= 0)], initial=0.0)
    cross_right = np.max((np.nan_to_num(noise) - np.abs(values))[finite & (values < 0)], initial=0.0)
    cross_left = np.max((np.nan_to_num(noise) - np.abs(values))[finite & (values >= 0)], initial=0.0)
    total = max(left + right, 5.0 if pp else 30.0)
    # Room for the value written beyond a bar (~0.75 in): a fraction f of the axes width on each side with bars.
    f = min(0.75 / axes_width, 0.3)
    pad = total * max(0.2, f / (1 - 2 * f))
    low = -(left + pad) if left else -max(0.06 * total, 1.08 * cross_left)
    high = right + pad if right else max(0.06 * total, 1.08 * cross_right)
    return low, high, total


def _draw_bars(ax: Axes, rows: pd.DataFrame, values: np.ndarray, noise: np.ndarray, pp: bool, total: float) -> None:
    """One bar per input with its noise whisker and its value; pale and hatched when within the noise."""
    worse = values < 0 if pp else values > 0
    unit = " pp" if pp else " days"
    for y in range(len(rows)):
        v, name = values[y], str(rows.at[y, "input"])
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


def _style_axes(ax: Axes, tick_labels: list[str], limits: tuple[float, float], pp: bool) -> None:
    """The zero line, input labels, signed ticks and what the axis measures."""
    k = len(tick_labels)
    ax.axvline(0, color="black", lw=1, zorder=3)
    ax.set_yticks(range(k), tick_labels, fontsize=9)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(max(k, 1) - 0.5, -0.5)
    ax.set_xlim(*limits)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: signed(v, "", 0)))
    ax.grid(axis="x", color="#e0e0e0", lw=0.6, zorder=0)
    hide_spines(ax)
    what = ("Change in the chance of meeting the deadline (percentage points)" if pp
            else "Shift of the median date (days; + is later)")
    ax.set_xlabel(f"{what}\nwhen the input is high (top 10 %) rather than low (bottom 10 %), or a risk occurs "
                  f"rather than not", fontsize=9)


def _head(row: pd.Series) -> str:
    """The target's title with its chance by the deadline."""
    deadline = iso(row["deadline"])
    name = shorten_label(row["title"], 70)
    chance = f"{pct(float(row['p_met']))} by {fmt_date(deadline, nbsp=True)}" if deadline else ""
    return f"{name} ({chance})" if chance else name


def _finding(rows: pd.DataFrame, values: np.ndarray, noise: np.ndarray, pp: bool) -> str:
    """What the top bar says: the input that moves the target most, or why nothing does."""
    unit = " pp" if pp else " days"
    if not len(rows):
        return "no sampled input varies, nothing drives it"
    if not np.isfinite(values[0]):
        return "its median date lies beyond the horizon, see the chart in percentage points"
    if np.isfinite(noise[0]) and abs(values[0]) <= noise[0]:
        return f"no input moves it beyond Monte Carlo noise (largest {signed(values[0], unit)})"
    verb = "moves it most" if pp else "shifts its date most"
    return f"{driver_phrase(str(rows.at[0, 'label']), 60)} {verb} ({signed(values[0], unit)})"


def _legend(ax: Axes, pp: bool, own_figure: bool) -> None:
    better = "Raises the chance" if pp else "Earlier date"
    handles = [Patch(color=RED, label="Lowers the chance" if pp else "Later date"), Patch(color=BLUE, label=better),
               Line2D([], [], color="#333333", lw=0.9, marker="|", ms=7,
                      label="Monte Carlo noise (an effect within it could be chance)"),
               Patch(facecolor=RED, alpha=0.35, hatch="///", edgecolor=RED, label="Within the noise")]
    legend_below(ax, handles, points=50, ncol=len(handles) if own_figure else 2)  # in a page: fit its width
