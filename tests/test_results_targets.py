"""Target times, resolved targets, driving paths and criticality, on hand-made milestone times."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine import Network, simulate_batch
from sim.results.criticality import criticality, driving_predecessor
from sim.results.money import funding_waits, series_bands
from sim.results.targets import resolved, target_times, unreachable_milestones
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
