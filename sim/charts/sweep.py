"""How target probabilities fall (or rise) as a shock grows, from :func:`sim.analysis.sweep`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import did_you_mean
from ..formatting import DEFAULT_THRESHOLDS, check_thresholds, fmt_date, iso, pct
from .parts import legend_below, wrap_title
from .style import (
    AMBER,
    FOOTER_GID,
    GREEN,
    GREY,
    PERCENT_AXIS,
    RED,
    SERIES_STYLES,
    add_footer,
    hide_spines,
    new_axes,
    shorten_label,
)

__all__ = ["plot_sweep", "SWEEP_COLUMNS", "sweep_targets"]

SWEEP_COLUMNS = ["value", "target", "title", "deadline", "p_met", "ci_low", "ci_high"]


def sweep_targets(sweep_table: pd.DataFrame, targets: Sequence[str] | None, top: int) -> list[str]:
    """``targets`` checked against the sweep, else the ``top`` whose chance moves most from first to last value.

    Raises
    ------
    ValueError
        When a requested target is not in the sweep.
    """
    known = list(dict.fromkeys(sweep_table["target"]))
    if targets is None:
        wide = sweep_table.pivot_table(index="target", columns="value", values="p_met", sort=False)
        moved = (wide.iloc[:, -1] - wide.iloc[:, 0]).abs().sort_values(ascending=False, kind="stable")
        return list(moved[moved > 0].index[: int(top)]) or known[:3]
    chosen = list(targets)
    unknown = [t for t in chosen if t not in set(known)]
    if unknown:
        raise ValueError(f"targets: unknown {', '.join(repr(t) for t in unknown)}; the sweep has {', '.join(known)}"
                         f"{did_you_mean(unknown[0], known)}")
    return chosen


def plot_sweep(sweep_table: pd.DataFrame, targets: Sequence[str] | None = None, ax: Axes | None = None,
               value_label: str = "Shock size", value_scale: float = 1.0, value_unit: str = "", top: int = 6,
               results: Any = None, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> Axes:
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
        Number of targets drawn when ``targets`` is not given.
    results : sim.Results, optional
        The base run, for the provenance footer.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` RAG thresholds.

    Returns
    -------
    matplotlib.axes.Axes
        Lines carry ``gid="sweep:<target>"``; their x data are ``value / value_scale``, y data ``p_met``.
    """
    missing = [c for c in SWEEP_COLUMNS if c not in sweep_table.columns]
    if missing:
        raise ValueError(f"sweep_table: missing columns {', '.join(missing)}; expected the table from sim.analysis.sweep")
    if not value_scale or value_scale <= 0:
        raise ValueError(f"value_scale: found {value_scale}; expected a positive number")
    green, amber = check_thresholds(thresholds)
    chosen = sweep_targets(sweep_table, targets, top)
    own_figure = ax is None
    if ax is None:
        ax = new_axes((10.5, 6.0))
    for y0, y1, colour in ((green, 1.02, GREEN), (amber, green, AMBER), (0, amber, RED)):
        ax.axhspan(y0, y1, color=colour, alpha=0.07, lw=0, zorder=0)
    for value in (green, amber):
        ax.axhline(value, color="#444444", ls=(0, (4, 3)), lw=0.9, zorder=1)
    crossings = {target: _draw_line(ax, _target_part(sweep_table, target), i, value_scale, amber)
                 for i, target in enumerate(chosen)}
    title = _title(sweep_table, chosen[0], crossings[chosen[0]], value_scale, value_unit, amber) if chosen \
        else "No targets in the sweep"
    ax.set_title(wrap_title(ax, title, own_figure, left_in=0.7), loc="left", fontsize=12, fontweight="bold")
    _style_axes(ax, value_label, (green, amber))
    if results is not None:
        add_footer(ax.figure, results)
    elif not any(t.get_gid() == FOOTER_GID for t in ax.figure.texts) and not ax.figure.get_supxlabel():
        values = sweep_table["value"].astype(float) / value_scale
        label = ax.figure.supxlabel(f"Sweep of {value_label.lower()}: {values.min():.3g} to {values.max():.3g} · "
                                    f"same random numbers at every step", x=0.005, ha="left", fontsize=7.5, color=GREY)
        label.set_gid(FOOTER_GID)
    return ax


def _target_part(sweep_table: pd.DataFrame, target: str) -> pd.DataFrame:
    return sweep_table[sweep_table["target"] == target].sort_values("value", kind="stable")


def _draw_line(ax: Axes, part: pd.DataFrame, i: int, value_scale: float, amber: float) -> float | None:
    """One target's line and interval band; returns the displayed value where it first falls below amber."""
    xs = part["value"].to_numpy(dtype=float) / value_scale
    ys = part["p_met"].to_numpy(dtype=float)
    colour, marker, dash = SERIES_STYLES[i % len(SERIES_STYLES)]
    ax.fill_between(xs, part["ci_low"].to_numpy(dtype=float), part["ci_high"].to_numpy(dtype=float),
                    color=colour, alpha=0.15, lw=0, zorder=1)
    first = part.iloc[0]
    deadline = iso(first["deadline"])
    ax.plot(xs, ys, color=colour, marker=marker, ls=dash, lw=1.8, ms=5.5, zorder=3, gid=f"sweep:{first['target']}",
            label=f"{shorten_label(first['title'], 58)} (by {fmt_date(deadline) if deadline else '—'})")
    below = np.nonzero(ys < amber)[0]
    return xs[below[0]] if len(below) and ys[0] >= amber else None


def _title(sweep_table: pd.DataFrame, lead: str, crossing: float | None, value_scale: float, value_unit: str,
           amber: float) -> str:
    """How the lead target's chance moves over the sweep, and where it falls below amber."""
    part = _target_part(sweep_table, lead)
    p0, p1 = float(part["p_met"].iloc[0]), float(part["p_met"].iloc[-1])
    v0, v1 = (float(part["value"].iloc[j]) / value_scale for j in (0, -1))
    verb = "falls" if p1 < p0 else "rises" if p1 > p0 else "stays"
    unit = f" {value_unit}" if value_unit else ""
    title = (f"{shorten_label(part['title'].iloc[0], 60)} {verb} from {pct(p0)} to {pct(p1)} "
             f"as the shock grows from {v0:.3g} to {v1:.3g}{unit}")
    if crossing is not None:
        title += f"; below {pct(amber)} at {crossing:.3g}{unit}"
    return title


def _style_axes(ax: Axes, value_label: str, thresholds: tuple[float, float]) -> None:
    green, amber = thresholds
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.yaxis.set_major_formatter(PERCENT_AXIS)
    ax.set_ylabel("Chance of meeting the deadline")
    ax.set_xlabel(value_label)
    ax.grid(color="#e0e0e0", lw=0.6, zorder=0)
    hide_spines(ax)
    handles = ax.get_legend_handles_labels()[0]
    handles += [Patch(color="#888888", alpha=0.3, label="95 % interval"),
                Line2D([], [], color="#444444", ls=(0, (4, 3)), lw=0.9,
                       label=f"RAG thresholds: GREEN ≥ {pct(green)}, RED < {pct(amber)}")]
    legend_below(ax, handles, points=28, ncol=2)
