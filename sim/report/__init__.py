"""The briefing: what a decision maker reads in 30 seconds, then the evidence.

It is written as A4 landscape pages (PDF or one PNG per page), as one self-contained HTML file, as Markdown, or
as an Excel workbook for analysts. Page one: the headline with its Monte Carlo uncertainty ("4–6 of 70 targets
on track"), the roadmap's headline targets with their chance, P50 date and RAG status, and *where action
matters* — the targets still in play, ranked by how much their main driver moves them, each with its lever in
plain words (and, given a reference forecast, what changed since it). Then the full target dashboard (split
across pages, by section, least likely first), the milestone timeline, S-curves and tornado charts of the
targets where action matters, fan charts of money and production, the scenario comparison when given, and the
assumptions behind the results with their sources, the conventions and the run's metadata — so that every
number can be traced to where it came from.

The scenario behind the assumptions is the one given, else ``results.scenario``; the briefing reads no file. A
run read back from a results folder carries no scenario: pass it (``scenario=sim.load(FILE)``), or the briefing
says on page one that its assumptions and sources cannot be listed. The command line finds the file a run
names with :func:`sim.load.load_recorded`.

Modules: :mod:`~sim.report.briefing` (what the briefing says), :mod:`~sim.report.assumptions` (an input's
assumption and source), :mod:`~sim.report.words` (sentences shared by every format), :mod:`~sim.report.layout`,
:mod:`~sim.report.page_one`, :mod:`~sim.report.pages` and :mod:`~sim.report.assumption_pages` (the A4 pages),
:mod:`~sim.report.markdown`, :mod:`~sim.report.html`, :mod:`~sim.report.workbook` (the other formats),
:mod:`~sim.report.write` (:func:`build_report`).
"""

from __future__ import annotations

from .assumptions import Assumption, assumption_of
from .briefing import Action, Briefing, briefing, headline_targets, on_track_range
from .layout import A4
from .write import FORMATS, build_report

__all__ = ["build_report", "briefing", "Briefing", "Action", "Assumption", "assumption_of",
           "headline_targets", "on_track_range", "FORMATS", "A4"]
