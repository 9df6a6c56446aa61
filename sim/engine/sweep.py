"""The fast engine for plain networks (no money, no production lines): one topological sweep.

Vectorised across replications with numpy — the same semantics as the SimPy engine, without an event loop.

A milestone is ready when ``need`` of its dependencies are done (the ``need``-th smallest of their times),
then waits for its duration. Risks that hit it before it is done add their delays, consumed as the SimPy
process consumes them: the delays pending when its work ends, then those that hit during that wait, and so
on until none is pending. A ``delay`` shock then shifts it, shielded from further risks. Risks without a
window occur when the run starts and hit every milestone they affect.
"""

from __future__ import annotations

import math

import numpy as np

from .network import Network


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
    done = np.full((count, n), math.inf)
    hitting: list[list[int]] = [[] for _ in range(n)]
    for r, (_, affected) in enumerate(net.risks):
        for i in affected:
            hitting[i].append(r)
    windowed = np.array([r.windowed for r in net.risks], dtype=bool)
    # when each risk happens: -inf for risks without a window (at the start, before anything is done),
    # +inf for risks that do not occur
    when = np.where(occurs > 0, np.where(windowed[None, :], time, -math.inf), math.inf) if net.risks \
        else np.zeros((count, 0))
    for i in topological_order(net):
        if net.gated[i] if net.gated else False:
            continue  # a metric gate needs money or production: never done in a plain network
        if not math.isnan(net.observed[i]):
            done[:, i] = net.observed[i]
            continue
        deps = net.deps[i]
        if not deps:
            ready = np.zeros(count)
        elif len(deps) == 1:
            ready = done[:, deps[0]]
        elif net.need[i] == len(deps):  # all of them
            ready = done[:, list(deps)].max(axis=1)
        elif net.need[i] == 1:  # any of them
            ready = done[:, list(deps)].min(axis=1)
        else:  # the k-th to be done
            k = net.need[i] - 1
            ready = np.partition(done[:, list(deps)], k, axis=1)[:, k]
        d = durations[:, i]
        t = np.where(d > 0, ready + d, ready)
        while True:  # not done by the status date: done only after it (the floor; as milestones.py, step by step)
            gap = net.floor[i] - t
            short = gap > 0
            if not short.any():
                break
            t = np.where(short, t + gap, t)
        risks = hitting[i]
        if risks:
            at = when[:, risks]
            dl = delay[:, risks]
            since = np.full(count, -math.inf)
            while True:
                pending = np.where((at >= since[:, None]) & (at < t[:, None]), dl, 0.0).sum(axis=1)
                pending = np.where(np.isfinite(t), pending, 0.0)
                if not (pending > 0).any():
                    break
                since = np.where(pending > 0, t, since)
                t = np.where(pending > 0, t + pending, t)
                # a replication without pending delays is done; keep it out of later rounds
                since = np.where(pending > 0, since, math.inf)
        s = shift[:, i]
        done[:, i] = np.where(s > 0, t + s, t)
    done[done > net.horizon] = math.inf
    return dict(done=done, requested=np.zeros((count, 0)), committed=np.zeros((count, 0)),
                committed_amount=np.zeros((count, 0)), started=np.zeros((count, 0)), delivered=np.zeros((count, 0)),
                ramp_start=np.zeros((count, 0)), hits=None)
