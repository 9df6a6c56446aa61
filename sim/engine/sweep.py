"""The fast engine for plain networks (no money, no production lines): one topological sweep.

Compiled (numba) over replications and milestones — the same semantics as the SimPy engine, without an event
loop.

A milestone is ready when ``need`` of its dependencies are done (the ``need``-th smallest of their times),
then waits for its duration. Risks that hit it before it is done add their delays, consumed as the SimPy
process consumes them: the delays pending when its work ends, then those that hit during that wait, and so
on until none is pending. A ``delay`` shock then shifts it, shielded from further risks. Risks without a
window occur when the run starts and hit every milestone they affect.

The compiled sweep does the arithmetic of the numpy sweep it replaced, step by step and in the same order
(a sum of pending delays as numpy's pairwise sum), so its times are those numbers bit for bit; NaN times
order as numpy orders them (``max`` and ``min`` return NaN, a partition puts it last).
"""

from __future__ import annotations

import math

import numpy as np

from .compiled import compiled
from .network import Network, csr


def topological_order(net: Network) -> list[int]:
    """Milestone indices with every dependency before its dependants (scenario order among equals)."""
    waiting = [len(d) for d in net.deps]
    dependants: list[list[int]] = [[] for _ in net.deps]
    for i, deps in enumerate(net.deps):
        for d in deps:
            dependants[d].append(i)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    order = []
    while ready:
        i = ready.pop(0)
        order.append(i)
        for j in dependants[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    if len(order) != len(net.deps):
        raise ValueError("the milestone network has a cycle")
    return order


def simulate(net: Network, durations: np.ndarray, shift: np.ndarray, occurs: np.ndarray, delay: np.ndarray,
             time: np.ndarray) -> dict:
    """Completion times ``(count, milestones)`` of a plain network (days; ``inf``: not by the horizon)."""
    count, n = durations.shape
    hitting: list[list[int]] = [[] for _ in range(n)]
    for r, (_, affected) in enumerate(net.risks):
        for i in affected:
            hitting[i].append(r)
    windowed = np.array([r.windowed for r in net.risks], dtype=bool)
    # when each risk happens: -inf for risks without a window (at the start, before anything is done),
    # +inf for risks that do not occur
    when = np.where(occurs > 0, np.where(windowed[None, :], time, -math.inf), math.inf) if net.risks \
        else np.zeros((count, 0))
    dep_ptr, dep_idx = csr(net.deps)
    hit_ptr, hit_idx = csr(hitting)
    skip = np.array([bool(net.gated[i]) if net.gated else False for i in range(n)])  # metric gates: never done
    done = np.full((count, n), math.inf)
    widest = max([len(d) for d in net.deps] + [len(h) for h in hitting] + [1])
    f = np.ascontiguousarray
    _sweep(np.array(topological_order(net), dtype=np.int64), dep_ptr, dep_idx, np.array(net.need, dtype=np.int64), skip,
           np.asarray(net.observed, dtype=float), np.asarray(net.floor, dtype=float), hit_ptr, hit_idx,
           f(durations, float), f(shift, float), f(when, float), f(delay, float), float(net.horizon), done,
           np.empty(widest), np.zeros((64, 4)))
    return dict(done=done, requested=np.zeros((count, 0)), committed=np.zeros((count, 0)),
                committed_amount=np.zeros((count, 0)), started=np.zeros((count, 0)), delivered=np.zeros((count, 0)),
                ramp_start=np.zeros((count, 0)), hits=None)


@compiled(nogil=True)
def _sweep(order, dep_ptr, dep_idx, need, skip, observed, floor, hit_ptr, hit_idx, durations, shift, when, delay,
           horizon, done, scratch, stack):  # pragma: no cover - compiled
    """Fill ``done`` ``(count, milestones)`` (``inf`` on entry) replication by replication, in ``order``.

    ``scratch`` holds at least as many values as the most dependencies or risks of a milestone; ``stack`` is
    :func:`pairwise_sum`'s.
    """
    count = done.shape[0]
    for c in range(count):
        for i in order:
            if skip[i]:
                continue  # a metric gate needs money or production: never done in a plain network
            if not math.isnan(observed[i]):
                done[c, i] = observed[i]
                continue
            a, b = dep_ptr[i], dep_ptr[i + 1]
            t = 0.0 if b == a else done[c, dep_idx[a]]
            if b - a > 1 and (need[i] == b - a or need[i] == 1):  # the latest or the earliest; NaN if any is
                latest = need[i] == b - a
                for q in range(a + 1, b):
                    v = done[c, dep_idx[q]]
                    if v != v or t != t:
                        t = math.nan
                    elif (v > t) if latest else (v < t):
                        t = v
            elif b - a > 1:
                t = kth_smallest(done, c, dep_idx, a, b, need[i] - 1, scratch)
            d = durations[c, i]
            if d > 0:
                t = t + d
            while True:  # not done by the status date: done only after it (the floor; as milestones.py)
                gap = floor[i] - t
                if not gap > 0:
                    break
                t = t + gap
            a, b = hit_ptr[i], hit_ptr[i + 1]
            since = -math.inf
            while b > a:  # the risk delays pending when the work ends, then those that hit meanwhile, ...
                for q in range(a, b):
                    at = when[c, hit_idx[q]]
                    scratch[q - a] = delay[c, hit_idx[q]] if at >= since and at < t else 0.0
                pending = 0.0 + pairwise_sum(scratch, 0, b - a, stack) if math.isfinite(t) else 0.0
                if not pending > 0:
                    break
                since = t
                t = t + pending
            s = shift[c, i]
            done[c, i] = t + s if s > 0 else t
        for i in range(done.shape[1]):
            if done[c, i] > horizon:
                done[c, i] = math.inf


@compiled()
def kth_smallest(done, c, deps, a, b, k, scratch):  # pragma: no cover - compiled
    """The ``k``-th smallest (from 0) of ``done[c, deps[a:b]]``, NaN last: numpy's partition (insertion sort)."""
    for q in range(b - a):
        v = done[c, deps[a + q]]
        p = q
        while p > 0 and (scratch[p - 1] != scratch[p - 1] and v == v or scratch[p - 1] > v):
            scratch[p] = scratch[p - 1]
            p -= 1
        scratch[p] = v
    return scratch[k]


@compiled()
def pairwise_sum(a, start, n, stack):  # pragma: no cover - compiled
    """``a[start:start + n]`` summed as numpy sums a contiguous row: its pairwise sum.

    numpy halves a row of more than 128 values (the first half a multiple of 8 long) and adds the halves' sums,
    recursively; a block of at most 128 values is summed in 8 lanes. The halving runs on ``stack`` ``(64, 4)``
    (start, length, whether the left half is summed, its sum; 64 levels hold any length) instead of recursion,
    which numba's cache of compiled code does not survive.
    """
    if n <= 128:
        return _block_sum(a, start, n)
    top = 0
    stack[0, 0], stack[0, 1], stack[0, 2] = start, n, 0.0
    while True:
        s, m = int(stack[top, 0]), int(stack[top, 1])
        if m > 128:  # halve: the left half first
            top += 1
            stack[top, 0], stack[top, 1], stack[top, 2] = s, m // 2 - (m // 2) % 8, 0.0
            continue
        value = _block_sum(a, s, m)
        while top > 0:  # hand the sum up: a left half waits for its right, a right half completes its parent
            top -= 1
            if stack[top, 2] == 0.0:
                stack[top, 2], stack[top, 3] = 1.0, value
                ps, pm = int(stack[top, 0]), int(stack[top, 1])
                top += 1
                stack[top, 0], stack[top, 1], stack[top, 2] = ps + pm // 2 - (pm // 2) % 8, pm - (pm // 2 - (pm // 2) % 8), 0.0
                break
            value = stack[top, 3] + value
        else:
            return value


@compiled()
def _block_sum(a, start, n):  # pragma: no cover - compiled
    """The sum of at most 128 contiguous values as numpy adds them: in order below 8, else in 8 lanes, then the rest."""
    if n < 8:
        res = -0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = start + 8
    while i < start + n - n % 8:
        r0, r1, r2, r3 = r0 + a[i], r1 + a[i + 1], r2 + a[i + 2], r3 + a[i + 3]
        r4, r5, r6, r7 = r4 + a[i + 4], r5 + a[i + 5], r6 + a[i + 6], r7 + a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < start + n:
        res += a[i]
        i += 1
    return res
