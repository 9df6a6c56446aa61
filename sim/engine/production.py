"""Production lines in the engine: capacity curves, orders served one at a time, production observables.

Capacity curves are computed analytically between breakpoints (no daily ticks).

Units: capacities in units per year, quantities in units, times in days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .. import names
from ..calendar import DAYS_PER_YEAR
from ..sampling import Inputs
from ..scenario import Scenario
from . import curves
from .columns import Columns
from .kernel_curves import FAR, solve_curve


class CapacityCurves:
    """Capacity available to orders of one line, for a batch of replications (arrays of shape ``(n,)``).

    rate(t) = (base + added · ramp(t − ramp_start)) · Π factor_w for windows w with lo_w ≤ t < hi_w, in units
    per day; ``ramp`` is piecewise linear from 0 at ``ramp_start`` through the line's points, constant after.
    """

    def __init__(self, base, added, ramp_start, ramp_points, windows, ramp_t=None, ramp_s=None):
        self.base = np.asarray(base, dtype=float)
        self.added = np.asarray(added, dtype=float)
        self.ramp_start = np.asarray(ramp_start, dtype=float)
        self.ramp_t = ramp_t if ramp_t is not None else np.array([0.0] + [p[0] for p in ramp_points])
        self.ramp_s = ramp_s if ramp_s is not None else np.array([0.0] + [p[1] for p in ramp_points])
        self.windows = windows  # list of (lo, hi, factor), each (n,)
        self._cache = None
        self._args: tuple | None = None  # the compiled helper's arguments (values_at)
        self._outputs: dict = {}

    def start_ramp(self, at: float) -> None:
        """The added capacity starts at day ``at`` (one replication): the trigger fired."""
        self.ramp_start[:] = at
        self._cache = self._args = None
        self._outputs = {}

    def rate(self, t: np.ndarray, left: bool = False) -> np.ndarray:
        """Units per day at times ``t`` ``(n, k)``; ``left`` gives left limits (window edges)."""
        start = np.where(np.isfinite(self.ramp_start), self.ramp_start, FAR)[:, None]
        share = np.interp(t - start, self.ramp_t, self.ramp_s, left=0.0, right=self.ramp_s[-1]) if len(self.ramp_t) > 1 \
            else np.zeros_like(t)
        r = (self.base[:, None] + self.added[:, None] * share) / DAYS_PER_YEAR
        for lo, hi, factor in self.windows:
            inside = (lo[:, None] < t) & (t <= hi[:, None]) if left else (lo[:, None] <= t) & (t < hi[:, None])
            r = np.where(inside, r * factor[:, None], r)
        return np.maximum(r, 0.0)

    def values_at(self, t, output: bool) -> np.ndarray:
        """Capacity per day or cumulative output at ``t`` ``(n, k)``, by the compiled helper."""
        t = np.asarray(t, dtype=float)
        t = np.ascontiguousarray(t[None, :] if t.ndim == 1 else t)  # one shared row, or one per replication
        return curves.capacity_values(t, output, *self._arrays())

    def _arrays(self) -> tuple[np.ndarray, ...]:
        """The compiled helper's arguments after ``t`` and ``output``, contiguous (prepared with the curve).

        Kept with the breakpoints: a line's values are asked for hundreds of times per batch (bisections).
        """
        if self._args is None:
            b, right, left, cum = self._cumulative()
            n = len(self.base)
            c = np.ascontiguousarray
            lo, hi, factor = (np.column_stack([w[i] for w in self.windows]) if self.windows else np.zeros((n, 0))
                              for i in range(3))
            self._args = (c(b), c(right), c(left), c(cum), c(self.base), c(self.added), c(self.ramp_start),
                          c(self.ramp_t, dtype=float), c(self.ramp_s, dtype=float), c(lo, dtype=float),
                          c(hi, dtype=float), c(factor, dtype=float))
        return self._args

    def _breaks(self) -> np.ndarray:
        start = np.where(np.isfinite(self.ramp_start), self.ramp_start, FAR)
        cols = [np.zeros_like(self.base)] + [start + dt for dt in self.ramp_t]
        for lo, hi, _ in self.windows:
            cols += [np.clip(lo, 0, FAR), np.clip(hi, 0, FAR)]
        return np.sort(np.minimum(np.column_stack(cols), FAR), axis=1)

    def _cumulative(self):
        """Breakpoints, right and left rates there, and cumulative output at each (cached until the ramp moves)."""
        if self._cache is None:
            b = self._breaks()
            right, left = self.rate(b), self.rate(b, left=True)
            area = np.diff(b, axis=1) * (right[:, :-1] + left[:, 1:]) / 2
            self._cache = (b, right, left, np.concatenate([np.zeros((len(b), 1)), np.cumsum(area, axis=1)], axis=1))
        return self._cache

    def output(self, t) -> np.ndarray:
        """Cumulative output from day 0 to ``t`` (units); ``t`` is ``(k,)`` or ``(n, k)``."""
        t = np.asarray(t, dtype=float)
        key = (t.shape, t.tobytes())  # deliveries of every order on the line ask for the same grid
        if key not in self._outputs:
            if len(self._outputs) > 8:
                self._outputs.clear()
            self._outputs[key] = self.values_at(t, output=True)
        return self._outputs[key]

    def solve(self, start: float, quantity: float) -> float:
        """For one replication (n = 1): when output since ``start`` reaches ``quantity`` (days; inf: never).

        The compiled rule the fast engine uses (:func:`sim.engine.kernel_curves.solve_curve`): one definition for both.
        """
        b, right, left, cum = self._cumulative()
        return float(solve_curve(0, b, right, left, cum, np.array([b.shape[1]], dtype=np.int64), float(start),
                                 float(quantity)))

    def row(self, i: int) -> CapacityCurves:
        """The curve of replication ``i`` alone (a copy that the engine may change)."""
        return CapacityCurves(self.base[i:i + 1].copy(), self.added[i:i + 1].copy(), self.ramp_start[i:i + 1].copy(),
                              (), [(lo[i:i + 1], hi[i:i + 1], f[i:i + 1]) for lo, hi, f in self.windows],
                              self.ramp_t, self.ramp_s)


class LineQueue:
    """One line's orders within one replication: one in delivery at a time, the rest waiting.

    The next order is the waiting one with the highest priority, then the first placed (``take_next``). The
    same rule is compiled in :func:`sim.engine.kernel_resources.next_order`.
    """

    __slots__ = ("queue", "busy", "start", "version", "seq", "picking")

    def __init__(self):
        self.picking = False  # a pick is scheduled: same-moment orders compete by priority
        self.queue: list = []  # (-priority, seq, order, quantity, event)
        self.busy = None  # (order, quantity, event) in delivery
        self.start = 0.0  # when the order in delivery started (days)
        self.version = 0  # bumped whenever its delivery time is recomputed
        self.seq = 0

    def add(self, order: int, priority: float, quantity: float, event=None) -> None:
        """Queue an order (``event`` is what its delivery will trigger)."""
        self.seq += 1
        self.queue.append((-priority, self.seq, order, quantity, event))

    def take_next(self) -> tuple:
        """Remove and return ``(order, quantity, event)`` of the order to serve next."""
        best = min(range(len(self.queue)), key=lambda q: self.queue[q][:2])
        _, _, order, quantity, event = self.queue.pop(best)
        return order, quantity, event


LINE_PARTS = (("capacity", "capacity", 0.0), ("target", "target_capacity", np.nan), ("first_output", "first_output", 0.0),
              ("realisation", "realisation", 1.0))  # input part, Line attribute, value when not given


@dataclass(frozen=True)
class LineNetwork:
    """Lines, orders and capability areas of a scenario, by index."""

    lines: tuple  # Line objects
    trigger: tuple[int, ...]  # milestone index of each line's trigger, −1: ramp from day 0
    workforce: tuple[tuple[int, float] | None, ...]  # (training line, workers needed) per line
    orders: tuple[tuple[int, int], ...]  # (milestone index, line index)
    quantities: tuple  # Distribution per order
    priority: tuple[float, ...]  # per order
    milestone_orders: tuple[tuple[int, ...], ...]
    risk_cut: tuple[tuple[int, ...], ...]  # per risk: lines it cuts
    risks: tuple
    factors: tuple[tuple[int, float, float, float], ...]  # (line, factor, from, to) from shocks
    capabilities: tuple
    milestone_ids: tuple[str, ...]
    # where the sampled quantities are, compiled once (sim.engine.columns): the engine never looks up names
    quantity_columns: Columns  # per order: units
    line_columns: dict[str, Columns]  # part → per line: capacity, target (units/yr; NaN: the claimed
    # capacity), first_output (days), realisation (share)
    capacity_cut_columns: Columns  # per risk: share of capacity it cuts

    @classmethod
    def of(cls, scenario: Scenario, column: Mapping[str, int]) -> LineNetwork | None:
        """The lines of ``scenario`` by index; ``column``: sampled input name → column (None without lines)."""
        if not scenario.lines:
            return None
        line_index = {line.id: k for k, line in enumerate(scenario.lines)}
        m_index = {m.id: i for i, m in enumerate(scenario.milestones)}
        orders: list[tuple[int, int]] = []
        quantities: list = []
        priority: list[float] = []
        by_milestone: list[tuple[int, ...]] = []
        for i, m in enumerate(scenario.milestones):
            ids = []
            for o in m.orders:
                ids.append(len(orders))
                orders.append((i, line_index[o.line]))
                quantities.append(o.quantity)
                priority.append(m.priority)
            by_milestone.append(tuple(ids))
        return cls(
            lines=scenario.lines,
            trigger=tuple(m_index[line.trigger] if line.trigger else -1 for line in scenario.lines),
            workforce=tuple((line_index[line.workforce[0]], line.workforce[1]) if line.workforce else None
                            for line in scenario.lines),
            orders=tuple(orders), quantities=tuple(quantities), priority=tuple(priority),
            milestone_orders=tuple(by_milestone),
            risk_cut=tuple(tuple(line_index[x] for x in r.capacity_cut) for r in scenario.risks),
            risks=scenario.risks,
            factors=tuple((line_index[x], f, lo, hi) for x, f, lo, hi in scenario.capacity_factors),
            capabilities=scenario.capabilities,
            milestone_ids=tuple(m.id for m in scenario.milestones),
            quantity_columns=Columns.compile(column, ((names.order(scenario.milestones[i].id, scenario.lines[k].id), dist, 0.0)
                                                      for (i, k), dist in zip(orders, quantities, strict=True))),
            line_columns={part: Columns.compile(column, ((names.line(line.id, part), getattr(line, attribute), default)
                                                         for line in scenario.lines))
                          for part, attribute, default in LINE_PARTS},
            capacity_cut_columns=Columns.compile(column, ((names.risk(r.id, "capacity_cut"), r.capacity_share, 0.0)
                                                          for r in scenario.risks)),
        )

    def order_quantities(self, inputs: Inputs) -> np.ndarray:
        """Units of each order ``(n, orders)``."""
        return self.quantity_columns.take(inputs)

    def first_output(self, inputs: Inputs) -> np.ndarray:
        """Days from each line's trigger to the first added output ``(n, lines)``."""
        return self.line_columns["first_output"].take(inputs)

    def curves(self, inputs: Inputs, ramp_start: np.ndarray, occurs, time, delay) -> list[CapacityCurves]:
        """Capacity curves of every line for a batch, given when each line's added capacity starts ``(n, lines)``.

        ``occurs``, ``time``, ``delay`` are the risks' sampled columns ``(n, risks)``; a risk that occurs cuts
        the capacity of its lines by its ``capacity_cut`` share from its time for its delay.
        """
        n = inputs.values.shape[0]
        out = []
        parts = {part: columns.take(inputs) for part, columns in self.line_columns.items()}
        cut_shares = self.capacity_cut_columns.take(inputs)
        for k, line in enumerate(self.lines):
            claimed = parts["capacity"][:, k]
            target = np.where(np.isnan(parts["target"][:, k]), claimed, parts["target"][:, k])
            real = parts["realisation"][:, k] * (1 - line.export_share)
            windows = []
            for r in range(len(self.risks)):
                if k in self.risk_cut[r]:
                    share = cut_shares[:, r]
                    lo = np.where(occurs[:, r] > 0, time[:, r], np.inf)
                    windows.append((lo, lo + delay[:, r], 1.0 - share))
            for line_k, factor, begin, end in self.factors:
                if line_k == k:
                    windows.append((np.full(n, begin), np.full(n, end), np.full(n, factor)))
            out.append(CapacityCurves(claimed * real, (target - claimed) * real, ramp_start[:, k], line.ramp, windows))
        return out


class ProductionCurves:
    """Production observables of a batch, evaluated at times ``t`` (``(grid,)`` or ``(n, grid)``).

    ``LINE.capacity|output|delivered``, ``MILESTONE.delivered`` and ``AREA.closed``.
    """

    def __init__(self, lnet: LineNetwork, curves: list[CapacityCurves], quantity: np.ndarray, started: np.ndarray,
                 done: np.ndarray, reported: np.ndarray | None = None):
        self.lnet, self.curves, self.quantity, self.started, self.done = lnet, curves, quantity, started, done
        # orders of milestones reported done were delivered by their done date: a fact, off the lines
        self.reported = np.zeros(len(lnet.milestone_ids), bool) if reported is None else reported
        self.line_index = {line.id: k for k, line in enumerate(lnet.lines)}
        self.milestone_index = {m: i for i, m in enumerate(lnet.milestone_ids)}
        self.capability = {c.id: c for c in lnet.capabilities}
        self.line_orders = [[j for j, (_, line) in enumerate(lnet.orders) if line == k] for k in range(len(lnet.lines))]
        self._memo: dict = {}

    def names(self) -> set[str]:
        """Every production observable of the scenario."""
        out = {name for line in self.lnet.lines for name in names.line_observables(line.id)}
        out |= {names.delivered(self.lnet.milestone_ids[i]) for i, _ in self.lnet.orders}
        return out | {names.closed(c) for c in self.capability}

    def _delivered(self, orders: Sequence[int], t) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        n = len(self.started)
        total = np.zeros((n, t.shape[-1]))
        for j in orders:
            i, k = self.lnet.orders[j]
            if self.reported[i]:  # delivered in full at the reported done date
                total += self.quantity[:, j, None] * (np.broadcast_to(t, total.shape) >= self.done[:, i, None])
                continue
            at_start, began, quantity = self._order(j)
            # output since the order started, at most its quantity, added in place (one pass, no temporaries)
            curves.add_delivered(total, np.ascontiguousarray(self.curves[k].output(t)), at_start, began, quantity)
        return total

    def _order(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Order ``j``'s line output when it started (units), whether it started, and its quantity.

        Remembered: every evaluation of a delivered observable (bisections make dozens) needs them.
        """
        key = ("order", j)
        if key not in self._memo:
            s = self.started[:, j]
            began = np.isfinite(s)
            at_start = self.curves[self.lnet.orders[j][1]].output(np.where(began, s, 0.0)[:, None])[:, 0]
            self._memo[key] = (at_start, began, np.ascontiguousarray(self.quantity[:, j]))
        return self._memo[key]

    def value(self, name: str, t) -> np.ndarray:
        """``name`` at times ``t`` (remembered per grid: areas and lines ask for the same deliveries)."""
        t = np.asarray(t, dtype=float)
        key = (name, t.shape, t.tobytes())
        if key not in self._memo:
            self._memo[key] = self._value(name, t)
        return self._memo[key]

    def _value(self, name: str, t: np.ndarray) -> np.ndarray:
        ident, kind = name.rsplit(".", 1)
        if ident in self.line_index:
            k = self.line_index[ident]
            if kind == "capacity":
                rate = self.curves[k].values_at(t, output=False)  # a fresh array: scaled in place
                return np.multiply(rate, DAYS_PER_YEAR, out=rate)
            if kind == "output":
                return self.curves[k].output(t)
            return self._delivered(self.line_orders[k], t)
        if ident in self.capability:
            area = self.capability[ident]
            tt = np.broadcast_to(t, (len(self.started), t.shape[-1])) if t.ndim == 1 else t
            closed = np.zeros(tt.shape)
            # each term as share · value, added in place into one buffer (fresh arrays cost page faults)
            term, done = np.empty(tt.shape), np.empty(tt.shape, bool)
            for line, share in area.per_unit:
                closed += np.multiply(share, self.value(f"{line}.delivered", t), out=term)
            for milestone, share in area.per_milestone:
                np.less_equal(self.done[:, self.milestone_index[milestone]][:, None], tt, out=done)
                closed += np.multiply(share, done, out=term)
            return np.minimum(closed, 1.0, out=closed)
        return self._delivered(self.lnet.milestone_orders[self.milestone_index[ident]], t)
