"""What every part of one SimPy replication shares: the environment, each milestone's completion event, the trace.

The parts — milestone processes and risks (:mod:`sim.engine.milestones`), pools (:mod:`sim.engine.simpy_money`)
and lines (:mod:`sim.engine.simpy_lines`) — talk to each other only through these events, so each can be read
(and tested) alone.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import simpy

TraceSink = Callable[[float, str, str, str], None]  # (time in days, event, milestone or risk id, detail)

# A SimPy process body: yields events, is resumed with their values, returns nothing.
ProcessBody = Generator[simpy.Event, Any, None]


@dataclass
class Shared:
    """The environment of one replication and what its parts read from each other.

    Attributes
    ----------
    env : simpy.Environment
        Simulated time is in days.
    finished : list of simpy.Event
        Per milestone, the event that succeeds when it is done (pools open and lines ramp up on it).
    ids : tuple of str
        Milestone ids, for the trace.
    trace : callable or None
        Receives ``(time, event, id, detail)`` for every event; ``None``: no trace (nothing is formatted).
    """

    env: simpy.Environment
    finished: list[simpy.Event]
    ids: tuple[str, ...]
    trace: TraceSink | None = None

    @classmethod
    def of(cls, ids: tuple[str, ...], trace: TraceSink | None = None) -> Shared:
        """A fresh environment with one (not yet triggered) completion event per milestone."""
        env = simpy.Environment()
        return cls(env, [env.event() for _ in ids], tuple(ids), trace)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while one replication runs, and the replication's garbage collected after.

    A replication allocates events, processes and generators that refer to each other, about 800 of them, which
    only the cycle collector frees. Left on, the collector ran every 700 allocations and now and then traversed
    every object of the process (pytest's and numba's included): a quarter of SimPy's time on the baseline
    (4.2-4.6 ms a replication, 3.2-3.5 ms paused). Paused, one young-generation collection at the end frees the
    replication whole. If the collector is already off (the caller's choice, or another thread's replication), it is left
    as it is.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)
