"""The briefing as Markdown.

Headline, the roadmap's headline targets, where action matters, every target, the assumptions with their
sources, the scenario comparison, how to read the numbers and the run.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..formatting import pct, pct_range, signed, target_status
from .briefing import ACTION_ROWS, IN_PLAY, PP_NOTE, RUN_KEYS, Briefing, deciding_factors, rows, since_reference
from .since import change_line, changes, facts_line
from .words import drives_text, headline, headline_detail, run_line, target_line

__all__ = ["markdown"]

COMPARISON_ROWS = 15  # targets per compared scenario, those that moved most


def cell(text: Any) -> str:
    """``text`` safe in a Markdown table cell: pipes escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _status(row: Any, b: Briefing) -> str:
    return target_status(row.p_met, getattr(row, "status", "open"), b.thresholds)


def _opening(b: Briefing) -> list[str]:
    r = b.results
    out = [f"# Readiness briefing — {r.meta.get('title', '')}", "", f"*{run_line(r)}*", "", f"**{headline(b)}**", "",
           headline_detail(b), ""]
    if b.scenario_note:
        out += [f"> {b.scenario_note}", ""]
    out += ["## The roadmap's headline targets", "",
            "| Status | Target | Deadline | Chance | 95 % interval | P50 |", "|---|---|---|---:|---|---|"]
    for row in rows(b.headline):
        out.append(f"| {_status(row, b)} | {cell(row.title)} | {row.deadline} | "
                   f"{pct(row.p_met, b.thresholds)} | {pct_range(row.ci_low, row.ci_high)} | {row.p50 or '> horizon'} |")
    return out


def _where_action_matters(b: Briefing) -> list[str]:
    low, high = IN_PLAY
    out = ["", "## Where action matters", "",
           f"{b.in_play} targets are still in play (chance {pct(low)}–{pct(high)}); those whose main driver moves "
           f"them most, with the lever (and how many percentage points it moves the chance):", ""]
    for i, a in enumerate(b.with_lever[:ACTION_ROWS], 1):
        levers = "; ".join(f"{name} (up to {gain:.0f} pp)" for name, gain in a.levers(2, 200))
        out.append(f"{i}. **{cell(a.title)}** — {target_line(a.row)}.  ")
        out.append(f"   Lever: {cell(levers)}")
    head, _ = since_reference(b)
    if head:
        out += ["", "### What changed since the reference forecast", "", head, ""]
        out += [f"- **{cell(c.title)}**: {change_line(c)}.  \n  Facts: {cell(facts_line(c, b.scenario))}"
                for c in changes(b)]
    return out + ["", f"*{PP_NOTE}*", ""]


def _every_target(b: Briefing) -> list[str]:
    out = ["## Every target", "",
           "| Section | Target | Deadline | P(met) | 95 % interval | Status | P50 | P80 |",
           "|---|---|---|---:|---|---|---|---|"]
    for row in rows(b.results.targets):
        out.append(f"| {cell(row.section)} | {cell(row.title)} | {row.deadline} | {pct(row.p_met, b.thresholds)} | "
                   f"{pct_range(row.ci_low, row.ci_high)} | {_status(row, b)} | "
                   f"{row.p50 or '> horizon'} | {row.p80 or '> horizon'} |")
    return out


def _assumptions(b: Briefing) -> list[str]:
    out = ["", "## The assumptions that drive the results", "",
           "The main drivers of the headline targets and of the targets where action matters, what the scenario "
           "assumes for them and where that comes from.", "",
           "| Assumption | Assumed | Source | Drives |", "|---|---|---|---|"]
    for a, drives in b.assumptions:
        out.append(f"| {cell(a.label)} | {cell(a.assumed)} | {cell(a.source or '(none given)')} | "
                   f"{cell(drives_text(drives, 200))} |")
    shocks = b.results.meta.get("shocks") or []
    if shocks:
        out += ["", "### Changes against the scenario it extends (shocks)", ""]
        out += [f"- {s.get('kind', '')}: {cell(s.get('what', ''))} — source: {cell(s.get('source') or '(none given)')}"
                for s in shocks]
    return out


def _compared(name: str, group: pd.DataFrame) -> list[str]:
    """The targets of one compared scenario that moved most, and how many did not move."""
    out = []
    moved = group[group["diff"] != 0]
    moved = moved.reindex(moved["diff"].abs().sort_values(ascending=False, kind="stable").index).head(COMPARISON_ROWS)
    for row in rows(moved):
        shift = "" if pd.isna(row.median_shift_days) else f"{row.median_shift_days:+.0f} days"
        out.append(f"| {cell(name)} | {cell(row.title)} | {pct(row.p_base)} | {pct(row.p_other)} | "
                   f"{signed(100 * row.diff, ' pp', 1)} | {signed(100 * row.diff_low, '', 1)} to "
                   f"{signed(100 * row.diff_high, ' pp', 1)} | {shift} |")
    unchanged = int((group["diff"] == 0).sum())
    if unchanged:
        out.append(f"| {cell(name)} | *{unchanged} targets unchanged* | | | | | |")
    return out


def _comparison(b: Briefing) -> list[str]:
    if b.comparison is None:
        return []
    out = ["", "## Scenario comparison (paired, common random numbers)", "",
           "| Scenario | Target | Base | Scenario | Change | 95 % interval | Median shift |",
           "|---|---|---:|---:|---:|---|---:|"]
    for name, group in b.comparison.table.groupby("scenario", sort=False):
        out += _compared(str(name), group)
    return out


def _sensitivity(b: Briefing) -> list[str]:
    deciding = deciding_factors(b)
    if not deciding:
        return []
    assert b.sensitivity is not None
    sobol = b.sensitivity["method"].iloc[0] == "sobol"
    index = "total Sobol' index: the share of the variance it explains, alone and with others" if sobol \
        else "Morris μ*: its mean absolute elementary effect"
    out = ["", "## What decides the headline targets (global sensitivity)", "",
           f"Per target, the inputs that most decide whether it is met ({index}).", "",
           "| Target | Decided most by |", "|---|---|"]
    for title, factors in deciding:
        text = "; ".join(f"{cell(name)} ({value:.2f})" if sobol else f"{cell(name)} ({value:.3g})" for name, value in factors)
        out.append(f"| {cell(title)} | {text} |")
    return out


def _reading(b: Briefing) -> list[str]:
    green, amber = b.thresholds
    meta = b.results.meta
    out = ["", "## How to read the numbers", "",
           "- **P(met)**: share of replications meeting the deadline (any time on that day), with its 95 % Wilson "
           "interval, which reflects Monte Carlo noise only, not the uncertainty of the assumptions.",
           "- **P50 / P80**: dates by which 50 % / 80 % of replications are done (\"> horizon\" when not reached "
           "within the simulated period).",
           f"- **RAG**: GREEN at least {pct(green)}, AMBER at least {pct(amber)}, RED below.",
           "", "## Conventions", "", str(meta.get("conventions", "(not recorded)")), "", "## Run", ""]
    return out + [f"- {key}: `{meta[key]}`" for key in RUN_KEYS if key in meta]


def markdown(b: Briefing) -> str:
    """The briefing ``b`` as one Markdown document (a string ending in a newline)."""
    out = (_opening(b) + _where_action_matters(b) + _every_target(b) + _assumptions(b) + _comparison(b)
           + _sensitivity(b) + _reading(b))
    return "\n".join(out) + "\n"
