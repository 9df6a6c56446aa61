"""The post-run's compiled helpers do numpy's arithmetic in numpy's order: bit for bit, not approximately.

The golden file pins the baseline's outcome byte for byte; these pin the helpers themselves on cases the
shipped scenarios may not reach (NaN, signed zeros, ties, unsorted grids, zero growth).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import curves
from sim.engine.money import flow_spent
from sim.engine.production import CapacityCurves


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shape, dtype and bytes (NaN payloads and the sign of zero included)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_sort_events_is_numpys_stable_order():
    rng = np.random.default_rng(3)
    for _ in range(100):
        x = rng.integers(0, 6, (int(rng.integers(1, 8)), int(rng.integers(0, 40)))).astype(float)
        for value, share in ((np.nan, 0.1), (np.inf, 0.1), (-np.inf, 0.05), (-0.0, 0.05)):
            x[rng.random(x.shape) < share] = value
        h = rng.random(x.shape)
        order = np.argsort(x, axis=1, kind="mergesort")
        sorted_x, sorted_h = x.copy(), h.copy()
        curves.sort_events(sorted_x, sorted_h)
        assert same_bits(sorted_x, np.take_along_axis(x, order, 1))
        assert same_bits(sorted_h, np.take_along_axis(h, order, 1)), "ties keep their order (stable)"


def test_sum_of_events_sorted_and_permuted_grids_agree_bitwise():
    rng = np.random.default_rng(5)
    count, events = 40, 12
    jump_x, jump_h = rng.random((count, events)) * 100, rng.random((count, events))
    ramp_x, ramp_m = rng.random((count, 2 * events)) * 100, rng.standard_normal((count, 2 * events))
    jump_x[:, -3:] = np.inf  # unused slots
    curves.sort_events(jump_x, jump_h)
    curves.sort_events(ramp_x, ramp_m)
    grid = np.sort(rng.random(60) * 120 - 10)
    shuffle = rng.permutation(len(grid))
    sorted_shared = curves.sum_of_events(grid[None, :], jump_x, jump_h, ramp_x, ramp_m)  # one sorted pass
    permuted = curves.sum_of_events(grid[shuffle][None, :], jump_x, jump_h, ramp_x, ramp_m)  # by argsort
    assert same_bits(sorted_shared[:, shuffle], permuted)
    per_row = np.sort(rng.random((count, 30)) * 120, axis=1)
    rows_sorted = curves.sum_of_events(per_row, jump_x, jump_h, ramp_x, ramp_m)
    rows_permuted = curves.sum_of_events(np.ascontiguousarray(per_row[:, ::-1]), jump_x, jump_h, ramp_x, ramp_m)
    assert same_bits(rows_sorted[:, ::-1].copy(), rows_permuted)


@pytest.mark.parametrize("trailing", [False, True])
def test_add_weighted_is_numpys_sum_from_zero(trailing):
    rng = np.random.default_rng(7)
    count, grid = 30, 25
    terms = [(rng.standard_normal(count), rng.standard_normal((count, grid)), rng.standard_normal((count, grid)))
             for _ in range(3)]
    weight, now, before = terms[0]
    weight[:5] = -1.0
    now[:5], before[:5] = 0.0, 0.0  # −1·0 = −0: the sum from 0.0 makes it +0
    now[5, :3] = np.nan
    expected = 0.0
    out = np.empty((count, grid))
    for q, (w, a, b) in enumerate(terms):
        x = a - b if trailing else a
        expected = expected + w[:, None] * x
        curves.add_weighted(out, q == 0, w, a, b, trailing)
    assert same_bits(out, expected)
    alone = np.empty((count, grid))
    curves.add_weighted(alone, True, weight, now, before, trailing)
    assert same_bits(alone, 0.0 + weight[:, None] * (now - before if trailing else now))
    assert not np.signbit(alone[:5]).any(), "−0 + 0.0 is +0, as numpy's sum from 0.0 gave"


def test_flow_spent_is_the_closed_form_bitwise():
    rng = np.random.default_rng(11)
    growth = np.concatenate([rng.random(20) * 0.1, np.zeros(3), -rng.random(5) * 0.05, [1e-13, -1e-13]])
    log = np.log1p(growth)[:, None]
    for t in (np.arange(120) * 7.0 - 365.25, rng.random((len(growth), 9)) * 3000 - 400):
        y = (t[None, :] if t.ndim == 1 else t) / 365.25
        for rate in (3.0, 0.0, -1.5):
            # the formula as it was written in numpy before it was computed in one array
            expected = np.where(np.abs(log) > 1e-12, rate * np.expm1(log * y) / np.where(np.abs(log) > 1e-12, log, 1.0),
                                rate * y)
            assert same_bits(flow_spent(t, rate, growth), expected)


def test_capacity_values_same_on_shared_and_per_row_grids():
    rng = np.random.default_rng(13)
    n = 25
    lo = np.where(rng.random(n) < 0.5, rng.random(n) * 900, np.inf)
    line = CapacityCurves(rng.random(n) * 1000, rng.random(n) * 2000, rng.random(n) * 400,
                          [(200.0, 0.3), (500.0, 1.0)], [(lo, lo + 150, rng.random(n))])
    grid = np.linspace(-30, 2000, 80)
    for output in (False, True):
        shared = line.values_at(grid, output)
        per_row = line.values_at(np.tile(grid, (n, 1)), output)
        assert same_bits(shared, per_row)
        reversed_ = line.values_at(np.ascontiguousarray(np.tile(grid[::-1], (n, 1))), output)  # unsorted rows
        assert same_bits(shared[:, ::-1].copy(), reversed_)
    # the rates are CapacityCurves.rate's (numpy), point by point
    assert np.array_equal(line.values_at(grid, False), line.rate(np.tile(grid, (n, 1))))


def test_at_least_is_nan_to_num_then_compare():
    rng = np.random.default_rng(17)
    values = rng.standard_normal((40, 30))
    for special, share in ((np.nan, 0.1), (np.inf, 0.05), (-np.inf, 0.05), (-0.0, 0.05)):
        values[rng.random(values.shape) < share] = special
    largest = np.finfo(float).max
    for threshold in (0.0, -0.0, 0.5, -1.0, largest, -largest, np.inf, -np.inf, np.nan, 1e300):
        assert np.array_equal(curves.at_least(values, threshold), np.nan_to_num(values, nan=-np.inf) >= threshold), threshold
