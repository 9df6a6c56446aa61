"""The pages of the briefing in order, each built by a function that returns an A4 landscape figure.

Page one, the dashboard of every target, the milestone timeline, S-curves and tornado charts of the targets where action
matters, fan charts of money and production, the scenario comparison and the assumptions.

Pages are built one at a time (and cleared once written), so a long briefing never holds every figure at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from functools import partial

import pandas as pd
from matplotlib.figure import Figure

from .. import charts
from ..formatting import iso
from ..labels import observable_unit
from ..results import Results
from .assumption_pages import assumption_pages
from .briefing import Action, Briefing, sensitivity_targets
from .layout import a4_axes, page_title
from .page_one import page_one
from .since import since_pages
from .words import headline

__all__ = ["pages", "dashboard_pages", "timeline_pages", "chart_targets", "Page", "DASHBOARD_ROWS", "TIMELINE_ROWS"]

Page = Callable[[], Figure]
DASHBOARD_ROWS = 30  # rows (targets and section headers) per A4 dashboard page
TIMELINE_ROWS = 28  # rows (milestones and section headers) per A4 timeline page
CHARTED = 5  # targets where action matters that get an S-curve and a tornado page


def _by_section(table: pd.DataFrame, sort_keys: list[str]) -> pd.DataFrame:
    """``table`` with its section (``other`` when empty) in ``_section``, sections in their first order."""
    table = table.assign(_section=table["section"].fillna("other").astype(str))
    order = list(dict.fromkeys(table["_section"]))
    return table.assign(_rank=table["_section"].map(order.index)).sort_values(["_rank", *sort_keys], kind="stable")


def _paginate(ids: list[str], sections: list[str], rows_per_page: int) -> list[list[str]]:
    """Split ``ids`` into pages of at most ``rows_per_page`` rows, a section header taking a row of its own."""
    pages: list[list[str]] = []
    current: list[str] = []
    section, rows = None, 0
    for ident, sec in zip(ids, sections, strict=True):
        extra = 2 if sec != section else 1
        if current and rows + extra > rows_per_page:
            pages.append(current)
            current, rows, section, extra = [], 0, None, 2
        current.append(ident)
        rows += extra
        section = sec
    if current:
        pages.append(current)
    return pages


def dashboard_pages(b: Briefing) -> list[Page]:
    """The whole dashboard, by section and least likely first, on A4 pages of at most DASHBOARD_ROWS rows."""
    r = b.results
    targets = _by_section(r.targets.assign(_deadline=[iso(d) or dt.date.max for d in r.targets["deadline"]]),
                          ["p_met", "_deadline", "title"])
    pages = _paginate(list(targets["target"]), list(targets["_section"]), DASHBOARD_ROWS)
    _, count, _ = b.on_track
    builders: list[Page] = []
    for i, ids in enumerate(pages, 1):
        part = dataclasses.replace(r, targets=r.targets[r.targets["target"].isin(ids)])
        title = (f"Every target by section, least likely first — page {i} of {len(pages)} · "
                 f"{headline(b)} ({count} in this run)")

        builders.append(partial(_dashboard_page, part, b.thresholds, title))
    return builders


def _dashboard_page(part: Results, thresholds: tuple[float, float], title: str) -> Figure:
    ax = a4_axes()
    charts.plot_dashboard(part, thresholds, ax=ax, title=title)
    return page_title(ax)


def timeline_pages(b: Briefing) -> list[Page]:
    """The milestones with a deadline, by section and deadline, on A4 pages of at most TIMELINE_ROWS rows."""
    r = b.results
    table = r.milestones[r.milestones["deadline"].map(iso).notna()]
    if table.empty:
        return []
    deadlines = pd.Series([iso(d) for d in table["deadline"]], index=table.index, dtype=object)
    table = _by_section(table.assign(_deadline=deadlines), ["_deadline"])
    pages = _paginate(list(table["milestone"]), list(table["_section"]), TIMELINE_ROWS)

    def build(ids: list[str], i: int) -> Figure:
        ax = a4_axes()
        charts.plot_timeline(r, ax=ax, milestones=ids, thresholds=b.thresholds)
        return page_title(ax, f" — milestone timeline, page {i} of {len(pages)}" if len(pages) > 1 else "")

    return [partial(build, ids, i) for i, ids in enumerate(pages, 1)]


def chart_targets(b: Briefing, k: int = CHARTED) -> list[str]:
    """Targets whose S-curve and tornado are drawn: where action matters (with a driver beyond the noise)."""
    return [a.target for a in b.with_lever][:k]


def _target_pages(b: Briefing, action: Action) -> list[Page]:
    """The S-curve and the tornado chart of a target where action matters."""

    def s_curve() -> Figure:
        ax = a4_axes()
        charts.plot_s_curve(b.results, action.target, ax=ax, thresholds=b.thresholds)
        return page_title(ax)

    def tornado() -> Figure:
        ax = a4_axes()
        charts.plot_tornado(b.results, action.target, ax=ax, table=action.drivers)
        return page_title(ax)

    return [s_curve, tornado]


def _fan_page(b: Briefing, observable: str) -> Figure:
    ax = a4_axes()
    charts.plot_fan(b.results, observable, ax=ax, targets=charts.indicator_targets(b.scenario, observable, b.results),
                    label=charts.observable_label(b.results, observable, b.scenario),
                    unit=observable_unit(observable, b.scenario))
    return page_title(ax)


def _comparison_page(b: Briefing) -> Figure:
    assert b.comparison is not None, "a comparison page needs a comparison"
    ax = a4_axes()
    scenarios = max(b.comparison.table["scenario"].nunique(), 1)
    charts.plot_comparison(b.comparison, ax=ax, top=max(3, 24 // scenarios), thresholds=b.thresholds)
    return page_title(ax)


def _sensitivity_page(b: Briefing) -> Figure:
    assert b.sensitivity is not None, "a sensitivity page needs an analysis"
    ax = a4_axes()
    labels = b.results.meta.get("labels", {})  # the briefing put the scenario's labels there
    charts.plot_total_indices(b.sensitivity, targets=sensitivity_targets(b)[:8], labels=labels, top=16, ax=ax)
    method = "Sobol'" if b.sensitivity["method"].iloc[0] == "sobol" else "Morris"
    ax.set_xlabel(f"{ax.get_xlabel()}\nEstimates from a sample: a total index above 1 is sampling noise; their 95 % "
                  "intervals are in sensitivity.csv", fontsize=9)
    ax.set_title(f"What decides the headline targets: global sensitivity ({method}) of each target being met",
                 loc="left")
    return page_title(ax)


def pages(b: Briefing) -> Iterator[Page]:
    """Page builders in order; each returns an A4 landscape Figure (built outside pyplot)."""
    yield partial(page_one, b)
    yield from (_built(fig) for fig in since_pages(b))
    yield from dashboard_pages(b)
    yield from timeline_pages(b)
    for target in chart_targets(b):
        yield from _target_pages(b, next(a for a in b.actions if a.target == target))
    for observable in charts.fan_observables(b.results, b.scenario):
        yield partial(_fan_page, b, observable)
    if b.comparison is not None:
        yield partial(_comparison_page, b)
    if b.sensitivity is not None and len(b.sensitivity):
        yield partial(_sensitivity_page, b)
    yield from (_built(fig) for fig in assumption_pages(b))


def _built(fig: Figure) -> Page:
    """A page already built (the text pages are laid out together)."""
    return lambda: fig
