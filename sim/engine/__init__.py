"""Engines: pure functions from a compiled network and sampled inputs to completion times.

SimPy is the reference engine (:mod:`sim.engine.milestones`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np

from ..sampling import Inputs
from ..workers import cpu_count
from . import fast
from .milestones import Money, Production, TraceSink, simulate
from .money import Curves, MoneyNetwork, first_reach_on_grid
from .network import Network
from .production import LineNetwork, ProductionCurves

__all__ = ["BatchOutcome", "ENGINES", "LineNetwork", "MoneyNetwork", "Network", "Observer", "simulate", "simulate_batch",
           "TraceSink"]


@dataclass
class BatchOutcome:
    """What the engine computes for a batch of replications.

    Attributes
    ----------
    done : numpy.ndarray
        ``(count, milestones)`` completion times (days; ``inf`` = not by the horizon).
    requested, committed : numpy.ndarray
        ``(count, parts)`` when each programme part asked for its money and when it was committed.
    committed_amount : numpy.ndarray
        ``(count, parts)`` money committed to each part (€ bn; less than asked when a pool ran short).
    started, delivered : numpy.ndarray
        ``(count, orders)`` when each order's delivery started and when it was complete.
    series : numpy.ndarray
        ``(count, observables, months)`` money and production observables on the monthly grid (float32).
    indicator_times : numpy.ndarray
        ``(count, indicator targets)`` when each indicator target's value is first reached.
    """

    done: np.ndarray
    requested: np.ndarray
    committed: np.ndarray
    committed_amount: np.ndarray
    started: np.ndarray
    delivered: np.ndarray
    series: np.ndarray
    indicator_times: np.ndarray

    @staticmethod
    def concat(parts: list[BatchOutcome], series: np.ndarray | None = None) -> BatchOutcome:
        """The outcomes of consecutive blocks of replications as one outcome.

        ``series``, when given, already holds every block's series (they were written into it): the largest
        array is then not copied again.
        """
        return BatchOutcome(*(series if f.name == "series" and series is not None
                              else np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(BatchOutcome)))


class Observer:
    """Evaluates any observable of a batch (money or production) and when it first reaches a value."""

    def __init__(self, net: Network, money: Curves | None, production: ProductionCurves | None):
        self.net = net
        self.money, self.production = money, production
        self.money_names = money.names() if money else set()

    def value(self, name: str, t) -> np.ndarray:
        """``name`` at times ``t`` (money and production remember what they computed per grid)."""
        source = self.money if name in self.money_names else self.production
        if source is None:
            raise KeyError(f"'{name}' is not an observable of this scenario")
        return source.value(name, t)

    def held_since(self, name: str, threshold: float, deadline: float) -> np.ndarray:
        """When an "at least the value on the deadline" target's value last rose to its threshold.

        That is, from when it held without a break through the end of the deadline day (weekly grid plus the
        deadline itself).

        Where the value is below the threshold on the deadline, the time it first reaches it afterwards
        (``inf``: not by the horizon) — so the target is met exactly when the value holds on the deadline.
        """
        at = min(deadline, self.net.horizon)
        grid = np.union1d(self.net.weekly, [at])
        d = int(np.searchsorted(grid, at))
        # the weekly values (shared with other targets) with the deadline's inserted: the same as evaluating
        # on the union grid, since every observable is evaluated point by point
        weekly = self.value(name, self.net.weekly)
        values = weekly if len(grid) == len(self.net.weekly) else np.insert(weekly, d, self.value(name, [at])[:, 0], axis=1)
        values = np.nan_to_num(values, nan=-np.inf)
        ok = values >= threshold
        holds = ok[:, d]
        # the last grid point before the deadline where it was below: the stretch starts right after it
        below = ~ok[:, : d + 1]
        last_below = np.where(below.any(axis=1), d - np.argmax(below[:, ::-1], axis=1), -1)
        since = np.where(last_below < 0, grid[0], grid[np.minimum(last_below + 1, len(grid) - 1)])
        later = first_reach_on_grid(grid[d + 1:], values[:, d + 1:], threshold) if d + 1 < len(grid) \
            else np.full(len(values), np.inf)
        out = np.where(holds, since, later)
        return np.where(out <= self.net.horizon, out, np.inf)

    def first_reach(self, name: str, threshold: float) -> np.ndarray:
        """Exact for fund observables; on the weekly grid with linear interpolation otherwise."""
        if self.money is not None and name in self.money_names:
            return self.money.first_reach(name, threshold, self.net.weekly)
        if self.production is None:
            raise KeyError(f"'{name}' is not an observable of this scenario")
        if name.rsplit(".", 1)[1] in MONOTONE:
            t = first_reach_monotone(self.net.weekly, lambda at: self.production.value(name, at), threshold)
        else:
            t = first_reach_on_grid(self.net.weekly, self.production.value(name, self.net.weekly), threshold)
        return np.where(t <= self.net.horizon, t, np.inf)


MONOTONE = ("delivered", "output", "closed")  # production observables that never decrease


def first_reach_monotone(grid: np.ndarray, value, threshold: float) -> np.ndarray:
    """:func:`first_reach_on_grid` for a non-decreasing observable, by bisection over the grid.

    ``value(t)`` evaluates the observable at per-replication times ``t`` ``(count, 1)``. The first grid point
    reaching the threshold is the same as a scan finds, and the interpolation uses the same two values, so the
    result is the scan's — with about log2(len(grid)) evaluations instead of len(grid).
    """
    def at(index: np.ndarray) -> np.ndarray:
        return np.nan_to_num(value(grid[index][:, None])[:, 0], nan=-np.inf)

    last = len(grid) - 1
    count = value(grid[:1]).shape[0]  # one shared time: sizes the batch
    hi = np.full(count, last)
    ok = at(hi) >= threshold
    lo = np.full(count, -1)  # invariant: grid[lo] (if any) below, grid[hi] reached
    while True:
        open_ = ok & (hi - lo > 1)
        if not open_.any():
            break
        mid = np.where(open_, (lo + hi) // 2, hi)
        reached = at(mid) >= threshold
        hi = np.where(open_ & reached, mid, hi)
        lo = np.where(open_ & ~reached, mid, lo)
    prev = np.maximum(hi - 1, 0)
    v0, v1 = at(prev), at(hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where((hi > 0) & np.isfinite(v0) & (v1 > v0), (threshold - v0) / (v1 - v0), 1.0)
    t = np.where(hi > 0, grid[prev] + np.clip(frac, 0, 1) * (grid[hi] - grid[prev]), grid[hi])
    return np.where(ok, t, np.inf)


ENGINES = ("fast", "simpy")
ROWS_PER_THREAD = 250  # replications: below this a thread costs more than it saves


def _row_blocks(count: int, threads: int) -> list[tuple[int, int]]:
    threads = max(1, min(threads, count // ROWS_PER_THREAD))
    bounds = np.linspace(0, count, threads + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds, bounds[1:], strict=False)]


def simulate_batch(net: Network, inputs: Inputs, trace_row: int | None = None,
                   trace: TraceSink | None = None, engine: str = "fast", threads: int | None = None) -> BatchOutcome:
    """Simulate every replication of ``inputs`` (or replay ``trace_row`` of them with ``trace``).

    Parameters
    ----------
    engine : {"fast", "simpy"}, default "fast"
        The compiled batch engine or the SimPy reference engine; both give the same outcome. A trace
        always replays with SimPy (the reference, event by event).
    threads : int, optional
        Threads the fast engine may use (default: one per CPU); the outcome does not depend on it.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if trace_row is not None:
        inputs = Inputs(inputs.names, inputs.values[[trace_row]], inputs.first + trace_row)
    if trace is not None:
        engine = "simpy"
    count = inputs.values.shape[0]
    parts = _row_blocks(count, min(cpu_count(), 8) if threads is None else threads) if engine == "fast" else []
    if len(parts) > 1:
        # Every output row depends on its own replication only, so blocks of rows in threads (the compiled
        # code and numpy's array loops run without the GIL) give the same outcome, sooner. Each block writes
        # its series into its rows of one array: joining them afterwards cost 0.5 s per 10,000 baseline rows.
        series = np.empty((count, len(net.observables), len(net.monthly)), np.float32) if net.observables else None

        def block(bounds: tuple[int, int]) -> BatchOutcome:
            a, b = bounds
            rows = Inputs(inputs.names, inputs.values[a:b], inputs.first + a)
            return _simulate_rows(net, rows, engine, None, None if series is None else series[a:b])

        with ThreadPoolExecutor(len(parts)) as pool:
            return BatchOutcome.concat(list(pool.map(block, parts)), series)
    return _simulate_rows(net, inputs, engine, trace)


def _simulate_rows(net: Network, inputs: Inputs, engine: str, trace: TraceSink | None,
                   series: np.ndarray | None = None) -> BatchOutcome:
    """One block of replications on the calling thread; ``series``: where to write their series (or new)."""
    net.check_inputs(inputs)
    durations = net.effective_durations(inputs)
    shift = net.shift(inputs)
    occurs, delay, time = net.risk_columns(inputs)
    mnet, lnet = net.money, net.lines
    pool_envelope = amounts = cuts = quantity = first_output = initial = None
    if mnet is not None:
        pool_envelope, amounts, cuts = mnet.pool_envelopes(inputs), mnet.amounts(inputs), mnet.cut_shares(inputs)
    if lnet is not None:
        quantity, first_output = lnet.order_quantities(inputs), lnet.first_output(inputs)
        untriggered = np.where(np.array(lnet.trigger) < 0, 0.0, np.inf)[None, :] + first_output
        initial = lnet.curves(inputs, untriggered, occurs, time, delay)
    if engine == "fast":
        raw = fast.simulate(net, durations, shift, occurs, delay, time, pool_envelope, amounts, cuts,
                            first_output, quantity, initial)
    else:
        raw = _simulate_simpy(net, durations, shift, occurs, delay, time, pool_envelope, amounts, cuts,
                              first_output, quantity, initial, trace)
    return _post_run(net, inputs, durations, occurs, delay, time, quantity, raw, series)


def _simulate_simpy(net, durations, shift, occurs, delay, time, pool_envelope, amounts, cuts, first_output,
                    quantity, initial, trace) -> dict:
    """The reference engine: one SimPy environment per replication; the same arrays as :func:`fast.simulate`."""
    mnet, lnet = net.money, net.lines
    count = durations.shape[0]
    results = []
    for i in range(count):
        money = Money(mnet, pool_envelope[i], amounts[i], cuts[i]) if mnet is not None else None
        production = Production(lnet, [c.row(i) for c in initial], first_output[i], quantity[i]) if lnet is not None else None
        results.append(simulate(net, durations[i], occurs[i], delay[i], time[i], shift[i], money, production, trace))
    n_parts, n_orders = (len(mnet.parts) if mnet else 0), (len(lnet.orders) if lnet else 0)

    def stack(field: str, *shape: int) -> np.ndarray:
        return np.array([getattr(r, field) for r in results], dtype=float).reshape(count, *shape)

    return dict(done=stack("done", len(net.ids)), requested=stack("requested", n_parts),
                committed=stack("committed", n_parts), committed_amount=stack("committed_amount", n_parts),
                started=stack("started", n_orders), delivered=stack("delivered", n_orders),
                ramp_start=stack("ramp_start", len(lnet.lines) if lnet else 0),
                hits=stack("hits", len(net.ids), len(net.risks)) if mnet is not None else None)


def _post_run(net, inputs, durations, occurs, delay, time, quantity, raw: dict,
              series: np.ndarray | None = None) -> BatchOutcome:
    """Money and production curves, metric gates, monthly series and indicator times (shared by both engines)."""
    mnet, lnet = net.money, net.lines
    count = durations.shape[0]
    done, requested, committed = raw["done"], raw["requested"], raw["committed"]
    started, delivered, committed_amount = raw["started"], raw["delivered"], raw["committed_amount"]
    if not net.observables:
        return BatchOutcome(done, requested, committed, committed_amount, started, delivered,
                            np.zeros((count, 0, 0), np.float32), np.zeros((count, 0)))
    # Milestones reported done: their deliveries are facts. (No risk hits them, so none pauses their payments:
    # the loader keeps observed milestones out of every risk's list.)
    reported = ~np.isnan(net.observed)
    money_curves = Curves(mnet, inputs, done, durations, committed, committed_amount, raw["hits"], delay) \
        if mnet is not None else None
    production_curves = None
    if lnet is not None:
        production_curves = ProductionCurves(lnet, lnet.curves(inputs, raw["ramp_start"], occurs, time, delay),
                                             quantity, started, done, reported)
    observer = Observer(net, money_curves, production_curves)
    for i, name, threshold in net.gates:
        done[:, i] = observer.first_reach(name, threshold)
    if series is None:
        series = np.empty((count, len(net.observables), len(net.monthly)), np.float32)
    for j, name in enumerate(net.observables):
        series[:, j] = observer.value(name, net.monthly)
    times = np.column_stack([observer.first_reach(name, threshold) if at is None else observer.held_since(name, threshold, at)
                             for _, name, threshold, at in net.indicator_targets]) \
        if net.indicator_targets else np.zeros((count, 0))
    return BatchOutcome(done, requested, committed, committed_amount, started, delivered, series, times)
