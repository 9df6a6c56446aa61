"""Parts drawn the same way in several charts.

Rows grouped under section headers, calendar date axes, titles wrapped to the axes' width, legends under the axes.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable
from typing import Any, cast

import pandas as pd
from matplotlib import dates as mdates
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend

from .style import HEADER_BAND, figure_inches

__all__ = ["section_order", "rows_by_section", "draw_headers", "date_axis", "below_axes", "wrap_title",
           "axes_inches", "label_inches", "legend_below"]

Row = tuple[str, Any]  # ("header", section), ("item", table row) or, in a comparison, ("none", scenario)


def section_order(frame: pd.DataFrame) -> list[str]:
    """Sections in order of first appearance: the scenario author's order, not the alphabet."""
    return list(dict.fromkeys(frame["section"].fillna("other").astype(str)))


def rows_by_section(frame: pd.DataFrame, sort_keys: list[str]) -> list[Row]:
    """Rows to draw, top to bottom: ``("header", section)`` followed by that section's ``("item", row)``."""
    rows: list[Row] = []
    for section in section_order(frame):
        part = frame[frame["section"].fillna("other").astype(str) == section].sort_values(sort_keys, kind="stable")
        rows.append(("header", section))
        rows.extend(("item", r) for _, r in part.iterrows())
    return rows


def draw_headers(ax: Axes, rows: list[Row]) -> None:
    """Shaded band with the section name in capitals for every header row."""
    left = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    for y, (kind, value) in enumerate(rows):
        if kind != "header":
            continue
        ax.axhspan(y - 0.5, y + 0.5, color=HEADER_BAND, zorder=0, lw=0)
        ax.text(0.004, y, str(value).replace("-", " ").replace("_", " ").upper(), transform=left,
                va="center", ha="left", fontsize=8.5, fontweight="bold", color="#333333", gid="section-header")


def date_axis(ax: Axes, first: dt.date, last: dt.date) -> None:
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


def below_axes(ax: Axes, points: float) -> transforms.Transform:
    """Axes coordinates shifted down by ``points``: places a legend under the tick labels at any figure height."""
    # offset_copy only uses the figure's dpi transform, which a SubFigure shares with its root figure.
    return transforms.offset_copy(ax.transAxes, fig=cast(Figure, ax.figure), x=0, y=-points, units="points")


def wrap_title(ax: Axes, text: str, own_figure: bool, left_in: float = 0.0, right_in: float = 0.0,
               fontsize: float = 12) -> str:
    """``text`` wrapped to the width the axes will have once tick labels are laid out.

    ``left_in`` and ``right_in`` are the widths of the tick labels (inches), so that a left-aligned title never
    runs off the figure.
    """
    # Constrained layout widens an own figure's axes from the default subplot margins to the whole figure.
    chars = int(max(axes_inches(ax, own_figure, left_in, right_in), 3.0) * 72 / (fontsize * 0.62))
    return textwrap.fill(text, max(chars, 30), break_on_hyphens=False)


def axes_inches(ax: Axes, own_figure: bool, left_in: float = 0.0, right_in: float = 0.0) -> float:
    """Estimated width in inches of the axes once laid out (tick labels of ``left_in``/``right_in`` inches)."""
    fig_w = figure_inches(ax)[0]
    if own_figure:
        return max(fig_w - 0.4 - left_in - right_in, 1.0)
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    width = ax.get_position().width * fig_w
    if isinstance(ax.figure.get_layout_engine(), ConstrainedLayoutEngine):
        # Before layout the axes has the default subplot margins; the layout then fits its tick labels into its
        # cell, and keeps the axes of a row equally wide, so a neighbour's long labels can narrow it: estimate low.
        return max(width - left_in - right_in, 1.0)
    return max(width, 1.0)  # a fixed layout: tick labels are outside the axes already


def label_inches(labels: Iterable[str], fontsize: float) -> float:
    """Estimated width (inches) of the widest label (DejaVu Sans averages ~0.55 em per character)."""
    return max((len(str(s)) for s in labels), default=0) * fontsize * 0.55 / 72


def legend_below(ax: Axes, handles: list[Any], points: float = 30, ncol: int = 3, fontsize: float = 8.5) -> Legend:
    """A frameless legend centred ``points`` under the axes, ``ncol`` columns."""
    return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below_axes(ax, points),
                     ncol=ncol, fontsize=fontsize, frameon=False)
