"""The look shared by every chart: colours, figure geometry, the provenance footer and figures outside pyplot.

Colours come from the Okabe–Ito palette (Okabe & Ito 2008), which stays distinguishable under the common forms
of colour-vision deficiency; a status is always written out as text as well, so colour is never the only cue.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from typing import Any

from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase

from ..labels import shorten

__all__ = ["GREEN", "AMBER", "RED", "BLUE", "GREY", "HEADER_BAND", "TRACK", "RAG_COLOURS", "NO_DEADLINE_COLOUR",
           "DPI", "FOOTER_GID", "MAX_LABEL", "WIDTH", "ROW_HEIGHT", "CHROME_HEIGHT", "S_CURVE_SIZE", "SERIES_STYLES",
           "PERCENT_AXIS", "shorten_label", "new_axes", "unmanaged_figures", "footer_text", "add_footer",
           "start_date", "horizon_date", "date_num", "date_of_num", "hide_spines", "root_figure", "figure_inches"]

# Okabe & Ito (2008) colour-blind-safe palette.
GREEN = "#009E73"  # bluish green
AMBER = "#E69F00"  # orange
RED = "#D55E00"  # vermillion
BLUE = "#0072B2"
GREY = "#6b6b6b"
HEADER_BAND = "#e6e6e6"
TRACK = "#f3f3f3"
RAG_COLOURS = {"GREEN": GREEN, "AMBER": AMBER, "RED": RED,
               "MET": "#4d4d4d", "MISSED": "#1a1a1a"}  # resolved by the facts of a status date: facts, not odds
NO_DEADLINE_COLOUR = "#9a9a9a"

DPI = 150  # dots per inch of written PNG files
FOOTER_GID = "readiness-footer"
MAX_LABEL = 72  # characters of a row label before it is cut with an ellipsis

# Figure geometry in inches: wide enough for long target titles, one row per ~0.3 in so that 55 targets and
# their section headers still read at 9 pt.
WIDTH = 13.0
ROW_HEIGHT = 0.3
CHROME_HEIGHT = 2.2  # title, legend, axis labels, footer
S_CURVE_SIZE = (10.5, 5.6)

# Line colours for several targets in one chart: Okabe–Ito hues other than the RAG ones, so that a line's colour
# never reads as a status; markers and dashes tell them apart in grey-scale print.
SERIES_STYLES = [("#0072B2", "o", "-"), ("#CC79A7", "s", "-"), ("#000000", "^", "--"), ("#56B4E9", "D", "-"),
                 ("#7a5195", "v", "--"), ("#8c6d31", "P", "-."), ("#444444", "X", ":"), ("#0b5d3b", "*", "-.")]

PERCENT_AXIS = ticker.FuncFormatter(lambda v, _: f"{v * 100:.0f} %")
"""Tick labels of a 0–1 share axis in whole percent."""

# When set, new figures are plain ``Figure`` objects unknown to pyplot (write_charts): nothing to leak, nothing
# shown, no backend needed. Otherwise pyplot figures, which Jupyter displays inline.
_UNMANAGED: contextvars.ContextVar[bool] = contextvars.ContextVar("unmanaged_figures", default=False)


def shorten_label(text: str, width: int = MAX_LABEL) -> str:
    """One line of at most ``width`` characters, cut at a word boundary (see :func:`sim.labels.shorten`)."""
    return shorten(text, width)


def new_axes(figsize: tuple[float, float]) -> Axes:
    """Axes filling a new figure of ``figsize`` inches: a pyplot figure, or a plain one in :func:`unmanaged_figures`."""
    if _UNMANAGED.get():
        fig = Figure(figsize=figsize, layout="constrained")
    else:
        import matplotlib.pyplot as plt  # only here: importing pyplot may select a GUI backend

        fig = plt.figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


@contextlib.contextmanager
def unmanaged_figures() -> Iterator[None]:
    """Within this context, charts create figures unknown to pyplot (no window, no leak; save and drop them)."""
    token = _UNMANAGED.set(True)
    try:
        yield
    finally:
        _UNMANAGED.reset(token)


def root_figure(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn in (the top-level one when the axes sits in a subfigure)."""
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        raise ValueError("ax: found axes that belong to no figure; expected axes of a matplotlib figure")
    return fig


def figure_inches(ax: Axes) -> tuple[float, float]:
    """(width, height) in inches of the figure ``ax`` is drawn in."""
    width, height = root_figure(ax).get_size_inches()
    return float(width), float(height)


def footer_text(results: Any) -> str:
    """The provenance line printed under every chart: scenario title, seed, replications, run date."""
    meta = results.meta
    created = str(meta.get("created", ""))[:10] or "unknown date"
    n = meta.get("iterations")
    reps = f"{int(n):,} replications".replace(",", "\u202f") if n is not None else "? replications"
    sampling = " (Latin hypercube)" if meta.get("sampling") == "latin-hypercube" else ""
    version = f" · readiness-sim {meta['package_version']}" if meta.get("package_version") else ""
    return (f"Scenario: {meta.get('title', '?')} · seed {meta.get('seed', '?')} · {reps}{sampling} · "
            f"run {created}{version}")


def add_footer(fig: FigureBase, results: Any) -> None:
    """Put the provenance footer on ``fig`` once, however many charts share the figure."""
    if any(t.get_gid() == FOOTER_GID for t in fig.texts):
        return
    text = footer_text(results)
    if not fig.get_supxlabel():
        # A supxlabel, unlike a free figure text, gets its own space from the constrained layout.
        label = fig.supxlabel(text, x=0.005, ha="left", fontsize=7.5, color=GREY)
    else:
        label = fig.text(x=0.005, y=0.002, s=text, va="bottom", ha="left", fontsize=7.5, color=GREY)
    label.set_gid(FOOTER_GID)


def start_date(results: Any) -> dt.date:
    """The run's start date (``results.meta['start']``): day 0 of every event time."""
    return dt.date.fromisoformat(str(results.meta["start"]))


def horizon_date(results: Any) -> dt.date | None:
    """The end of the simulated period, if the run recorded one."""
    value = results.meta.get("horizon")
    return dt.date.fromisoformat(str(value)) if value else None


def date_num(d: dt.date) -> float:
    """Matplotlib date number of 00:00 on ``d`` (days; the unit of every time axis here)."""
    return float(mdates.date2num(d))


def date_of_num(x: float) -> dt.date:
    """The calendar date of a matplotlib date number (days)."""
    return mdates.num2date(x).date()


def hide_spines(ax: Axes, sides: tuple[str, ...] = ("top", "right")) -> None:
    """Hide the frame lines on ``sides``: they carry no data."""
    for side in sides:
        ax.spines[side].set_visible(False)
