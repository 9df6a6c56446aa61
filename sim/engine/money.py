"""Money in the engine: pools that commit requests, and curves computed from the commitments.

Pools are a SimPy-side state; payment curves, observables and indicators are computed from commitments
analytically, vectorised over replications.

Units: € bn, days. Payments of a committed part: the fund's pre-financing share at commitment, the rest
linearly over the programme's planned execution (its duration, after drivers and scales, from commitment)
shifted by the payment lag. Risk delays postpone a programme's completion, not its payments: payments
follow the work schedule, and what is paid by a date never depends on what happens later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .. import names
from ..calendar import DAYS_PER_YEAR
from ..sampling import Inputs
from ..scenario import Scenario
from . import anchors, curves
from .columns import Columns


@dataclass(frozen=True)
class MoneyNetwork:
    """The funds, pools, programme parts, indicators and money targets of a scenario, by index."""

    fund_ids: tuple[str, ...]
    funds: tuple  # Fund objects
    pools: tuple[str, ...]
    pool_fund: tuple[int, ...]
    pool_share: np.ndarray
    pool_open: tuple[int, ...]  # milestone index opening the pool, −1: open from day 0
    parts: tuple[tuple[int, int], ...]  # (milestone index, pool index)
    part_amounts: tuple  # Distribution of each part's amount (€ bn)
    milestone_parts: tuple[tuple[int, ...], ...]
    freezes: tuple[tuple[int, float, float], ...]  # (pool, from, to) from shocks
    risk_freeze: tuple[tuple[int, ...], ...]  # per risk: pools it freezes
    risk_cut: tuple[tuple[int, ...], ...]  # per risk: pools it cuts
    indicators: tuple  # Indicator objects
    horizon: float
    milestone_ids: tuple[str, ...]
    risks: tuple  # Risk objects
    # where the sampled quantities are, compiled once (sim.engine.columns): the engine never looks up names
    envelope_columns: Columns  # per fund: envelope (€ bn; 0 for a spending flow)
    growth_columns: Columns  # per fund: spending growth (per year) of a flow
    amount_columns: Columns  # per part: amount (€ bn)
    lag_columns: Columns  # per part: payment lag (days)
    cut_columns: Columns  # per risk: share of the envelope it cuts (0 for a risk that cuts nothing)
    weight_columns: Columns  # per indicator weight, in the order of ``weight_position``
    weight_position: dict = field(default_factory=dict)  # (indicator, role, observable) → position
    anchors: dict = field(default_factory=dict)  # (fund, committed|disbursed) → (€ bn, day): observed money

    @classmethod
    def of(cls, scenario: Scenario, column: Mapping[str, int]) -> MoneyNetwork | None:
        """The money of ``scenario`` by index; ``column``: sampled input name → column (None without funds)."""
        if not scenario.funds:
            return None
        fund_ids = tuple(f.id for f in scenario.funds)
        pools, pool_fund, share, pool_open = [], [], [], []
        index = {m.id: i for i, m in enumerate(scenario.milestones)}
        for k, f in enumerate(scenario.funds):
            for p, w in f.pools:
                pools.append(p)
                pool_fund.append(k)
                share.append(w)
                pool_open.append(index[f.opens] if f.opens else -1)
        pool_index = {p: i for i, p in enumerate(pools)}
        weights = {(ind.id, role, obs): w for ind in scenario.indicators
                   for role, pairs in (("numerator", ind.numerator), ("denominator", ind.denominator)) for obs, w in pairs}
        parts: list[tuple[int, int]] = []
        amounts: list = []
        by_milestone: list[tuple[int, ...]] = []
        for i, m in enumerate(scenario.milestones):
            ids = []
            for part in m.funding:
                ids.append(len(parts))
                parts.append((i, pool_index[part.pool]))
                amounts.append(part.amount)
            by_milestone.append(tuple(ids))
        return cls(
            fund_ids=fund_ids, funds=scenario.funds, pools=tuple(pools), pool_fund=tuple(pool_fund),
            pool_share=np.array(share, dtype=float), pool_open=tuple(pool_open), parts=tuple(parts), part_amounts=tuple(amounts),
            milestone_parts=tuple(by_milestone),
            freezes=tuple((pool_index[p], lo, hi) for p, lo, hi in scenario.freezes),
            risk_freeze=tuple(tuple(pool_index[p] for p in r.freeze) for r in scenario.risks),
            risk_cut=tuple(tuple(pool_index[p] for p in r.cut) for r in scenario.risks),
            indicators=scenario.indicators,
            horizon=scenario.horizon_days,
            milestone_ids=tuple(m.id for m in scenario.milestones),
            risks=scenario.risks,
            envelope_columns=Columns.compile(column, ((names.fund(f.id, "envelope"), None if f.is_flow else f.envelope, 0.0)
                                                      for f in scenario.funds)),
            growth_columns=Columns.compile(column, ((names.fund(f.id, "growth"), f.spending_growth, 0.0)
                                                    for f in scenario.funds)),
            amount_columns=Columns.compile(column, ((names.funding(scenario.milestones[i].id, pools[p], "amount"), dist, 0.0)
                                                    for (i, p), dist in zip(parts, amounts, strict=True))),
            lag_columns=Columns.compile(column, ((names.funding(scenario.milestones[i].id, pools[p], "lag"),
                                                  scenario.funds[pool_fund[p]].payment_lag, 0.0) for i, p in parts)),
            cut_columns=Columns.compile(column, ((names.risk(r.id, "cut"), r.cut_share if r.cut else None, 0.0)
                                                 for r in scenario.risks)),
            weight_columns=Columns.compile(column, ((names.indicator_weight(ind, role, obs), w, 0.0)
                                                    for (ind, role, obs), w in weights.items())),
            weight_position={key: k for k, key in enumerate(weights)},
            anchors={(fund_ids.index(a.fund), a.kind): (a.amount, a.at)
                     for a in (scenario.status.money if scenario.status is not None else ())},
        )

    # ------------------------------------------------------------------------------------ sampled arrays

    def envelopes(self, inputs: Inputs) -> np.ndarray:
        """Initial envelope of each fund ``(count, funds)`` in € bn (0 for spending flows)."""
        return self.envelope_columns.take(inputs)

    def pool_envelopes(self, inputs: Inputs) -> np.ndarray:
        """Envelope of each pool ``(count, pools)``: the fund's envelope times the pool's share."""
        return self.envelopes(inputs)[:, list(self.pool_fund)] * self.pool_share

    def amounts(self, inputs: Inputs) -> np.ndarray:
        """Amount of each programme part ``(count, parts)`` in € bn."""
        return self.amount_columns.take(inputs)

    def lags(self, inputs: Inputs) -> np.ndarray:
        """Payment lag of each programme part ``(count, parts)`` in days."""
        return self.lag_columns.take(inputs)

    def cut_shares(self, inputs: Inputs) -> np.ndarray:
        """Share of the envelope each risk cuts when it occurs ``(count, risks)``."""
        return self.cut_columns.take(inputs)


# ---------------------------------------------------------------------------------------------- pools


class Pool:
    """A pool's state within one replication: serves commitment requests first-fit in request order."""

    __slots__ = ("index", "envelope", "committed", "open_at", "commit_by", "rate", "frozen", "waiting", "wake_at")

    def __init__(self, index: int, envelope: float, commit_by: float, rate_per_day: float | None):
        self.index = index
        self.envelope = envelope
        self.committed = 0.0
        self.open_at = math.inf
        self.commit_by = commit_by
        self.rate = rate_per_day
        self.frozen: list[tuple[float, float]] = []
        self.waiting: list[list] = []  # [part, amount, event]
        self.wake_at = math.inf

    def available(self, now: float) -> float:
        """Uncommitted money that can be committed now (€ bn)."""
        if now < self.open_at:
            return 0.0
        cap = self.envelope if self.rate is None else min(self.envelope, self.rate * (now - self.open_at))
        return cap - self.committed

    def commit_fitting(self, now: float) -> list[tuple]:
        """Commit every waiting request that fits now, first fit in request order.

        A request that can never be met in full (everything the pool will ever hold is there and it is not
        enough) takes what is left: an envelope cut shrinks programmes rather than blocking them. An empty,
        closed, frozen or expired pool commits nothing. The same rule is compiled in
        :func:`sim.engine.kernel_resources.serve`.

        Returns
        -------
        list of tuple
            ``(part, amount asked, event, amount committed)`` per commitment, in order; they leave ``waiting``.
        """
        out: list[tuple] = []
        if not self.can_commit(now):
            return out
        for entry in list(self.waiting):
            part, amount, event = entry
            available = self.available(now)
            remaining = self.envelope - self.committed  # all it will ever hold from now on
            take = amount if amount <= available + 1e-9 else (
                remaining if available >= remaining - 1e-9 and remaining > 1e-9 else 0.0)
            if take > 0:
                self.committed += take
                self.waiting.remove(entry)
                out.append((part, amount, event, take))
        return out

    def can_commit(self, now: float) -> bool:
        """Whether the pool commits at ``now``: open, not past its commit deadline, not frozen."""
        return now >= self.open_at and now <= self.commit_by and not any(a <= now < b for a, b in self.frozen)

    def next_change(self, now: float) -> float:
        """When waiting requests might next become servable (inflow accrual or the end of a freeze)."""
        times = [b for a, b in self.frozen if a <= now < b]
        if now < self.open_at < math.inf:
            times.append(self.open_at)
        if self.rate is not None and self.waiting and now >= self.open_at:
            need = self.committed + min(w[1] for w in self.waiting)
            if need <= self.envelope + 1e-12:
                times.append(self.open_at + need / self.rate)
        future = [t for t in times if t > now and t <= self.commit_by]
        return min(future) if future else math.inf


# ---------------------------------------------------------------------------------------------- payment curves


FAR_PAUSE = 1e9  # days: a pause that never happens (finite, so that arithmetic stays finite)


def paid_by(t: np.ndarray, amount, commit, lag, execution, prefinancing, pauses=()) -> np.ndarray:
    """Cumulative payments (€ bn) at times ``t`` of parts committed at ``commit``.

    Broadcasting: ``amount``, ``commit``, ``lag``, ``execution`` and ``prefinancing`` are ``(count, parts)``
    (or broadcastable), ``t`` is ``(grid,)`` or ``(count, grid)``; the result is ``(count, parts, grid)``.
    Uncommitted parts (``commit = inf``) pay nothing. ``pauses`` are ``(start, length)`` pairs of
    ``(count, parts)`` arrays: progress payments stop for ``length`` days from ``start`` (a risk delaying
    the programme), which keeps payments causal — a pause never changes what was paid before it.
    """
    t = np.asarray(t, dtype=float)
    t = t[None, None, :] if t.ndim == 1 else t[:, None, :]
    c = commit[..., None]
    begin = c + lag[..., None]
    span = execution[..., None]
    worked = t - begin
    for start, length in pauses:
        worked = worked - np.clip(t - lag[..., None] - start[..., None], 0.0, length[..., None])
    with np.errstate(invalid="ignore", divide="ignore"):
        progress = np.where(span > 0, np.clip(worked / np.where(span > 0, span, 1.0), 0.0, 1.0),
                            (worked >= 0).astype(float))
    progress = np.where(np.isfinite(c), progress, 0.0)
    pre = prefinancing[..., None] * (t >= c)
    return amount[..., None] * (pre + (1 - prefinancing[..., None]) * progress)


def flow_spent(t: np.ndarray, rate: float, growth: np.ndarray) -> np.ndarray:
    """Cumulative spending (€ bn) at days ``t`` of a flow of ``rate`` € bn/yr growing by ``growth`` a year.

    ``growth`` is ``(count,)``; ``t`` is ``(grid,)`` or ``(count, grid)``; the result is ``(count, grid)``:
    r·((1+g)^y − 1)/ln(1+g) with y = t/365.25. Before the start (t < 0) it is negative: the flow ran before
    the scenario began, which trailing-window indicators need.
    """
    t = np.asarray(t, dtype=float)
    y = (t[None, :] if t.ndim == 1 else t) / DAYS_PER_YEAR
    log = np.log1p(growth[:, None])
    growing = np.abs(log) > 1e-12  # rate·expm1(log·y)/log, else rate·y: in one array (fresh ones cost page faults)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.multiply(log, y)
        np.divide(np.multiply(np.expm1(out, out=out), rate, out=out), np.where(growing, log, 1.0), out=out)
    if not growing.all():
        np.copyto(out, rate * y, where=~growing)
    return out


def first_reach(breaks: np.ndarray, curve, threshold: np.ndarray) -> np.ndarray:
    """First time a non-decreasing curve reaches ``threshold`` (exact for curves linear between breakpoints).

    Parameters
    ----------
    breaks : numpy.ndarray
        ``(count, k)`` breakpoints (days), where the curve may jump or change slope; ``inf`` entries ignored.
    curve : callable
        ``curve(t)`` with ``t`` of shape ``(count, k)`` → values ``(count, k)`` (right-continuous).
    threshold : numpy.ndarray
        ``(count,)`` values to reach.

    Returns
    -------
    numpy.ndarray
        ``(count,)`` first times (days); ``inf`` where never reached.
    """
    b = np.sort(np.where(np.isfinite(breaks), breaks, np.inf), axis=1)
    finite_b = np.where(np.isfinite(b), b, 1e15)  # beyond any horizon: keeps the curve constant there
    right = curve(finite_b)
    left = curve(finite_b - 1e-9)  # left limits: linear pieces are continuous, jumps are not
    v = threshold[:, None]
    reached = right >= v - 1e-12
    ok = reached.any(axis=1)
    rows = np.arange(len(b))
    j = np.argmax(reached, axis=1)
    prev = np.maximum(j - 1, 0)
    left_j, right_prev = left[rows, j], right[rows, prev]
    b_j, b_prev = finite_b[rows, j], finite_b[rows, prev]
    inside = ok & (j > 0) & (left_j >= threshold - 1e-12) & (left_j > right_prev)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(inside, b_prev + (threshold - right_prev) / (left_j - right_prev) * (b_j - b_prev), b_j)
    return np.where(ok & (t < 1e14), t, np.inf)


def first_reach_on_grid(grid: np.ndarray, values: np.ndarray, threshold: float) -> np.ndarray:
    """First time values sampled on ``grid`` reach ``threshold``, interpolating linearly between grid points.

    ``values`` is ``(count, len(grid))``; NaN (an undefined ratio) counts as not reached.
    """
    reached = curves.at_least(values, threshold)  # NaN counts as below
    ok = reached.any(axis=1)
    j = np.argmax(reached, axis=1)
    rows = np.arange(len(values))
    prev = np.maximum(j - 1, 0)
    v0, v1 = values[rows, prev], values[rows, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where((j > 0) & np.isfinite(v0) & (v1 > v0), (threshold - v0) / (v1 - v0), 1.0)
    t = np.where(j > 0, grid[prev] + np.clip(frac, 0, 1) * (grid[j] - grid[prev]), grid[j])
    return np.where(ok, t, np.inf)


class Curves:
    """Every money observable of a batch of replications, as functions of time.

    Built from the engine's commitment times and the sampled inputs; ``value(name, t)`` evaluates an
    observable (``FUND.committed`` …) or an indicator at times ``t`` (``(grid,)`` or ``(count, grid)``).
    """

    def __init__(self, mnet: MoneyNetwork, inputs: Inputs, done: np.ndarray, planned: np.ndarray,
                 commit: np.ndarray, committed_amount: np.ndarray, hits: np.ndarray | None = None,
                 risk_delay: np.ndarray | None = None):
        self.mnet = mnet
        self.inputs = inputs
        self.count = done.shape[0]
        self.amount = committed_amount  # what was committed, which a short pool may have cut
        self.lag = mnet.lags(inputs)
        self.commit = commit
        programme = [i for i, _ in mnet.parts]
        self.execution = planned[:, programme]  # payments follow the planned work, so they stay causal
        # A risk that delays a programme pauses its progress payments for the delay, from when it hit (or
        # from the commitment, if it hit before): later payments move, earlier ones do not.
        self.pauses = []
        if hits is not None and hits.size and risk_delay is not None:
            used = [r for r in range(hits.shape[2]) if np.isfinite(hits[:, programme, r]).any()]
            if used:
                hit = hits[:, programme][:, :, used]  # (n, parts, risks)
                start = np.where(np.isfinite(hit), np.maximum(hit, commit[:, :, None]), np.inf)
                length = np.where(np.isfinite(hit), risk_delay[:, None, used], 0.0)
                order = np.argsort(start, axis=2, kind="stable")
                start, length = np.take_along_axis(start, order, 2), np.take_along_axis(length, order, 2)
                end = np.full(start.shape[:2], -np.inf)
                for q in range(start.shape[2]):  # pauses run one after another, never overlapping
                    s_q = np.maximum(start[:, :, q], end)
                    s_q = np.where(np.isfinite(start[:, :, q]), s_q, FAR_PAUSE)
                    self.pauses.append((s_q, length[:, :, q]))
                    end = np.where(np.isfinite(start[:, :, q]), s_q + length[:, :, q], end)
        self.prefinancing = np.array([mnet.funds[mnet.pool_fund[p]].prefinancing for _, p in mnet.parts])
        self.envelope = mnet.envelopes(inputs)
        self.part_fund = np.array([mnet.pool_fund[p] for _, p in mnet.parts], dtype=int)
        self.fund_index = {f: k for k, f in enumerate(mnet.fund_ids)}
        self.indicator = {ind.id: ind for ind in mnet.indicators}
        self._memo: dict = {}

    def _cols(self, k: int) -> np.ndarray:
        return np.flatnonzero(self.part_fund == k)

    def _growth(self, fund) -> np.ndarray:
        return self.mnet.growth_columns.one(self.inputs, self.fund_index[fund.id])

    def fund_value(self, k: int, kind: str, t) -> np.ndarray:
        """``kind`` of fund ``k`` (committed, disbursed, committed_share, disbursed_share) at ``t``."""
        t = np.asarray(t, dtype=float)
        if t.ndim == 2 and len(t) > 1:  # per-replication times (breakpoints): a key would cost more than the curve
            return self._fund_value(k, kind, t)
        key = (k, kind, t.shape, t.tobytes())  # indicators ask for the same curves on the same grids repeatedly
        if key not in self._memo:
            self._memo[key] = self._fund_value(k, kind, t)
        return self._memo[key]

    def _fund_value(self, k: int, kind: str, t: np.ndarray) -> np.ndarray:
        fund = self.mnet.funds[k]
        if fund.is_flow:
            return flow_spent(t, fund.spending_rate, self._growth(fund))
        base = "committed" if kind.startswith("committed") else "disbursed"
        value = self._model_value(k, base, t)
        anchor = self.mnet.anchors.get((k, base))
        if anchor is not None:  # observed money: the model's curve moved through it (sim.engine.anchors)
            amount, at = anchor
            raw_at = self._model_value(k, base, np.array([at]))[:, 0]
            value = anchors.anchored(value, t, raw_at, amount, at)
        if kind.endswith("_share"):
            with np.errstate(invalid="ignore", divide="ignore"):
                value = value / self.envelope[:, k, None]
        return value

    def _model_value(self, k: int, kind: str, t: np.ndarray) -> np.ndarray:
        """Fund ``k``'s committed or disbursed money (€ bn) at ``t`` as the model made it (remembered per grid)."""
        grid = np.ascontiguousarray(t[None, :] if t.ndim == 1 else t, dtype=float)
        if len(grid) > 1:  # per-replication times, as in fund_value
            return curves.sum_of_events(grid, *self._events(k, kind))
        key = ("model", k, kind, t.shape, t.tobytes())
        if key not in self._memo:
            self._memo[key] = curves.sum_of_events(grid, *self._events(k, kind))
        return self._memo[key]

    def _events(self, k: int, kind: str) -> tuple[np.ndarray, ...]:
        """Jumps and ramps of fund ``k``'s committed or disbursed money (see :mod:`sim.engine.curves`)."""
        key = ("events", k, kind)
        if key not in self._memo:
            cols = self._cols(k)
            amount, commit = self.amount[:, cols], self.commit[:, cols]
            if kind == "committed":
                none = np.zeros((self.count, 0))
                jump_x, jump_h = np.array(commit, dtype=float), np.array(amount, dtype=float)
                curves.sort_events(jump_x, jump_h)
                self._memo[key] = (jump_x, jump_h, none + np.inf, none)
            else:
                starts = np.stack([start[:, cols] for start, _ in self.pauses], axis=2) if self.pauses \
                    else np.zeros((self.count, len(cols), 0))
                lengths = np.stack([length[:, cols] for _, length in self.pauses], axis=2) if self.pauses \
                    else np.zeros((self.count, len(cols), 0))
                self._memo[key] = curves.payment_events(
                    np.ascontiguousarray(amount), np.ascontiguousarray(commit), np.ascontiguousarray(self.lag[:, cols]),
                    np.ascontiguousarray(self.execution[:, cols], dtype=float),
                    np.ascontiguousarray(self.prefinancing[cols], dtype=float),
                    np.ascontiguousarray(starts, dtype=float), np.ascontiguousarray(lengths, dtype=float))
        return self._memo[key]

    def value(self, name: str, t) -> np.ndarray:
        """An observable or indicator at times ``t``; ``(count, grid)`` (indicators remembered per grid)."""
        if name in self.indicator:
            t = np.asarray(t, dtype=float)
            key = ("indicator", name, t.shape, t.tobytes())
            if key not in self._memo:
                self._memo[key] = self._indicator(name, t)
            return self._memo[key]
        fund, kind = name.rsplit(".", 1)
        return self.fund_value(self.fund_index[fund], kind, t)

    def _indicator(self, name: str, t: np.ndarray) -> np.ndarray:
        ind = self.indicator[name]

        def total(weights, role):
            # 0.0 + w₁·x₁ + w₂·x₂ + … term by term as numpy did, in one compiled pass per term into one array
            out = np.empty((self.count, t.shape[-1]))
            for q, (obs, _) in enumerate(weights):
                now = np.ascontiguousarray(self.value(obs, t))
                before = np.ascontiguousarray(self.value(obs, t - ind.trailing)) if ind.trailing else now  # flows ran before 0
                weight = self.mnet.weight_columns.one(self.inputs, self.mnet.weight_position[(ind.id, role, obs)])
                curves.add_weighted(out, q == 0, np.ascontiguousarray(weight), now, before, bool(ind.trailing))
            return out if weights else np.zeros((self.count, t.shape[-1]))  # no weights: 0.0 everywhere

        numerator = total(ind.numerator, "numerator")  # a fresh (count, grid) array
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.divide(numerator, total(ind.denominator, "denominator"), out=numerator) if ind.denominator else numerator

    def first_reach(self, name: str, threshold: float, weekly: np.ndarray) -> np.ndarray:
        """When ``name`` first reaches ``threshold`` (days; ``inf``: not by the horizon).

        Exact for fund observables (piecewise-linear between payment breakpoints, or analytic for flows);
        for indicators, on the weekly grid with linear interpolation.
        """
        if name in self.indicator:
            return first_reach_on_grid(weekly, self.value(name, weekly), threshold)
        fund_id, kind = name.rsplit(".", 1)
        k = self.fund_index[fund_id]
        fund = self.mnet.funds[k]
        if fund.is_flow:
            g = np.log1p(self._growth(fund))
            with np.errstate(invalid="ignore", divide="ignore"):
                growing = np.abs(g) > 1e-12
                y = np.where(growing, np.log1p(threshold * g / fund.spending_rate) / np.where(growing, g, 1.0),
                             threshold / fund.spending_rate)
            t = np.where(np.isfinite(y) & (y >= 0), y * DAYS_PER_YEAR, np.inf)
        else:
            cols = self._cols(k)
            c = self.commit[:, cols]
            lag = self.lag[:, cols]
            breaks = c if kind.startswith("committed") else np.concatenate(
                [c, c + lag, c + lag + self.execution[:, cols]]
                + [b for start, length in self.pauses for b in (start[:, cols] + lag, start[:, cols] + lag + length[:, cols])]
                # the end of payments moves by every pause: the last breakpoint
                + [c + lag + self.execution[:, cols] + sum((length[:, cols] for _, length in self.pauses), 0.0)], axis=1)
            level = np.full(self.count, threshold, dtype=float)
            if kind.endswith("_share"):
                level = threshold * self.envelope[:, k]
                kind = kind[: -len("_share")]
            breaks = self._anchor_breaks(k, kind, breaks)
            if breaks.shape[1] == 0:
                return np.full(self.count, np.inf if threshold > 0 else 0.0)
            t = first_reach(breaks, lambda tt: self.fund_value(k, kind, tt), level)
        return np.where(t <= self.mnet.horizon, t, np.inf)

    def _anchor_breaks(self, k: int, kind: str, breaks: np.ndarray) -> np.ndarray:
        """``breaks`` with the kinks an observed amount adds to fund ``k``'s ``kind`` curve (unchanged without one)."""
        anchor = self.mnet.anchors.get((k, kind))
        if anchor is None:
            return breaks
        amount, at = anchor

        def model_reach(level: np.ndarray) -> np.ndarray:
            if breaks.shape[1] == 0:
                return np.where(level <= 0, 0.0, np.inf)
            return first_reach(breaks, lambda tt: self._model_value(k, kind, tt), level)

        return np.concatenate([breaks, anchors.kinks(model_reach, self.count, amount, at)], axis=1)

    def names(self) -> set[str]:
        """Every observable and indicator these curves answer for."""
        out = set(self.indicator)
        for f in self.mnet.funds:
            out |= set(names.fund_observables(f.id, f.is_flow))
        return out
