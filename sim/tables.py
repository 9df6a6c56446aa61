"""Plain-text tables for the terminal: the targets of a run, and the targets a scenario declares.

Ids come first because commands take them (``--joint``, ``--target``, ``--delay``); titles are cut at a word
boundary to the terminal's width, never mid-word.
"""

from __future__ import annotations

import shutil

import pandas as pd

from .labels import shorten

__all__ = ["run_table", "scenario_targets_table", "TargetsView", "SORTS"]

SORTS = ("section", "p", "deadline", "id")


def _width(width: int | None) -> int:
    return width or max(shutil.get_terminal_size((140, 24)).columns, 100)


def _order(frame: pd.DataFrame, sort: str, p_column: str) -> pd.DataFrame:
    if sort not in SORTS:
        raise ValueError(f"sort: found '{sort}'; expected one of {', '.join(SORTS)}")
    frame = frame.assign(sec_=frame["section"].fillna("other").replace("", "other").astype(str))
    if sort == "section":  # sections in the scenario's order, least likely first within each
        order = list(dict.fromkeys(frame["sec_"]))
        frame = frame.assign(rank_=frame["sec_"].map(order.index))
        return frame.sort_values(["rank_", p_column, "deadline"], kind="stable")
    key = {"p": [p_column, "deadline"], "deadline": ["deadline", p_column], "id": ["target"]}[sort]
    return frame.sort_values(key, kind="stable")


def run_table(results, rows: int | None = None, section: str | None = None, sort: str = "section",
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
    from .formatting import target_status

    t = results.targets
    if section is not None:
        norm = lambda s: str(s).lower().replace("-", " ").replace("_", " ").strip()  # noqa: E731
        known = list(dict.fromkeys(t["section"].fillna("other").replace("", "other").astype(str)))
        chosen = [s for s in known if norm(s) == norm(section)]
        if not chosen:
            raise ValueError(f"section: found '{section}'; this run's sections are {', '.join(known)}")
        t = t[t["section"].fillna("other").replace("", "other").astype(str) == chosen[0]]
    t = _order(t, sort, "p_met")
    total = len(t)
    if rows is not None:
        t = t.head(int(rows))
    width = _width(width)
    id_w = min(max([len("target")] + [len(x) for x in t["target"]]), 36)
    fixed = id_w + 2 + 2 + 6 + 2 + 11 + 2 + 6 + 2 + 10 + 2 + 10 + 2 + 10
    title_w = max(width - fixed, 30)
    m = results.meta
    lines = [f"{m.get('title', '')}",
             f"{results.n:,} replications".replace(",", "\u202f")
             + f", seed {m.get('seed')}, start {m.get('start')}, horizon {m.get('horizon')}", "",
             f"{'target':<{id_w}}  {'title':<{title_w}}  {'P(met)':>6}  {'95% interval':>11}  {'status':<6}  "
             f"{'deadline':>10}  {'P50':>10}  {'P80':>10}"]
    section_now = None
    for r in t.itertuples(index=False):
        if sort == "section" and r.sec_ != section_now:
            section_now = r.sec_
            lines.append(f"── {section_now.replace('_', ' ').replace('-', ' ')} ".ljust(min(width, 80), "─"))
        status = target_status(float(r.p_met), getattr(r, "status", "open"))
        if status in ("MET", "MISSED"):  # a fact of the status date, not a probability
            chance, interval = "fact", (f"on {r.status_date}" if getattr(r, "status_date", "") else "observed")
        else:
            chance, interval = f"{r.p_met:.0%}", f"{r.ci_low:.0%}–{r.ci_high:.0%}"
        lines.append(f"{shorten(r.target, id_w):<{id_w}}  {shorten(r.title, title_w):<{title_w}}  {chance:>6}  "
                     f"{interval:>11}  {status:<6}  {r.deadline:>10}  {r.p50 or '> horizon':>10}  "
                     f"{r.p80 or '> horizon':>10}")
    if rows is not None and total > len(t):
        lines.append(f"… {total - len(t)} more targets (all in targets.csv; --rows to show more)")
    lines += ["", "P(met): share of replications meeting the deadline (any time on that day), with its 95 % interval; "
                  "P50/P80: dates by which 50 %/80 % of replications are done."
                  + (" MET/MISSED: resolved by the facts of the status date." if "status" in t and (t["status"] != "open").any()
                     else "")]
    return "\n".join(lines)


def scenario_targets_table(scenario, width: int | None = None) -> str:
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
    order = list(dict.fromkeys(rows["section"].fillna("other")))
    for section in order:
        lines.append(f"── {str(section).replace('_', ' ').replace('-', ' ')} ".ljust(min(width, 80), "─"))
        for r in rows[rows["section"].fillna("other") == section].itertuples(index=False):
            lines.append(f"{r.target:<{id_w}}  {r.deadline:<10}  {r.kind:<9}  {shorten(r.title, title_w)}")
    return "\n".join(lines)


class TargetsView:
    """The run table for Jupyter: an HTML table with RAG-coloured status chips (text as well as colour), and the
    plain-text table of :func:`run_table` as its ``repr``. Same options as :func:`run_table`.

    Examples
    --------
    >>> TargetsView(results, rows=10, sort="p")   # the ten targets least likely to be met, in a notebook
    """

    def __init__(self, results, rows: int | None = None, section: str | None = None, sort: str = "section",
                 thresholds=(0.8, 0.5)):
        self.results, self.rows, self.section, self.sort, self.thresholds = results, rows, section, sort, thresholds
        run_table(results, rows=1, section=section, sort=sort)  # fail now on a bad section or sort, not on display

    def __repr__(self) -> str:
        return run_table(self.results, rows=self.rows, section=self.section, sort=self.sort)

    def _repr_html_(self) -> str:
        import html

        from .charts import RAG_COLOURS
        from .formatting import pct, pct_range, target_status

        t = self.results.targets
        if self.section is not None:
            norm = lambda x: str(x).lower().replace("-", " ").replace("_", " ").strip()  # noqa: E731
            t = t[[norm(x or "other") == norm(self.section) for x in t["section"].fillna("other")]]
        t = _order(t, self.sort, "p_met")
        if self.rows is not None:
            t = t.head(int(self.rows))
        e = lambda x: html.escape(str(x))  # noqa: E731
        out = ["<table><thead><tr><th>target</th><th>title</th><th>section</th><th>deadline</th><th>P(met)</th>"
               "<th>95 % interval</th><th>status</th><th>P50</th><th>P80</th></tr></thead><tbody>"]
        for r in t.itertuples(index=False):
            status = target_status(float(r.p_met), getattr(r, "status", "open"), self.thresholds)
            ink = "#000" if status == "AMBER" else "#fff"
            chip = (f'<span style="background:{RAG_COLOURS[status]};color:{ink};padding:1px 6px;border-radius:3px;'
                    f'font-weight:bold;font-size:85%">{status}</span>')
            out.append(f"<tr><td><code>{e(r.target)}</code></td><td>{e(r.title)}</td><td>{e(r.sec_)}</td>"
                       f"<td>{e(r.deadline)}</td><td style='text-align:right'>{e(pct(float(r.p_met), self.thresholds))}"
                       f"</td><td>{e(pct_range(float(r.ci_low), float(r.ci_high)))}</td><td>{chip}</td>"
                       f"<td>{e(r.p50 or 'after horizon')}</td><td>{e(r.p80 or 'after horizon')}</td></tr>")
        out.append("</tbody></table>")
        return "".join(out)
