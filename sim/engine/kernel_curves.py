"""Capacity curves of production lines, compiled (numba): rates, breakpoints, when output reaches a quantity.

A line's capacity is piecewise linear between breakpoints (ramp points, cut windows), so its cumulative
output is piecewise quadratic and the time an order completes is solved exactly. Units: days and units of the
line's product; capacities in units per year.
"""

from __future__ import annotations

import math

import numpy as np

from ..calendar import DAYS_PER_YEAR
from .compiled import compiled

FAR = 1e7  # days: a breakpoint "never" (27,000 years), finite so that products stay finite


@compiled()
def _interp(x, xp, fp, n):
    """numpy.interp(x, xp[:n], fp[:n], left=0.0, right=fp[n-1]) for one x, with numpy's arithmetic."""
    if x != x:
        return x
    if x < xp[0]:
        return 0.0
    if x > xp[n - 1]:
        return fp[n - 1]
    if x == xp[n - 1]:
        return fp[n - 1]
    j = 0
    while xp[j + 1] <= x:
        j += 1
    if xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    out = slope * (x - xp[j]) + fp[j]
    if out != out:
        out = slope * (x - xp[j + 1]) + fp[j + 1]
        if out != out and fp[j] == fp[j + 1]:
            out = fp[j]
    return out


@compiled()
def capacity_rate(t, left, base, added, start, ramp_t, ramp_s, n_ramp, lo, hi, factor, n_win):
    """Units per day at ``t`` (``left``: the left limit), as ``CapacityCurves.rate`` for one replication."""
    s = start if math.isfinite(start) else FAR
    share = _interp(t - s, ramp_t, ramp_s, n_ramp) if n_ramp > 1 else 0.0
    r = (base + added * share) / DAYS_PER_YEAR
    for w in range(n_win):
        if left:
            inside = lo[w] < t and t <= hi[w]
        else:
            inside = lo[w] <= t and t < hi[w]
        if inside:
            r = r * factor[w]
    return max(r, 0.0)


@compiled()
def rebuild_curve(k, b, right, left, cum, nb, base, added, start, ramp_t, ramp_s, n_ramp, lo, hi, factor, n_win):
    """Breakpoints, rates and cumulative output of line ``k`` (as ``CapacityCurves._cumulative``)."""
    s = start if math.isfinite(start) else FAR
    m = 0
    b[k, m] = 0.0
    m += 1
    for j in range(n_ramp):
        b[k, m] = min(s + ramp_t[j], FAR)
        m += 1
    for w in range(n_win):
        b[k, m] = min(min(max(lo[w], 0.0), FAR), FAR)
        b[k, m + 1] = min(min(max(hi[w], 0.0), FAR), FAR)
        m += 2
    for x in range(1, m):  # insertion sort: a handful of breakpoints, and no allocation
        v = b[k, x]
        y = x - 1
        while y >= 0 and b[k, y] > v:
            b[k, y + 1] = b[k, y]
            y -= 1
        b[k, y + 1] = v
    nb[k] = m
    for j in range(m):
        right[k, j] = capacity_rate(b[k, j], False, base, added, start, ramp_t, ramp_s, n_ramp, lo, hi, factor, n_win)
        left[k, j] = capacity_rate(b[k, j], True, base, added, start, ramp_t, ramp_s, n_ramp, lo, hi, factor, n_win)
    cum[k, 0] = 0.0
    for j in range(m - 1):
        cum[k, j + 1] = cum[k, j] + (b[k, j + 1] - b[k, j]) * (right[k, j] + left[k, j + 1]) / 2


@compiled()
def solve_curve(k, b, right, left, cum, nb, start, quantity):
    """When output since ``start`` reaches ``quantity`` (days; inf: never), as ``CapacityCurves.solve``."""
    m = nb[k]
    # searchsorted(b, start, side="right") - 1
    i = 0
    while i < m and b[k, i] <= start:
        i += 1
    i = max(i - 1, 0)
    if i + 1 < m and b[k, i + 1] > b[k, i]:
        r_start = right[k, i] + (left[k, i + 1] - right[k, i]) * (start - b[k, i]) / (b[k, i + 1] - b[k, i])
    else:
        r_start = right[k, i]
    goal = cum[k, i] + (start - b[k, i]) * (right[k, i] + r_start) / 2 + quantity
    # searchsorted(cum, goal, side="left") - 1
    j = 0
    while j < m and cum[k, j] < goal:
        j += 1
    j = max(j - 1, 0)
    if j >= m - 1:
        rate = right[k, m - 1]
        return b[k, m - 1] + (goal - cum[k, m - 1]) / rate if rate > 0 else np.inf
    r0, r1, width = right[k, j], left[k, j + 1], b[k, j + 1] - b[k, j]
    rest = goal - cum[k, j]
    slope = (r1 - r0) / width if width > 0 else 0.0
    # rest = r0·dx + slope·dx²/2 for dx ≥ 0, as 2·rest / (r0 + √(r0² + 2·slope·rest)): the textbook
    # (−r0 + √(…))/slope cancels every digit when the slope is tiny. A constant rate whose two ends differ by
    # an ulp had 30,000 drones delivered the moment they were ordered instead of 25 days later.
    root = r0 + math.sqrt(max(r0 * r0 + 2 * slope * rest, 0.0))
    if root > 0:
        dx = 2 * rest / root
    else:  # no output in the segment (rate 0 at both ends)
        dx = 0.0 if rest <= 0 else np.inf
    t = max(b[k, j] + dx, start)
    return t if t < FAR / 2 else np.inf
