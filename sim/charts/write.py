"""The standard briefing charts of a run written as PNG files, outside pyplot's figure registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes

from ..formatting import DEFAULT_THRESHOLDS
from .dashboard import plot_dashboard
from .fan import plot_fan
from .phrasing import observable_label
from .s_curve import plot_s_curve
from .select import at_risk_targets
from .series import fan_observables, indicator_targets
from .style import DPI, root_figure, unmanaged_figures
from .timeline import plot_timeline
from .tornado import plot_tornado

__all__ = ["write_charts", "file_safe"]


def write_charts(results: Any, directory: str | Path, at_risk: int = 5, dpi: int = DPI,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS, scenario: Any = None, fans: int = 8) -> list[Path]:
    """Write the standard briefing charts as PNG files.

    Writes ``dashboard.png``, ``timeline.png``, ``s-curve-<target>.png`` and ``tornado-<target>.png`` for the
    ``at_risk`` targets with the lowest probability of being met (ties: earlier deadline first), and
    ``fan-<observable>.png`` for up to ``fans`` observables of ``results.series`` (see
    :func:`sim.charts.fan_observables`) when the run recorded time series, with the scenario's indicator targets
    marked. Figures are built outside pyplot and released after saving, so repeated calls do not accumulate
    memory or open windows. Nothing is read from disk.

    Parameters
    ----------
    results : sim.Results
        A run.
    directory : str or pathlib.Path
        Where to write; created if missing. Existing files of the same name are replaced.
    at_risk : int, default 5
        Number of S-curves and tornado charts to draw.
    dpi : int, default 150
        Resolution in dots per inch.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` RAG thresholds, as in :func:`sim.charts.plot_dashboard`.
    scenario : sim.Scenario, optional
        The run's scenario, for the fan charts' choice, titles and target markers; default ``results.scenario``.
        Results loaded from a folder carry none (``scenario=None``): their fan charts then have no target
        markers, prefer no observable for a target, and take observable titles from ``results.meta``.
    fans : int, default 8
        Maximum number of fan charts.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if scenario is None:
        scenario = getattr(results, "scenario", None)
    written = []
    with unmanaged_figures():
        for name, draw in _jobs(results, at_risk, thresholds, scenario, fans):
            fig = root_figure(draw())
            try:
                path = directory / name
                fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.15, facecolor="white")
                written.append(path)
            finally:
                fig.clear()  # drop the artists now rather than at the next garbage collection
    return written


def _jobs(results: Any, at_risk: int, thresholds: Sequence[float], scenario: Any,
          fans: int) -> list[tuple[str, Callable[[], Axes]]]:
    """File names and the drawing of each, in the order written."""
    worst = at_risk_targets(results, at_risk)
    jobs: list[tuple[str, Callable[[], Axes]]] = [
        ("dashboard.png", partial(plot_dashboard, results, thresholds)),
        ("timeline.png", partial(plot_timeline, results, thresholds=thresholds))]
    jobs += [(f"s-curve-{t}.png", partial(plot_s_curve, results, t, thresholds=thresholds)) for t in worst]
    jobs += [(f"tornado-{t}.png", partial(plot_tornado, results, t)) for t in worst]
    jobs += [(f"fan-{file_safe(o)}.png", partial(plot_fan, results, o, targets=indicator_targets(scenario, o, results),
                                                 label=observable_label(results, o, scenario)))
             for o in fan_observables(results, scenario, fans)]
    return jobs


def file_safe(name: str) -> str:
    """``name`` with every character other than letters, digits, ``-`` and ``_`` replaced by ``-``."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
