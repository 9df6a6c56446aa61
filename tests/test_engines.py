"""The fast engine against the SimPy reference engine: every per-replication output identical.

The contract (docs/design.md, "Two engines"): for the same sampled inputs, every array of the batch outcome —
completion, request, commitment, committed amount, order start and delivery, monthly series, indicator
times — agrees per replication within 1e-9 days / 1e-9 relative (series are float32: 1e-6 relative).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.cli import ENGINES as CLI_ENGINES
from sim.engine import ENGINES, Network, simulate_batch
from sim.engine.sweep import topological_order
from sim.sampling import sample
from tests.scenario_gen import random_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").rglob("*.yaml"))


def assert_identical(a, b, label: str) -> None:
    """Every field of two batch outcomes equal within 1e-9 relative (1e-6 for float32 series); inf/NaN alike.

    Compared in each field's own dtype, and only the unequal values (usually none) in float: a float64 copy of
    the baseline's series is 100 MB, and copying it took longer than the fast engine's run.
    """
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        assert x.shape == y.shape, f"{label}: {field.name} shapes {x.shape} != {y.shape}"
        unequal = np.flatnonzero(~((x == y) | (np.isnan(x) & np.isnan(y))))
        xs, ys = x.flat[unequal].astype(float), y.flat[unequal].astype(float)
        with np.errstate(all="ignore"):
            diff = np.abs(xs - ys) / np.maximum(1.0, np.abs(xs))
        tol = 1e-6 if field.name == "series" else 1e-9
        beyond = ~(diff <= tol)  # NaN against a number, or inf against another value, is beyond too
        if beyond.any():
            k = int(np.argmax(beyond))
            where = tuple(int(i) for i in np.unravel_index(unequal[k], x.shape))
            raise AssertionError(f"{label}: {field.name} differs at {where}: simpy {float(xs[k])!r}, fast {float(ys[k])!r} "
                                 f"({int(beyond.sum())} values beyond {tol})")


@dataclasses.dataclass
class _Two:
    done: np.ndarray
    series: np.ndarray


@pytest.mark.parametrize(("simpy_value", "fast_value"), [
    (np.nan, 1.0), (1.0, np.nan), (np.inf, 1e300), (-np.inf, np.inf), (1000.0, 1000.0 * (1 + 1e-8)), (0.5, 0.5 + 2e-9)])
def test_identity_check_finds_every_kind_of_difference(simpy_value, fast_value):
    """The check the identity tests rest on: a NaN, an infinity or a difference beyond 1e-9 fails it."""
    base = np.array([[0.0, np.inf, np.nan, 3.0]])
    series = np.ones((1, 2, 3), np.float32)
    assert_identical(_Two(base, series), _Two(base.copy(), series.copy()), "same")  # equal infs and NaNs pass
    simpy, fast = base.copy(), base.copy()
    simpy[0, 3], fast[0, 3] = simpy_value, fast_value
    with pytest.raises(AssertionError, match=r"done differs at \(0, 3\)"):
        assert_identical(_Two(simpy, series), _Two(fast, series), "changed")


def test_identity_check_allows_float32_rounding_in_series_only():
    done = np.zeros((1, 1))
    a = np.full((1, 1, 2), 1000.0, np.float32)
    b = np.nextafter(a, np.float32(2000.0))  # one float32 step: 6.1e-8 relative, beyond 1e-9 but within 1e-6
    assert_identical(_Two(done, a), _Two(done, b), "one float32 step")
    b[0, 0, 1] = 1001.0
    with pytest.raises(AssertionError, match=r"series differs at \(0, 0, 1\).*1 values beyond 1e-06"):
        assert_identical(_Two(done, a), _Two(done, b), "1e-3 relative")


def both_engines(scenario, n: int, seed: int):
    net = Network.of(scenario)
    inputs = sample(scenario, seed, 0, n)
    return simulate_batch(net, inputs, engine="simpy"), simulate_batch(net, inputs, engine="fast")


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED)
def test_fast_engine_matches_simpy_on_every_shipped_scenario(path):
    scenario = sim.load(ROOT / path)
    simpy_outcome, fast_outcome = both_engines(scenario, 2000, seed=7)
    assert_identical(simpy_outcome, fast_outcome, path)


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_fast_engine_matches_simpy_on_generated_scenarios(seed):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"generated-{seed}.yaml"
        path.write_text(random_scenario(seed))
        scenario = sim.load(path)
    simpy_outcome, fast_outcome = both_engines(scenario, 40, seed=seed)
    assert_identical(simpy_outcome, fast_outcome, f"generated scenario {seed}")


def test_ties_at_equal_times_resolve_alike(write):
    """Fixed durations put requests, orders and risks at the same instants: first-fit order, priorities and
    'not yet done' must follow the one tie rule (SimPy's time, priority, insertion order) in both engines."""
    path = write("""
title: Ties
start: 2026-01-01
horizon: end-2028
funds:
  pot: {title: Pot, envelope: 10, source: "assumption: test"}
lines:
  line: {title: Line, unit: units, capacity: 365.25, source: "assumption: test"}
milestones:
  a: {title: A, duration: 30 days, source: "assumption: test"}
  b: {title: B, after: [a], funding: {pot: 6}, duration: 30 days, orders: {line: 30}, source: "assumption: test"}
  c: {title: C, after: [a], funding: {pot: 6}, duration: 30 days, orders: {line: 30}, priority: 1, source: "assumption: test"}
  d: {title: D, after: {any: [b, c]}, funding: {pot: 4}, source: "assumption: test"}
  e: {title: E, after: [a], duration: 60 days, source: "assumption: test"}
risks:
  r: {title: R, probability: 1.0, window: {from: 2026-03-02, to: 2026-03-02}, delay: 10 days,
      affects: {milestones: [e]}, source: "assumption: test"}
""")
    scenario = sim.load(path)
    simpy_outcome, fast_outcome = both_engines(scenario, 5, seed=1)
    assert_identical(simpy_outcome, fast_outcome, "ties")
    done = dict(zip((m.id for m in scenario.milestones), fast_outcome.done[0], strict=True))
    # b asked first (scenario order): it gets 6 of 10; c cannot fit 6 in 4 and takes what is left: the pool
    # is exhausted, so c goes ahead smaller; both run 30 days and order at day 60; c has priority, so the
    # line makes c's 30 units first (days 60–90) and b's next (90–120)
    assert fast_outcome.committed[0].tolist()[:2] == [30.0, 30.0]
    assert fast_outcome.committed_amount[0].tolist()[:2] == [6.0, 4.0]
    assert done["c"] == pytest.approx(90.0 + 1e-9)
    assert done["b"] == pytest.approx(120.0 + 1e-9)


def test_engines_are_named_alike_in_the_cli():
    assert tuple(CLI_ENGINES) == tuple(ENGINES)


def test_unknown_engine_is_refused():
    scenario = sim.load(ROOT / "scenarios/analytic/serial-chain.yaml")
    with pytest.raises(ValueError, match="unknown engine"):
        sim.run(scenario, n=10, engine="turbo")


def test_run_records_the_engine_and_gives_identical_tables():
    scenario = sim.load(ROOT / "scenarios/analytic/funding-inflow.yaml")
    fast = sim.run(scenario, n=300, seed=3, progress=False)
    reference = sim.run(scenario, n=300, seed=3, progress=False, engine="simpy")
    assert fast.meta["engine"] == "fast"
    assert reference.meta["engine"] == "simpy"
    assert fast.targets.equals(reference.targets)
    assert fast.milestones.equals(reference.milestones)


def test_topological_order_puts_dependencies_first():
    scenario = sim.load(ROOT / "scenarios/baseline.yaml")
    net = Network.of(scenario)
    position = {i: k for k, i in enumerate(topological_order(net))}
    assert len(position) == len(net.ids)
    assert all(position[d] < position[i] for i, deps in enumerate(net.deps) for d in deps)
