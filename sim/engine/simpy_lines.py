"""Production in the SimPy reference engine: milestones order from lines, each line delivers one order at a time.

A line's capacity is a piecewise linear curve (:class:`~sim.engine.production.CapacityCurves`), so an order's
delivery time is solved exactly and is one event; when a trigger starts the line's added capacity the order in
delivery is solved again. The same rules are compiled in :mod:`sim.engine.kernel`; every event here is created
in the order the kernel mirrors, so do not reorder a ``process``, ``timeout``, ``succeed`` or ``yield``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .kernel_resources import SAME_MOMENT
from .production import CapacityCurves, LineNetwork, LineQueue
from .simpy_shared import ProcessBody, Shared


@dataclass
class Production:
    """One replication's production: the line network, capacity curves, first-output lags and order sizes."""

    net: LineNetwork
    curves: list[CapacityCurves]  # of this replication, one per line (changed when triggers fire)
    first_output: np.ndarray  # (lines,) days
    quantity: np.ndarray  # (orders,) units


class LineDesk:
    """The lines of one replication: order queues, deliveries, and ramps started by triggers and training.

    :meth:`start` starts the trigger processes; it is called where the reference always did
    (:meth:`sim.engine.milestones.SimpyReplication.run`): after the pools, before risks and milestones.

    Attributes
    ----------
    started, delivered : numpy.ndarray
        ``(orders,)`` when each order's delivery started and when it was complete (days; ``inf``: never).
    ramp_start : numpy.ndarray
        ``(lines,)`` when each line's added capacity started (days).
    """

    def __init__(self, shared: Shared, production: Production):
        self.shared = shared
        self.production = production
        self.net = lnet = production.net
        self.started = np.full(len(lnet.orders), math.inf)
        self.delivered = np.full(len(lnet.orders), math.inf)
        self.states = [LineQueue() for _ in lnet.lines]
        # when each line's added capacity could start (trigger + first output) and when it does (also workforce)
        self.ramp_ready = [production.first_output[k] if t < 0 else math.inf for k, t in enumerate(lnet.trigger)]
        self.ramp_start = np.array([float(c.ramp_start[0]) for c in production.curves])

    def start(self) -> None:
        """Wait for each line's trigger; a line without one but with a workforce ramps when it is trained."""
        for k in range(len(self.net.lines)):
            if self.net.trigger[k] >= 0:
                self.shared.env.process(self._trigger(k, self.net.trigger[k]))
            elif self.net.workforce[k] is not None:
                self.production.curves[k].start_ramp(math.inf)  # decided below, from the training line
                self.ramp_start[k] = math.inf
                self.set_ramp(k)

    def orders_of(self, i: int) -> tuple[int, ...]:
        """The orders milestone ``i`` places after its duration."""
        return self.net.milestone_orders[i]

    def order(self, i: int) -> ProcessBody:
        """Milestone ``i`` places its orders now and waits until all are delivered."""
        env, trace, production, lnet = self.shared.env, self.shared.trace, self.production, self.net
        waits = []
        for order in self.orders_of(i):
            k = lnet.orders[order][1]
            waits.append(env.event())
            self.states[k].add(order, lnet.priority[order], production.quantity[order], waits[-1])
            if trace:
                trace(env.now, "ordered", self.shared.ids[i],
                      f"{production.quantity[order]:,.0f} {lnet.lines[k].unit} from {lnet.lines[k].id}")
            self._place(k)
        yield env.all_of(waits)

    def _place(self, k: int) -> None:
        """Orders placed at the same moment compete by priority: the idle line picks one a moment later."""
        state = self.states[k]
        if state.busy is None and not state.picking:
            state.picking = True
            self.shared.env.process(self._pick(k))

    def _pick(self, k: int) -> ProcessBody:
        """A moment after an order reached idle line ``k``: start the best waiting order."""
        yield self.shared.env.timeout(SAME_MOMENT)
        self.states[k].picking = False
        self._next_order(k)

    def _next_order(self, k: int) -> None:
        """Start delivering line ``k``'s next order, if it is idle and one waits."""
        state = self.states[k]
        if state.busy is not None or not state.queue:
            return
        state.busy, state.start = state.take_next(), self.shared.env.now
        self.started[state.busy[0]] = self.shared.env.now
        self._schedule_delivery(k)

    def _schedule_delivery(self, k: int) -> None:
        """Solve when the order in delivery on line ``k`` is complete, and schedule it (a new version)."""
        state = self.states[k]
        state.version += 1
        order, quantity, _ = state.busy
        # Output before now is the same under the changed curve, so solving from the start is exact.
        end = self.production.curves[k].solve(state.start, quantity)
        if math.isfinite(end):
            self.shared.env.process(self._deliver(k, state.version, end))

    def _deliver(self, k: int, version: int, end: float) -> ProcessBody:
        """Deliver line ``k``'s order at day ``end`` unless its delivery was solved again since (``version``)."""
        env, trace, lnet = self.shared.env, self.shared.trace, self.net
        yield env.timeout(max(end - env.now, 0.0))
        state = self.states[k]
        if version != state.version:
            return  # the curve changed: a newer delivery time was scheduled
        order, quantity, event = state.busy
        self.delivered[order] = env.now
        if trace:
            trace(env.now, "delivered", self.shared.ids[lnet.orders[order][0]],
                  f"{quantity:,.0f} {lnet.lines[k].unit} from {lnet.lines[k].id}")
        state.busy = None
        event.succeed()
        self._next_order(k)

    def set_ramp(self, k: int) -> None:
        """Start line k's added capacity at max(trigger + first output, when its workforce is trained)."""
        env, production = self.shared.env, self.production
        at = self.ramp_ready[k]
        need = self.net.workforce[k]
        if need is not None and math.isfinite(at):
            at = max(at, production.curves[need[0]].solve(0.0, need[1]))
        current = float(production.curves[k].ramp_start[0])
        if at == current or current <= env.now:
            return  # unchanged, or already under way: the past is not rewritten
        at = max(at, env.now)
        production.curves[k].start_ramp(at)
        self.ramp_start[k] = at
        if self.shared.trace:
            self.shared.trace(env.now, "ramp", self.net.lines[k].id, f"added capacity from day {at:.0f}")
        if self.states[k].busy is not None:
            self._schedule_delivery(k)

    def _trigger(self, k: int, milestone: int) -> ProcessBody:
        """When ``milestone`` is done, line ``k`` ramps up after its first-output lag; so may lines it trains."""
        env = self.shared.env
        yield self.shared.finished[milestone]
        self.ramp_ready[k] = env.now + self.production.first_output[k]
        self.set_ramp(k)
        for other, need in enumerate(self.net.workforce):  # a faster training line trains other lines' workers earlier
            if need is not None and need[0] == k:
                self.set_ramp(other)
