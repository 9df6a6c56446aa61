"""The readiness dashboard: the probability of meeting every target, RAG-coloured, grouped by section."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib import ticker, transforms
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..formatting import DEFAULT_THRESHOLDS, check_thresholds, fmt_date, iso, pct, target_status
from .parts import below_axes, draw_headers, rows_by_section
from .style import (
    AMBER,
    CHROME_HEIGHT,
    GREEN,
    PERCENT_AXIS,
    RAG_COLOURS,
    RED,
    ROW_HEIGHT,
    TRACK,
    WIDTH,
    add_footer,
    hide_spines,
    new_axes,
    shorten_label,
)

__all__ = ["plot_dashboard"]

FACTS = ("MET", "MISSED")  # statuses resolved by the facts of a status date: no Monte Carlo interval


def plot_dashboard(results: Any, thresholds: Sequence[float] = DEFAULT_THRESHOLDS, ax: Axes | None = None,
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
        Axes to draw into. Without one, a figure 13 in wide and about 0.3 in per row tall is created.
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
    rows = rows_by_section(targets, keys)
    if ax is None:
        ax = new_axes((WIDTH, CHROME_HEIGHT + ROW_HEIGHT * max(len(rows), 3)))

    labels = []
    counts = {"GREEN": 0, "AMBER": 0, "RED": 0}
    for y, (kind, row) in enumerate(rows):
        if kind == "header":
            labels.append("")
            continue
        status = _draw_target(ax, y, row, (green, amber))
        counts[status] = counts.get(status, 0) + 1
        deadline = iso(row["deadline"])
        labels.append(f"{shorten_label(row['title'])}  ·  by {fmt_date(deadline) if deadline else '—'}")

    draw_headers(ax, rows)
    _probability_axis(ax, labels, (green, amber))
    ax.set_title(title if title is not None else _title(counts, (green, amber)), loc="left", fontsize=12,
                 fontweight="bold")
    _legend(ax, (green, amber))
    add_footer(ax.figure, results)
    return ax


def _draw_target(ax: Axes, y: int, row: pd.Series, thresholds: tuple[float, float]) -> str:
    """One target's bar, interval, number and status on row ``y``; returns its status."""
    right = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    p = float(row["p_met"])
    status = target_status(p, row.get("status", "open"), thresholds)  # MET/MISSED: facts
    ax.barh(y, 1, height=0.62, color=TRACK, zorder=1, lw=0)  # the 0–100 % track, so a 0 % row is not blank
    ax.barh(y, p, height=0.62, color=RAG_COLOURS[status], zorder=2, gid=f"target:{row['target']}")
    low, high = float(row["ci_low"]), float(row["ci_high"])
    if status not in FACTS:  # a fact has no Monte Carlo interval
        ax.errorbar(p, y, xerr=[[max(p - low, 0)], [max(high - p, 0)]], fmt="none", ecolor="black",
                    elinewidth=1, capsize=2.5, zorder=3)
    # Number and status in a column right of the plot: always legible, never on top of a bar.
    ax.text(1.095, y, "fact" if status in FACTS else f"{pct(p, thresholds)}", transform=right,
            ha="right", va="center", fontsize=8.5)
    ax.text(1.105, y, status, transform=right, ha="left", va="center", fontsize=8, fontweight="bold",
            color="black", gid=f"rag:{row['target']}")
    return status


def _probability_axis(ax: Axes, labels: list[str], thresholds: tuple[float, float]) -> None:
    """Row labels, a 0–100 % axis at the bottom and the top, and the RAG thresholds as dashed lines."""
    ax.set_yticks(range(len(labels)), labels, fontsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first row on top
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.xaxis.set_minor_locator(ticker.MultipleLocator(0.1))
    ax.xaxis.set_major_formatter(PERCENT_AXIS)
    # Percent scale at the top too: on a tall dashboard the bottom axis is off screen.
    ax.tick_params(axis="x", top=True, labeltop=True, labelsize=8.5)
    ax.grid(axis="x", which="major", color="#d0d0d0", lw=0.6, zorder=0)
    for value in sorted(set(thresholds)):
        ax.axvline(value, color="#444444", ls=(0, (4, 3)), lw=0.9, zorder=1)
    hide_spines(ax)
    ax.set_xlabel("Probability of meeting the deadline (bar) with its 95 % interval (whisker)", fontsize=9)


def _title(counts: dict[str, int], thresholds: tuple[float, float]) -> str:
    """The count of targets per status, and of those the facts resolved."""
    green, amber = thresholds
    n = sum(counts.values())
    if not n:
        return "No targets in this run"
    title = (f"{counts['GREEN']} of {n} targets on track (GREEN ≥ {pct(green)}), "
             f"{counts['AMBER']} AMBER, {counts['RED']} RED (< {pct(amber)} chance)")
    if counts.get("MET", 0) or counts.get("MISSED", 0):
        title += f"; resolved: {counts.get('MET', 0)} met, {counts.get('MISSED', 0)} missed"
    return title


def _legend(ax: Axes, thresholds: tuple[float, float]) -> None:
    green, amber = thresholds
    handles = [Patch(color=GREEN, label=f"GREEN: ≥ {pct(green)}"),
               Patch(color=AMBER, label=f"AMBER: {pct(amber)} to {pct(green)}"),
               Patch(color=RED, label=f"RED: < {pct(amber)}"),
               Line2D([], [], color="black", lw=1, marker="|", markersize=7, label="95 % interval"),
               Line2D([], [], color="#444444", ls=(0, (4, 3)), lw=0.9, label="RAG thresholds")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below_axes(ax, 34),
              ncol=5, fontsize=8.5, frameon=False)
