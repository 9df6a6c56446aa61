"""Which rows of a run a chart draws: a target's table row and outcomes column, the targets most at risk."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..errors import did_you_mean
from ..formatting import iso

__all__ = ["outcome_column", "event_row", "target_row", "at_risk_targets"]


def outcome_column(results: Any, target: str) -> str | None:
    """The ``results.outcomes`` column holding ``target``'s event times, if there is one."""
    for column in (f"target:{target}", f"milestone:{target}"):
        if column in results.outcomes:
            return column
    return None


def event_row(results: Any, target: str) -> tuple[pd.Series, str]:
    """The table row describing ``target`` (a target id, else a milestone id) and its outcomes column.

    A milestone's row has its ``p_on_time`` renamed ``p_met``, so both read alike.

    Raises
    ------
    ValueError
        When ``target`` is neither a target nor a milestone of the run, or has no outcomes column.
    """
    targets = results.targets
    if target in set(targets["target"]):
        row = targets[targets["target"] == target].iloc[0]
        candidates = [f"target:{target}", f"milestone:{target}"]
    elif target in set(results.milestones["milestone"]):
        row = results.milestones[results.milestones["milestone"] == target].iloc[0]
        row = row.rename({"p_on_time": "p_met"})
        candidates = [f"milestone:{target}"]
    else:
        raise ValueError(f"target: found '{target}', which is neither a target nor a milestone of this run; "
                         f"targets are {', '.join(targets['target'])}{did_you_mean(target, targets['target'])}")
    for column in candidates:
        if column in results.outcomes:
            return row, column
    raise ValueError(f"target '{target}': no per-replication outcomes column ({' or '.join(candidates)}) "
                     f"in results.outcomes")


def target_row(results: Any, target: str) -> pd.Series:
    """The row of ``results.targets`` for ``target``.

    Raises
    ------
    ValueError
        When ``target`` is not a target of the run (naming the targets, and the nearest id when one is close).
    """
    targets = results.targets
    if target not in set(targets["target"]):
        raise ValueError(f"target: found '{target}', which is not a target of this run; targets are "
                         f"{', '.join(targets['target'])}{did_you_mean(target, targets['target'])}")
    return targets[targets["target"] == target].iloc[0]


def at_risk_targets(results: Any, k: int = 5) -> list[str]:
    """The ``k`` targets least likely to be met (ties: earlier deadline first, then id).

    Targets without per-replication outcomes (an explicit ``milestone:`` target under its own id in results
    written by an older version) are skipped: nothing can be drawn or analysed for them.
    """
    targets = results.targets.assign(_deadline=[iso(d) or dt.date.max for d in results.targets["deadline"]])
    targets = targets[[outcome_column(results, t) is not None for t in targets["target"]]]
    return list(targets.sort_values(["p_met", "_deadline", "target"], kind="stable").head(k)["target"])
