"""The fast engine: a batch of replications in one compiled call (:mod:`sim.engine.kernel`).

:func:`static_arrays` compiles a :class:`~sim.engine.network.Network` once into flat integer-indexed arrays
(cached on the network); :func:`simulate` runs a batch and returns the same per-replication arrays as the
SimPy engine.
"""

from __future__ import annotations

import sys
import threading
from collections import namedtuple
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..calendar import DAYS_PER_YEAR
from . import kernel, sweep
from .network import Network, csr

# The kernel's arrays come in records (namedtuples; numba compiles against each as a record of typed arrays),
# and each kernel function takes only the records it uses: compile time grows with the size of a function's
# arguments, and one record of all 83 arrays made the first run on a machine compile for about a minute.
EVENTS = ("ctr", "qt", "hf", "hi", "qf", "qi", "ev_state", "cb_head", "cb_tail", "cb_next", "cb_kind", "cb_arg", "cond_count",
          "cond_need")
MILESTONES = ("n_ms", "cond_base", "order_base", "until", "horizon", "net_dep_ptr", "net_dep_idx", "net_need",
              "net_gated", "net_observed", "net_commit_observed", "net_floor", "pc", "pending", "shielded")
RISKS = ("net_risk_aff_ptr", "net_risk_aff_idx", "net_risk_windowed", "net_risk_freeze_ptr", "net_risk_freeze_idx",
         "net_risk_cut_ptr", "net_risk_cut_idx")
POOLS = ("with_money", "net_part_ptr", "net_part_pool", "net_ms_pool_ptr", "net_ms_pool_idx", "net_pool_open",
         "net_available_from", "net_commit_by", "net_pool_rate", "net_freeze_ptr", "net_freeze_lo", "net_freeze_hi",
         "envelope", "committed_total", "open_at", "wake_at", "n_waiting", "waiting", "snapshot", "frozen_lo",
         "frozen_hi", "n_frozen")
LINES = ("with_lines", "net_order_ptr", "net_order_line", "net_order_prio", "net_trigger", "net_wf_line",
         "net_wf_need", "busy", "busy_start", "version", "seq", "picking", "q_order", "q_prio", "q_seq", "n_queue",
         "ramp_ready")
CURVES = ("curve_start", "cb_b", "cb_right", "cb_left", "cb_cum", "cb_nb", "net_ramp_t", "net_ramp_s",
          "net_ramp_len", "net_n_win")
INPUTS = ("durations", "shift", "occurs", "delay", "rtime", "pool_env", "amounts", "cut_share", "first_output",
          "quantity", "ramp0", "base", "added", "win_lo", "win_hi", "win_f")
OUTPUTS = ("done", "requested", "committed", "committed_amount", "started", "delivered", "ramp_start", "hits")
Events = namedtuple("Events", EVENTS)  # type: ignore[misc]
Milestones = namedtuple("Milestones", MILESTONES)  # type: ignore[misc]
Risks = namedtuple("Risks", RISKS)  # type: ignore[misc]
Pools = namedtuple("Pools", POOLS)  # type: ignore[misc]
Lines = namedtuple("Lines", LINES)  # type: ignore[misc]
LineCurves = namedtuple("LineCurves", CURVES)  # type: ignore[misc]
BatchInputs = namedtuple("BatchInputs", INPUTS)  # type: ignore[misc]
BatchOutputs = namedtuple("BatchOutputs", OUTPUTS)  # type: ignore[misc]
RECORDS = (Events, Milestones, Risks, Pools, Lines, LineCurves)  # the kernel state, in run_batch's order


def _contiguous(groups, what: str) -> np.ndarray:
    """Pointers of per-milestone index ranges (parts and orders are numbered in milestone order)."""
    ptr, idx = csr(groups)
    if not np.array_equal(idx, np.arange(len(idx))):
        raise ValueError(f"{what} are not numbered in milestone order")
    return ptr


def static_arrays(net: Network) -> dict:
    """The network as flat arrays for the kernel (computed once per network and kept on it)."""
    cached = net.__dict__.get("_kernel_static")
    if cached is None:
        cached = _static_arrays(net)
        object.__setattr__(net, "_kernel_static", cached)
    return cached


def _static_arrays(net: Network) -> dict:
    n = len(net.ids)
    mnet, lnet = net.money, net.lines
    n_parts = len(mnet.parts) if mnet else 0
    n_orders = len(lnet.orders) if lnet else 0
    n_pools = len(mnet.pools) if mnet else 0
    n_lines = len(lnet.lines) if lnet else 0
    out: dict[str, Any] = dict(n_ms=n, with_money=mnet is not None, with_lines=lnet is not None, cond_base=n + n_parts + n_orders,
               order_base=n + n_parts, until=float(np.nextafter(net.horizon, np.inf)), horizon=float(net.horizon))
    out["net_dep_ptr"], out["net_dep_idx"] = csr(net.deps)
    out["net_need"] = np.array(net.need, dtype=np.int64)
    out["net_gated"] = np.array(net.gated or [False] * n, dtype=np.int8)
    out["net_observed"] = np.asarray(net.observed, dtype=float)
    out["net_commit_observed"] = np.asarray(net.commit_observed, dtype=float)
    out["net_floor"] = np.asarray(net.floor, dtype=float)
    out["net_risk_aff_ptr"], out["net_risk_aff_idx"] = csr([r.affected for r in net.risks])
    out["net_risk_windowed"] = np.array([r.windowed for r in net.risks], dtype=np.int8)
    empty = [()] * len(net.risks)
    out["net_risk_freeze_ptr"], out["net_risk_freeze_idx"] = csr(mnet.risk_freeze if mnet else empty)
    out["net_risk_cut_ptr"], out["net_risk_cut_idx"] = csr(mnet.risk_cut if mnet else empty)
    if mnet:
        out["net_part_ptr"] = _contiguous(mnet.milestone_parts, "programme parts")
        out["net_part_pool"] = np.array([p for _, p in mnet.parts], dtype=np.int64)
        out["net_ms_pool_ptr"], out["net_ms_pool_idx"] = csr(
            [sorted({mnet.parts[j][1] for j in parts}) for parts in mnet.milestone_parts])
        funds = [mnet.funds[mnet.pool_fund[p]] for p in range(n_pools)]
        out["net_pool_open"] = np.array(mnet.pool_open, dtype=np.int64)
        out["net_available_from"] = np.array([f.available_from for f in funds], dtype=float)
        out["net_commit_by"] = np.array([f.commit_by for f in funds], dtype=float)
        out["net_pool_rate"] = np.array([np.nan if f.inflow is None else f.inflow * mnet.pool_share[p] / DAYS_PER_YEAR
                                         for p, f in enumerate(funds)], dtype=float)
        per_pool = [[(lo, hi) for q, lo, hi in mnet.freezes if q == p] for p in range(n_pools)]
        out["net_freeze_ptr"], _ = csr([[0] * len(f) for f in per_pool])
        out["net_freeze_lo"] = np.array([lo for f in per_pool for lo, _ in f], dtype=float)
        out["net_freeze_hi"] = np.array([hi for f in per_pool for _, hi in f], dtype=float)
    else:
        out["net_part_ptr"] = np.zeros(n + 1, dtype=np.int64)
        out["net_part_pool"] = out["net_ms_pool_idx"] = np.zeros(0, dtype=np.int64)
        out["net_ms_pool_ptr"] = np.zeros(n + 1, dtype=np.int64)
        out["net_pool_open"] = np.zeros(0, dtype=np.int64)
        out["net_available_from"] = out["net_commit_by"] = out["net_pool_rate"] = np.zeros(0)
        out["net_freeze_ptr"] = np.zeros(1, dtype=np.int64)
        out["net_freeze_lo"] = out["net_freeze_hi"] = np.zeros(0)
    if lnet:
        out["net_order_ptr"] = _contiguous(lnet.milestone_orders, "orders")
        out["net_order_line"] = np.array([k for _, k in lnet.orders], dtype=np.int64)
        out["net_order_prio"] = np.array(lnet.priority, dtype=float)
        out["net_trigger"] = np.array(lnet.trigger, dtype=np.int64)
        out["net_wf_line"] = np.array([w[0] if w else -1 for w in lnet.workforce], dtype=np.int64)
        out["net_wf_need"] = np.array([w[1] if w else 0.0 for w in lnet.workforce], dtype=float)
        ramps = [[(0.0, 0.0)] + list(line.ramp) for line in lnet.lines]
        width = max(len(r) for r in ramps)
        out["net_ramp_t"] = np.zeros((n_lines, width))
        out["net_ramp_s"] = np.zeros((n_lines, width))
        for k, r in enumerate(ramps):
            out["net_ramp_t"][k, :len(r)] = [p[0] for p in r]
            out["net_ramp_s"][k, :len(r)] = [p[1] for p in r]
        out["net_ramp_len"] = np.array([len(r) for r in ramps], dtype=np.int64)
    else:
        out["net_order_ptr"] = np.zeros(n + 1, dtype=np.int64)
        out["net_order_line"] = np.zeros(0, dtype=np.int64)
        out["net_order_prio"] = np.zeros(0)
        out["net_trigger"] = out["net_wf_line"] = out["net_ramp_len"] = np.zeros(0, dtype=np.int64)
        out["net_wf_need"] = np.zeros(0)
        out["net_ramp_t"] = out["net_ramp_s"] = np.zeros((0, 1))
    out["n_parts"], out["n_orders"], out["n_pools"], out["n_lines"] = n_parts, n_orders, n_pools, n_lines
    return out


def _state(static: dict, n_win: np.ndarray) -> tuple:
    """Fresh kernel state sized for the network (reset by the kernel before every replication): its records."""
    n, parts, orders = static["n_ms"], static["n_parts"], static["n_orders"]
    pools, lines, risks = static["n_pools"], static["n_lines"], len(static["net_risk_windowed"])
    events = static["cond_base"] + 3 * n
    deps = len(static["net_dep_idx"])
    heap = 4 * (events + pools + lines * (lines + 2) + orders + risks) + 64
    callbacks = deps + 4 * n + parts + orders + pools + lines + 16
    ramp_width = static["net_ramp_t"].shape[1]
    breaks = 1 + ramp_width + 2 * (int(n_win.max()) if lines else 0)
    freezes_per_pool = np.diff(static["net_freeze_ptr"]) if pools else np.zeros(0, dtype=int)
    risk_freezes = np.bincount(static["net_risk_freeze_idx"], minlength=pools) if pools else np.zeros(0, dtype=int)
    frozen = int((freezes_per_pool + risk_freezes).max()) if pools else 0
    i64, f64 = np.int64, np.float64
    state = dict(
        ctr=np.zeros(8, i64), qt=np.zeros(3), hf=np.zeros((heap, 2)), hi=np.zeros((heap, 4), i64),
        qf=np.zeros((2, heap)), qi=np.zeros((2, heap, 4), i64),
        ev_state=np.zeros(events, np.int8), cb_head=np.full(events, -1, i64), cb_tail=np.zeros(events, i64),
        cb_next=np.zeros(callbacks, i64), cb_kind=np.zeros(callbacks, i64), cb_arg=np.zeros(callbacks, i64),
        cond_count=np.zeros(events, i64), cond_need=np.zeros(events, i64),
        pc=np.zeros(n, i64), pending=np.zeros(n), shielded=np.zeros(n, np.int8),
        envelope=np.zeros(pools), committed_total=np.zeros(pools), open_at=np.zeros(pools), wake_at=np.zeros(pools),
        n_waiting=np.zeros(pools, i64), waiting=np.zeros((pools, max(parts, 1)), i64),
        snapshot=np.zeros(max(parts, 1), i64), frozen_lo=np.zeros((pools, max(frozen, 1))),
        frozen_hi=np.zeros((pools, max(frozen, 1))), n_frozen=np.zeros(pools, i64),
        curve_start=np.zeros(lines), cb_b=np.zeros((lines, breaks)), cb_right=np.zeros((lines, breaks)),
        cb_left=np.zeros((lines, breaks)), cb_cum=np.zeros((lines, breaks)), cb_nb=np.zeros(lines, i64),
        busy=np.full(lines, -1, i64), busy_start=np.zeros(lines), version=np.zeros(lines, i64),
        seq=np.zeros(lines, i64), picking=np.zeros(lines, np.int8), q_order=np.zeros((lines, max(orders, 1)), i64),
        q_prio=np.zeros((lines, max(orders, 1)), f64), q_seq=np.zeros((lines, max(orders, 1)), i64),
        n_queue=np.zeros(lines, i64), ramp_ready=np.zeros(lines),
    )
    fields = {**static, **state, "net_n_win": n_win}  # the batch's own window counts
    records: list[Any] = list(RECORDS)
    return tuple(record(**{name: fields[name] for name in record._fields}) for record in records)


def _windows(curves, count: int) -> tuple[np.ndarray, ...]:
    """Capacity windows of every line as padded ``(count, lines, windows)`` arrays (lo, hi, factor)."""
    width = max([len(c.windows) for c in curves] + [1])
    lo = np.full((count, len(curves), width), np.inf)
    hi = np.full((count, len(curves), width), np.inf)
    factor = np.ones((count, len(curves), width))
    for k, c in enumerate(curves):
        for w, (a, b, f) in enumerate(c.windows):
            lo[:, k, w], hi[:, k, w], factor[:, k, w] = a, b, f
    return lo, hi, factor, np.array([len(c.windows) for c in curves], dtype=np.int64)


@contextmanager
def compiling_notice(after: float = 3.0):
    """Say on a terminal what a long first call is doing: compiling the engine (once; then cached on disk).

    Said once per process, even when batches on several threads make their first call at the same time.
    """
    timer = None
    with _notice_lock:
        if sys.stderr.isatty() and not _compiled and not _announced:
            _announced.add(True)
            timer = threading.Timer(after, lambda: print(
                "readiness: compiling the fast engine (first run after installing; about 10-20 s, then cached) ...",
                file=sys.stderr, flush=True))
            timer.daemon = True
            timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
        _compiled.add(True)


_compiled: set = set()  # not empty once the kernel has run in this process
_announced: set = set()  # not empty once a notice is on its way
_notice_lock = threading.Lock()


def simulate(net: Network, durations, shift, occurs, delay, time, pool_envelope=None, amounts=None, cut_share=None,
             first_output=None, quantity=None, curves=None) -> dict:
    """Simulate a batch with the compiled kernel.

    Parameters are the batch's sampled arrays as :func:`sim.engine.simulate_batch` prepares them
    (``(count, ...)``; money and production ones ``None`` when the scenario has none; ``curves`` are the
    lines' initial capacity curves). One call runs on one thread (without the GIL): ``simulate_batch`` splits
    large batches into blocks of rows on several threads.

    Returns
    -------
    dict
        ``done, requested, committed, committed_amount, started, delivered, ramp_start, hits`` arrays, as the
        SimPy engine's :class:`~sim.engine.milestones.Replication` fields stacked over the batch.
    """
    if net.money is None and net.lines is None:
        return sweep.simulate(net, durations, shift, occurs, delay, time)  # no event loop needed
    static = static_arrays(net)
    count = durations.shape[0]
    n, parts, orders = static["n_ms"], static["n_parts"], static["n_orders"]
    lines, risks = static["n_lines"], len(net.risks)
    f = np.ascontiguousarray
    if curves is not None:
        lo, hi, factor, n_win = _windows(curves, count)
        base = np.column_stack([c.base for c in curves])
        added = np.column_stack([c.added for c in curves])
        ramp0 = np.column_stack([c.ramp_start for c in curves])
    else:
        lo = hi = factor = np.zeros((count, 0, 1))
        n_win = np.zeros(0, dtype=np.int64)
        base = added = ramp0 = first_output = np.zeros((count, 0))
        quantity = np.zeros((count, 0))
    if pool_envelope is None:
        pool_envelope, amounts = np.zeros((count, 0)), np.zeros((count, 0))
        cut_share = np.zeros((count, risks))
    out = dict(
        done=np.full((count, n), np.inf), requested=np.full((count, parts), np.inf),
        committed=np.full((count, parts), np.inf), committed_amount=np.zeros((count, parts)),
        started=np.full((count, orders), np.inf), delivered=np.full((count, orders), np.inf),
        ramp_start=np.zeros((count, lines)),
        hits=np.full((count, n, risks) if static["with_money"] else (count, 0, 0), np.inf),
    )
    inp = BatchInputs(*(f(a, float) for a in (durations, shift, occurs, delay, time, pool_envelope, amounts, cut_share,
                                              first_output, quantity, ramp0, base, added, lo, hi, factor)))
    with compiling_notice():
        kernel.run_batch(*_state(static, n_win), inp, BatchOutputs(**out))
    return out
