"""Engines: pure functions from a compiled network and sampled inputs to completion times.

SimPy is the reference engine (:mod:`sim.engine.milestones`).
"""

from __future__ import annotations

import numpy as np

from ..sampling import Inputs
from .milestones import TraceSink, simulate
from .network import Network

__all__ = ["Network", "simulate", "simulate_batch", "TraceSink"]


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


def simulate_batch(net: Network, inputs: Inputs, trace_row: int | None = None,
                   trace: TraceSink | None = None) -> np.ndarray:
    """Completion times ``(count, milestones)`` in days for every replication of ``inputs``.

    ``trace_row`` (an index into this batch) replays that replication with ``trace`` receiving its events.
    """
    durations = net.durations(inputs)
    shift = net.shift(inputs)
    occurs, delay, time = _risk_columns(net, inputs)
    rows = range(len(durations)) if trace_row is None else [trace_row]
    done = [simulate(net, durations[i], occurs[i], delay[i], time[i], shift[i], trace if trace_row is not None else None)
            for i in rows]
    return np.array(done).reshape(len(rows), len(net.ids))
