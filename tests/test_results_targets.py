"""Target times, resolved targets, driving paths and criticality, on hand-made milestone times."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import calendar as cal
from sim.engine import Network, simulate_batch
from sim.results.criticality import criticality, driving_predecessor
from sim.results.money import funding_waits, series_bands
from sim.results.targets import decisive_member, resolved, target_times, unreachable_milestones
from sim.sampling import sample

ANALYTIC = Path(__file__).resolve().parents[1] / "scenarios" / "analytic"

CHAIN = """\
title: Chain
start: 2026-01-01
horizon: end-2030
milestones:
  a: {title: A, duration: 10 days, source: x}
  b: {title: B, duration: 20 days, source: x}
  c: {title: C, after: [a, b], duration: 5 days, deadline: 2026-02-01, source: x}
  d: {title: D, after: {any: [a, b]}, duration: 5 days, source: x}
targets:
  both: {title: C and D, all_of: [c, d], deadline: 2026-01-20}
  either: {title: C or D, any_of: [c, d], deadline: 2026-01-20}
"""


@pytest.fixture
def chain(write):
    return sim.load(write(CHAIN))


def test_target_times_all_of_is_the_last_and_any_of_the_first(chain):
    done = np.array([[10.0, 20.0, 25.0, 15.0], [30.0, 5.0, 35.0, 10.0], [1.0, 2.0, np.inf, 6.0]])
    times = target_times(chain, done)
    column = {t.id: k for k, t in enumerate(chain.targets)}
    assert times.shape == (3, 3)
    np.testing.assert_array_equal(times[:, column["c"]], done[:, 2])
    np.testing.assert_array_equal(times[:, column["both"]], np.maximum(done[:, 2], done[:, 3]))
    np.testing.assert_array_equal(times[:, column["either"]], np.minimum(done[:, 2], done[:, 3]))


def test_driving_predecessor_all_of_last_and_any_of_first(chain):
    net = Network.of(chain)
    done = np.array([[10.0, 20.0, 25.0, 15.0], [30.0, 5.0, 35.0, 10.0]])
    drivers = driving_predecessor(net, done)
    a, b, c, d = (net.ids.index(x) for x in "abcd")
    assert list(drivers[:, c]) == [b, a]  # all-of: the later of a and b
    assert list(drivers[:, d]) == [a, b]  # any-of: the earlier
    assert (drivers[:, [a, b]] == -1).all()  # no dependencies


def test_criticality_of_a_missed_target_follows_its_driving_path(chain):
    net = Network.of(chain)
    done = np.array([[10.0, 40.0, 45.0, 15.0], [30.0, 5.0, 35.0, 10.0]])  # c: 45 (missed) then 35 (met)
    times = target_times(chain, done)
    missed, by_target, bottleneck = criticality(chain, net, done, times)
    a, b, c, d = (net.ids.index(x) for x in "abcd")
    target_c = [t.id for t in chain.targets].index("c")
    assert by_target[c, target_c] == 1.0
    assert by_target[b, target_c] == 0.5  # b drove c in the first replication only
    assert bottleneck.shape == (0, 3)  # no production lines
    # c is missed in the first replication (driven by b); "both" and "either" are missed in both
    assert missed[c] == 1.0
    assert missed[b] == 0.5


def test_resolved_without_status_date_leaves_targets_open(chain):
    done = np.array([[10.0, 20.0, 25.0, 15.0]] * 3)
    times = target_times(chain, done)
    deadlines = np.array([32.0 if t.id == "c" else 20.0 for t in chain.targets])  # days since the start
    status, dates = resolved(chain, times, deadlines)
    assert status == ["open", "open", "open"]
    assert dates == ["", "", ""]
    assert unreachable_milestones(chain) == set()


def test_money_tables_of_a_funded_run():
    scenario = sim.load(ANALYTIC / "funding-inflow.yaml")
    net = Network.of(scenario)
    inputs = sample(scenario, 1, 0, 20)
    outcome = simulate_batch(net, inputs)
    bands = series_bands(net, outcome)
    assert list(bands.columns) == ["observable", "date", "p10", "p50", "p90", "mean"]
    assert len(bands) == len(net.observables) * len(net.monthly_dates)
    assert (bands["p10"] <= bands["p90"]).all()
    waits = funding_waits(net, outcome, inputs)
    assert isinstance(waits, pd.DataFrame)
    assert set(waits["milestone"]) == {"a", "b", "c"}
    assert waits["p_requested"].between(0, 1).all()


# ------------------------------------------------------------------ compiled paths against numpy's semantics


def _numpy_drivers(net, done):
    """The numpy rule the compiled driving predecessors follow: argmax of the reversed times, argmin, stable sort."""
    driver = np.full(done.shape, -1, dtype=np.int32)
    for i, deps in enumerate(net.deps):
        if not deps or not np.isnan(net.observed[i]):
            continue
        times, need = done[:, list(deps)], net.need[i]
        if need == len(deps):
            pick = len(deps) - 1 - np.argmax(times[:, ::-1], axis=1)
        elif need == 1:
            pick = np.argmin(times, axis=1)
        else:
            pick = np.argsort(times, axis=1, kind="stable")[:, need - 1]
        driver[:, i] = np.asarray(deps)[pick]
    return driver


K_OF_N = """\
title: Ties
start: 2026-01-01
horizon: end-2030
milestones:
  a: {title: A, duration: 10 days, source: x}
  b: {title: B, duration: 20 days, source: x}
  c: {title: C, duration: 20 days, source: x}
  d: {title: D, after: {k: 2, of: [a, b, c]}, duration: 5 days, source: x}
  e: {title: E, after: [a, b, c, d], duration: 5 days, source: x}
  f: {title: F, after: {any: [c, b, a]}, duration: 5 days, source: x}
targets:
  all: {title: All, all_of: [d, e, f], deadline: 2026-03-01}
  any: {title: Any, any_of: [d, f], deadline: 2026-01-20}
"""


@pytest.mark.parametrize("seed", range(4))
def test_compiled_driving_paths_follow_numpys_order_with_ties_and_nan(write, seed):
    from sim.results.criticality import criticality_counts

    scenario = sim.load(write(K_OF_N))
    net = Network.of(scenario)
    rng = np.random.default_rng(seed)
    done = rng.integers(0, 4, size=(400, len(net.ids))).astype(float)  # four days: ties everywhere
    done[rng.random(done.shape) < 0.05] = np.nan
    done[rng.random(done.shape) < 0.05] = np.inf
    done[rng.random(done.shape) < 0.05] = -np.inf
    drivers = driving_predecessor(net, done)
    np.testing.assert_array_equal(drivers, _numpy_drivers(net, done))
    times = target_times(scenario, done)
    missed, by_target, _ = criticality_counts(scenario, net, done, times)
    # the same counts walked in numpy: the path of each target back from its deciding milestone
    column = {mid: i for i, mid in enumerate(net.ids)}
    rows = np.arange(len(done))
    on_missed = np.zeros(done.shape, dtype=bool)
    for j, t in enumerate(scenario.targets):
        if t.kind == "milestone":
            current = np.full(len(done), column[t.members[0]])
        else:
            cols = np.array([column[m] for m in t.members])
            current = cols[done[:, cols].argmax(axis=1) if t.kind == "all_of" else done[:, cols].argmin(axis=1)]
        on_path = np.zeros(done.shape, dtype=bool)
        while (active := current >= 0).any():
            on_path[rows[active], current[active]] = True
            current[active] = drivers[rows[active], current[active]]
        np.testing.assert_array_equal(by_target[:, j], on_path.sum(axis=0))
        on_missed |= on_path & (times[:, j] > cal.deadline_time(t.deadline, scenario.start))[:, None]
    np.testing.assert_array_equal(missed, on_missed.sum(axis=0))


def test_decisive_member_is_numpys_max_and_argmax_nan_included():
    rng = np.random.default_rng(2)
    done = rng.integers(0, 3, size=(500, 6)).astype(float)
    done[rng.random(done.shape) < 0.1] = np.nan
    cols = np.array([4, 0, 2, 5])
    for latest in (True, False):
        time, pick = decisive_member(done, cols, latest)
        picked = done[:, cols]
        np.testing.assert_array_equal(time, picked.max(axis=1) if latest else picked.min(axis=1))
        np.testing.assert_array_equal(pick, picked.argmax(axis=1) if latest else picked.argmin(axis=1))


def test_series_bands_of_batches_are_those_of_the_joined_series():
    from sim.results.money import nan_sum_count

    scenario = sim.load(ANALYTIC / "funding-inflow.yaml")
    net = Network.of(scenario)
    outcome = simulate_batch(net, sample(scenario, 1, 0, 300))
    series = outcome.series.copy()
    series[::7, 0, 3] = np.nan  # months without a value in some replications
    parts = [series[:100], series[100:101], series[101:]]
    pd.testing.assert_frame_equal(series_bands(net, parts), series_bands(net, replace(outcome, series=series)),
                                  check_exact=True)
    total, valid = nan_sum_count(parts)
    with np.errstate(all="ignore"):
        # numpy adds rows in order in double precision: the compiled sum is the same number, bit for bit
        assert np.array_equal(total, np.nansum(series, axis=0, dtype=float))
    assert np.array_equal(valid, (~np.isnan(series)).sum(axis=0))
