"""What every part of one SimPy replication shares: the environment, each milestone's completion event, the trace.

The parts — milestone processes and risks (:mod:`sim.engine.milestones`), pools (:mod:`sim.engine.simpy_money`)
and lines (:mod:`sim.engine.simpy_lines`) — talk to each other only through these events, so each can be read
(and tested) alone.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
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
