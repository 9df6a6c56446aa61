"""The rules both engines rest on, unit by unit: a pool's first fit, a line's queue, the event heap's tie
order, capacity curves and payment curves (compiled vs the reference implementation), quantiles."""

from __future__ import annotations

import dataclasses
import heapq
import math
import warnings

import numpy as np
import pytest

from sim.engine import curves, fast, kernel_curves, kernel_events
from sim.engine.money import FAR_PAUSE, Pool, paid_by
from sim.engine.production import CapacityCurves, LineQueue
from sim.results import QUANTILES, nan_quantiles, quantile_times


def pool(envelope=10.0, rate=None, open_at=0.0, commit_by=math.inf):
    p = Pool(0, envelope, commit_by, rate)
    p.open_at = open_at
    return p


# ---------------------------------------------------------------------------------------------- pools


def test_pool_commits_first_fit_in_request_order():
    p = pool(envelope=10.0)
    p.waiting = [[0, 6.0, "a"], [1, 5.0, "b"], [2, 3.0, "c"]]
    # a fits (6 of 10); b (5) does not fit in the 4 left but could if... no: everything is there, so b can
    # never be met in full and takes what is left (4); c then finds nothing
    assert p.commit_fitting(0.0) == [(0, 6.0, "a", 6.0), (1, 5.0, "b", 4.0)]
    assert [w[0] for w in p.waiting] == [2]
    assert p.committed == pytest.approx(10.0)


def test_pool_with_inflow_lets_a_later_smaller_request_pass():
    p = pool(envelope=30.0, rate=10.0 / 365.25)
    p.waiting = [[0, 8.0, "big"], [1, 2.0, "small"]]
    # after 100 days 2.74 have accrued: the small request fits, the big one waits (first fit)
    assert [c[0] for c in p.commit_fitting(100.0)] == [1]
    # the next look: when 2 + 8 have accrued (10 bn at 10 bn/yr: one year)
    assert p.next_change(100.0) == pytest.approx(365.25)


@pytest.mark.parametrize("state", ["closed", "frozen", "expired"])
def test_pool_commits_nothing_when_closed_frozen_or_past_its_deadline(state):
    p = pool(envelope=10.0, open_at=50.0 if state == "closed" else 0.0, commit_by=5.0 if state == "expired" else math.inf)
    if state == "frozen":
        p.frozen.append((0.0, 20.0))
    p.waiting = [[0, 1.0, "a"]]
    assert p.commit_fitting(10.0) == []
    expected = {"closed": 50.0, "frozen": 20.0, "expired": math.inf}[state]
    assert p.next_change(10.0) == expected


# ---------------------------------------------------------------------------------------------- lines


def test_line_queue_serves_priority_then_placement_order():
    q = LineQueue()
    q.add(0, priority=0, quantity=10)
    q.add(1, priority=2, quantity=20)
    q.add(2, priority=2, quantity=30)
    q.add(3, priority=1, quantity=40)
    assert [q.take_next()[0] for _ in range(4)] == [1, 2, 3, 0]


# ---------------------------------------------------------------------------------------------- event heap


def event_queues(capacity):
    """An empty event record (its heap and queues of entries due now); callbacks and conditions unused."""
    i64 = np.int64
    unused = {name: np.zeros(1, i64) for name in fast.EVENTS}
    return fast.Events(**{**unused, "ctr": np.zeros(8, i64), "qt": np.zeros(3), "hf": np.zeros((capacity, 2)),
                          "hi": np.zeros((capacity, 4), i64), "qf": np.zeros((2, capacity)),
                          "qi": np.zeros((2, capacity, 4), i64)})


@pytest.mark.parametrize("seed", range(4))
def test_event_heap_orders_by_time_then_priority_then_insertion(seed):
    # Entries are pushed while others are popped, as in the kernel: many at the current instant (the queues),
    # others later (the heap), some at the instant of an entry already waiting in the heap. The reference is
    # one heap of (time, priority, id), the id being the insertion order, as SimPy's event id.
    rng = np.random.default_rng(seed)
    ev, reference, k = event_queues(400), [], 0
    for step in range(1000):
        if step < 150:
            for _ in range(rng.integers(0, 6)):
                time = ev.qt[kernel_events.T_CLOCK] + float(rng.choice([0, 0, 0, 1, 2, 3]))  # many exact ties
                prio = int(rng.integers(0, 2))
                kernel_events.push(ev, time, prio, 7, k, -k, 0.5 * k)
                heapq.heappush(reference, (time, prio, k))
                k += 1
        for _ in range(rng.integers(1, 4)):
            assert kernel_events.queued(ev) == len(reference)
            if reference:
                time, f, kind, a, b = kernel_events.pop(ev)
                assert (time, a) == heapq.heappop(reference)[::2]
                assert (kind, b, f) == (7, -a, 0.5 * a)
    assert k > 300
    assert not reference


# ---------------------------------------------------------------------------------------------- capacity curves


def random_curve(rng, n=1):
    windows = []
    for _ in range(rng.integers(0, 3)):
        lo = rng.uniform(0, 400, n)
        windows.append((lo, lo + rng.uniform(1, 200, n), rng.uniform(0.2, 0.9, n)))
    return CapacityCurves(rng.uniform(0, 500, n), rng.uniform(0, 800, n), rng.uniform(0, 300, n),
                          [(120.0, 0.3), (400.0, 1.0)], windows)


def kernel_arrays(curve):
    lines, width = 1, 1 + 3 + 2 * len(curve.windows)
    b, right, left, cum = (np.zeros((lines, width)) for _ in range(4))
    nb = np.zeros(lines, dtype=np.int64)
    lo = np.array([w[0][0] for w in curve.windows] or [np.inf])
    hi = np.array([w[1][0] for w in curve.windows] or [np.inf])
    factor = np.array([w[2][0] for w in curve.windows] or [1.0])
    args = (curve.base[0], curve.added[0], curve.ramp_start[0], np.asarray(curve.ramp_t, float),
            np.asarray(curve.ramp_s, float), len(curve.ramp_t), lo, hi, factor, len(curve.windows))
    kernel_curves.rebuild_curve(0, b, right, left, cum, nb, *args)
    return (b, right, left, cum, nb), args


@pytest.mark.parametrize("seed", range(20))
def test_compiled_capacity_curve_matches_the_reference(seed):
    rng = np.random.default_rng(seed)
    curve = random_curve(rng)
    arrays, args = kernel_arrays(curve)
    for start, quantity in zip(rng.uniform(0, 600, 5), rng.uniform(1, 400, 5), strict=True):
        assert kernel_curves.solve_curve(0, *arrays, start, quantity) == pytest.approx(curve.solve(start, quantity), rel=1e-12)
    t = np.sort(rng.uniform(0, 900, 40))
    for left in (False, True):
        reference = curve.rate(t[None, :], left=left)[0]
        compiled = [kernel_curves.capacity_rate(x, left, *args) for x in t]
        np.testing.assert_allclose(compiled, reference, rtol=1e-12)
    # cumulative output: the compiled sweep (shared grid) against the trapezoids of the reference
    b, right, left_rates, cum = curve._cumulative()
    n = len(curve.base)
    out = curves.capacity_values(t[None, :], True, b, right, left_rates, cum, curve.base, curve.added,
                                 curve.ramp_start, np.asarray(curve.ramp_t, float), np.asarray(curve.ramp_s, float),
                                 *(np.column_stack([w[i] for w in curve.windows]) if curve.windows else np.zeros((n, 0))
                                   for i in range(3)))
    j = (b[:, :, None] <= t[None, None, :]).sum(axis=1) - 1
    rows = np.arange(n)[:, None]
    expected = cum[rows, j] + (t - b[rows, j]) * (right[rows, j] + curve.rate(t[None, :], left=True)) / 2
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)


def output_between(arrays, start, end):
    """Output of a compiled curve from ``start`` to ``end`` (days): trapezoids of its piecewise-linear rate."""
    b, right, left, cum, nb = (a[0] for a in arrays)
    m = int(nb)

    def cumulative(t):
        j = int(np.searchsorted(b[:m], t, side="right")) - 1
        if j >= m - 1:
            return cum[m - 1] + (t - b[m - 1]) * right[m - 1]
        rate = right[j] + (left[j + 1] - right[j]) * (t - b[j]) / (b[j + 1] - b[j])
        return cum[j] + (t - b[j]) * (right[j] + rate) / 2

    return cumulative(end) - cumulative(start)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("ulps", [0, 1, 3])
def test_an_order_is_complete_when_the_output_since_its_start_is_its_quantity(seed, ulps):
    # Rates nudged by a few ulps at one end of each segment (as two roundings of one constant rate are): the
    # delivery time must not move by more than rounding.
    rng = np.random.default_rng(seed)
    arrays, _ = kernel_arrays(random_curve(rng))
    arrays[1][0] = np.nextafter(arrays[1][0], np.inf) if ulps else arrays[1][0]
    for _ in range(ulps - 1):
        arrays[1][0] = np.nextafter(arrays[1][0], np.inf)
    for start, quantity in zip(rng.uniform(0, 600, 8), rng.uniform(1, 40_000, 8), strict=True):
        end = kernel_curves.solve_curve(0, *arrays, start, quantity)
        if np.isfinite(end):
            assert output_between(arrays, start, end) == pytest.approx(quantity, rel=1e-9), (start, quantity, end)
        else:
            assert output_between(arrays, start, 1e6) < quantity


def test_a_constant_rate_rounded_differently_at_its_ends_delivers_at_that_rate():
    # The baseline's drone line in one replication: 1174.99…04 units a day at the segment's start and …07 at its
    # end. The textbook root (−r0 + √(r0² + 2·slope·rest))/slope lost every digit: delivered at once.
    rate = 1174.9965981516004
    b = np.array([[0.0, 629.4241179423248, 791.0881923742363]])
    right = np.array([[0.0, rate, rate]])
    left = np.array([[0.0, 0.0, np.nextafter(np.nextafter(rate, np.inf), np.inf)]])
    cum = np.array([[0.0, 0.0, (b[0, 2] - b[0, 1]) * (right[0, 1] + left[0, 2]) / 2]])
    nb = np.array([3])
    start = 672.2756847912702
    end = kernel_curves.solve_curve(0, b, right, left, cum, nb, start, 30_000.0)
    assert end - start == pytest.approx(30_000 / rate, rel=1e-9)


# ---------------------------------------------------------------------------------------------- payments


@pytest.mark.parametrize("seed", range(10))
def test_compiled_payment_curves_match_the_reference(seed):
    rng = np.random.default_rng(seed)
    count, parts = 30, 4
    amount = rng.uniform(1, 10, (count, parts))
    commit = np.where(rng.random((count, parts)) < 0.8, rng.uniform(0, 500, (count, parts)), np.inf)
    lag = rng.uniform(0, 60, (count, parts))
    span = np.where(rng.random((count, parts)) < 0.9, rng.uniform(50, 700, (count, parts)), 0.0)
    pre = rng.choice([0.0, 0.15], parts)
    # sequential, non-overlapping pauses from the commitment on (as Curves builds them); some never happen
    start1 = commit + rng.uniform(0, 300, (count, parts))
    length1 = rng.uniform(0, 100, (count, parts))
    start2 = start1 + length1 + rng.uniform(0, 200, (count, parts))
    length2 = rng.uniform(0, 100, (count, parts))
    never = rng.random((count, parts)) < 0.3
    start2 = np.where(never, FAR_PAUSE, start2)
    start1, start2 = np.where(np.isfinite(commit), start1, FAR_PAUSE), np.where(np.isfinite(commit), start2, FAR_PAUSE)
    t = np.linspace(-10, 1500, 301)
    reference = paid_by(t, amount, commit, lag, span, np.broadcast_to(pre, amount.shape),
                        [(start1, length1), (start2, length2)]).sum(axis=1)
    events = curves.payment_events(amount, commit, lag, span, pre, np.stack([start1, start2], axis=2),
                                   np.stack([length1, length2], axis=2))
    np.testing.assert_allclose(curves.sum_of_events(t[None, :], *events), reference, rtol=1e-9, atol=1e-9)
    shuffled = rng.permutation(t)  # times in any order, one row per replication
    expected = paid_by(shuffled, amount, commit, lag, span, np.broadcast_to(pre, amount.shape),
                       [(start1, length1), (start2, length2)]).sum(axis=1)
    np.testing.assert_allclose(curves.sum_of_events(np.tile(shuffled, (count, 1)), *events), expected,
                               rtol=1e-9, atol=1e-9)
    # one shared grid in any order is put in order once: the same numbers as a row per replication
    assert np.array_equal(curves.sum_of_events(shuffled[None, :], *events),
                          curves.sum_of_events(np.tile(shuffled, (count, 1)), *events))


# ---------------------------------------------------------------------------------------------- quantiles


@pytest.mark.parametrize("n", [1, 2, 3, 10, 999])
def test_fast_quantiles_equal_numpys(n):
    rng = np.random.default_rng(n)
    times = np.where(rng.random((n, 6)) < 0.3, np.inf, rng.uniform(0, 900, (n, 6)))
    assert np.array_equal(quantile_times(times), np.quantile(times, QUANTILES, axis=0, method="inverted_cdf"))
    values = np.where(rng.random((n, 4, 5)) < 0.3, np.nan, rng.normal(size=(n, 4, 5)))
    values[:, 1, 2] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanquantile(values, [0.1, 0.5, 0.9], axis=0)
    assert np.array_equal(nan_quantiles(values, [0.1, 0.5, 0.9]), expected, equal_nan=True)


@pytest.mark.parametrize("seed", range(10))
def test_bisection_finds_what_the_grid_scan_finds_for_non_decreasing_values(seed):
    from sim.engine import first_reach_monotone
    from sim.engine.money import first_reach_on_grid

    rng = np.random.default_rng(seed)
    grid = np.append(np.arange(0.0, 700.0, 7.0), 700.0)
    steps = np.where(rng.random((40, len(grid))) < 0.3, rng.uniform(0, 2, (40, len(grid))), 0.0)
    values = np.cumsum(steps, axis=1)  # non-decreasing per replication, with flat stretches and ties
    rows = np.arange(len(values))

    def value(t):
        t = np.asarray(t)
        if t.ndim == 1:
            return values[:, np.searchsorted(grid, t)]
        return values[rows[:, None], np.searchsorted(grid, t[:, 0])[:, None]]

    for threshold in (0.0, 0.5, 3.0, 10.0, 1e9):
        expected = first_reach_on_grid(grid, values, threshold)
        np.testing.assert_array_equal(first_reach_monotone(grid, value, threshold), expected)


# ---------------------------------------------------------------------------------------------- the plain sweep


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 16, 127, 128, 129, 136, 257, 1000, 4099])
def test_sweep_sums_pending_delays_as_numpy_sums_a_row(n):
    from sim.engine.sweep import pairwise_sum

    rng = np.random.default_rng(n)
    rows = rng.standard_normal((20, n)) * 10.0 ** rng.integers(-6, 17, (20, n))  # magnitudes that round apart
    stack = np.zeros((64, 4))
    found = np.array([0.0 + pairwise_sum(row, 0, n, stack) for row in rows])
    assert np.array_equal(found, rows.sum(axis=1))  # bit for bit: numpy's pairwise order, not a plain loop


def test_sweep_ready_times_are_numpys_max_min_and_partition_with_nan():
    from sim.engine.sweep import kth_smallest

    rng = np.random.default_rng(1)
    done = rng.integers(0, 4, size=(300, 6)).astype(float)
    done[rng.random(done.shape) < 0.15] = np.nan
    deps = np.array([5, 1, 3, 0, 2], dtype=np.int64)
    scratch = np.empty(len(deps))
    for k in range(len(deps)):
        expected = np.partition(done[:, deps], k, axis=1)[:, k]
        found = np.array([kth_smallest(done, c, deps, 0, len(deps), k, scratch) for c in range(len(done))])
        assert np.array_equal(found, expected, equal_nan=True)


@pytest.mark.parametrize("threads", [2, 3])
def test_blocks_of_rows_in_threads_give_the_outcome_of_one_thread(root, threads):
    """Blocks write their series into one array (no join afterwards): every output equals the one-thread run."""
    import sim
    from sim.engine import Network, simulate_batch
    from sim.sampling import sample

    scenario = sim.load(root / "scenarios" / "baseline.yaml")
    net = Network.of(scenario)
    inputs = sample(scenario, 5, 0, 301)  # blocks of unequal size
    one = simulate_batch(net, inputs, threads=1)
    many = simulate_batch(net, inputs, threads=threads)
    for field in dataclasses.fields(one):
        assert np.array_equal(getattr(one, field.name), getattr(many, field.name), equal_nan=True), field.name
