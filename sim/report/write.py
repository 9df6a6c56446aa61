"""Writing the briefing: one call for every format.

Each file is written through :func:`sim.atomic.write_atomic`, so that a failure or Ctrl-C never leaves half a
briefing behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .. import charts
from ..analysis import Comparison
from ..atomic import write_atomic
from ..formatting import DEFAULT_THRESHOLDS
from ..results import Results
from ..scenario import Scenario
from .briefing import Briefing, briefing
from .html import html_briefing
from .markdown import markdown
from .pages import pages
from .workbook import write_workbook

__all__ = ["build_report", "FORMATS"]

FORMATS = ("pdf", "png", "md", "html", "xlsx")
Say = Callable[[str], None]


def _write_text(path: Path, text: str) -> list[Path]:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return [path]


def _write_pdf(b: Briefing, path: Path, say: Say) -> list[Path]:
    """Every page into one PDF of A4 landscape pages, with the run in its metadata."""
    info = {"Title": f"Readiness briefing — {b.results.meta.get('title', '')}", "Creator": "readiness-sim",
            "Subject": charts.footer_text(b.results)}

    def write(tmp: Path) -> None:
        with PdfPages(tmp, metadata=info) as pdf:
            for i, build in enumerate(pages(b), 1):
                say(f"page {i}")
                fig = build()
                try:
                    pdf.savefig(fig, facecolor="white")  # never cropped: every page stays A4
                finally:
                    fig.clear()

    write_atomic(path, write)
    return [path]


def _png_writer(fig: Figure, dpi: int) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        fig.savefig(tmp, format="png", dpi=dpi, facecolor="white")

    return write


def _write_pngs(b: Briefing, path: Path, dpi: int, say: Say) -> list[Path]:
    """One PNG per page, ``<stem>-1.png`` … next to ``path``; higher-numbered pages of a longer briefing go."""
    written: list[Path] = []
    stem, parent = path.stem, path.parent
    for i, build in enumerate(pages(b), 1):
        say(f"page {i}")
        fig = build()
        try:
            page = parent / f"{stem}-{i}.png"
            write_atomic(page, _png_writer(fig, dpi))
            written.append(page)
        finally:
            fig.clear()
    k = len(written) + 1
    while (stale := parent / f"{stem}-{k}.png").exists():
        stale.unlink()
        k += 1
    return written


def _stages(progress: Callable[[str], object] | None) -> Say:
    """A function that passes a stage to ``progress`` with the seconds elapsed since now."""
    started = time.perf_counter()

    def say(what: str) -> None:
        if progress is not None:
            progress(f"[{time.perf_counter() - started:6.1f} s] {what}")

    return say


def build_report(results: Results, out_path: str | Path, format: str = "pdf", comparison: Comparison | None = None,
                 scenario: Scenario | None = None, thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                 reference: Results | None = None, dpi: int = charts.DPI,
                 progress: Callable[[str], object] | None = None, sensitivity: pd.DataFrame | None = None) -> list[Path]:
    """Write the briefing of a run.

    Parameters
    ----------
    results : sim.Results
        A run (from :func:`sim.run` or :meth:`sim.Results.load`).
    out_path : str or pathlib.Path
        The file to write. For ``png``, pages go next to it as ``<stem>-1.png``, ``<stem>-2.png`` … (stale
        higher-numbered pages of an earlier, longer briefing are removed).
    format : {"pdf", "png", "md", "html", "xlsx"}, default "pdf"
        ``pdf``: one document of A4 landscape pages; ``png``: one A4 landscape image per page; ``md``: a
        Markdown summary; ``html``: one self-contained file (charts as inline SVG, a sortable and filterable
        targets table, nothing loaded from elsewhere, see :mod:`sim.report.html`); ``xlsx``: a workbook of the
        results (see :mod:`sim.report.workbook`; needs openpyxl).
    comparison : sim.analysis.Comparison, optional
        Adds a comparison page (and table).
    scenario : sim.Scenario, optional
        The run's scenario, for the assumptions and their sources; default ``results.scenario``. Results read
        from a folder carry none: pass it (``sim.load(FILE)``), or the briefing says that the assumptions cannot
        be listed.
    thresholds : (float, float), default (0.8, 0.5)
        ``(green, amber)`` RAG thresholds.
    reference : sim.Results, optional
        An earlier forecast: page one says what changed since it.
    dpi : int, default 150
        Resolution of PNG pages, dots per inch.
    progress : callable, optional
        Called with a line of text at every stage (analysis, each page or chart, writing), with the time elapsed.
    sensitivity : pandas.DataFrame, optional
        A global sensitivity analysis of the scenario (:func:`sim.sensitivity.sensitivity` or
        :func:`sim.sensitivity.read_table`): adds a page (and a Markdown section) on what decides the headline
        targets.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    if format not in FORMATS:
        raise ValueError(f"format: found '{format}'; expected one of {', '.join(FORMATS)}")
    out_path = Path(out_path)
    say = _stages(progress)
    say(f"analysis: drivers of the {len(results.targets)} targets, headline range, assumptions")
    b = briefing(results, comparison=comparison, scenario=scenario, thresholds=thresholds, reference=reference,
                 sensitivity=sensitivity)
    say(f"analysis done: {b.in_play} targets in play")
    if format == "md":
        return _write_text(out_path, markdown(b))
    if format == "html":
        say("charts: building the HTML briefing with inline SVG charts")
        text = html_briefing(b)
        say(f"writing {out_path}")
        return _write_text(out_path, text)
    if format == "xlsx":
        write_atomic(out_path, lambda tmp: write_workbook(b, tmp))
        return [out_path]
    with charts.unmanaged_figures():
        if format == "pdf":
            return _write_pdf(b, out_path, say)
        return _write_pngs(b, out_path, dpi, say)
