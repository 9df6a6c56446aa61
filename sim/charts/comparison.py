"""What a delay scenario changes: per target, the base and the other probability and the paired change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..formatting import DEFAULT_THRESHOLDS, check_thresholds, fmt_date, iso, rag_status, signed
from .parts import Row, draw_headers, label_inches, legend_below, wrap_title
from .style import BLUE, CHROME_HEIGHT, PERCENT_AXIS, RED, add_footer, hide_spines, new_axes, shorten_label

__all__ = ["plot_comparison", "COMPARISON_COLUMNS", "comparison_rows"]

COMPARISON_COLUMNS = ["scenario", "target", "title", "deadline", "p_base", "p_other", "diff", "diff_low", "diff_high"]

# Per scenario: targets less likely (interval below 0), more likely (above 0), unchanged, and the biggest mover.
Summary = dict[str, tuple[int, int, int, pd.DataFrame]]
RightLabel = tuple[str, bool]  # the change written right of a row, and whether its interval excludes 0


def comparison_rows(table: pd.DataFrame, top: int) -> tuple[list[Row], Summary]:
    """Rows to draw per scenario (a header, its ``top`` movers or a "none" row) and each scenario's summary."""
    rows: list[Row] = []
    summary: Summary = {}
    for name, group in table.groupby("scenario", sort=False):
        moved = group[group["diff"].abs() > 0]
        moved = moved.reindex(moved["diff"].abs().sort_values(ascending=False, kind="stable").index)
        down = int((group["diff_high"] < 0).sum())
        up = int((group["diff_low"] > 0).sum())
        summary[str(name)] = (down, up, len(group) - len(moved), moved.head(1))
        rows.append(("header", name))
        rows.extend(("item", r) for _, r in moved.head(int(top)).iterrows())
        if moved.empty:
            rows.append(("none", name))
    return rows, summary


def plot_comparison(comparison: Any, ax: Axes | None = None, top: int = 15,
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
        Axes to draw into; without one a figure 14 in wide and about 0.34 in per row tall is created.
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
    missing = [c for c in COMPARISON_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"comparison: missing columns {', '.join(missing)}; expected a Comparison or its table")
    thresholds = check_thresholds(thresholds)
    base = getattr(comparison, "base", None)
    rows, summary = comparison_rows(table, top)
    own_figure = ax is None
    if ax is None:
        ax = new_axes((14.0, CHROME_HEIGHT + 0.34 * max(len(rows), 3)))
    labels: list[str] = []
    right: list[RightLabel | None] = []
    for y, (kind, row) in enumerate(rows):
        if kind != "item":
            labels.append("")
            right.append(None)
            if kind == "none":
                ax.text(0.01, y, "no target changes", va="center", fontsize=8.5, color="#333333")
            continue
        deadline = iso(row["deadline"])
        labels.append(f"{shorten_label(row['title'], 54)} · {fmt_date(deadline) if deadline else 'no deadline'}")
        right.append(_draw_change(ax, y, row, thresholds))
    draw_headers(ax, rows)
    _style_axes(ax, labels, right, thresholds)
    title = "; ".join(_verdict(summary, name, len(summary) == 1) for name in summary) if summary else "No scenarios compared"
    ax.set_title(wrap_title(ax, title, own_figure, left_in=label_inches([s for s in labels if s], 8.5),
                            right_in=label_inches([r[0] for r in right if r], 8.5)), loc="left", fontsize=12,
                 fontweight="bold")
    base_name = base.meta.get("title", "base") if base is not None else "base"
    _legend(ax, [row for kind, row in rows if kind == "item"], base_name, own_figure)
    if base is not None:
        add_footer(ax.figure, base)
    return ax


def _draw_change(ax: Axes, y: int, row: pd.Series, thresholds: tuple[float, float]) -> RightLabel:
    """Base circle, arrow, scenario circle and paired interval on row ``y``; returns the text for the right."""
    pb, po = float(row["p_base"]), float(row["p_other"])
    d, lo, hi = float(row["diff"]), float(row["diff_low"]), float(row["diff_high"])
    colour = RED if d < 0 else BLUE
    ax.plot([pb], [y], marker="o", ms=7, mfc="white", mec="black", mew=1.3, ls="none", zorder=4, clip_on=False)
    ax.annotate("", xy=(po, y), xytext=(pb, y), zorder=3, gid=f"change:{row['scenario']}:{row['target']}",
                arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.8, shrinkA=4, shrinkB=3, mutation_scale=11))
    ax.plot([po], [y], marker="o", ms=7, color=colour, mec="black", mew=0.6, ls="none", zorder=5, clip_on=False)
    # The paired interval, as where the scenario's probability could be given the base: base + change interval.
    ax.errorbar(po, y + 0.24, xerr=[[max(po - (pb + lo), 0)], [max(pb + hi - po, 0)]], fmt="none",
                ecolor="#333333", elinewidth=0.9, capsize=2, zorder=3)
    before, after = rag_status(pb, thresholds), rag_status(po, thresholds)
    moved_status = f"  {before}→{after}" if before != after else ""
    return (f"{signed(100 * d, ' pp', 1)} [{signed(100 * lo, '', 1)}, {signed(100 * hi, '', 1)}]{moved_status}",
            hi < 0 or lo > 0)


def _style_axes(ax: Axes, labels: list[str], right: list[RightLabel | None], thresholds: tuple[float, float]) -> None:
    """Target labels left, changes right (bold when the interval excludes 0), a 0–100 % axis and RAG lines."""
    ax.set_yticks(range(len(labels)), labels, fontsize=8.5)
    ax.tick_params(axis="y", length=0, pad=9)  # clear of a circle drawn at 0 %
    ax.set_ylim(len(labels) - 0.5, -0.5)
    sec = ax.secondary_yaxis("right")
    sec.set_yticks(range(len(labels)), [r[0] if r else "" for r in right], fontsize=8.5)
    for tick, r in zip(sec.get_yticklabels(), right, strict=True):
        if r and r[1]:
            tick.set_fontweight("bold")
    sec.tick_params(axis="y", length=0)
    sec.spines["right"].set_visible(False)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.xaxis.set_major_formatter(PERCENT_AXIS)
    ax.tick_params(axis="x", top=True, labeltop=True, labelsize=8.5)
    ax.grid(axis="x", color="#d0d0d0", lw=0.6, zorder=0)
    for value in sorted(set(thresholds)):
        ax.axvline(value, color="#444444", ls=(0, (4, 3)), lw=0.9, zorder=1)
    hide_spines(ax)
    ax.set_axisbelow(True)  # the RAG threshold lines above the grid
    ax.set_xlabel("Probability of meeting the deadline (base → scenario)\nRight: paired change in percentage points "
                  "[95 % interval], bold when the interval excludes 0; RAG status when it changes", fontsize=9)


def _verdict(summary: Summary, name: str, detail: bool) -> str:
    """'late-edip: 5 targets less likely, most ‘…’ (−12 pp)' for one scenario."""
    down, up, _, biggest = summary[name]
    text = f"{name}: {down} target{'s' if down != 1 else ''} less likely"
    if up:
        text += f", {up} more likely"
    if not biggest.empty:
        b = biggest.iloc[0]
        change = signed(100 * float(b["diff"]), " pp")
        text += f", most {shorten_label(b['title'], 50)} ({change})" if detail else f" (up to {change})"
    return text


def _legend(ax: Axes, drawn: list[pd.Series], base_name: str, own_figure: bool) -> None:
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
    legend_below(ax, handles, points=52, ncol=len(handles) if own_figure else 3)  # in a page: fit its width
