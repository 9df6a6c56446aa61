"""Where text goes on a chart before it is drawn: free spots clear of a rising curve, of markers and of each other.

Used by the S-curve, whose notes and legend must hide neither the curve, the deadline line nor a marker.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from matplotlib.axes import Axes

from .style import figure_inches

__all__ = ["Room", "Box", "Corner"]

Box = tuple[float, float, float, float]  # (x0, x1, y0, y1) in axes fraction
Corner = Literal["upper left", "lower right", "upper right", "lower left", "center right", "center left"]


class Room:
    """Free space in an S-curve's axes, in axes fraction, for text boxes placed before the figure is drawn.

    A cumulative curve is monotone, so a box is clear of it when the whole box lies above-left of the curve
    (curve below the box's bottom at its right edge) or below-right of it (curve above the box's top at its left
    edge). Sizes are estimated from character counts, as the layout is not final before drawing.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes, with its final limits already set.
    xs, ys : numpy.ndarray
        The step curve (x in matplotlib date numbers, days; y the share done), drawn with ``where="post"``.
    deadline_x : float or None
        The deadline line's x (date number, days), kept clear of text.
    outside_legend : bool
        True when a legend outside the axes will narrow them (an own figure).
    """

    margin = 0.03  # axes fraction kept free around markers, the curve and the deadline line

    def __init__(self, ax: Axes, xs: np.ndarray, ys: np.ndarray, deadline_x: float | None, outside_legend: bool):
        self.x0, self.x1 = ax.get_xlim()
        self.y0, self.y1 = ax.get_ylim()
        self.xs, self.ys = xs, ys
        fig_w, fig_h = figure_inches(ax)
        pos = ax.get_position()
        # Constrained layout shrinks the axes for a legend outside them: then assume ~60 % of the figure width.
        width = min(pos.width, 0.6) if outside_legend else pos.width
        self.width_pt = max(width * fig_w * 72, 1)
        self.height_pt = max(pos.height * fig_h * 72 * 0.9, 1)
        self.deadline = self.fx(deadline_x) if deadline_x is not None else None
        self.taken: list[Box] = []

    def fx(self, x: float) -> float:
        """Axes fraction of data ``x``."""
        return (x - self.x0) / (self.x1 - self.x0)

    def fy(self, y: float) -> float:
        """Axes fraction of data ``y``."""
        return (y - self.y0) / (self.y1 - self.y0)

    def curve(self, f: float) -> float:
        """Height of the step curve (axes fraction) at axes fraction ``f`` across."""
        i = np.searchsorted(self.xs, self.x0 + f * (self.x1 - self.x0), side="right") - 1
        return self.fy(float(self.ys[i]) if i >= 0 else 0.0)

    def size(self, lines: list[str], fontsize: float, pad_w: float = 12, pad_h: float = 10,
             line_height: float = 1.3) -> tuple[float, float]:
        """Estimated (width, height) in axes fraction of a block of text lines (pads in points)."""
        width = (max(len(s) for s in lines) * 0.6 * fontsize + pad_w) / self.width_pt
        return width, (len(lines) * line_height * fontsize + pad_h) / self.height_pt

    def take(self, box: Box) -> None:
        """Reserve ``box`` (x0, x1, y0, y1 in axes fraction): nothing placed later overlaps it."""
        self.taken.append(box)

    def take_marker(self, x: float, y: float) -> None:
        """Reserve a square of ``margin`` around a marker at data (x, y)."""
        m = self.margin
        self.take((self.fx(x) - m, self.fx(x) + m, self.fy(y) - m, self.fy(y) + m))

    def clear(self, bx0: float, by0: float, bx1: float, by1: float) -> bool:
        """Whether a box lies inside the axes, off the curve and the deadline line, and overlaps nothing taken."""
        m = self.margin
        if bx0 < 0 or bx1 > 1 or by0 < 0 or by1 > 1:
            return False
        if not (self.curve(bx1) < by0 - m or self.curve(bx0) > by1 + m):
            return False
        if self.deadline is not None and bx0 - m < self.deadline < bx1 + m:  # would hide the deadline line
            return False
        return not any(bx0 < ox1 and ox0 < bx1 and by0 < oy1 and oy0 < by1 for ox0, ox1, oy0, oy1 in self.taken)

    def legend_corner(self, labels: list[str], fontsize: float) -> Corner | None:
        """The first corner where a legend with ``labels`` is clear of everything (reserved), else None."""
        lines = [line for label in labels for line in label.split("\n")]
        w, h = self.size(lines, fontsize, pad_w=3.5 * fontsize, pad_h=0.5 * fontsize * len(labels) + 8,
                         line_height=1.25)
        w, h = w + 0.01, h + 0.01
        corners: dict[Corner, tuple[float, float]] = {"upper left": (0.01, 0.99 - h), "lower right": (0.99 - w, 0.01),
                   "upper right": (0.99 - w, 0.99 - h), "lower left": (0.01, 0.01),
                   "center right": (0.99 - w, 0.5 - h / 2), "center left": (0.01, 0.5 - h / 2)}
        for loc, (bx0, by0) in corners.items():
            if self.clear(bx0, by0, bx0 + w, by0 + h):
                self.take((bx0, bx0 + w, by0, by0 + h))
                return loc
        return None

    def note_spot(self, target: tuple[float, float], text: str, fontsize: float) -> tuple[float, float] | None:
        """Lower-left corner of a clear spot for a text box pointing at ``target`` (data), nearest to it."""
        w, h = self.size(text.split("\n"), fontsize)
        tx, ty = self.fx(target[0]), self.fy(target[1])
        best: tuple[float, float] | None = None
        best_distance = math.inf
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

