"""The SimPy reference engine: milestones waiting for dependencies, durations and risk delays.

:func:`simulate` is pure: given the network and one replication's sampled inputs it always returns the same
completion times. Simultaneous events are ordered by SimPy's (time, priority, insertion) rule, and processes
are created in scenario order, so the order is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy
from simpy.events import Condition

from .network import Network

TraceSink = Callable[[float, str, str, str], None]  # (time in days, event, milestone or risk id, detail)


def simulate(net: Network, durations: np.ndarray, risk_occurs: np.ndarray, risk_delay: np.ndarray,
             risk_time: np.ndarray, shift: np.ndarray | None = None, trace: TraceSink | None = None) -> np.ndarray:
    """Run one replication.

    Parameters
    ----------
    net : Network
    durations : numpy.ndarray
        Effective duration of each milestone (days).
    risk_occurs, risk_delay, risk_time : numpy.ndarray
        Per risk: whether it occurs (0/1), its delay (days) and its time (days; ignored without a window).
    trace : callable, optional
        Receives ``(time, event, id, detail)`` for every event, for replaying a replication.

    Returns
    -------
    numpy.ndarray
        Completion time of each milestone (days since start); ``inf`` when not done by the horizon.
    """
    env = simpy.Environment()
    n = len(net.ids)
    done = np.full(n, math.inf)
    finished = [env.event() for _ in range(n)]
    pending_delay = [0.0] * n
    shielded = [False] * n  # being shifted by a delay shock: risks no longer apply
    emit = trace or (lambda *_: None)

    def milestone(i: int):
        if not math.isnan(net.observed[i]):
            yield env.timeout(max(net.observed[i], 0.0))
            done[i] = net.observed[i]
            emit(net.observed[i], "done", net.ids[i], "observed actual")
            finished[i].succeed()
            return
        deps = [finished[j] for j in net.deps[i]]
        if deps:
            need = net.need[i]
            yield Condition(env, lambda _events, count: count >= need, deps)
        emit(env.now, "ready", net.ids[i], f"duration {durations[i]:.1f} days")
        yield env.timeout(durations[i])
        while pending_delay[i] > 0:  # delays from risks that hit before completion
            delay, pending_delay[i] = pending_delay[i], 0.0
            emit(env.now, "delayed", net.ids[i], f"+{delay:.1f} days from risks")
            yield env.timeout(delay)
        if shift is not None and shift[i] > 0:
            shielded[i] = True
            emit(env.now, "shifted", net.ids[i], f"+{shift[i]:.1f} days from a delay shock")
            yield env.timeout(shift[i])
        done[i] = env.now
        emit(env.now, "done", net.ids[i], "")
        finished[i].succeed()

    def risk(r: int, affected: tuple[int, ...]):
        yield env.timeout(risk_time[r])
        hit = [i for i in affected if not finished[i].triggered and not shielded[i]]
        emit(env.now, "risk", net.risks[r][0].split(":")[1], f"occurs: +{risk_delay[r]:.1f} days on {len(hit)} milestones")
        for i in hit:
            pending_delay[i] += risk_delay[r]

    for r, (_, _, time_input, affected) in enumerate(net.risks):
        if not risk_occurs[r] or not affected:
            continue
        if time_input is None:  # present from day 0: every affected milestone takes the delay
            emit(0.0, "risk", net.risks[r][0].split(":")[1], f"occurs: +{risk_delay[r]:.1f} days on {len(affected)} milestones")
            for i in affected:
                pending_delay[i] += risk_delay[r]
        else:
            env.process(risk(r, affected))
    for i in range(n):
        env.process(milestone(i))
    env.run(until=np.nextafter(net.horizon, math.inf))
    done[done > net.horizon] = math.inf
    return done
