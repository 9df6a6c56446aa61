"""Compiled helpers for the post-run curves (numba): payment curves and production output on time grids.

They evaluate on grids without building ``(replications, parts, grid)`` arrays.

A fund's disbursed money is a sum over programme parts of a jump (pre-financing at commitment) and a ramp
(progress payments over the planned execution, paused while a risk delays the programme). Each part is
turned into a few events — a jump of height h at x, or a change of slope m at x — and a sorted grid is swept
once: value(t) = Σ_{jumps x ≤ t} h + Σ_{ramps x < t} m·(t − x). That is O(parts + grid) per replication
instead of O(parts × grid). Units: € bn and days.
"""

from __future__ import annotations

import math

import numpy as np

from .compiled import compiled
from .kernel_curves import capacity_rate

LARGEST = float(np.finfo(float).max)


def at_least(values: np.ndarray, threshold: float) -> np.ndarray:
    """``numpy.nan_to_num(values, nan=-inf) >= threshold`` (NaN counts as below), without copying ``values``.

    For a threshold strictly between ∓ the largest float, comparing ±inf is the same as comparing ± the largest
    float (what ``nan_to_num`` makes of them), and NaN compares false. The copy of a ``(replications, weeks)``
    array was most of a first reach on the weekly grid (fresh memory: page faults).
    """
    if -LARGEST < threshold <= LARGEST:
        with np.errstate(invalid="ignore"):
            return values >= threshold
    return np.nan_to_num(values, nan=-np.inf) >= threshold


@compiled(nogil=True, refcount=True)
def payment_events(amount, commit, lag, span, pre, pause_start, pause_len):
    """Jumps and slope changes of the payments of every part ``(count, parts)``.

    Parameters follow :func:`sim.engine.money.paid_by`: ``pre`` is ``(parts,)``; ``pause_start`` and
    ``pause_len`` are ``(count, parts, pauses)``, sorted and non-overlapping per part (far-away starts for
    pauses that do not happen). Returns ``(jump_x, jump_h, ramp_x, ramp_m)``, each ``(count, events)``, with
    ``inf`` positions for unused slots.
    """
    count, parts = amount.shape
    pauses = pause_start.shape[2]
    jumps, ramps = 2 * parts, parts * (2 + 2 * pauses)
    jump_x = np.full((count, jumps), np.inf)
    jump_h = np.zeros((count, jumps))
    ramp_x = np.full((count, ramps), np.inf)
    ramp_m = np.zeros((count, ramps))
    for c in range(count):
        nj = 0
        nr = 0
        for p in range(parts):
            commit_at = commit[c, p]
            if not math.isfinite(commit_at):
                continue  # never committed: pays nothing
            a = amount[c, p]
            jump_x[c, nj] = commit_at
            jump_h[c, nj] = a * pre[p]
            nj += 1
            begin = commit_at + lag[c, p]
            s = span[c, p]
            if not s > 0:
                jump_x[c, nj] = begin  # no execution time: progress is all or nothing at the start
                jump_h[c, nj] = a * (1 - pre[p])
                nj += 1
                continue
            rate = a * (1 - pre[p]) / s
            at = begin
            remaining = s
            ramp_x[c, nr] = at
            ramp_m[c, nr] = rate
            nr += 1
            for q in range(pauses):
                ps = pause_start[c, p, q] + lag[c, p]
                if not ps < at + remaining:
                    break  # the work is done before this pause starts
                remaining -= ps - at
                ramp_x[c, nr] = ps
                ramp_m[c, nr] = -rate
                ramp_x[c, nr + 1] = ps + pause_len[c, p, q]
                ramp_m[c, nr + 1] = rate
                nr += 2
                at = ps + pause_len[c, p, q]
            ramp_x[c, nr] = at + remaining
            ramp_m[c, nr] = -rate
            nr += 1
    sort_events(jump_x, jump_h)
    sort_events(ramp_x, ramp_m)
    return jump_x, jump_h, ramp_x, ramp_m


@compiled(refcount=True)
def _is_sorted(x):
    for i in range(1, len(x)):
        if x[i] < x[i - 1]:
            return False
    return True


@compiled()
def _sweep_row(t, order, jx, jh, rx, rm, out):
    """Evaluate one replication's jumps and ramps (each sorted by position) at the times ``t[order]``."""
    total_h = 0.0
    slope = 0.0
    moment = 0.0  # Σ m·x over the ramps started
    a = 0
    b = 0
    for g in order:
        x = t[g]
        while a < len(jx) and jx[a] <= x:
            total_h += jh[a]
            a += 1
        while b < len(rx) and rx[b] < x:
            slope += rm[b]
            moment += rm[b] * rx[b]
            b += 1
        out[g] = total_h + (slope * x - moment)


@compiled(nogil=True)
def sort_events(x, h):
    """Sort each row's events by position (stable, NaN last: numpy's mergesort order), in place.

    By insertion: a row holds a few dozen events, partly in order, with its unused (``inf``) slots already at
    the end; no allocation per row (``argsort`` allocated three arrays per row).
    """
    for c in range(x.shape[0]):
        xc, hc = x[c], h[c]
        for i in range(1, len(xc)):
            v, w = xc[i], hc[i]
            j = i - 1
            while j >= 0 and (xc[j] > v or (xc[j] != xc[j] and v == v)):  # xc[j] sorts after v
                xc[j + 1] = xc[j]
                hc[j + 1] = hc[j]
                j -= 1
            xc[j + 1] = v
            hc[j + 1] = w


@compiled(nogil=True, refcount=True)
def sum_of_events(t, jump_x, jump_h, ramp_x, ramp_m):
    """Values ``(count, grid)`` of jumps and ramps sorted by :func:`sort_events`.

    ``t`` is ``(count, grid)``, or ``(1, grid)`` shared by every replication.
    """
    count = jump_x.shape[0]
    out = np.zeros((count, t.shape[1]))
    order = np.arange(t.shape[1])
    if _rows_sorted(t):  # the usual case (grids, sorted breakpoints): no permutation, no slices counted
        _sweep_sorted(t, order, out, jump_x, jump_h, ramp_x, ramp_m)
        return out
    shared = t.shape[0] == 1  # one grid for every replication
    if shared and not _is_sorted(t[0]):
        order = np.argsort(t[0])  # a shared grid's order, found once
    in_order = np.arange(t.shape[1])
    for c in range(count):
        row = t[0] if shared else t[c]
        if not shared:
            order = in_order if _is_sorted(row) else np.argsort(row)
        _sweep_row(row, order, jump_x[c], jump_h[c], ramp_x[c], ramp_m[c], out[c])
    return out


@compiled(nogil=True, python=False)
def _rows_sorted(t):
    """Whether every row of ``t`` is in non-decreasing order."""
    for c in range(t.shape[0]):
        for g in range(1, t.shape[1]):
            if t[c, g] < t[c, g - 1]:
                return False
    return True


@compiled(nogil=True, python=False)
def _sweep_sorted(t, order, out, jump_x, jump_h, ramp_x, ramp_m):
    """:func:`_sweep_row` for every row in ``order`` (each row of ``t`` sorted), without reference counting."""
    shared = t.shape[0] == 1
    for c in range(out.shape[0]):
        _sweep_row(t[0] if shared else t[c], order, jump_x[c], jump_h[c], ramp_x[c], ramp_m[c], out[c])


def capacity_values(t, output, b, right, left, cum, base, added, start, ramp_t, ramp_s, lo, hi, factor):
    """Capacity (units per day, ``output=False``) or cumulative output (units) of a line at times ``t``.

    ``t`` is ``(count, grid)`` or ``(1, grid)`` (shared); ``b``, ``right``, ``left``, ``cum`` are the curve's
    breakpoints, right and left rates there and cumulative output ``(count, breaks)``; the rest as
    :class:`~sim.engine.production.CapacityCurves` (windows ``(count, windows)``). Between breakpoints the
    rate is linear, so output is the trapezoid from the last breakpoint.
    """
    out = np.empty((base.shape[0], t.shape[1]))
    # One compiled loop per case: with a single call of capacity_rate each, LLVM inlines it (with both calls in
    # one loop it did not, and every point paid a call: 4x slower, measured). Without reference counting (the
    # array is allocated here), taking a row's slices costs nothing.
    if output:
        _output_rows(t, out, b, right, left, cum, base, added, start, ramp_t, ramp_s, lo, hi, factor)
    else:
        _rate_rows(t, out, base, added, start, ramp_t, ramp_s, lo, hi, factor)
    return out


@compiled(nogil=True)
def _rate_rows(t, out, base, added, start, ramp_t, ramp_s, lo, hi, factor):
    """Capacity (units per day) at ``t`` into ``out`` (see :func:`capacity_values`)."""
    shared = t.shape[0] == 1  # one grid for every replication
    n_ramp, n_win = len(ramp_t), lo.shape[1]
    for c in range(out.shape[0]):
        row, out_c, lo_c, hi_c, factor_c = t[0] if shared else t[c], out[c], lo[c], hi[c], factor[c]
        for g in range(len(row)):
            out_c[g] = capacity_rate(row[g], False, base[c], added[c], start[c], ramp_t, ramp_s, n_ramp, lo_c, hi_c,
                                     factor_c, n_win)


@compiled(nogil=True)
def _output_rows(t, out, b, right, left, cum, base, added, start, ramp_t, ramp_s, lo, hi, factor):
    """Cumulative output (units) at ``t`` into ``out`` (see :func:`capacity_values`)."""
    shared = t.shape[0] == 1  # one grid for every replication
    n_ramp, n_win, m = len(ramp_t), lo.shape[1], b.shape[1]
    for c in range(out.shape[0]):
        row, out_c, b_c, right_c, left_c, cum_c = t[0] if shared else t[c], out[c], b[c], right[c], left[c], cum[c]
        j = 0
        previous = -np.inf
        for g in range(len(row)):
            x = min(max(row[g], 0.0), 1e7)
            if x < previous:
                j = 0  # unsorted grid: search from the start
            previous = x
            while j + 1 < m and b_c[j + 1] <= x:
                j += 1
            if j + 1 < m and b_c[j + 1] > b_c[j]:
                rate_left = right_c[j] + (left_c[j + 1] - right_c[j]) * (x - b_c[j]) / (b_c[j + 1] - b_c[j])
            else:
                rate_left = capacity_rate(x, True, base[c], added[c], start[c], ramp_t, ramp_s, n_ramp, lo[c], hi[c],
                                          factor[c], n_win)
            out_c[g] = cum_c[j] + (x - b_c[j]) * (right_c[j] + rate_left) / 2


@compiled(nogil=True, refcount=True)
def add_delivered(total, output, at_start, began, quantity):
    """Add an order's deliveries to ``total`` ``(count, grid)``.

    The deliveries are the line's output since the order started, clipped to [0, quantity], where it started
    (``output`` is the line's cumulative output ``(count, grid)``).
    """
    count, grid = total.shape
    for c in range(count):
        if not began[c]:
            continue
        for g in range(grid):
            since = output[c, g] - at_start[c]
            total[c, g] += min(max(since, 0.0), quantity[c])


@compiled(nogil=True)
def add_weighted(out, first, weight, now, before, trailing):
    """``out`` ← ``0.0 + w·x`` (``first``) or ``out + w·x``, in place, with ``x = now − before`` (``trailing``) or ``now``.

    An indicator's weighted sum, term by term, with numpy's operations in numpy's order (``weight`` is
    ``(count,)``, the rest ``(count, grid)``) but in one pass and without temporaries.
    """
    for c in range(out.shape[0]):
        w = weight[c]
        for g in range(out.shape[1]):
            x = now[c, g] - before[c, g] if trailing else now[c, g]
            out[c, g] = 0.0 + w * x if first else out[c, g] + w * x
