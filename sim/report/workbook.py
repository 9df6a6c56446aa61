"""The results of a run as an Excel workbook, for analysts who hand results over in spreadsheets.

Sheets: ``README`` (scenario, seed, replications, conventions, what each sheet holds), ``targets``,
``milestones``, ``drivers`` (the top drivers of every target, with readable labels and levers), ``assumptions``
(every sampled input: what is assumed, with its unit, and its source) and ``series`` (money and production over
time). Probabilities stay numbers (formatted as %), dates stay ISO text as in the CSV files, so nothing is lost
when the workbook is read back (``pandas.read_excel(path, sheet_name=None)``).

Needs openpyxl, the writer pandas uses for ``.xlsx`` (``pip install 'readiness-sim[excel]'``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..analysis import all_drivers
from ..charts import observable_label
from ..formatting import target_status
from ..labels import lever, observable_unit
from .assumptions import assumption_of
from .briefing import RUN_KEYS, Briefing
from .words import headline

__all__ = ["write_workbook", "require_openpyxl", "SHEETS", "MissingDependency"]

SHEETS = ("README", "targets", "milestones", "drivers", "assumptions", "series")
PERCENT_COLUMNS = {"p_met", "ci_low", "ci_high", "p_on_time", "criticality"}


class MissingDependency(RuntimeError):
    """An optional package needed for this output is not installed."""


def require_openpyxl() -> None:
    """Check that openpyxl is installed, before a run of minutes rather than after it.

    Raises
    ------
    MissingDependency
        When it is not, saying how to install it.
    """
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise MissingDependency("Excel output needs openpyxl: pip install 'readiness-sim[excel]' "
                                "(or pip install openpyxl)") from None


def _readme(b: Briefing) -> pd.DataFrame:
    r = b.results
    m = r.meta
    rows = [("Title", m.get("title", "")), ("Headline", headline(b)),
            ("Scenario file", m.get("scenario", "")), ("Scenario sha256", m.get("scenario_sha256", "")),
            ("Seed", m.get("seed", "")), ("Replications (N)", r.n), ("Start", m.get("start", "")),
            ("Horizon", m.get("horizon", "")), ("Created", m.get("created", "")),
            ("Engine", m.get("engine", "")), ("readiness-sim version", m.get("package_version", "")),
            ("Conventions", m.get("conventions", "")),
            ("Reading the numbers", "p_met: share of replications meeting the deadline (any time on that day); "
                                    "ci_low/ci_high: its 95 % Wilson interval (Monte Carlo noise only); p10…p90: "
                                    "dates by which that share of replications is done, empty beyond the horizon."),
            ("RAG", f"GREEN at least {b.thresholds[0]:.0%}, AMBER at least {b.thresholds[1]:.0%}, RED below.")]
    rows += [("Sheet targets", "one row per target, as targets.csv, with its RAG status"),
             ("Sheet milestones", "one row per milestone, as milestones.csv"),
             ("Sheet drivers", "per target, its ten main inputs: impact in percentage points (input high vs low, or "
                               "risk on vs off), in days, rank correlation, and the lever in words"),
             ("Sheet assumptions", "every sampled input: what the scenario assumes (median, P10–P90, with units) "
                                   "and its source"),
             ("Sheet series", "money and production over time per observable and month: p10, p50, p90, mean, unit")]
    rows += [(f"run.json {k}", str(m[k])) for k in RUN_KEYS if k in m and k not in ("title", "seed")]
    if b.scenario_note:
        rows.append(("Note", b.scenario_note))
    return pd.DataFrame(rows, columns=["item", "value"])


def _drivers(b: Briefing) -> pd.DataFrame:
    r = b.results
    table = all_drivers(r)
    if table.empty:
        return pd.DataFrame(columns=["target", "title", "input", "label", "lever", "impact_pp", "impact_days", "spearman"])
    titles = r.targets.set_index("target")["title"]
    table.insert(1, "title", table["target"].map(titles))
    table.insert(4, "lever", [lever(n, lab, 200) for n, lab in zip(table["input"], table["label"], strict=True)])
    return table


def _assumptions(b: Briefing) -> pd.DataFrame:
    r = b.results
    labels = r.meta.get("labels", {})
    rows = []
    for name in r.inputs.columns:
        a = assumption_of(b.scenario, name, labels.get(name, ""))
        rows.append({"input": name, "label": a.label, "element": a.element, "assumed": a.assumed, "source": a.source})
    return pd.DataFrame(rows, columns=["input", "label", "element", "assumed", "source"])


def _series(b: Briefing) -> pd.DataFrame:
    s = b.results.series
    if s is None or s.empty:
        return pd.DataFrame(columns=["observable", "label", "unit", "date", "p10", "p50", "p90", "mean"])
    names = {o: observable_label(b.results, o, b.scenario) for o in s["observable"].astype(str).unique()}
    units = {o: observable_unit(o, b.scenario) for o in names}
    out = s.copy()
    out.insert(1, "label", out["observable"].astype(str).map(names))
    out.insert(2, "unit", out["observable"].astype(str).map(units).replace("%", "share (0–1)"))
    return out


def write_workbook(b: Briefing, path: str | Path) -> Path:
    """Write the briefing ``b`` (:class:`sim.report.Briefing`) as an ``.xlsx`` workbook at ``path``.

    Raises
    ------
    MissingDependency
        When openpyxl is not installed.
    """
    require_openpyxl()
    r = b.results
    targets = r.targets.copy()
    targets.insert(list(targets.columns).index("p_met") + 1, "rag",
                   [target_status(float(p), s, b.thresholds)
                    for p, s in zip(targets["p_met"], targets.get("status", ["open"] * len(targets)), strict=True)])
    sheets = {"README": _readme(b), "targets": targets, "milestones": r.milestones, "drivers": _drivers(b),
              "assumptions": _assumptions(b), "series": _series(b)}
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name in SHEETS:
            frame = sheets[name]
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, 1):
                letter = sheet.cell(row=1, column=i).column_letter
                values = [str(v) for v in frame.iloc[:200, i - 1]]
                width = max([len(str(column))] + [len(v) for v in values]) if len(values) else len(str(column))
                sheet.column_dimensions[letter].width = min(max(width + 2, 8), 70 if name != "README" else 120)
                if column in PERCENT_COLUMNS:
                    for cell in sheet[letter][1:]:
                        cell.number_format = "0.0%"
    return path
