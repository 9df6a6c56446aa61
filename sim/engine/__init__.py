"""Engines: pure functions from a compiled network and sampled inputs to completion times.

SimPy is the reference engine (:mod:`sim.engine.milestones`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..sampling import Inputs
from .milestones import Money, TraceSink, simulate
from .money import Curves, MoneyNetwork
from .network import Network

__all__ = ["BatchOutcome", "MoneyNetwork", "Network", "simulate", "simulate_batch", "TraceSink"]


def _risk_columns(net: Network, inputs: Inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    count = inputs.values.shape[0]
    occurs = np.zeros((count, len(net.risks)))
    delay = np.zeros((count, len(net.risks)))
    time = np.zeros((count, len(net.risks)))
    for r, (occ, dly, tim, _) in enumerate(net.risks):
        occurs[:, r] = inputs.column(occ)
        delay[:, r] = inputs.column(dly)
        if tim is not None:
            time[:, r] = inputs.column(tim)
    return occurs, delay, time


@dataclass
class BatchOutcome:
    """What the engine computes for a batch of replications.

    Attributes
    ----------
    done : numpy.ndarray
        ``(count, milestones)`` completion times (days; ``inf`` = not by the horizon).
    requested, committed : numpy.ndarray
        ``(count, parts)`` when each programme part asked for its money and when it was committed.
    series : numpy.ndarray
        ``(count, observables, months)`` money observables and indicators on the monthly grid (float32).
    money_times : numpy.ndarray
        ``(count, money targets)`` when each indicator target's value is first reached.
    """

    done: np.ndarray
    requested: np.ndarray
    committed: np.ndarray
    series: np.ndarray
    money_times: np.ndarray

    @staticmethod
    def concat(parts: list["BatchOutcome"]) -> "BatchOutcome":
        return BatchOutcome(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                              ("done", "requested", "committed", "series", "money_times")))


def simulate_batch(net: Network, inputs: Inputs, trace_row: int | None = None,
                   trace: TraceSink | None = None) -> BatchOutcome:
    """Simulate every replication of ``inputs`` (or replay ``trace_row`` of them with ``trace``)."""
    durations = net.durations(inputs)
    shift = net.shift(inputs)
    occurs, delay, time = _risk_columns(net, inputs)
    mnet = net.money
    if mnet is not None:
        pool_envelope = mnet.pool_envelopes(inputs)
        amounts = mnet.amounts(inputs)
        cuts = mnet.cut_shares(inputs)
    rows = range(len(durations)) if trace_row is None else [trace_row]
    results = []
    for i in rows:
        money = Money(mnet, pool_envelope[i], amounts[i], cuts[i]) if mnet is not None else None
        results.append(simulate(net, durations[i], occurs[i], delay[i], time[i], shift[i], money,
                                trace if trace_row is not None else None))
    count, n_parts = len(rows), len(mnet.parts) if mnet else 0
    done = np.array([r[0] for r in results]).reshape(count, len(net.ids))
    requested = np.array([r[1] for r in results]).reshape(count, n_parts)
    committed = np.array([r[2] for r in results]).reshape(count, n_parts)
    if mnet is None:
        return BatchOutcome(done, requested, committed, np.zeros((count, 0, 0), np.float32), np.zeros((count, 0)))
    sub = inputs if trace_row is None else Inputs(inputs.names, inputs.values[[trace_row]], inputs.first + trace_row)
    curves = Curves(mnet, sub, done, durations[list(rows)], committed)
    series = np.stack([curves.value(name, mnet.monthly) for name in mnet.observables], axis=1).astype(np.float32) \
        if mnet.observables else np.zeros((count, 0, len(mnet.monthly)), np.float32)
    money_times = np.column_stack([curves.first_reach(name, threshold, mnet.weekly)
                                   for _, name, threshold in mnet.targets]) if mnet.targets else np.zeros((count, 0))
    return BatchOutcome(done, requested, committed, series, money_times)
