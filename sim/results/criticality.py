"""Criticality: how often each milestone (and each production line) lies on the path that decides a target.

The driving path of a target runs from the milestone that decides its date (for all-of targets the latest
member, for any-of the earliest) back through driving predecessors (:func:`driving_predecessor`).
"""

from __future__ import annotations

import math

import numpy as np

from .. import calendar as cal
from ..engine import Network
from ..scenario import Scenario


def driving_predecessor(net: Network, done: np.ndarray) -> np.ndarray:
    """Per replication and milestone, the dependency whose completion released it (−1: none).

    For all-of that is the last dependency done, for any-of the first, for k-of-n the k-th, in the order of a
    stable sort of their times (among equal times the one listed first comes first: all-of then picks the tied
    one listed last, any-of the one listed first). Observed milestones have none.
    """
    driver = np.full(done.shape, -1, dtype=np.int32)
    for i, deps in enumerate(net.deps):
        if not deps or not math.isnan(net.observed[i]):
            continue
        dep_times = done[:, list(deps)]
        need = net.need[i]
        if need == len(deps):  # all-of: the last done (among ties, the one a stable sort puts last)
            pick = len(deps) - 1 - np.argmax(dep_times[:, ::-1], axis=1)
        elif need == 1:  # any-of: the first done (among ties, the first listed)
            pick = np.argmin(dep_times, axis=1)
        else:
            pick = np.argsort(dep_times, axis=1, kind="stable")[:, need - 1]
        driver[:, i] = np.asarray(deps)[pick]
    return driver


def criticality(scenario: Scenario, net: Network, done: np.ndarray, times: np.ndarray,
                delivered: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How often each milestone is on the driving path of each target: :func:`criticality_counts` as shares.

    The arguments and the three arrays are those of :func:`criticality_counts`, divided by the number of
    replications.
    """
    n = done.shape[0]
    missed, by_target, bottleneck = criticality_counts(scenario, net, done, times, delivered)
    return missed / n, by_target / n, bottleneck / n  # the shares numpy's mean of a bool column gives


def criticality_counts(scenario: Scenario, net: Network, done: np.ndarray, times: np.ndarray,
                       delivered: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """In how many replications each milestone is on the driving path of each target (counts add over batches).

    Parameters
    ----------
    done : numpy.ndarray
        ``(replications, milestones)`` completion times, days since the start.
    times : numpy.ndarray
        ``(replications, targets)`` target event times, days since the start.
    delivered : numpy.ndarray, optional
        ``(replications, orders)`` delivery times of the production orders, days since the start.

    Returns
    -------
    missed : numpy.ndarray
        Per milestone, replications in which it is on the driving path of at least one target that is missed.
    by_target : numpy.ndarray
        ``(milestones, targets)``: replications in which the milestone is on the target's driving path.
    bottleneck : numpy.ndarray
        ``(lines, targets)``: replications in which a milestone waiting for deliveries is on the target's
        driving path and the line's order was the last of its orders delivered — the line was the bottleneck.
        Targets decided by a metric (indicator targets, metric gates) get no attribution.
    """
    n, m = done.shape
    drivers = driving_predecessor(net, done)
    anchor = _Anchors(scenario, net, done, times)
    driving_line = _driving_lines(net, delivered)
    on_missed_path = np.zeros((n, m), dtype=bool)
    by_target = np.zeros((m, len(scenario.targets)), dtype=np.int64)
    bottleneck = np.zeros((len(scenario.lines), len(scenario.targets)), dtype=np.int64)
    for j, t in enumerate(scenario.targets):
        on_path = _driving_path(anchor(t.members[0] if t.kind == "milestone" else t.id), drivers, m)
        by_target[:, j] = on_path.sum(axis=0)
        missed = times[:, j] > cal.deadline_time(t.deadline, scenario.start)
        on_missed_path |= on_path & missed[:, None]
        if driving_line is not None:
            for k in range(len(scenario.lines)):
                decided = np.zeros(n, dtype=bool)
                for i, line_of in driving_line.items():
                    decided |= on_path[:, i] & (line_of == k)
                bottleneck[k, j] = decided.sum()
    return on_missed_path.sum(axis=0), by_target, bottleneck


class _Anchors:
    """``anchor(member)``: per replication, the milestone deciding a milestone's or target's date (−1: none).

    A class rather than a recursive closure: a closure that calls itself is a reference cycle, which would keep
    a batch's arrays alive until the next garbage collection instead of freeing them with the batch.
    """

    def __init__(self, scenario: Scenario, net: Network, done: np.ndarray, times: np.ndarray):
        self.done, self.times, self.n = done, times, done.shape[0]
        self.column = {mid: i for i, mid in enumerate(net.ids)}
        self.by_id = {t.id: j for j, t in enumerate(scenario.targets)}
        self.explicit = {t.id: t for t in scenario.targets if t.kind != "milestone"}

    def __call__(self, member: str) -> np.ndarray:
        if member not in self.explicit:
            return np.full(self.n, self.column[member])
        t = self.explicit[member]
        if t.kind == "indicator":  # decided by money flows, not by one milestone chain
            return np.full(self.n, -1)
        member_times = np.column_stack([self.times[:, self.by_id[x]] if x in self.explicit else
                                        self.done[:, self.column[x]] for x in t.members])
        pick = member_times.argmax(axis=1) if t.kind == "all_of" else member_times.argmin(axis=1)
        anchors = np.column_stack([self(x) for x in t.members])
        return anchors[np.arange(self.n), pick]


def _driving_path(start: np.ndarray, drivers: np.ndarray, milestones: int) -> np.ndarray:
    """``(replications, milestones)``: whether each milestone is on the chain from ``start`` back via ``drivers``."""
    n = len(start)
    rows = np.arange(n)
    on_path = np.zeros((n, milestones), dtype=bool)
    current = start.copy()
    while (active := current >= 0).any():
        on_path[rows[active], current[active]] = True
        current[active] = drivers[rows[active], current[active]]
    return on_path


def _driving_lines(net: Network, delivered: np.ndarray | None) -> dict[int, np.ndarray] | None:
    """Milestone index → per replication, the line whose order it waited for last (None without lines)."""
    if net.lines is None or delivered is None or not delivered.shape[1]:
        return None
    driving_line = {}
    for i, orders in enumerate(net.lines.milestone_orders):
        if orders:
            last = np.argmax(np.where(np.isfinite(delivered[:, list(orders)]), delivered[:, list(orders)], np.inf), axis=1)
            driving_line[i] = np.array([net.lines.orders[o][1] for o in orders])[last]
    return driving_line


__all__ = ["criticality", "criticality_counts", "driving_predecessor"]
