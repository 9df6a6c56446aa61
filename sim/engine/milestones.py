"""The SimPy reference engine: milestones waiting for dependencies, durations and risk delays.

:func:`simulate` is pure: given the network and one replication's sampled inputs it always returns the same
completion times. Simultaneous events are ordered by SimPy's (time, priority, insertion) rule, and processes
are created in scenario order, so the order is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import simpy
from simpy.events import Condition

from ..calendar import DAYS_PER_YEAR
from .kernel_resources import SAME_MOMENT
from .money import MoneyNetwork, Pool
from .network import Network
from .production import LineNetwork, LineQueue

TraceSink = Callable[[float, str, str, str], None]  # (time in days, event, milestone or risk id, detail)


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


@dataclass
class Money:
    """One replication's money: the money network and its sampled envelopes, amounts and cut shares."""

    net: MoneyNetwork
    pool_envelope: np.ndarray  # (pools,) € bn
    part_amount: np.ndarray  # (parts,) € bn
    cut_share: np.ndarray  # (risks,)


@dataclass
class Production:
    """One replication's production: the line network, capacity curves, first-output lags and order sizes."""

    net: LineNetwork
    curves: list  # CapacityCurves of this replication, one per line (changed when triggers fire)
    first_output: np.ndarray  # (lines,) days
    quantity: np.ndarray  # (orders,) units




def simulate(net: Network, durations: np.ndarray, risk_occurs: np.ndarray, risk_delay: np.ndarray,
             risk_time: np.ndarray, shift: np.ndarray | None = None, money: Money | None = None,
             production: Production | None = None, trace: TraceSink | None = None) -> Replication:
    """Run one replication.

    Parameters
    ----------
    net : Network
    durations : numpy.ndarray
        Effective duration of each milestone (days).
    risk_occurs, risk_delay, risk_time : numpy.ndarray
        Per risk: whether it occurs (0/1), its delay (days) and its time (days; ignored without a window).
    shift : numpy.ndarray, optional
        Per milestone, days by which ``delay`` shocks postpone its completion (applied last; risks do not
        hit a milestone during its shift, so the shift moves its date by exactly that much).
    money : Money, optional
        Funds and programme parts; a milestone with funding waits until all its parts are committed.
    production : Production, optional
        Lines and orders; a milestone with orders places them after its duration and is done when they are
        all delivered.
    trace : callable, optional
        Receives ``(time, event, id, detail)`` for every event, for replaying a replication.

    Returns
    -------
    Replication
        Completion times of milestones, commitment and delivery times, ramp starts and risk hits.
    """
    env = simpy.Environment()
    n = len(net.ids)
    done = np.full(n, math.inf)
    finished = [env.event() for _ in range(n)]
    pending_delay = [0.0] * n
    shielded = [False] * n  # being shifted by a delay shock: risks no longer apply
    emit = trace or (lambda *_: None)
    mnet = money.net if money is not None else None
    n_parts = len(mnet.parts) if mnet else 0
    requested = np.full(n_parts, math.inf)
    committed = np.full(n_parts, math.inf)
    committed_amount = np.zeros(n_parts)
    hits = np.full((n, len(net.risks)) if mnet else (0, 0), math.inf)  # when each risk hit each milestone
    pools: list[Pool] = []
    lnet = production.net if production is not None else None
    n_orders = len(lnet.orders) if lnet else 0
    started = np.full(n_orders, math.inf)
    delivered = np.full(n_orders, math.inf)
    line_states = [LineQueue() for _ in (lnet.lines if lnet else ())]
    # when each line's added capacity could start (trigger + first output) and when it does (also workforce)
    ramp_ready = [production.first_output[k] if t < 0 else math.inf for k, t in enumerate(lnet.trigger)] if lnet else []
    ramp_start = np.array([float(c.ramp_start[0]) for c in production.curves]) if lnet else np.zeros(0)

    def place(k: int) -> None:
        """Orders placed at the same moment compete by priority: the idle line picks one a moment later."""
        state = line_states[k]
        if state.busy is None and not state.picking:
            state.picking = True
            env.process(pick(k))

    def pick(k: int):
        yield env.timeout(SAME_MOMENT)
        line_states[k].picking = False
        next_order(k)

    def next_order(k: int) -> None:
        state = line_states[k]
        if state.busy is not None or not state.queue:
            return
        state.busy, state.start = state.take_next(), env.now
        started[state.busy[0]] = env.now
        schedule_delivery(k)

    def schedule_delivery(k: int) -> None:
        state = line_states[k]
        state.version += 1
        order, quantity, _ = state.busy
        # Output before now is the same under the changed curve, so solving from the start is exact.
        end = production.curves[k].solve(state.start, quantity)
        if math.isfinite(end):
            env.process(deliver(k, state.version, end))

    def deliver(k: int, version: int, end: float):
        yield env.timeout(max(end - env.now, 0.0))
        state = line_states[k]
        if version != state.version:
            return  # the curve changed: a newer delivery time was scheduled
        order, quantity, event = state.busy
        delivered[order] = env.now
        if trace:
            emit(env.now, "delivered", net.ids[lnet.orders[order][0]], f"{quantity:,.0f} {lnet.lines[k].unit} from {lnet.lines[k].id}")
        state.busy = None
        event.succeed()
        next_order(k)

    def set_ramp(k: int) -> None:
        """Start line k's added capacity at max(trigger + first output, when its workforce is trained)."""
        at = ramp_ready[k]
        need = lnet.workforce[k]
        if need is not None and math.isfinite(at):
            at = max(at, production.curves[need[0]].solve(0.0, need[1]))
        current = float(production.curves[k].ramp_start[0])
        if at == current or current <= env.now:
            return  # unchanged, or already under way: the past is not rewritten
        at = max(at, env.now)
        production.curves[k].start_ramp(at)
        ramp_start[k] = at
        if trace:
            emit(env.now, "ramp", lnet.lines[k].id, f"added capacity from day {at:.0f}")
        if line_states[k].busy is not None:
            schedule_delivery(k)

    def trigger(k: int, milestone: int):
        yield finished[milestone]
        ramp_ready[k] = env.now + production.first_output[k]
        set_ramp(k)
        for other, need in enumerate(lnet.workforce):  # a faster training line trains other lines' workers earlier
            if need is not None and need[0] == k:
                set_ramp(other)

    def serve(pool: Pool) -> None:
        """Commit every waiting request that fits, in request order; schedule the next look.

        When a request can never be met in full (everything the pool will ever hold is there and it is not
        enough), the programme takes what is left: an envelope cut shrinks programmes rather than
        blocking them. An empty pool serves nothing.
        """
        now = env.now
        for part, amount, event, take in pool.commit_fitting(now):
            committed[part] = now
            committed_amount[part] = take
            if trace:
                short = "" if take >= amount - 1e-9 else f" (of {amount:.2f} asked: the pool is exhausted)"
                emit(now, "money", net.ids[mnet.parts[part][0]], f"{take:.2f} bn committed from {mnet.pools[pool.index]}{short}")
            event.succeed()
        later = pool.next_change(now)
        if pool.waiting and later < pool.wake_at:
            pool.wake_at = later
            env.process(wake(pool, later))

    def wake(pool: Pool, at: float):
        yield env.timeout(at - env.now)
        if pool.wake_at == at:
            pool.wake_at = math.inf
        serve(pool)

    def opener(pool: Pool, milestone: int, available_from: float):
        yield finished[milestone]
        pool.open_at = max(env.now, available_from)
        serve(pool)

    def milestone(i: int):
        if net.gated[i]:
            return  # done when a metric first reaches its value: computed from the flows after the run
            yield
        if not math.isnan(net.observed[i]):
            yield env.timeout(max(net.observed[i], 0.0))
            done[i] = net.observed[i]
            if trace:
                emit(net.observed[i], "done", net.ids[i], "observed actual")
            finished[i].succeed()
            return
        deps = [finished[j] for j in net.deps[i]]
        if len(deps) == 1:
            yield deps[0]
        elif deps:
            need = net.need[i]
            yield Condition(env, lambda _events, count: count >= need, deps)
        parts = mnet.milestone_parts[i] if mnet else ()
        if parts:
            asks = []
            for part in parts:
                requested[part] = env.now
                asks.append(env.event())
                pools[mnet.parts[part][1]].waiting.append([part, money.part_amount[part], asks[-1]])
            for pool in sorted({mnet.parts[part][1] for part in parts}):  # one documented order
                serve(pools[pool])
            if not all(a.triggered for a in asks):
                if trace:
                    short = ", ".join(f"{mnet.pools[mnet.parts[p][1]]} {money.part_amount[p]:.2f} bn"
                                      for p, a in zip(parts, asks) if not a.triggered)
                    emit(env.now, "waiting", net.ids[i], f"for money: {short}")
                yield env.all_of(asks)
        if trace:
            emit(env.now, "ready", net.ids[i], f"duration {durations[i]:.1f} days")
        if durations[i] > 0:
            yield env.timeout(durations[i])
        orders = lnet.milestone_orders[i] if lnet else ()
        while orders and pending_delay[i] > 0:  # e.g. contracting slips: the order is placed later
            delay, pending_delay[i] = pending_delay[i], 0.0
            if trace:
                emit(env.now, "delayed", net.ids[i], f"+{delay:.1f} days from risks before ordering")
            yield env.timeout(delay)
        if orders:
            waits = []
            for order in orders:
                k = lnet.orders[order][1]
                waits.append(env.event())
                line_states[k].add(order, lnet.priority[order], production.quantity[order], waits[-1])
                if trace:
                    emit(env.now, "ordered", net.ids[i], f"{production.quantity[order]:,.0f} {lnet.lines[k].unit} from {lnet.lines[k].id}")
                place(k)
            yield env.all_of(waits)
        while net.floor[i] - env.now > 0:  # not done by the status date: done only after it (the floor)
            if trace:
                emit(env.now, "waiting", net.ids[i], f"not done by the status date: done after day {net.floor[i]:.0f}")
            yield env.timeout(net.floor[i] - env.now)
        while pending_delay[i] > 0:  # delays from risks that hit before completion
            delay, pending_delay[i] = pending_delay[i], 0.0
            if trace:
                emit(env.now, "delayed", net.ids[i], f"+{delay:.1f} days from risks")
            yield env.timeout(delay)
        if shift is not None and shift[i] > 0:
            shielded[i] = True
            if trace:
                emit(env.now, "shifted", net.ids[i], f"+{shift[i]:.1f} days from a delay shock")
            yield env.timeout(shift[i])
        done[i] = env.now
        if trace:
            emit(env.now, "done", net.ids[i], "")
        finished[i].succeed()

    def occur(r: int, affected: tuple[int, ...]) -> None:
        """Risk ``r`` happens now: delays, freezes and cuts."""
        hit = [i for i in affected if not finished[i].triggered and not shielded[i]]
        if mnet is not None:
            for i in hit:
                hits[i, r] = env.now
        if trace:
            emit(env.now, "risk", net.risk_ids[r], f"occurs: +{risk_delay[r]:.1f} days on {len(hit)} milestones")
        for i in hit:
            pending_delay[i] += risk_delay[r]
        if mnet is None:
            return
        for p in mnet.risk_freeze[r]:
            pools[p].frozen.append((env.now, env.now + risk_delay[r]))
            if trace:
                emit(env.now, "freeze", mnet.pools[p], f"no commitments for {risk_delay[r]:.1f} days")
            serve(pools[p])
        for p in mnet.risk_cut[r]:
            pool = pools[p]
            pool.envelope = max(pool.committed, pool.envelope - money.cut_share[r] * money.pool_envelope[p])
            if trace:
                emit(env.now, "cut", mnet.pools[p], f"envelope now {pool.envelope:.2f} bn")

    def risk(r: int, affected: tuple[int, ...]):
        yield env.timeout(risk_time[r])
        occur(r, affected)

    if mnet is not None:
        for p, pool_id in enumerate(mnet.pools):
            fund = mnet.funds[mnet.pool_fund[p]]
            rate = None if fund.inflow is None else fund.inflow * mnet.pool_share[p] / DAYS_PER_YEAR
            pool = Pool(p, float(money.pool_envelope[p]), fund.commit_by, rate)
            pools.append(pool)
            if mnet.pool_open[p] < 0:
                pool.open_at = fund.available_from
            else:
                env.process(opener(pool, mnet.pool_open[p], fund.available_from))
        for p, lo, hi in mnet.freezes:
            pools[p].frozen.append((lo, hi))
    if lnet is not None:
        for k in range(len(lnet.lines)):
            if lnet.trigger[k] >= 0:
                env.process(trigger(k, lnet.trigger[k]))
            elif lnet.workforce[k] is not None:
                production.curves[k].start_ramp(math.inf)  # decided below, from the training line
                ramp_start[k] = math.inf
                set_ramp(k)
    for r, (windowed, affected) in enumerate(net.risks):
        has_money = mnet is not None and (mnet.risk_freeze[r] or mnet.risk_cut[r])
        if not risk_occurs[r] or not (affected or has_money):
            continue
        if not windowed:  # present from day 0
            occur(r, affected)
        else:
            env.process(risk(r, affected))
    for i in range(n):
        env.process(milestone(i))
    env.run(until=np.nextafter(net.horizon, math.inf))
    done[done > net.horizon] = math.inf
    committed[committed > net.horizon] = math.inf
    started[started > net.horizon] = math.inf
    delivered[delivered > net.horizon] = math.inf
    return Replication(done, requested, committed, started, delivered, committed_amount, ramp_start, hits)
