"""The SimPy reference engine: milestones waiting for dependencies, durations and risk delays.

:func:`simulate` is pure: given the network and one replication's sampled inputs it always returns the same
completion times. Simultaneous events are ordered by SimPy's (time, priority, insertion) rule, and processes
are created in scenario order, so the order is deterministic. The compiled engine (:mod:`sim.engine.kernel`)
mirrors the order in which events are created here, so do not reorder a ``process``, ``timeout``,
``succeed`` or ``yield``.

One replication is a :class:`SimpyReplication`: the milestone processes and risks are its methods; pools
(:class:`~sim.engine.simpy_money.MoneyDesk`) and lines (:class:`~sim.engine.simpy_lines.LineDesk`) are
parts it owns.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from simpy.events import Condition

from .network import Network
from .simpy_lines import LineDesk, Production
from .simpy_money import Money, MoneyDesk
from .simpy_shared import ProcessBody, Shared, TraceSink, collector_paused

__all__ = ["Money", "Production", "Replication", "SimpyReplication", "TraceSink", "simulate"]


class Replication(NamedTuple):
    """What one replication produced (times in days; ``inf``: not by the horizon)."""

    done: np.ndarray  # (milestones,) completion times
    requested: np.ndarray  # (parts,) when each programme part asked for its money
    committed: np.ndarray  # (parts,) when it was committed
    started: np.ndarray  # (orders,) when each order's delivery started
    delivered: np.ndarray  # (orders,) when it was complete
    committed_amount: np.ndarray  # (parts,) € bn committed (less than asked when a pool ran short)
    ramp_start: np.ndarray  # (lines,) when each line's added capacity started
    hits: np.ndarray  # (milestones, risks) when each risk delayed each milestone (with money only)


class SimpyReplication:
    """One replication in one SimPy environment: a process per milestone, windowed risks, pools and lines.

    Parameters
    ----------
    net : Network
    durations : numpy.ndarray
        Effective duration of each milestone (days).
    risk_occurs, risk_delay, risk_time : numpy.ndarray
        Per risk: whether it occurs (0/1), its delay (days) and its time (days; ignored without a window).
    shift : numpy.ndarray, optional
        Per milestone, days by which ``delay`` shocks postpone its completion.
    money : Money, optional
    production : Production, optional
    trace : callable, optional
        Receives ``(time, event, id, detail)`` for every event.

    Building it creates no event; :meth:`run` starts the processes (pools, lines, risks, milestones, in that
    order) and runs to the horizon.
    """

    def __init__(self, net: Network, durations: np.ndarray, risk_occurs: np.ndarray, risk_delay: np.ndarray,
                 risk_time: np.ndarray, shift: np.ndarray | None = None, money: Money | None = None,
                 production: Production | None = None, trace: TraceSink | None = None):
        self.net = net
        self.durations = durations
        self.risk_occurs, self.risk_delay, self.risk_time = risk_occurs, risk_delay, risk_time
        self.shift = shift
        self.money_inputs, self.production_inputs = money, production
        self.shared = Shared.of(net.ids, trace)
        self.env = self.shared.env
        self.trace = trace
        n = len(net.ids)
        self.done = np.full(n, math.inf)
        self.pending_delay = [0.0] * n
        self.shielded = [False] * n  # being shifted by a delay shock: risks no longer apply
        # when each risk hit each milestone: only money needs it (payments pause for delays)
        self.hits = np.full((n, len(net.risks)) if money is not None else (0, 0), math.inf)
        self.money: MoneyDesk | None = None
        self.lines: LineDesk | None = None

    def run(self) -> Replication:
        """Start every process, run to the horizon and return what happened (``inf`` beyond the horizon)."""
        if self.money_inputs is not None:
            self.money = MoneyDesk(self.shared, self.money_inputs)
        if self.production_inputs is not None:
            self.lines = LineDesk(self.shared, self.production_inputs)
            self.lines.start()
        self._start_risks()
        for i in range(len(self.net.ids)):
            self.env.process(self._milestone(i))
        self.env.run(until=np.nextafter(self.net.horizon, math.inf))
        return self._outcome()

    def _outcome(self) -> Replication:
        """The arrays of the replication, with times beyond the horizon censored to ``inf``."""
        horizon = self.net.horizon
        money, lines = self.money, self.lines
        requested = money.requested if money is not None else np.full(0, math.inf)
        committed = money.committed if money is not None else np.full(0, math.inf)
        committed_amount = money.committed_amount if money is not None else np.zeros(0)
        started = lines.started if lines is not None else np.full(0, math.inf)
        delivered = lines.delivered if lines is not None else np.full(0, math.inf)
        ramp_start = lines.ramp_start if lines is not None else np.zeros(0)
        for times in (self.done, committed, started, delivered):
            times[times > horizon] = math.inf
        return Replication(self.done, requested, committed, started, delivered, committed_amount, ramp_start, self.hits)

    # ------------------------------------------------------------------------------------------ risks

    def _start_risks(self) -> None:
        """Risks without a window occur now (day 0); a windowed risk waits for its time."""
        for r, (windowed, affected) in enumerate(self.net.risks):
            has_money = self.money is not None and self.money.touches(r)
            if not self.risk_occurs[r] or not (affected or has_money):
                continue
            if not windowed:  # present from day 0
                self._occur(r, affected)
            else:
                self.env.process(self._risk(r, affected))

    def _risk(self, r: int, affected: tuple[int, ...]) -> ProcessBody:
        """Windowed risk ``r`` occurs at its sampled time."""
        yield self.env.timeout(self.risk_time[r])
        self._occur(r, affected)

    def _occur(self, r: int, affected: tuple[int, ...]) -> None:
        """Risk ``r`` happens now: delays, freezes and cuts."""
        env, delay = self.env, self.risk_delay[r]
        hit = [i for i in affected if not self.shared.finished[i].triggered and not self.shielded[i]]
        if self.money is not None:
            for i in hit:
                self.hits[i, r] = env.now
        if self.trace:
            self.trace(env.now, "risk", self.net.risk_ids[r], f"occurs: +{delay:.1f} days on {len(hit)} milestones")
        for i in hit:
            self.pending_delay[i] += delay
        if self.money is not None:
            self.money.freeze_and_cut(r, delay)

    # ------------------------------------------------------------------------------------------ milestones

    def _milestone(self, i: int) -> ProcessBody:
        """Milestone ``i`` from its dependencies to done: money, duration, orders, status floor, delays, shift."""
        net = self.net
        if net.gated[i]:
            return  # done when a metric first reaches its value: computed from the flows after the run
        if not math.isnan(net.observed[i]):
            yield from self._observed(i)
            return
        if not math.isnan(net.commit_observed[i]):  # under way: its money was committed on a reported date
            yield self.env.timeout(max(net.commit_observed[i], 0.0))
            self.money.take(i)  # type: ignore[union-attr]  # a programme: the scenario has funds
        else:
            yield from self._dependencies(i)
            if self.money is not None:
                yield from self.money.fund(i)
        if self.trace:
            self.trace(self.env.now, "ready", net.ids[i], f"duration {self.durations[i]:.1f} days")
        if self.durations[i] > 0:
            yield self.env.timeout(self.durations[i])
        if self.lines is not None and self.lines.orders_of(i):
            yield from self._delays(i, "before ordering")  # e.g. contracting slips: the order is placed later
            yield from self.lines.order(i)
        yield from self._status_floor(i)
        yield from self._delays(i, "")  # delays from risks that hit before completion
        yield from self._shift(i)
        self._complete(i, "")

    def _observed(self, i: int) -> ProcessBody:
        """A milestone reported done: done at its actual date (a date before the start counts as day 0).

        A programme's money is committed first, at its reported commitment time (whatever the pool holds).
        An ordering milestone's deliveries are facts too: they never occupy a line (production curves count
        them delivered at the done date).
        """
        observed, commit = self.net.observed[i], self.net.commit_observed[i]
        if not math.isnan(commit):
            yield self.env.timeout(commit)
            self.money.take(i)  # type: ignore[union-attr]  # a programme: the scenario has funds
            observed_at = max(observed, 0.0) - commit
        else:
            observed_at = max(observed, 0.0)
        yield self.env.timeout(observed_at)
        self.done[i] = observed
        if self.trace:
            self.trace(observed, "done", self.net.ids[i], "observed actual")
        self.shared.finished[i].succeed()

    def _dependencies(self, i: int) -> ProcessBody:
        """Wait for the milestones ``i`` comes after: one, all of them, any of them or k of them."""
        deps = [self.shared.finished[j] for j in self.net.deps[i]]
        if len(deps) == 1:
            yield deps[0]
        elif deps:
            need = self.net.need[i]
            yield Condition(self.env, lambda _events, count: count >= need, deps)

    def _delays(self, i: int, when: str) -> ProcessBody:
        """Wait out the risk delays that hit milestone ``i`` so far (and any that hit while waiting)."""
        while self.pending_delay[i] > 0:
            delay, self.pending_delay[i] = self.pending_delay[i], 0.0
            if self.trace:
                because = f"from risks {when}" if when else "from risks"
                self.trace(self.env.now, "delayed", self.net.ids[i], f"+{delay:.1f} days {because}")
            yield self.env.timeout(delay)

    def _status_floor(self, i: int) -> ProcessBody:
        """Not done by the status date: done only after it (the floor, days)."""
        floor = self.net.floor[i]
        while floor - self.env.now > 0:
            if self.trace:
                self.trace(self.env.now, "waiting", self.net.ids[i], f"not done by the status date: done after day {floor:.0f}")
            yield self.env.timeout(floor - self.env.now)

    def _shift(self, i: int) -> ProcessBody:
        """A ``delay`` shock moves milestone ``i``'s date by exactly its shift: risks no longer hit it meanwhile."""
        if self.shift is None or not self.shift[i] > 0:
            return
        self.shielded[i] = True
        if self.trace:
            self.trace(self.env.now, "shifted", self.net.ids[i], f"+{self.shift[i]:.1f} days from a delay shock")
        yield self.env.timeout(self.shift[i])

    def _complete(self, i: int, detail: str) -> None:
        """Milestone ``i`` is done now: record it and wake whatever waits for it."""
        self.done[i] = self.env.now
        if self.trace:
            self.trace(self.env.now, "done", self.net.ids[i], detail)
        self.shared.finished[i].succeed()


def simulate(net: Network, durations: np.ndarray, risk_occurs: np.ndarray, risk_delay: np.ndarray,
             risk_time: np.ndarray, shift: np.ndarray | None = None, money: Money | None = None,
             production: Production | None = None, trace: TraceSink | None = None) -> Replication:
    """Run one replication: :class:`SimpyReplication` built and run (its parameters, its outcome).

    ``shift`` is applied last (risks do not hit a milestone during its shift, so the shift moves its date by
    exactly that much); with ``money`` a programme waits until all its parts are committed; with ``production``
    a milestone with orders places them after its duration and is done when they are all delivered; ``trace``
    receives ``(time, event, id, detail)`` for every event, for replaying a replication.
    """
    with collector_paused():
        return SimpyReplication(net, durations, risk_occurs, risk_delay, risk_time, shift, money, production,
                                trace).run()
