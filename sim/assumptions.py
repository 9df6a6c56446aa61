"""The assumption register: every uncertain input, its distribution, its source and what it moves.

A briefing quotes target probabilities; a reader must see which inputs they rest on and whether those inputs
are sourced or assumed. :func:`assumption_register` joins three things per uncertain input of a scenario
(``Scenario.inputs()``): its distribution as written (durations in months), the ``source`` of the element it
belongs to (classified as document, assumption or both), and its impact on the targets from the driver
analysis of :func:`sim.analysis.drivers` (probability with the input in its upper decile minus its lower
decile, or for a risk's ``occurs``, occurring minus not).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import names
from .analysis import drivers
from .results import Results
from .scenario import Scenario

COLUMNS = ["input", "element", "label", "distribution", "basis", "unverified", "source", "max_impact_pp",
           "max_impact_target", "targets_moved", "mean_abs_impact_pp", "max_abs_spearman"]

MOVED_PP = 5.0  # a target counts as moved by an input when |impact_pp| is at least this (and above the noise)
_DAYS = (":duration", ":delay", ":first_output", ":lag", ":time")  # inputs measured in days
_DOCUMENT = re.compile(r"docs/sources/|\.md\b|roadmap|calibration", re.IGNORECASE)
_MONTH = 365.25 / 12


def _number(x: float, days: bool) -> str:
    x = float(x) / _MONTH if days else float(x)
    return f"{x:.3g}"


def describe(dist, days: bool = False) -> str:
    """A distribution as short text, e.g. ``pert(1.5, 3, 7) months``; day-valued inputs are shown in months."""
    name = type(dist).__name__.lower()
    if name == "lognormal":  # shown as written in scenarios: median and p90
        median, p90 = np.exp(dist.mu), np.exp(dist.mu + 1.2815516 * dist.sigma)
        return f"lognormal(median {_number(median, days)}, p90 {_number(p90, days)})" + (" months" if days else "")
    if name == "normal":
        text = f"normal(mean {_number(dist.mu, days)}, sd {_number(dist.sd, days)})"
        return text + (" truncated at 0" if dist.lower == 0 else "") + (" months" if days else "")
    parts = []
    for f in dataclasses.fields(dist):
        value = getattr(dist, f.name)
        if f.name in ("lam",) and value == 4.0:
            continue
        if f.name in ("weights", "p", "lam"):
            parts.append(f"{f.name}=" + (", ".join(f"{float(w):.3g}" for w in value)
                                         if isinstance(value, (tuple, list)) else f"{float(value):.3g}"))
        elif isinstance(value, (tuple, list)):
            parts.append("[" + ", ".join(_number(v, days) for v in value) + "]")
        elif isinstance(value, (int, float, np.floating)):
            parts.append(_number(float(value), days))
    return f"{name}({', '.join(parts)})" + (" months" if days else "")


def basis(source: str) -> str:
    """``document``, ``assumption``, ``document + assumption`` or ``none`` from a source text."""
    doc = bool(_DOCUMENT.search(source or ""))
    assumed = "assum" in (source or "").lower()
    return {(True, True): "document + assumption", (True, False): "document",
            (False, True): "assumption", (False, False): "none"}[(doc, assumed)]


def _element(scenario: Scenario, name: str) -> tuple[str, str]:
    """(element, source) of an input name (see ``sim.scenario.uncertain_inputs`` for the name forms)."""
    parsed = names.parse(name)
    kind, ident = parsed.kind, parsed.ids[0]
    by_id = {
        "driver": {d.id: d.source for d in scenario.drivers},
        "milestone": {m.id: m.source for m in scenario.milestones},
        "risk": {r.id: r.source for r in scenario.risks},
        "fund": {f.id: f.source for f in scenario.funds},
        "indicator": {i.id: i.source for i in scenario.indicators},
        "line": {line.id: line.source for line in scenario.lines},
    }
    if kind in by_id:
        return f"{kind}:{ident}", by_id[kind].get(ident, "")
    if kind in ("funding", "order"):
        milestone, sub = parsed.ids
        if kind == "funding" and parsed.part == "lag":  # the pool's payment lag belongs to its fund
            fund = sub.split("/")[0]
            return f"fund:{fund}", by_id["fund"].get(fund, "")
        return f"milestone:{milestone}", by_id["milestone"].get(milestone, "")
    if kind == "shock":
        try:
            shock = scenario.shocks[int(ident)]
            return f"shock:{ident}", shock.source
        except (ValueError, IndexError):
            return f"shock:{ident}", ""
    return name, ""


def assumption_register(scenario: Scenario, results: Results, targets: Sequence[str] | None = None,
                        decile: float = 0.1, drivers_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every uncertain input with its distribution, its source and its impact on the headline targets.

    Parameters
    ----------
    scenario : Scenario
        The scenario that was run (for distributions and sources).
    results : Results
        Its results (for the driver analysis); inputs that were not sampled (not in ``results.inputs``) get
        no impact (NaN).
    targets : sequence of str, optional
        The headline targets; default every target in ``results.targets``.
    decile : float, default 0.1
        Passed to :func:`sim.analysis.drivers`.
    drivers_table : pandas.DataFrame, optional
        Driver analysis already computed, long format with columns ``target, input, spearman, impact_pp`` (e.g.
        :func:`sim.analysis.all_drivers` with ``top`` large enough to keep every input); saves recomputing it.
        Targets missing from it are computed.

    Returns
    -------
    pandas.DataFrame
        One row per uncertain input, columns ``input, element, label, distribution, basis, unverified,
        source, max_impact_pp, max_impact_target, targets_moved, mean_abs_impact_pp, max_abs_spearman``:
        ``basis`` says whether the element's source cites a shipped document, an assumption or both;
        ``unverified`` is True when it leans on a ``[mem]`` fact; ``max_impact_pp`` is the largest
        |impact| (percentage points) on any headline target, signed, and ``max_impact_target`` that target
        (with its roadmap id); ``targets_moved`` counts the headline targets moved by at least
        max(5 pp, two standard errors of the decile difference: 100·√(0.5/(decile·n)) each). Sorted by
        |max_impact_pp|, largest first, so the top rows are what the headline rests on.
    """
    chosen = list(results.targets.target) if targets is None else list(targets)
    # impact_pp compares two groups of ≈ decile·n replications: its standard error is at most
    # 100·sqrt(2·0.25 / (decile·n)) pp; below twice that a "move" is indistinguishable from noise.
    moved_pp = max(MOVED_PP, 2 * 100 * np.sqrt(0.5 / max(decile * results.n, 1)))
    # strict=False: results read from an old folder may have no roadmap_id column (then no roadmap ids)
    roadmap = dict(zip(results.targets.target, results.targets.get("roadmap_id", pd.Series(dtype=str)), strict=False))
    impact: dict[str, dict[str, float]] = {}
    spearman: dict[str, dict[str, float]] = {}
    given = {} if drivers_table is None else {t: g for t, g in drivers_table.groupby("target", sort=False)}
    for target in chosen:
        table = given[target] if target in given else drivers(results, target, decile=decile)
        for row in table.to_dict("records"):
            impact.setdefault(str(row["input"]), {})[target] = float(row["impact_pp"])
            spearman.setdefault(str(row["input"]), {})[target] = float(row["spearman"])
    labels = results.meta.get("labels", {})
    rows = []
    for name, dist in scenario.inputs():
        element, source = _element(scenario, name)
        hits = {t: v for t, v in impact.get(name, {}).items() if np.isfinite(v)}
        if hits:
            top = max(hits, key=lambda t: abs(hits[t]))
            rid = roadmap.get(top)
            top_label = f"{top} ({rid})" if isinstance(rid, str) and rid else top
            values = np.abs(np.array(list(hits.values())))
            max_pp, moved, mean_pp = hits[top], int((values >= moved_pp).sum()), float(values.mean())
        else:
            top_label, max_pp, moved, mean_pp = "", np.nan, 0, np.nan
        rhos = [abs(v) for v in spearman.get(name, {}).values() if np.isfinite(v)]
        rows.append({
            "input": name, "element": element, "label": labels.get(name, name),
            "distribution": describe(dist, days=name.endswith(_DAYS)), "basis": basis(source),
            "unverified": "[mem]" in source, "source": " ".join(source.split()),
            "max_impact_pp": max_pp, "max_impact_target": top_label, "targets_moved": moved,
            "mean_abs_impact_pp": mean_pp, "max_abs_spearman": max(rhos) if rhos else np.nan,
        })
    table = pd.DataFrame(rows, columns=COLUMNS)
    order = table["max_impact_pp"].abs().fillna(-1).sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index(drop=True)


__all__ = ["assumption_register", "describe", "basis", "COLUMNS"]
