"""Writing the tables of a run into a folder and reading them back, checking every file on the way in.

Reading validates ``run.json`` (an object with iterations, start, horizon), every table's columns, dates and
probabilities, and that the per-replication files have ``iterations`` complete rows; a :class:`ResultsError`
names the broken file (and row).
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .columns import (
    FUNDING_COLUMNS,
    LATER_TARGET_COLUMNS,
    MILESTONE_COLUMNS,
    SERIES_COLUMNS,
    TARGET_COLUMNS,
    TEXT_COLUMNS,
)
from .spool import write_replications


class ResultsError(ValueError):
    """A results folder that cannot be read; the message names the broken file and what is wrong with it."""


def write_tables(directory: Path, tables: dict[str, pd.DataFrame], meta: dict, replications: bool = True) -> None:
    """Write the tables of a run and ``run.json`` into ``directory``, as ``readiness run`` does.

    ``tables`` maps the :class:`sim.results.Results` field names ``targets, milestones, outcomes, inputs,
    criticality, series, funding, bottlenecks`` to their tables; the last three are written only when not empty.
    Without ``replications``, ``outcomes`` and ``inputs`` are not written (they come from a spool).
    """
    tables["targets"].to_csv(directory / "targets.csv", index=False, float_format="%.6g")
    tables["milestones"].to_csv(directory / "milestones.csv", index=False, float_format="%.6g")
    if replications:
        write_replications(directory / "outcomes.csv.gz", tables["outcomes"])
        write_replications(directory / "inputs.csv.gz", tables["inputs"])
    tables["criticality"].to_csv(directory / "criticality.csv", float_format="%.4f")
    if not tables["series"].empty:
        tables["series"].to_csv(directory / "series.csv", index=False, float_format="%.6g")
    if not tables["funding"].empty:
        tables["funding"].to_csv(directory / "funding.csv", index=False, float_format="%.6g")
    if not tables["bottlenecks"].empty:
        tables["bottlenecks"].to_csv(directory / "bottlenecks.csv", float_format="%.4f")
    (directory / "run.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")


def read_folder(directory: str | Path) -> dict[str, Any]:
    """Read and check a results folder written by :func:`write_tables`.

    Returns
    -------
    dict
        The :class:`sim.results.Results` fields ``targets, milestones, outcomes, inputs, criticality, meta,
        series, funding, bottlenecks``.

    Raises
    ------
    ResultsError
        Naming the file that is missing, truncated or not what :func:`write_tables` writes.
    """
    d = Path(directory)
    if not d.is_dir():
        raise ResultsError(f"{d}: not a folder; expected a results folder written by `readiness run`")
    meta = read_meta(d / "run.json")
    targets, milestones = _read_summaries(d)
    outcomes, inputs = _read_replications(d, meta)
    missing = [t for t in targets["target"] if f"target:{t}" not in outcomes and f"milestone:{t}" not in outcomes]
    if missing:
        raise ResultsError(f"{d / 'outcomes.csv.gz'}: no outcome column for target '{missing[0]}'; the files do "
                           "not belong to the same run")
    critical = read_table(d / "criticality.csv", ["milestone"], index_col="milestone")
    # criticality.csv has one row per milestone and one column per target: rows lost from a truncated
    # targets.csv or milestones.csv show up as a mismatch.
    for name, ids, expected in (("targets.csv", list(targets["target"]), [str(c) for c in critical.columns]),
                                ("milestones.csv", list(milestones["milestone"]), [str(i) for i in critical.index])):
        if ids != expected:
            raise ResultsError(f"{d / name}: found {len(ids)} rows; criticality.csv lists {len(expected)} "
                               f"({name[:-5]} ids differ); the file is truncated or was changed")
    return {"targets": targets, "milestones": milestones, "outcomes": outcomes, "inputs": inputs,
            "criticality": critical, "meta": meta,
            "series": _optional(d / "series.csv", lambda p: read_table(p, SERIES_COLUMNS), SERIES_COLUMNS),
            "funding": _optional(d / "funding.csv", lambda p: read_table(p, FUNDING_COLUMNS), FUNDING_COLUMNS),
            "bottlenecks": _optional(d / "bottlenecks.csv", lambda p: read_table(p, ["line"], index_col="line"), None)}


def _optional(path: Path, read: Callable[[Path], pd.DataFrame], columns: list[str] | None) -> pd.DataFrame:
    """A table written only when not empty: read it, or an empty table with ``columns``."""
    return read(path) if path.exists() else pd.DataFrame(columns=columns)


def _read_summaries(d: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``targets.csv`` and ``milestones.csv``, text columns as text ("" for none), values checked."""
    keep = dict.fromkeys(TEXT_COLUMNS, str)
    targets = read_table(d / "targets.csv", [c for c in TARGET_COLUMNS if c not in LATER_TARGET_COLUMNS],
                         dtype=keep, keep_default_na=False, na_values=[""])
    for col, default in LATER_TARGET_COLUMNS.items():  # a folder written before the status date existed
        if col not in targets:
            targets[col] = default
    targets = targets[TARGET_COLUMNS + [c for c in targets.columns if c not in TARGET_COLUMNS]]
    milestones = read_table(d / "milestones.csv", MILESTONE_COLUMNS, dtype=keep, keep_default_na=False,
                            na_values=[""])
    for table in (targets, milestones):
        for col in keep:
            if col in table:
                table[col] = table[col].fillna("")
    check_values(d / "targets.csv", targets, ("target", "title", "kind", "deadline"), ("p_met", "ci_low", "ci_high"),
                 ("deadline", "p10", "p50", "p80", "p90"))
    check_values(d / "milestones.csv", milestones, ("milestone", "title"), (), ("deadline", "p10", "p50", "p80", "p90"))
    return targets, milestones


def _read_replications(d: Path, meta: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``outcomes.csv.gz`` and ``inputs.csv.gz``, each with one complete numeric row per replication kept.

    That is ``kept_replications`` of ``run.json`` when the run kept only the first ones, else ``iterations``.
    """
    outcomes = read_table(d / "outcomes.csv.gz", ["replication"], index_col="replication")
    inputs = read_table(d / "inputs.csv.gz", ["replication"], index_col="replication")
    key = "kept_replications" if "kept_replications" in meta else "iterations"
    for name, table in (("outcomes.csv.gz", outcomes), ("inputs.csv.gz", inputs)):
        numeric = table.apply(pd.to_numeric, errors="coerce")
        if len(table) != meta[key] or numeric.isna().to_numpy().any():
            holes = " with missing or non-numeric values" if len(table) == meta[key] else ""
            raise ResultsError(f"{d / name}: found {len(table)} rows{holes}; "
                               f"expected {meta[key]} complete rows (run.json: {key}); the file is "
                               "truncated or was changed — run the scenario again")
    return outcomes, inputs


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# Optional keys of run.json that the report reads: absent is fine, another type is a changed file.
META_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "title": (lambda v: isinstance(v, str), "text"),
    "scenario": (lambda v: isinstance(v, str), "a file path"),
    "scenario_sha256": (lambda v: isinstance(v, str), "text"),
    "conventions": (lambda v: isinstance(v, str), "text"),
    "engine": (lambda v: isinstance(v, str), "text"),
    "sampling": (lambda v: isinstance(v, str), "text"),
    "seed": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number ≥ 0"),
    "labels": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), "a mapping of text"),
    "shocks": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v), "a list of objects"),
    "wall_time_s": (_is_number, "a number"),
    "max_half_width": (_is_number, "a number"),
    "kept_replications": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, "a whole number ≥ 1"),
}


def read_meta(path: Path) -> dict:
    """``run.json``: a JSON object with ``iterations`` (≥ 1), ``start`` and ``horizon`` (ISO dates), checked."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing; a results folder written by `readiness run` has run.json") from None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc}); the file is truncated or was changed") from None
    if not isinstance(meta, dict):
        raise ResultsError(f"{path}: found {type(meta).__name__}; expected a JSON object with the run's metadata")
    problems = []
    if isinstance(meta.get("iterations"), bool) or not isinstance(meta.get("iterations"), int) or meta["iterations"] < 1:
        problems.append(f"iterations {meta.get('iterations')!r} (expected a whole number ≥ 1)")
    for key in ("start", "horizon"):
        try:
            dt.date.fromisoformat(str(meta.get(key)))
        except ValueError:
            problems.append(f"{key} {meta.get(key)!r} (expected an ISO date)")
    for key, (ok, expected) in META_TYPES.items():
        if key in meta and meta[key] is not None and not ok(meta[key]):
            problems.append(f"{key} {meta[key]!r} (expected {expected})")
    if problems:
        raise ResultsError(f"{path}: found " + ", ".join(problems) + "; the file is truncated or was changed")
    return meta


def read_table(path: Path, columns: Sequence[str], **options: Any) -> pd.DataFrame:
    """A CSV (optionally gzip) file with the given ``columns`` at least, or a :class:`ResultsError` naming it."""
    try:
        table = pd.read_csv(path, **options)
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing; run the scenario again to write a complete results folder") from None
    # pandas raises all these for a damaged file
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, pd.errors.ParserError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsError(f"{path}: cannot be read ({message}); the file is truncated or was changed") from None
    names = list(table.columns) + ([table.index.name] if table.index.name else [])
    absent = [c for c in columns if c not in names]
    if absent:
        raise ResultsError(f"{path}: no column {', '.join(absent)}; expected a file written by `readiness run`")
    return table


def check_values(path: Path, table: pd.DataFrame, text_columns: Sequence[str], probability_columns: Sequence[str],
                 date_columns: Sequence[str]) -> None:
    """Check required values; rows cut short (a file truncated mid-row) leave them empty, non-numeric or half dates.

    Probability columns are converted to numbers in place.

    Raises
    ------
    ResultsError
        Naming the file, the row (as a line number) and the column.
    """
    for col in date_columns:
        for row, value in enumerate(table[col]):
            try:
                if value != "":
                    dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                raise ResultsError(f"{path}:{row + 2}: {col}: found {value!r}; expected an ISO date or nothing "
                                   "(the file is truncated or was changed)") from None
    for col in text_columns:
        if (table[col].astype(str).str.len() == 0).any():
            row = int(np.flatnonzero(table[col].astype(str).str.len().to_numpy() == 0)[0]) + 2
            raise ResultsError(f"{path}:{row}: empty {col}; the file is truncated or was changed")
    for col in probability_columns:
        values = pd.to_numeric(table[col], errors="coerce")
        bad = values.isna() | (values < 0) | (values > 1)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ResultsError(f"{path}:{row + 2}: {col}: found {table[col].iloc[row]!r}; expected a probability "
                               "from 0 to 1 (the file is truncated or was changed)")
        table[col] = values


__all__ = ["META_TYPES", "ResultsError", "check_values", "read_folder", "read_meta", "read_table", "write_tables"]
