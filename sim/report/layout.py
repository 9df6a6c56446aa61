"""Laying out A4 landscape pages: the page size, text placed in inches or points, wrapping at word boundaries.

Every page of the briefing is an A4 landscape figure (297 × 210 mm) built outside pyplot and saved without
cropping (cropping to the content gave every page another size).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any, Literal

from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from ..labels import shorten

__all__ = ["A4", "TextPage", "Writer", "a4", "a4_axes", "page_title", "chars", "wrap", "Line", "split_lines",
           "text_pages"]

A4 = (11.69, 8.27)  # landscape, inches
LINE_SPACING = 1.35  # line height as a multiple of the font size
Line = tuple[str, float, str, str, float]  # text, size (pt), weight, colour, space before (pt)
PAGE_TEXT_PT = 7.3 * 72  # height of text that fits an A4 landscape page under its top margin and above the footer


class TextPage:
    """Lines of text laid out top-down in points on a figure region; measures its own height.

    Parameters
    ----------
    width_in : float
        Width of the region, inches: lines are wrapped to it.
    """

    def __init__(self, width_in: float):
        self.width_in = width_in
        self.lines: list[Line] = []

    def add(self, text: str, size: float = 10, weight: str = "normal", colour: str = "black", before: float = 0,
            indent: int = 0) -> None:
        """Add ``text`` wrapped to the width (``size`` pt, ``before`` pt of space above it, ``indent`` characters)."""
        count = int((self.width_in - 0.5) * 72 / (size * (0.62 if weight == "bold" else 0.57))) - indent
        wrapped = textwrap.wrap(text, max(count, 20), break_on_hyphens=False) or [""]
        for i, line in enumerate(wrapped):
            self.lines.append((" " * indent + line if indent else line, size, weight, colour, before if i == 0 else 0))

    @property
    def height_pt(self) -> float:
        """Height of the lines, points."""
        return sum(size * LINE_SPACING + before for _, size, _, _, before in self.lines) + 8

    def draw(self, fig_or_sub: Figure | SubFigure, top: float = 4.0) -> None:
        """Draw the lines on a figure or subfigure from ``top`` points below its top edge."""
        y = top  # points from the top
        base = fig_or_sub.transSubfigure if isinstance(fig_or_sub, SubFigure) else fig_or_sub.transFigure
        figure = fig_or_sub.figure if isinstance(fig_or_sub, SubFigure) else fig_or_sub
        for text, size, weight, colour, before in self.lines:
            y += before + size * LINE_SPACING
            where = transforms.offset_copy(base, fig=figure, x=0.25 * 72, y=-y, units="points")
            fig_or_sub.text(0, 1, text, transform=where, fontsize=size, fontweight=weight, color=colour,
                            ha="left", va="baseline")


def a4(layout: Literal["constrained"] | None = "constrained") -> Figure:
    """An A4 landscape figure: every page of the briefing has this size (saved without cropping)."""
    return Figure(figsize=A4, layout=layout)


def a4_axes() -> Axes:
    """One axes filling an A4 landscape page (constrained layout)."""
    return a4().add_subplot()


def chars(width_in: float, size: float) -> int:
    """Characters of DejaVu Sans at ``size`` pt that fit ``width_in`` inches (~0.55 em per character)."""
    return max(int(width_in * 72 / (size * 0.55)), 10)


def wrap(text: str, width_in: float, size: float, lines: int | None = None) -> list[str]:
    """``text`` wrapped at word boundaries to ``width_in`` inches, in at most ``lines`` lines.

    The last line ends in an ellipsis when text is left out.
    """
    wrapped = textwrap.wrap(" ".join(str(text).split()), chars(width_in, size), break_on_hyphens=False) or [""]
    if lines is not None and len(wrapped) > lines:
        rest = " ".join(wrapped[lines - 1:])
        wrapped = wrapped[: lines - 1] + [shorten(rest, chars(width_in, size))]
    return wrapped


def page_title(ax: Axes, suffix: str = "") -> Figure:
    """Move the chart's title to the top of the page; returns the figure.

    A chart places its title over the axes, right of the tick labels; at the top of the page the whole width is
    free. The title is wrapped at word boundaries.
    """
    text = " ".join(ax.get_title(loc="left").split()) + suffix
    ax.set_title("", loc="left")
    fig = ax.get_figure()
    assert isinstance(fig, Figure), "a page's axes belong to an A4 figure"
    # Bold glyphs are ~15 % wider than the average wrap assumes.
    fig.suptitle("\n".join(wrap(text, A4[0] - 0.6, 12.5 * 1.15, 3)), x=0.012, ha="left", fontsize=12.5,
                 fontweight="bold")
    return fig


class Writer:
    """Text, boxes and rules placed on an A4 figure in inches from its top-left corner."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.w, self.h = fig.get_size_inches()

    def text(self, x: float, y: float, s: str, size: float = 9, weight: str = "normal", colour: str = "black",
             **kw: Any) -> Text:
        """``s`` with its baseline (by default) at ``y`` inches from the top, from ``x`` inches from the left."""
        return self.fig.text(x / self.w, 1 - y / self.h, s, fontsize=size, fontweight=weight, color=colour,
                             ha=kw.pop("ha", "left"), va=kw.pop("va", "baseline"), **kw)

    def box(self, x: float, y: float, width: float, height: float, colour: str) -> Rectangle:
        """A filled rectangle with its top-left corner at (``x``, ``y``) inches, sizes in inches."""
        rect = Rectangle((x / self.w, 1 - (y + height) / self.h), width / self.w, height / self.h,
                         transform=self.fig.transFigure, facecolor=colour, edgecolor="none")
        self.fig.patches.append(rect)
        return rect

    def rule(self, x: float, y: float, width: float, colour: str = "#888888") -> None:
        """A horizontal rule ``width`` inches long at ``y`` inches from the top."""
        self.fig.add_artist(Line2D([x / self.w, (x + width) / self.w], [1 - y / self.h] * 2,
                                   transform=self.fig.transFigure, color=colour, lw=0.6))


def split_lines(lines: list[Line]) -> list[list[Line]]:
    """Lines split into A4 landscape pages (under the top margin, above the footer).

    An entry (a line with space before it and its continuations) is never split.
    """
    blocks: list[list[Line]] = []
    for line in lines:
        if line[4] > 0 or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    pages: list[list[Line]] = []
    current: list[Line] = []
    height = 0.0
    for block in blocks:
        h = sum(line[1] * LINE_SPACING + line[4] for line in block)
        if current and height + h > PAGE_TEXT_PT:
            pages.append(current)
            current, height = [], 0.0
        current.extend(block)
        height += h
    pages.append(current)
    return pages


def text_pages(text: TextPage, footer: Callable[[Figure], object]) -> list[Figure]:
    """A long text page laid out on A4 landscape figures, ``footer(fig)`` drawn on each (the run's footer)."""
    figures = []
    for lines in split_lines(text.lines):
        chunk = TextPage(A4[0])
        chunk.lines = lines
        fig = a4(layout=None)
        chunk.draw(fig, top=0.35 * 72)
        footer(fig)
        figures.append(fig)
    return figures
