"""Briefing charts of a run (matplotlib only).

Readiness dashboard, S-curves, milestone timeline, tornado charts of what drives a target, fan charts of money
over time, scenario comparisons and sweeps, the heat map of a sensitivity analysis.

Every plotting function has the form ``plot_x(results, ..., ax=None) -> matplotlib.axes.Axes``: given an
``ax`` it draws into it; without one it creates a figure sized for the content (through pyplot, so that it
shows in Jupyter). :func:`write_charts` renders the standard set to PNG files without touching pyplot's figure
registry, so it can run in a loop, in a worker or on a machine without a display. Charts never read files: the
scenario comes from ``results.scenario``.

Conventions shared by the charts:

* **Time.** Event times in ``results.outcomes`` are days since 00:00 of ``results.meta['start']``; an event at
  time ``t`` happens on the date ``start + floor(t)`` and a deadline date ``D`` is met when the event happens on
  or before ``D`` (see :mod:`sim.calendar`). Time axes show calendar dates.
* **RAG status.** A probability ``p`` of meeting a deadline is GREEN when ``p >= thresholds[0]`` (default 80 %),
  AMBER when ``p >= thresholds[1]`` (default 50 %), RED otherwise. Colours come from the Okabe–Ito palette,
  which stays distinguishable under the common forms of colour-vision deficiency, and the status is always
  written out as text as well, so colour is never the only cue (nor lost in grey-scale print).
* **Provenance.** Every figure carries a footer with the scenario title, seed, number of replications and run
  date from ``results.meta``, so a chart lifted into a briefing stays traceable.

Modules: :mod:`~sim.charts.style` (colours, geometry, footer, figures outside pyplot), :mod:`~sim.charts.parts`
(section rows, date axes, titles, legends), :mod:`~sim.charts.layout` (text placement), :mod:`~sim.charts.phrasing`
(words for inputs and observables), :mod:`~sim.charts.noise` (Monte Carlo noise of driver effects),
:mod:`~sim.charts.select` (rows a chart draws), :mod:`~sim.charts.series` (time series for fan charts), one
module per chart, and :mod:`~sim.charts.write` (the PNG files).
"""

from __future__ import annotations

from ..formatting import DEFAULT_THRESHOLDS, rag_status, target_status
from .comparison import plot_comparison
from .dashboard import plot_dashboard
from .fan import plot_fan
from .noise import impact_noise, noise_z
from .phrasing import driver_phrase, observable_label, readable_label
from .s_curve import plot_s_curve
from .select import at_risk_targets, outcome_column
from .sensitivity import plot_total_indices
from .series import SERIES_COLUMNS, fan_observables, indicator_targets, series_observables
from .style import (
    AMBER,
    BLUE,
    DPI,
    FOOTER_GID,
    GREEN,
    GREY,
    RAG_COLOURS,
    RED,
    add_footer,
    footer_text,
    shorten_label,
    unmanaged_figures,
)
from .sweep import plot_sweep
from .timeline import plot_timeline
from .tornado import plot_tornado
from .write import charts_written, write_charts

__all__ = ["plot_dashboard", "plot_s_curve", "plot_timeline", "plot_tornado", "plot_fan", "plot_comparison",
           "plot_sweep", "plot_total_indices", "write_charts", "charts_written", "at_risk_targets", "driver_phrase",
           "fan_observables",
           "indicator_targets", "impact_noise", "noise_z", "series_observables", "observable_label", "rag_status",
           "target_status", "footer_text", "RAG_COLOURS", "DEFAULT_THRESHOLDS", "readable_label", "outcome_column",
           "add_footer", "unmanaged_figures", "shorten_label", "DPI", "FOOTER_GID", "SERIES_COLUMNS", "GREEN", "AMBER",
           "RED", "BLUE", "GREY"]
