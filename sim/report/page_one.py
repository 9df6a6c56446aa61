"""Page one of the briefing: what a decision maker reads in 30 seconds.

The headline with its range, the roadmap's headline targets (left) and where action matters (right), with what
changed since a reference forecast.

Positions are inches from the top-left corner of the A4 landscape page.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from .. import charts
from ..formatting import fmt_date, iso, pct, pct_range, rag_status, target_status
from ..labels import shorten
from .briefing import ACTION_ROWS, IN_PLAY, Action, Briefing, rows, since_reference
from .layout import A4, Writer, a4, chars, wrap
from .words import headline, headline_detail, p_date, run_line

__all__ = ["page_one"]

LEFT = 0.45  # page margin, inches
HEADLINE_WIDTH = 6.55  # the left column: the headline targets
FOOT = ("Chance: share of replications meeting the deadline (any time on that day); small print: its 95 % "
        "interval (Monte Carlo noise only). P50: the date by which half the replications are done. Lever: "
        "moving that input from its worst to its best 10 % of replications changes the chance by up to this "
        "many percentage points.")
# Columns of the headline-targets table: status chip, title, deadline, chance, P50 date (inches from LEFT).
X_STATUS, X_TITLE, X_BY, X_P, X_P50 = LEFT, LEFT + 0.72, LEFT + 4.0, LEFT + 5.05, LEFT + 5.75


def _header(w: Writer, b: Briefing) -> float:
    """Title, headline, its detail, the run line and any scenario note; returns where the columns start."""
    width = A4[0] - 0.9
    y = 0.62
    w.text(LEFT, y, shorten(f"Readiness briefing — {b.results.meta.get('title', '')}", chars(width, 15)), 15, "bold")
    y += 0.48
    w.text(LEFT, y, headline(b), 22, "bold", gid="headline")
    y += 0.3
    for line in wrap(headline_detail(b), width, 9.5):
        w.text(LEFT, y, line, 9.5, colour="#333333")
        y += 0.17
    w.text(LEFT, y, run_line(b.results), 8, colour="#666666")
    y += 0.16
    if b.scenario_note:
        for line in wrap(b.scenario_note, width, 8, 2):
            w.text(LEFT, y, line, 8, colour="#8a3b00")
            y += 0.15
    return y + 0.25


def _headline_row(w: Writer, b: Briefing, row: Any, y: float, lines: list[str], height: float) -> None:
    """One headline target: status chip, title, deadline, chance with its interval, P50 date."""
    status = target_status(float(row.p_met), getattr(row, "status", "open"), b.thresholds)
    w.box(X_STATUS, y + 0.06, 0.64, height - 0.08, charts.RAG_COLOURS[status])
    w.text(X_STATUS + 0.32, y + 0.06 + (height - 0.08) / 2, status, 7, "bold",
           colour="white" if status != "AMBER" else "black", ha="center", va="center")
    for i, line in enumerate(lines):
        w.text(X_TITLE, y + 0.2 + 0.16 * i, line, 8.5)
    deadline = iso(row.deadline)
    w.text(X_BY, y + 0.2, fmt_date(deadline) if deadline else "—", 8.5)
    w.text(X_P + 0.45, y + 0.2, pct(float(row.p_met), b.thresholds), 9.5, "bold", ha="right")
    w.text(X_P + 0.45, y + 0.36, pct_range(float(row.ci_low), float(row.ci_high)), 6.5, colour="#555555", ha="right")
    w.text(X_P50, y + 0.2, p_date(row.p50).replace("beyond the horizon", "after horizon"), 8.5)


def _headline_targets(w: Writer, b: Briefing, top: float, table_end: float) -> float:
    """The left column: the roadmap's headline targets down to ``table_end``; returns where it ends."""
    y = top
    w.text(LEFT, y, "The roadmap's headline targets", 12.5, "bold")
    y += 0.27
    for x, head in ((X_STATUS, "Status"), (X_TITLE, "Target"), (X_BY, "Deadline"), (X_P, "Chance"),
                    (X_P50, "P50 date")):
        w.text(x, y, head, 8, "bold", colour="#444444")
    y += 0.08
    w.rule(LEFT, y, HEADLINE_WIDTH)
    headline_rows = list(rows(b.headline))
    for shown, row in enumerate(headline_rows):
        lines = wrap(row.title, X_BY - X_TITLE - 0.1, 8.5, 2)
        height = 0.155 * len(lines) + 0.11
        if y + height > table_end:  # no room: say how many more there are instead of overprinting the foot
            more = len(headline_rows) - shown
            w.text(X_TITLE, y + 0.2, f"+ {more} more headline target{'s' if more > 1 else ''}: see the dashboard "
                   "pages", 8, colour="#555555")
            return y + 0.3
        _headline_row(w, b, row, y, lines, height)
        y += height
        w.rule(LEFT, y, HEADLINE_WIDTH, colour="#dddddd")
    return y


def _action(w: Writer, b: Briefing, i: int, action: Action, x0: float, width: float, y: float) -> float:
    """Target ``i`` where action matters: its title, chance and main lever; returns where it ends."""
    y += 0.2
    status = rag_status(action.p_met, b.thresholds)
    title_lines = wrap(f"{i}. {action.title}", width - 0.8, 8.5, 2)
    for k, line in enumerate(title_lines):
        w.text(x0, y + 0.155 * k, line, 8.5, "bold")
    w.text(x0 + width, y, pct(action.p_met, b.thresholds), 9, "bold", ha="right",
           colour=charts.RAG_COLOURS[status] if status != "AMBER" else "#9a6500")
    y += 0.155 * (len(title_lines) - 1)
    name, gain = action.levers(1, 70)[0]
    for line in wrap(f"Lever: {name} (up to {gain:.0f} pp)", width - 0.15, 8, 2):
        y += 0.15
        w.text(x0 + 0.15, y, line, 8, colour="#222222")
    return y + 0.04


def _changes(w: Writer, head: str, moved: list[tuple[str, float, float]], x0: float, width: float, y: float) -> None:
    """What changed since the reference forecast: its headline then, and the targets that moved most."""
    y += 0.35
    w.text(x0, y, "What changed since the reference forecast", 10, "bold")
    for line in wrap(head, width, 7.5):
        y += 0.15
        w.text(x0, y, line, 7.5)
    for title, then, now in moved:
        y += 0.15
        change = f": {pct(then)} → {pct(now)}"  # the numbers are what matters: only the title is cut
        w.text(x0, y, shorten(title, chars(width, 7.5) - len(change)) + change, 7.5)
    if moved:  # then the next page lists every change (sim.report.since)
        w.text(x0, y + 0.15, "Every change, with the facts behind it: the next page.", 7.5, colour="#444444")


def _where_action_matters(w: Writer, b: Briefing, top: float) -> None:
    """The right column: targets in play with their main lever, and what changed since the reference forecast."""
    x0 = LEFT + HEADLINE_WIDTH + 0.3
    width = A4[0] - 0.45 - x0
    y = top
    w.text(x0, y, "Where action matters", 12.5, "bold")
    y += 0.2
    low, high = IN_PLAY
    head, moved = since_reference(b, 4)
    # With a reference forecast, what changed takes the room of the last two targets where action matters.
    shown = b.with_lever[:ACTION_ROWS - (2 if head else 0)]
    intro = (f"{b.in_play} targets are still in play (chance {pct(low)}–{pct(high)}); those whose main driver "
             f"moves them most, with the lever:")
    for line in wrap(intro, width, 8):
        y += 0.15
        w.text(x0, y, line, 8, colour="#444444")
    y += 0.1
    for i, action in enumerate(shown, 1):
        y = _action(w, b, i, action, x0, width, y)
    silent = b.in_play - len(b.with_lever)
    if silent > 0:
        y += 0.22
        for line in wrap(f"{silent} other targets in play have no single driver beyond the Monte Carlo noise.",
                         width, 7.5):
            w.text(x0, y, line, 7.5, colour="#555555")
            y += 0.14
    if head:
        _changes(w, head, moved, x0, width, y)


def page_one(b: Briefing) -> Figure:
    """One A4 page: headline with its range, the headline targets, where action matters (and what changed)."""
    fig = a4(layout=None)
    w = Writer(fig)
    top = _header(w, b)
    foot_lines = wrap(FOOT, HEADLINE_WIDTH, 7.5, lines=4)
    # The table ends where the foot note (under it) still fits above the page footer.
    bottom_left = _headline_targets(w, b, top, A4[1] - 0.5 - 0.3 - 0.14 * len(foot_lines))
    _where_action_matters(w, b, top)
    y = bottom_left + 0.3  # how to read, under the left column: the right one may run lower
    for line in foot_lines:
        w.text(LEFT, y, line, 7.5, colour="#555555")
        y += 0.14
    charts.add_footer(fig, b.results)
    return fig
