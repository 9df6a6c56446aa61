"""The closing text pages of the briefing: the assumptions behind the results and the run.

The assumptions that drive the results with their sources, the shocks, the conventions, how to read the numbers
and the run's metadata — so that every number can be traced to where it came from.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from .. import charts
from ..formatting import pct
from ..labels import shorten
from .briefing import PP_NOTE, RUN_KEYS, Briefing
from .layout import A4, TextPage, text_pages
from .words import drives_text

__all__ = ["assumption_pages", "assumption_text"]

LONG_SOURCE = 60  # characters: a source this long, already shown for another input, is referred to, not repeated


def _assumptions(page: TextPage, b: Briefing) -> None:
    """Each assumption: its label, what is assumed, its source (once) and the targets it drives."""
    sources: dict[str, str] = {}
    for assumption, drives in b.assumptions:
        page.add(assumption.label, size=10.5, weight="bold", before=8)
        if assumption.assumed:
            page.add(f"Assumed: {assumption.assumed}", size=9.5, indent=4)
        source = assumption.source or "(none given)"
        if source in sources and len(source) > LONG_SOURCE:  # one source for several inputs: not the paragraph again
            page.add(f"Source: as for ‘{shorten(sources[source], 80)}’ above", size=9.5, indent=4)
        else:
            page.add(f"Source: {source}", size=9.5, indent=4)
            sources.setdefault(source, assumption.label)
        page.add(f"Drives: {drives_text(drives, 60)}", size=9, colour="#444444", indent=4)


def _closing(page: TextPage, b: Briefing) -> None:
    """The shocks, the conventions, how to read the numbers and the run's metadata."""
    m = b.results.meta
    shocks = m.get("shocks") or []
    if shocks:
        page.add("Changes against the scenario it extends (shocks)", size=12, weight="bold", before=12)
        for s in shocks:
            page.add(f"{s.get('kind', '')}: {s.get('what', '')} — source: {s.get('source') or '(none given)'}",
                     size=9.5, indent=2)
    page.add("Conventions", size=12, weight="bold", before=12)
    page.add(str(m.get("conventions", "(not recorded)")), size=9.5)
    page.add("How to read the numbers", size=12, weight="bold", before=10)
    page.add("Chance (P(met)): share of replications meeting the deadline (any time on that day), with its 95 % "
             "Wilson interval, which reflects Monte Carlo noise only, not the uncertainty of the assumptions. "
             "P50/P80: dates by which 50 %/80 % of replications are done. RAG: GREEN at least "
             f"{pct(b.thresholds[0])}, AMBER at least {pct(b.thresholds[1])}, RED below. {PP_NOTE}", size=9.5)
    page.add("Run", size=12, weight="bold", before=10)
    for key in RUN_KEYS:
        if key in m:
            page.add(f"{key}: {m[key]}", size=9, indent=2)


def assumption_text(b: Briefing) -> TextPage:
    """Every line of the closing pages, laid out on one (long) text page."""
    page = TextPage(A4[0])
    page.add("The assumptions that drive the results, and their sources", size=15, weight="bold")
    page.add("The main drivers (beyond the Monte Carlo noise) of the headline targets and of the targets where "
             "action matters on page one, with what the scenario assumes for them and where that comes from. "
             "Durations are before shared factors and risks scale or delay them. Every input: the Excel export.",
             size=9.5, colour="#444444", before=2)
    if b.scenario_note:
        page.add(b.scenario_note, size=9.5, colour="#8a3b00", before=2)
    _assumptions(page, b)
    _closing(page, b)
    return page


def assumption_pages(b: Briefing) -> list[Figure]:
    """The closing text pages as A4 landscape figures, each with the run's footer."""
    return text_pages(assumption_text(b), lambda fig: charts.add_footer(fig, b.results))
