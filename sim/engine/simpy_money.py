"""Money in the SimPy reference engine: programmes ask pools for their parts, pools commit first-fit.

Only commitments are events (payments are computed after the run, :mod:`sim.engine.money`). The same rules are
compiled in :mod:`sim.engine.kernel`; every event here is created in the order the kernel mirrors, so do not
reorder a ``process``, ``timeout``, ``succeed`` or ``yield``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..calendar import DAYS_PER_YEAR
from .money import MoneyNetwork, Pool
from .simpy_shared import ProcessBody, Shared


@dataclass
class Money:
    """One replication's money: the money network and its sampled envelopes, amounts and cut shares."""

    net: MoneyNetwork
    pool_envelope: np.ndarray  # (pools,) € bn
    part_amount: np.ndarray  # (parts,) € bn
    cut_share: np.ndarray  # (risks,)


class MoneyDesk:
    """The pools of one replication: requests, first-fit commitments, wake-ups, openings, freezes and cuts.

    Building it creates the pools and starts a process per pool opened by a milestone, so it is built where
    the reference always built them (:meth:`sim.engine.milestones.SimpyReplication.run`): before lines, risks
    and milestones.

    Attributes
    ----------
    requested, committed : numpy.ndarray
        ``(parts,)`` when each programme part asked for its money and when it was committed (days; ``inf``:
        never).
    committed_amount : numpy.ndarray
        ``(parts,)`` € bn committed (less than asked when a pool ran short).
    pools : list of Pool
        The pools' state, by index.
    """

    def __init__(self, shared: Shared, money: Money):
        self.shared = shared
        self.money = money
        self.net = money.net
        n_parts = len(self.net.parts)
        self.requested = np.full(n_parts, math.inf)
        self.committed = np.full(n_parts, math.inf)
        self.committed_amount = np.zeros(n_parts)
        self.pools: list[Pool] = []
        for p in range(len(self.net.pools)):
            self.pools.append(self._open_pool(p))
        for p, lo, hi in self.net.freezes:
            self.pools[p].frozen.append((lo, hi))

    def _open_pool(self, p: int) -> Pool:
        """Pool ``p`` with its envelope, deadline and inflow; open from its date, or when its milestone is done."""
        fund = self.net.funds[self.net.pool_fund[p]]
        rate = None if fund.inflow is None else fund.inflow * self.net.pool_share[p] / DAYS_PER_YEAR
        pool = Pool(p, float(self.money.pool_envelope[p]), fund.commit_by, rate)
        if self.net.pool_open[p] < 0:
            pool.open_at = fund.available_from
        else:
            self.shared.env.process(self._opener(pool, self.net.pool_open[p], fund.available_from))
        return pool

    def _opener(self, pool: Pool, milestone: int, available_from: float) -> ProcessBody:
        """Open ``pool`` when ``milestone`` is done (not before ``available_from``, days) and serve it."""
        env = self.shared.env
        yield self.shared.finished[milestone]
        pool.open_at = max(env.now, available_from)
        self.serve(pool)

    def serve(self, pool: Pool) -> None:
        """Commit every waiting request that fits, in request order; schedule the next look.

        When a request can never be met in full (everything the pool will ever hold is there and it is not
        enough), the programme takes what is left: an envelope cut shrinks programmes rather than
        blocking them. An empty pool serves nothing.
        """
        env, trace = self.shared.env, self.shared.trace
        now = env.now
        for part, amount, event, take in pool.commit_fitting(now):
            self.committed[part] = now
            self.committed_amount[part] = take
            if trace:
                short = "" if take >= amount - 1e-9 else f" (of {amount:.2f} asked: the pool is exhausted)"
                trace(now, "money", self.shared.ids[self.net.parts[part][0]],
                      f"{take:.2f} bn committed from {self.net.pools[pool.index]}{short}")
            event.succeed()
        later = pool.next_change(now)
        if pool.waiting and later < pool.wake_at:
            pool.wake_at = later
            env.process(self._wake(pool, later))

    def _wake(self, pool: Pool, at: float) -> ProcessBody:
        """Look at ``pool`` again at day ``at`` (money accrued, a freeze ended, the pool opened)."""
        env = self.shared.env
        yield env.timeout(at - env.now)
        if pool.wake_at == at:
            pool.wake_at = math.inf
        self.serve(pool)

    def fund(self, i: int) -> ProcessBody:
        """Milestone ``i`` asks for all its parts now and waits until every one is committed."""
        parts = self.net.milestone_parts[i]
        if not parts:
            return
        env, trace = self.shared.env, self.shared.trace
        asks = []
        for part in parts:
            self.requested[part] = env.now
            asks.append(env.event())
            self.pools[self.net.parts[part][1]].waiting.append([part, self.money.part_amount[part], asks[-1]])
        for pool in sorted({self.net.parts[part][1] for part in parts}):  # one documented order
            self.serve(self.pools[pool])
        if not all(a.triggered for a in asks):
            if trace:
                short = ", ".join(f"{self.net.pools[self.net.parts[p][1]]} {self.money.part_amount[p]:.2f} bn"
                                  for p, a in zip(parts, asks, strict=True) if not a.triggered)
                trace(env.now, "waiting", self.shared.ids[i], f"for money: {short}")
            yield env.all_of(asks)

    def take(self, i: int) -> None:
        """Programme ``i``'s money was committed now by the facts: every part, at once, whatever the pool's state.

        Openings, freezes and inflow do not hold a fact back; a part takes its amount, at most what is left of
        the envelope (the same rule is compiled in :func:`sim.engine.kernel_resources.take`).
        """
        now = self.shared.env.now
        for part in self.net.milestone_parts[i]:
            pool = self.pools[self.net.parts[part][1]]
            take = min(float(self.money.part_amount[part]), max(pool.envelope - pool.committed, 0.0))
            pool.committed += take
            self.requested[part] = now
            self.committed[part] = now
            self.committed_amount[part] = take
            if self.shared.trace:
                self.shared.trace(now, "money", self.shared.ids[i],
                                  f"{take:.2f} bn committed from {self.net.pools[pool.index]} (reported)")

    def touches(self, r: int) -> bool:
        """Whether risk ``r`` freezes or cuts any pool."""
        return bool(self.net.risk_freeze[r] or self.net.risk_cut[r])

    def freeze_and_cut(self, r: int, delay: float) -> None:
        """Risk ``r`` occurs now: it freezes its pools for ``delay`` days (serving them) and cuts envelopes."""
        env, trace = self.shared.env, self.shared.trace
        for p in self.net.risk_freeze[r]:
            self.pools[p].frozen.append((env.now, env.now + delay))
            if trace:
                trace(env.now, "freeze", self.net.pools[p], f"no commitments for {delay:.1f} days")
            self.serve(self.pools[p])
        for p in self.net.risk_cut[r]:
            pool = self.pools[p]
            pool.envelope = max(pool.committed, pool.envelope - self.money.cut_share[r] * self.money.pool_envelope[p])
            if trace:
                trace(env.now, "cut", self.net.pools[p], f"envelope now {pool.envelope:.2f} bn")
