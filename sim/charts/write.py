"""The standard briefing charts of a run written as PNG files, outside pyplot's figure registry."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes

from .. import workers
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

__all__ = ["write_charts", "charts_written", "file_safe"]


def write_charts(results: Any, directory: str | Path, at_risk: int = 5, dpi: int = DPI,
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS, scenario: Any = None, fans: int = 8,
                 jobs: int | None = None) -> list[Path]:
    """Write the standard briefing charts as PNG files.

    Writes ``dashboard.png``, ``timeline.png``, ``s-curve-<target>.png`` and ``tornado-<target>.png`` for the
    ``at_risk`` targets with the lowest probability of being met (ties: earlier deadline first), and
    ``fan-<observable>.png`` for up to ``fans`` observables of ``results.series`` (see
    :func:`sim.charts.fan_observables`) when the run recorded time series, with the scenario's indicator targets
    marked. Figures are built outside pyplot and released after saving, so repeated calls do not accumulate
    memory or open windows. Nothing is read from disk. On Linux (see :func:`sim.workers.can_fork`), the charts
    are drawn by ``jobs`` forked processes at once (each inherits the results; nothing is pickled but the file
    names): the same files, in about half the time on two CPUs.

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
    jobs : int, optional
        Processes drawing at once (default: one per CPU, at most 4); 1 draws every chart in this process.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    with charts_written(results, directory, at_risk, dpi, thresholds, scenario, fans, jobs) as paths:
        pass
    return paths


@contextlib.contextmanager
def charts_written(results: Any, directory: str | Path, at_risk: int = 5, dpi: int = DPI,
                   thresholds: Sequence[float] = DEFAULT_THRESHOLDS, scenario: Any = None, fans: int = 8,
                   jobs: int | None = None) -> Iterator[list[Path]]:
    """The charts of :func:`write_charts` (same parameters), drawn while the body of the ``with`` runs.

    Forked processes draw them while this process goes on (``readiness run`` writes its tables meanwhile); they
    are all written when the ``with`` ends. If the body raises (Ctrl-C included), the processes are stopped at
    once. Elsewhere, or with ``jobs=1``, they are drawn here after the body.

    Yields
    ------
    list of pathlib.Path
        The files that will be written, in :func:`write_charts`' order.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if scenario is None:
        scenario = getattr(results, "scenario", None)
    charts = [(directory / name, draw) for name, draw in _jobs(results, at_risk, thresholds, scenario, fans)]
    paths = [path for path, _ in charts]
    processes = min(workers.cpu_count(), 4, len(charts)) if jobs is None else min(jobs, len(charts))
    if processes < 2 or not workers.can_fork():
        yield paths
        for path, draw in charts:
            _draw(path, draw, dpi)
        return
    executor, futures = _start_processes(charts, dpi, processes)
    try:
        yield paths
        for (path, draw), future in zip(charts, futures, strict=True):
            try:
                future.result()
            except BrokenProcessPool:  # a process was killed (out of memory, say): draw its charts here
                _draw(path, draw, dpi)
    except BaseException:
        workers.stop(executor)  # Ctrl-C, a failed chart or a failure of the body: stop drawing at once
        raise
    executor.shutdown()


def _draw(path: Path, draw: Callable[[], Axes], dpi: int) -> None:
    """Draw one chart outside pyplot and save it as ``path``."""
    with unmanaged_figures():
        fig = root_figure(draw())
        try:
            fig.savefig(path, dpi=dpi, bbox_inches="tight", pad_inches=0.15, facecolor="white",
                        pil_kwargs={"compress_level": 3})  # zlib level 3: half the time of the default 6, files as small
        finally:
            fig.clear()  # drop the artists now rather than at the next garbage collection


_forked_charts: list[tuple[Path, Callable[[], Axes]]] = []  # what the forked processes draw, by index
_forked_dpi = 0


def _draw_forked(index: int) -> None:
    path, draw = _forked_charts[index]
    _draw(path, draw, _forked_dpi)


def _start_processes(charts: list[tuple[Path, Callable[[], Axes]]], dpi: int,
                     processes: int) -> tuple[ProcessPoolExecutor, list[Future]]:
    """``processes`` forked processes drawing every chart, the slow ones (listed first) handed out first.

    Drawing is pure Python in matplotlib (text layout, tick placement): threads would wait on one another.
    Forked processes inherit the results and the drawing functions, so only an index goes to each.
    """
    global _forked_charts, _forked_dpi
    _forked_charts, _forked_dpi = charts, dpi
    try:
        executor = workers.pool(processes, fork=True)
    finally:
        _forked_charts, _forked_dpi = [], 0  # the processes have their copy; the parent keeps nothing alive
    return executor, [executor.submit(_draw_forked, i) for i in range(len(charts))]


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
