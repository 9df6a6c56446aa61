"""Plain-text tables for the terminal: the targets of a run, and the targets a scenario declares.

Ids come first because commands take them (``--joint``, ``--target``, ``--delay``); titles are cut at a word
boundary to the terminal's width, never mid-word. :class:`TargetsView` shows the same table in Jupyter.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from .formatting import DEFAULT_THRESHOLDS, pct, pct_range, target_status
from .labels import shorten
from .results import Results
from .scenario import Scenario

__all__ = ["run_table", "scenario_targets_table", "TargetsView", "SORTS"]

SORTS = ("section", "p", "deadline", "id")
RULE_WIDTH = 80  # section rules are at most this wide
FOOT = ("P(met): share of replications meeting the deadline (any time on that day), with its 95 % interval; "
        "P50/P80: dates by which 50 %/80 % of replications are done.")


def _width(width: int | None) -> int:
    """The line width: ``width``, else the terminal's (at least 100 characters)."""
    return width or max(shutil.get_terminal_size((140, 24)).columns, 100)


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """The rows of a table as named tuples (values as stored)."""
    return frame.itertuples(index=False)


def _sections(frame: pd.DataFrame) -> pd.Series:
    """Each row's section as text, ``other`` when it has none."""
    return frame["section"].fillna("other").replace("", "other").astype(str)


def _same_section(a: str, b: str) -> bool:
    """Whether two section names are the same, case-insensitive and ``-``/``_``/space alike."""
    def norm(s: str) -> str:
        return s.lower().replace("-", " ").replace("_", " ").strip()

    return norm(a) == norm(b)


def _in_section(targets: pd.DataFrame, section: str) -> pd.DataFrame:
    """The targets of ``section`` (see :func:`_same_section`).

    Raises
    ------
    ValueError
        For a section the targets do not have; the message lists the sections.
    """
    names = _sections(targets)
    known = list(dict.fromkeys(names))
    chosen = [s for s in known if _same_section(s, section)]
    if not chosen:
        raise ValueError(f"section: found '{section}'; this run's sections are {', '.join(known)}")
    return targets[names == chosen[0]]


def _order(frame: pd.DataFrame, sort: str, p_column: str) -> pd.DataFrame:
    """``frame`` sorted by ``sort`` (see :func:`run_table`), its section as text in ``sec_``."""
    if sort not in SORTS:
        raise ValueError(f"sort: found '{sort}'; expected one of {', '.join(SORTS)}")
    frame = frame.assign(sec_=_sections(frame))
    if sort == "section":  # sections in the scenario's order, least likely first within each
        order = list(dict.fromkeys(frame["sec_"]))
        frame = frame.assign(rank_=frame["sec_"].map(order.index))
        return frame.sort_values(["rank_", p_column, "deadline"], kind="stable")
    key = {"p": [p_column, "deadline"], "deadline": ["deadline", p_column], "id": ["target"]}[sort]
    return frame.sort_values(key, kind="stable")


def _section_rule(section: str, width: int) -> str:
    return f"── {section.replace('_', ' ').replace('-', ' ')} ".ljust(min(width, RULE_WIDTH), "─")


def _target_line(r: Any, id_w: int, title_w: int) -> str:
    """One target: id, title, chance with its interval (or the fact that resolved it), status and dates."""
    status = target_status(float(r.p_met), getattr(r, "status", "open"))
    if status in ("MET", "MISSED"):  # a fact of the status date, not a probability
        chance, interval = "fact", (f"on {r.status_date}" if getattr(r, "status_date", "") else "observed")
    else:
        chance, interval = f"{r.p_met:.0%}", f"{r.ci_low:.0%}–{r.ci_high:.0%}"
    return (f"{shorten(r.target, id_w):<{id_w}}  {shorten(r.title, title_w):<{title_w}}  {chance:>6}  "
            f"{interval:>11}  {status:<6}  {r.deadline:>10}  {r.p50 or '> horizon':>10}  {r.p80 or '> horizon':>10}")


def run_table(results: Results, rows: int | None = None, section: str | None = None, sort: str = "section",
              width: int | None = None) -> str:
    """The targets of a run as a text table: id, title, P(met) with its 95 % interval, deadline, P50, P80.

    Parameters
    ----------
    results : sim.Results
    rows : int, optional
        Show at most this many targets (after sorting); a last line says how many are left out.
    section : str, optional
        Only targets of this section (as written in the scenario; case-insensitive, ``-``/``_``/space alike).
    sort : {"section", "p", "deadline", "id"}, default "section"
        ``section``: by section in the scenario's order, least likely first within a section; ``p``: least
        likely first; ``deadline``: earliest first; ``id``: alphabetical.
    width : int, optional
        Line width in characters; default the terminal's.

    Raises
    ------
    ValueError
        For an unknown ``sort`` or a ``section`` the run does not have (the message lists the sections).
    """
    t = results.targets if section is None else _in_section(results.targets, section)
    t = _order(t, sort, "p_met")
    total = len(t)
    if rows is not None:
        t = t.head(int(rows))
    width = _width(width)
    id_w = min(max([len("target")] + [len(x) for x in t["target"]]), 36)
    title_w = max(width - (id_w + 2 + 2 + 6 + 2 + 11 + 2 + 6 + 2 + 10 + 2 + 10 + 2 + 10), 30)
    m = results.meta
    lines = [f"{m.get('title', '')}",
             f"{results.n:,} replications".replace(",", "\u202f")
             + f", seed {m.get('seed')}, start {m.get('start')}, horizon {m.get('horizon')}", "",
             f"{'target':<{id_w}}  {'title':<{title_w}}  {'P(met)':>6}  {'95% interval':>11}  {'status':<6}  "
             f"{'deadline':>10}  {'P50':>10}  {'P80':>10}"]
    section_now = None
    for r in _rows(t):
        if sort == "section" and r.sec_ != section_now:
            section_now = r.sec_
            lines.append(_section_rule(r.sec_, width))
        lines.append(_target_line(r, id_w, title_w))
    if rows is not None and total > len(t):
        lines.append(f"… {total - len(t)} more targets (all in targets.csv; --rows to show more)")
    resolved = "status" in t and (t["status"] != "open").any()
    lines += ["", FOOT + (" MET/MISSED: resolved by the facts of the status date." if resolved else "")]
    return "\n".join(lines)


def scenario_targets_table(scenario: Scenario, width: int | None = None) -> str:
    """The targets a scenario declares: id, deadline, kind and title, by section (for ``readiness targets``)."""
    rows = pd.DataFrame({"target": [t.id for t in scenario.targets], "title": [t.title for t in scenario.targets],
                         "deadline": [t.deadline.isoformat() for t in scenario.targets],
                         "kind": [t.kind.replace("_", "-") for t in scenario.targets],
                         "section": [t.section for t in scenario.targets]})
    width = _width(width)
    id_w = min(max([len("target")] + [len(x) for x in rows["target"]]), 40)
    title_w = max(width - id_w - 2 - 10 - 2 - 9 - 2, 30)
    lines = [f"{scenario.title}: {len(rows)} targets", "",
             f"{'target':<{id_w}}  {'deadline':<10}  {'kind':<9}  title"]
    sections = rows["section"].fillna("other")
    for section in dict.fromkeys(sections):
        lines.append(_section_rule(str(section), width))
        for r in _rows(rows[sections == section]):
            lines.append(f"{r.target:<{id_w}}  {r.deadline:<10}  {r.kind:<9}  {shorten(r.title, title_w)}")
    return "\n".join(lines)


class TargetsView:
    """The run table for Jupyter: an HTML table of the targets, and the text table as its ``repr``.

    The HTML table shows each status as a RAG-coloured chip (text as well as colour); the ``repr`` is the plain-text
    table of :func:`run_table`. Same options as :func:`run_table`.

    Examples
    --------
    >>> TargetsView(results, rows=10, sort="p")   # the ten targets least likely to be met, in a notebook
    """

    def __init__(self, results: Results, rows: int | None = None, section: str | None = None, sort: str = "section",
                 thresholds: Sequence[float] = DEFAULT_THRESHOLDS):
        self.results, self.rows, self.section, self.sort, self.thresholds = results, rows, section, sort, thresholds
        run_table(results, rows=1, section=section, sort=sort)  # fail now on a bad section or sort, not on display

    def __repr__(self) -> str:
        return run_table(self.results, rows=self.rows, section=self.section, sort=self.sort)

    def _row_html(self, r: Any, colours: dict[str, str]) -> str:
        """One target as a table row; its status as a chip coloured like the charts."""
        e = html.escape
        status = target_status(float(r.p_met), getattr(r, "status", "open"), self.thresholds)
        ink = "#000" if status == "AMBER" else "#fff"
        chip = (f'<span style="background:{colours[status]};color:{ink};padding:1px 6px;border-radius:3px;'
                f'font-weight:bold;font-size:85%">{status}</span>')
        return (f"<tr><td><code>{e(str(r.target))}</code></td><td>{e(str(r.title))}</td><td>{e(str(r.sec_))}</td>"
                f"<td>{e(str(r.deadline))}</td><td style='text-align:right'>"
                f"{e(pct(float(r.p_met), self.thresholds))}</td><td>{e(pct_range(float(r.ci_low), float(r.ci_high)))}"
                f"</td><td>{chip}</td><td>{e(str(r.p50 or 'after horizon'))}</td>"
                f"<td>{e(str(r.p80 or 'after horizon'))}</td></tr>")

    def _repr_html_(self) -> str:
        from .charts import RAG_COLOURS  # imported here: a terminal table needs no matplotlib

        t = self.results.targets if self.section is None else _in_section(self.results.targets, self.section)
        t = _order(t, self.sort, "p_met")
        if self.rows is not None:
            t = t.head(int(self.rows))
        out = ["<table><thead><tr><th>target</th><th>title</th><th>section</th><th>deadline</th><th>P(met)</th>"
               "<th>95 % interval</th><th>status</th><th>P50</th><th>P80</th></tr></thead><tbody>"]
        out += [self._row_html(r, RAG_COLOURS) for r in _rows(t)]
        out.append("</tbody></table>")
        return "".join(out)
