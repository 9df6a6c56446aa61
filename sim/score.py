"""Scoring a past forecast against what happened (issue 12; docs/status-date.md, "Scoring").

A forecast is a results folder (``targets.csv`` with ``p_met``; ``outcomes.csv.gz`` with every target's event
time per replication). Observed outcomes are a small YAML or CSV file::

    # outcomes.yaml                                    # outcomes.csv
    outcomes:                                          # target,met,date,source
      edip-adopted: {met: true, date: 2025-11-25,      # edip-adopted,true,2025-11-25,OJ L 2025/...
                     source: "OJ L 2025/..."}          # safe-50pc,false,,Commission report
      safe-50pc: {met: false, source: "..."}

``met`` says whether the target was met by its deadline; ``date`` (optional) is the day it was done (late or on
time). Every outcome needs a ``source``. A results folder of a later status run may stand in for the file: its
resolved targets (``status`` met or missed) are the outcomes (:func:`outcomes_from_results`).

Scores, per target and averaged (lower is better for both):

* Brier score ``(p − y)²``;
* log score ``−ln(p)`` if met, ``−ln(1 − p)`` if not, with ``p`` clipped to ``[1/(2N), 1 − 1/(2N)]`` (N
  replications: a Monte Carlo 0 % means "below 1/N", not impossible);

against three naive forecasts: "everything on time" (p = 1, clipped alike), the base rate (the share of the
scored targets that were met — known only afterwards, so a demanding benchmark) and 0.5. A reliability table
bins the forecast probabilities in tenths: forecasts, mean forecast and observed frequency per bin. For a dated
outcome the PIT is the forecast's share of replications done by the end of the observed day; ``in_p10_p90``
says whether it fell in the central 80 % band.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .calendar import day_offset
from .results import Results

SCORE_COLUMNS = ["target", "title", "deadline", "p_met", "met", "date", "source", "brier", "log_score",
                 "brier_on_time", "brier_base_rate", "brier_half", "log_on_time", "log_base_rate", "log_half", "pit",
                 "in_p10_p90"]
NAIVE = ("forecast", "on_time", "base_rate", "half")


class OutcomesError(ValueError):
    """An outcomes file that cannot be used; the message names the file, the line or row and what is wrong."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one target: met by its deadline or not, the day it was done (if known), the source."""

    target: str
    met: bool
    date: dt.date | None
    source: str
    where: str  # "file:line" or "file row N", for messages


def _bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}.get(text)


def iso(value) -> dt.date | None | str:
    """``value`` as a date: None when empty, the date, or ``"bad"`` when it is not an ISO date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return "bad"


def read_outcomes(path: str | Path) -> list[Outcome]:
    """Read an outcomes file (``.yaml``/``.yml`` or ``.csv``); every problem at once in an OutcomesError."""
    path = Path(path)
    problems: list[str] = []
    rows: list[tuple[str, object, dict]] = []  # (where, target, fields)
    try:
        text = path.read_text()
    except OSError as exc:
        raise OutcomesError(f"{path}: cannot be read ({exc})") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        missing = [c for c in ("target", "met", "source") if c not in (reader.fieldnames or [])]
        if missing:
            raise OutcomesError(f"{path}:1: no column {', '.join(missing)}; expected the columns target, met, date, "
                                "source")
        for k, row in enumerate(reader, start=2):
            rows.append((f"{path}:{k}", row.get("target"), row))
    else:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            # every scalar as text (no implicit dates or booleans): '2026-13-01' is reported, not a crash
            data = yaml.load(text, Loader=yaml.BaseLoader)
        except yaml.YAMLError as exc:
            raise OutcomesError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(data, dict) or not isinstance(data.get("outcomes"), dict):
            raise OutcomesError(f"{path}:1: outcomes: missing; expected a mapping 'outcomes:' of target id → "
                                "{met: true/false, date: YYYY-MM-DD, source: ...}")
        lines = {}
        for key, value in node.value if node is not None else ():
            if key.value == "outcomes":
                lines = {k.value: k.start_mark.line + 1 for k, _ in value.value}
        for target, fields in data["outcomes"].items():
            where = f"{path}:{lines.get(str(target), 0)}"
            if not isinstance(fields, dict):
                problems.append(f"{where}: outcomes.{target}: found {fields!r}; expected {{met: true/false, "
                                "date: YYYY-MM-DD, source: ...}")
                continue
            rows.append((where, target, fields))
    out = []
    for where, target, fields in rows:
        label = f"{where}: outcomes.{target}"
        unknown = [k for k in fields if k not in ("met", "date", "source", "target")]
        if unknown:
            problems.append(f"{label}: unknown key '{unknown[0]}'; allowed: met, date, source")
        met = _bool(fields.get("met"))
        if met is None:
            problems.append(f"{label}.met: found {fields.get('met')!r}; expected true or false")
        date = iso(fields.get("date"))
        if date == "bad":
            problems.append(f"{label}.date: found {fields.get('date')!r}; expected an ISO date such as 2026-06-30")
        source = str(fields.get("source") or "").strip()
        if not source:
            problems.append(f"{label}.source: missing; every outcome needs the document it comes from")
        if met is not None and not isinstance(date, str) and source:  # a str is "bad"
            out.append(Outcome(str(target), met, date, source, where))
    if problems:
        raise OutcomesError("\n".join(problems))
    return out


def outcomes_from_results(later: Results, where: str = "") -> list[Outcome]:
    """Outcomes resolved by a later forecast's status date: its targets with status ``met`` or ``missed``.

    A status run (``readiness run STATUS_FILE``) marks the targets its facts decide (``targets.csv``:
    ``status``, ``status_date``), so an earlier forecast can be scored against it directly.
    """
    table = later.targets
    if "status" not in table:
        return []
    source = f"status run {where or later.meta.get('title', '')}"
    return [Outcome(str(row["target"]), row["status"] == "met",
                    dt.date.fromisoformat(str(row["status_date"])) if row["status_date"] else None, source,
                    f"{where}/targets.csv")
            for row in table.to_dict("records") if row["status"] in ("met", "missed")]


def _log(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -np.log(np.where(y, p, 1.0 - p))


def score(results: Results, outcomes: list[Outcome]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Score ``results`` against ``outcomes``.

    Returns
    -------
    per_target : pandas.DataFrame
        ``score.csv``: one row per scored target (columns :data:`SCORE_COLUMNS`).
    summary : pandas.DataFrame
        Mean Brier and log score of the forecast and of each naive forecast, and the Brier skill
        ``1 − Brier / Brier_naive`` against each.
    reliability : pandas.DataFrame
        ``bin, forecasts, mean_forecast, observed`` for the tenths of the probability scale that hold forecasts.

    Raises
    ------
    OutcomesError
        For targets the forecast does not have (all of them named at once).
    """
    table = results.targets.set_index("target")
    unknown = [o for o in outcomes if o.target not in table.index]
    if unknown:
        raise OutcomesError("\n".join(f"{o.where}: outcomes.{o.target}: not a target of the forecast "
                                      f"({results.meta.get('title', '')})" for o in unknown))
    if not outcomes:
        raise OutcomesError("no outcomes to score")
    eps = 0.5 / results.n
    p = table.loc[[o.target for o in outcomes], "p_met"].to_numpy(dtype=float)
    y = np.array([o.met for o in outcomes], dtype=bool)
    base = float(y.mean())
    forecasts = {"forecast": p, "on_time": np.ones_like(p), "base_rate": np.full_like(p, base),
                 "half": np.full_like(p, 0.5)}
    brier = {k: (f - y) ** 2 for k, f in forecasts.items()}
    logs = {k: _log(np.clip(f, eps, 1 - eps), y) for k, f in forecasts.items()}
    pit, band = [], []
    for o in outcomes:
        column = f"milestone:{o.target}" if f"milestone:{o.target}" in results.outcomes else f"target:{o.target}"
        if o.date is None or column not in results.outcomes:
            pit.append(np.nan)
            band.append("")
            continue
        t = day_offset(o.date, results.start) + 1  # by the end of the observed day
        value = float(np.mean(results.outcomes[column].to_numpy(dtype=float) <= t))
        pit.append(value)
        band.append("yes" if 0.1 <= value <= 0.9 else "no")
    per_target = pd.DataFrame({
        "target": [o.target for o in outcomes],
        "title": [table.loc[o.target, "title"] for o in outcomes],
        "deadline": [table.loc[o.target, "deadline"] for o in outcomes],
        "p_met": p, "met": y, "date": [o.date.isoformat() if o.date else "" for o in outcomes],
        "source": [o.source for o in outcomes],
        "brier": brier["forecast"], "log_score": logs["forecast"],
        "brier_on_time": brier["on_time"], "brier_base_rate": brier["base_rate"], "brier_half": brier["half"],
        "log_on_time": logs["on_time"], "log_base_rate": logs["base_rate"], "log_half": logs["half"],
        "pit": pit, "in_p10_p90": band,
    }, columns=SCORE_COLUMNS)
    mean_brier = {k: float(v.mean()) for k, v in brier.items()}
    summary = pd.DataFrame({
        "forecaster": list(NAIVE),
        "brier": [mean_brier[k] for k in NAIVE],
        "log_score": [float(logs[k].mean()) for k in NAIVE],
        "brier_skill_of_forecast": [np.nan if k == "forecast" else
                                    (1 - mean_brier["forecast"] / mean_brier[k] if mean_brier[k] > 0 else np.nan)
                                    for k in NAIVE],
    })
    return per_target, summary, reliability(p, y)


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Forecasts binned in ``bins`` equal slices of [0, 1] (1.0 in the last): count, mean forecast, frequency."""
    which = np.minimum((np.asarray(p) * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append({"bin": f"{b / bins:.1f}–{(b + 1) / bins:.1f}", "forecasts": int(mask.sum()),
                         "mean_forecast": float(p[mask].mean()), "observed": float(y[mask].mean())})
    return pd.DataFrame(rows, columns=["bin", "forecasts", "mean_forecast", "observed"])


def plot_reliability(table: pd.DataFrame, ax=None):
    """Reliability diagram: observed frequency against mean forecast per bin (point size: forecasts)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfectly reliable")
    ax.scatter(table["mean_forecast"], table["observed"], s=30 + 20 * table["forecasts"], zorder=3,
               label="forecasts (size: how many)")
    ax.set_xlim(0, 1), ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (mean in bin)")
    ax.set_ylabel("share observed met")
    ax.set_title("Reliability")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def write(per_target: pd.DataFrame, summary: pd.DataFrame, table: pd.DataFrame, out: str | Path,
          chart: bool = False) -> list[Path]:
    """Write ``score.csv``, ``score-summary.csv``, ``reliability.csv`` (and ``reliability.png``) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "score.csv", out / "score-summary.csv", out / "reliability.csv"]
    per_target.to_csv(written[0], index=False)
    summary.to_csv(written[1], index=False)
    table.to_csv(written[2], index=False)
    if chart:
        ax = plot_reliability(table)
        ax.figure.savefig(out / "reliability.png", dpi=120, bbox_inches="tight")
        written.append(out / "reliability.png")
    return written


def format_summary(summary: pd.DataFrame, n_targets: int) -> str:
    """The summary as printed by ``readiness score``."""
    names = {"forecast": "this forecast", "on_time": "naive: everything on time", "base_rate": "naive: base rate",
             "half": "naive: 0.5"}
    lines = [f"{n_targets} targets scored (lower is better)", f"{'':28} {'Brier':>7} {'log score':>10} {'Brier skill':>12}"]
    for row in summary.to_dict("records"):
        skill = "" if math.isnan(row["brier_skill_of_forecast"]) else f"{row['brier_skill_of_forecast']:+.2f}"
        lines.append(f"{names[str(row['forecaster'])]:28} {row['brier']:7.3f} {row['log_score']:10.3f} {skill:>12}")
    lines.append("Brier skill: 1 − Brier(forecast) / Brier(naive); positive = the forecast did better.")
    return "\n".join(lines)
