"""Criticality: how often each milestone (and each production line) lies on the path that decides a target.

The driving path of a target runs from the milestone that decides its date (for all-of targets the latest
member, for any-of the earliest) back through driving predecessors (:func:`driving_predecessor`).

The per-replication work — each milestone's driving predecessor, and the walk of every target's path — is
compiled (numba): in numpy it took a fancy-indexed copy per milestone and a masked step per path position, a
third of the time of a plain network's run.
"""

from __future__ import annotations

import math

import numpy as np

from .. import calendar as cal
from ..engine import Network
from ..engine.compiled import compiled
from ..engine.network import csr
from ..scenario import Scenario
from .targets import decisive_member


def driving_predecessor(net: Network, done: np.ndarray) -> np.ndarray:
    """Per replication and milestone, the dependency whose completion released it (−1: none).

    For all-of that is the last dependency done, for any-of the first, for k-of-n the k-th, in the order of a
    stable sort of their times (among equal times the one listed first comes first: all-of then picks the tied
    one listed last, any-of the one listed first). NaN times sort last, as numpy sorts them. Observed
    milestones have none.
    """
    ptr, idx, need = _dependencies(net)
    driver = np.empty(done.shape, dtype=np.int32)
    _drivers(np.ascontiguousarray(done, dtype=float), ptr, idx, need, driver)
    return driver


@compiled(nogil=True)
def _drivers(done, ptr, idx, need, driver):  # pragma: no cover - compiled
    """Fill ``driver`` ``(replications, milestones)`` as :func:`driving_predecessor` describes."""
    rows, milestones = done.shape
    for r in range(rows):
        for i in range(milestones):  # _driver_of, written out: a call per milestone tripled the time
            a, b, k = ptr[i], ptr[i + 1], need[i]
            if b == a or k == 0:
                driver[r, i] = -1
            elif b - a == 1:
                driver[r, i] = idx[a]
            elif k == b - a:
                driver[r, i] = idx[_last_latest(done, r, idx, a, b)]
            elif k == 1:
                driver[r, i] = idx[_first_earliest(done, r, idx, a, b)]
            else:
                driver[r, i] = idx[_kth(done, r, idx, a, b, k - 1)]


@compiled()
def _driver_of(done, r, i, ptr, idx, need):  # pragma: no cover - compiled
    """The driving predecessor of milestone ``i`` in replication ``r`` (−1: none)."""
    a, b, k = ptr[i], ptr[i + 1], need[i]
    if b == a or k == 0:
        return -1
    if b - a == 1:
        return idx[a]
    if k == b - a:
        return idx[_last_latest(done, r, idx, a, b)]
    if k == 1:
        return idx[_first_earliest(done, r, idx, a, b)]
    return idx[_kth(done, r, idx, a, b, k - 1)]


@compiled()
def _last_latest(done, r, idx, a, b):  # pragma: no cover - compiled
    """All-of: the position of the last of the latest times in ``done[r, idx[a:b]]`` (a NaN: the last NaN)."""
    pick = b - 1
    best = done[r, idx[pick]]
    if best != best:
        return pick
    for q in range(b - 2, a - 1, -1):  # from the end, as numpy's argmax of the reversed times
        v = done[r, idx[q]]
        if v != v:
            return q
        if v > best:
            best, pick = v, q
    return pick


@compiled()
def _first_earliest(done, r, idx, a, b):  # pragma: no cover - compiled
    """Any-of: the position of the first of the earliest times in ``done[r, idx[a:b]]`` (a NaN: the first NaN)."""
    pick = a
    best = done[r, idx[a]]
    if best != best:
        return pick
    for q in range(a + 1, b):
        v = done[r, idx[q]]
        if v != v:
            return q
        if v < best:
            best, pick = v, q
    return pick


@compiled()
def _kth(done, r, idx, a, b, k):  # pragma: no cover - compiled
    """k-of-n: the position a stable sort of ``done[r, idx[a:b]]`` (NaN last) puts at ``k``."""
    for q in range(a, b):
        v = done[r, idx[q]]
        rank = 0
        for p in range(a, b):
            w = done[r, idx[p]]
            if v != v:
                rank += (w == w) or p < q
            else:
                rank += w < v or (w == v and p < q)
        if rank == k:
            return q
    return a  # not reached: some position holds rank k


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
    targets = scenario.targets
    anchor = _Anchors(scenario, net, done, times)
    anchors = np.empty((n, len(targets)), dtype=np.int64)
    for j, t in enumerate(targets):
        anchors[:, j] = anchor(t.members[0] if t.kind == "milestone" else t.id)
    deadlines = np.array([cal.deadline_time(t.deadline, scenario.start) for t in targets], dtype=float)
    missed = times > deadlines
    line_of = _driving_lines(net, delivered, n, m)
    on_missed_path = np.zeros(m, dtype=np.int64)
    by_target = np.zeros((m, len(targets)), dtype=np.int64)
    bottleneck = np.zeros((len(scenario.lines), len(targets)), dtype=np.int64)
    ptr, idx, need = _dependencies(net)
    _walk_paths(anchors, np.ascontiguousarray(done, dtype=float), ptr, idx, need, missed, line_of, on_missed_path,
                by_target, bottleneck)
    return on_missed_path, by_target, bottleneck


@compiled(nogil=True, refcount=True)  # allocates its marks
def _walk_paths(anchors, done, ptr, idx, need, missed, line_of, on_missed_path, by_target, bottleneck):  # pragma: no cover
    """Count each target's driving path, from ``anchors`` back through driving predecessors, into the three counts.

    A milestone's driving predecessor is found when a path first reaches it in a replication, and remembered
    for the other targets' paths of that replication (paths visit a few of the milestones, and share them).
    ``line_of`` is ``(replications, milestones)``: the line a milestone waited for last (−1: none; no rows: no
    lines); a line counts once per replication and target however many milestones of the path waited for it.
    """
    rows, targets = anchors.shape
    milestones = len(need)
    lines = bottleneck.shape[0]
    driver = np.empty(milestones, dtype=np.int64)
    known = np.full(milestones, -1, dtype=np.int64)  # the replication whose driver[i] is known
    marked = np.full(milestones, -1, dtype=np.int64)  # the last replication a milestone was counted as missed in
    seen = np.full(max(lines, 1), -1, dtype=np.int64)  # the last (replication, target) a line was counted for
    for r in range(rows):
        for j in range(targets):
            stamp = r * targets + j
            i = anchors[r, j]
            while i >= 0:
                by_target[i, j] += 1
                if missed[r, j] and marked[i] != r:
                    marked[i] = r
                    on_missed_path[i] += 1
                k = line_of[r, i] if line_of.shape[0] else -1
                if k >= 0 and seen[k] != stamp:
                    seen[k] = stamp
                    bottleneck[k, j] += 1
                if known[i] != r:
                    known[i] = r
                    driver[i] = _driver_of(done, r, i, ptr, idx, need)
                i = driver[i]


def _dependencies(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dependencies as compressed rows (pointers, indices) and how many each needs (0: observed, no driver)."""
    ptr, idx = csr(net.deps)
    need = np.array([0 if not math.isnan(net.observed[i]) else net.need[i] for i in range(len(net.deps))],
                    dtype=np.int64)
    return ptr, idx, need


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
        if not any(x in self.explicit for x in t.members):  # milestones only: one compiled pass, no stacking
            cols = np.array([self.column[x] for x in t.members], dtype=np.int64)
            return cols[decisive_member(self.done, cols, t.kind == "all_of")[1]]
        member_times = np.column_stack([self.times[:, self.by_id[x]] if x in self.explicit else
                                        self.done[:, self.column[x]] for x in t.members])
        pick = member_times.argmax(axis=1) if t.kind == "all_of" else member_times.argmin(axis=1)
        anchors = np.column_stack([self(x) for x in t.members])
        return anchors[np.arange(self.n), pick]


def _driving_lines(net: Network, delivered: np.ndarray | None, n: int, m: int) -> np.ndarray:
    """``(replications, milestones)``: the line whose order a milestone waited for last (−1: none); no rows without lines."""
    if net.lines is None or delivered is None or not delivered.shape[1]:
        return np.full((0, m), -1, dtype=np.int64)
    line_of = np.full((n, m), -1, dtype=np.int64)
    for i, orders in enumerate(net.lines.milestone_orders):
        if orders:
            last = np.argmax(np.where(np.isfinite(delivered[:, list(orders)]), delivered[:, list(orders)], np.inf), axis=1)
            line_of[:, i] = np.array([net.lines.orders[o][1] for o in orders])[last]
    return line_of


__all__ = ["criticality", "criticality_counts", "driving_predecessor"]
