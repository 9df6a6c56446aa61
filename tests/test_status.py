"""Forecasts as of a status date (issue 12, docs/status-date.md): loading, exact conditioning, the floor.

Statistical assertions use 4 standard errors of the Monte Carlo estimate, stated in each message.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

import sim
from sim.distributions import Discrete, LogNormal, Normal, Pert, Triangular, Uniform
from sim.engine import Network, simulate_batch
from sim.errors import ScenarioError
from sim.load import load_with_warnings
from sim.sampling import cdf, conditioned_past, risk_posterior, sample
from tests.scenario_gen import random_scenario

ROOT = Path(__file__).resolve().parents[1]
N = 20_000


def within_4se(p_hat: float, p: float, n: int, what: str) -> None:
    se = math.sqrt(p * (1 - p) / n)
    assert abs(p_hat - p) <= 4 * se, f"{what}: {p_hat:.5f} vs exact {p:.5f}; tolerance 4 standard errors = {4 * se:.5f}"


def done_of(scenario, n=N, seed=11, engine="fast"):
    net = Network.of(scenario)
    out = simulate_batch(net, sample(scenario, seed, 0, n), engine=engine)
    return {m: out.done[:, i] for i, m in enumerate(net.ids)}


def status_file(write, parent: Path, body: str, name: str = "status.yaml") -> Path:
    return write(f"extends: {parent}\ntitle: Status\n{body}", name)


# ---------------------------------------------------------------------------------------------- the traceback


def test_done_on_a_milestone_with_an_inherited_random_duration_runs(write):
    """Issue 12's traceback: `status: done on` on a milestone whose duration is uncertain (inherited)."""
    child = write(f"extends: {ROOT / 'scenarios/analytic/serial-chain.yaml'}\ntitle: Child\n"
                  "milestones:\n  a: {status: done on 2026-01-25}\n", "child.yaml")
    done = done_of(sim.load(child), n=500)
    assert np.all(done["a"] == 24.5)
    assert np.all(done["b"] >= 24.5 + 10)
    assert np.all(done["b"] <= 24.5 + 50)


def test_done_in_a_status_section_runs_with_both_engines(write):
    path = status_file(write, ROOT / "scenarios/analytic/serial-chain.yaml",
                       "status:\n  as_of: 2026-02-20\n  milestones:\n    a: {done: 2026-01-25, source: minutes}\n")
    scenario = sim.load(path)
    fast, ref = done_of(scenario, n=300, engine="fast"), done_of(scenario, n=300, engine="simpy")
    for m in fast:
        np.testing.assert_array_equal(fast[m], ref[m])


def test_facts_that_contradict_the_model_are_errors_all_at_once(write):
    parent = write("""
title: P
start: 2026-01-01
horizon: end-2026
milestones:
  a: {title: A, duration: {uniform: {min: 1 day, max: 5 days}}, source: x}
  b: {title: B, after: [a], duration: 5 days, source: x}
  c: {title: C, after: [b], duration: 5 days, source: x}
risks:
  r: {title: R, probability: 0.5, delay: 5 days, affects: {milestones: [c]}, source: x}
""", "parent.yaml")
    path = status_file(write, parent, """status:
  as_of: 2026-03-01
  milestones:
    a: {done: 2026-02-10, source: s}
    b: {done: 2026-02-01, source: s}
    c: {done: 2026-04-01, source: s}
    zz: {done: 2026-02-01, source: s}
  risks:
    r: {occurred: 2026-05-01, source: s}
""")
    with pytest.raises(ScenarioError) as err:
        sim.load(path)
    text = str(err.value)
    assert "status.yaml:7: status.milestones.b.done: found done on 2026-02-01, before its predecessor 'a'" in text
    assert "status.yaml:8: status.milestones.c.done: found 2026-04-01, after the status date 2026-03-01" in text
    assert "status.yaml:9: status.milestones.zz: unknown milestone 'zz'" in text
    assert "status.risks.r.occurred: found 2026-05-01; expected a date from the start 2026-01-01 to the status date" in text
    late = status_file(write, parent, "status:\n  as_of: 2027-01-01\n", "late.yaml")
    with pytest.raises(ScenarioError, match=r"late.yaml:4: status.as_of: found 2027-01-01, after the horizon 2026-12-31"):
        sim.load(late)
    nosource = status_file(write, parent, "status:\n  as_of: 2026-02-01\n  milestones:\n    a: {done: 2026-01-10}\n",
                           "nosource.yaml")
    with pytest.raises(ScenarioError, match=r"status.milestones.a.source: missing; expected text"):
        sim.load(nosource)


# ---------------------------------------------------------------------------------------------- exact conditioning


def test_conditioned_draws_keep_the_uniform_and_have_the_conditional_law():
    u = np.random.default_rng(1).random(200_000)
    uni = Uniform(20.0, 80.0)
    x = conditioned_past(uni, u, 40.0)
    np.testing.assert_allclose(x, 40.0 + 40.0 * u)  # u' = F(e) + u(1 − F(e)): monotone in the same u
    assert np.array_equal(conditioned_past(uni, u, 10.0), uni.ppf(u))  # F(e) = 0: exactly the parent's draws
    logn = LogNormal(math.log(30.0), (math.log(90.0) - math.log(30.0)) / 1.2816)
    y = conditioned_past(logn, u, 40.0)
    ref = stats.lognorm(logn.sigma, scale=math.exp(logn.mu))
    for q in (50.0, 80.0, 150.0):
        exact = (ref.cdf(q) - ref.cdf(40.0)) / ref.sf(40.0)
        within_4se(float(np.mean(y <= q)), exact, len(u), f"lognormal conditioned past 40 days, P(≤ {q})")


def test_uniform_duration_under_way_at_as_of(write):
    """a ~ U(20, 80) days from day 0, not done by as_of = day 40: a | a > 40 ~ U(40, 80);
    P(done by 2026-03-01, t ≤ 60) = 0.5; the parent's is 2/3."""
    parent = write("""
title: One uniform
start: 2026-01-01
horizon: end-2026
milestones:
  a: {title: A, duration: {uniform: {min: 20 days, max: 80 days}}, deadline: 2026-03-01, source: x}
""", "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-02-09\n")
    done = done_of(sim.load(path))["a"]
    assert done.min() > 40.0
    within_4se(float(np.mean(done <= 60.0)), 0.5, N, "U(20, 80) conditioned past day 40, P(t ≤ 60)")


def test_serial_chain_with_the_first_step_done(write):
    """serial-chain.yaml with a done on 2026-01-25 (day 24.5) and as_of 2026-02-20 (end of day 51): b has run
    26.5 days, so B | B > 26.5 ~ U(26.5, 50); c is done at 24.5 + B + C, C ~ Tri(10, 20, 30).
    P(c by 2026-03-15, t ≤ 74) = P(B + C ≤ 49.5) = ∫ F_C(49.5 − b) db / 23.5."""
    path = status_file(write, ROOT / "scenarios/analytic/serial-chain.yaml",
                       "status:\n  as_of: 2026-02-20\n  milestones:\n    a: {done: 2026-01-25, source: minutes}\n")
    tri = stats.triang(0.5, loc=10, scale=20)
    exact = integrate.quad(lambda b: tri.cdf(49.5 - b), 26.5, 50.0)[0] / 23.5
    done = done_of(sim.load(path))
    assert np.all(done["a"] == 24.5)
    assert done["b"].min() > 51.0
    within_4se(float(np.mean(done["c"] <= 74.0)), exact, N, "serial chain, first step done, P(c ≤ 74)")


def test_windowed_risk_not_yet_occurred(write):
    """windowed-risk.yaml, as_of 2026-03-20 (end of day 79), risk 'mid' (p = 0.5, τ ~ U(59, 120), +30 days)
    not occurred: F = 20/61, p' = p(1 − F)/(1 − pF) = 20.5/51, τ | τ > 79 ~ U(79, 120); Q | Q > 79 ~ U(79, 120).
    'during' misses (t > 120) iff the risk occurs, τ < Q and Q > 90:
    P(miss) = p' ∫_90^120 (q − 79)/41 dq/41 = p' (41² − 11²)/(2·41²)."""
    path = status_file(write, ROOT / "scenarios/analytic/windowed-risk.yaml",
                       "status:\n  as_of: 2026-03-20\n  risks:\n    mid: {occurred: false, source: news}\n")
    p_post = 20.5 / 51
    assert risk_posterior(0.5, 20 / 61) == pytest.approx(p_post, rel=1e-12)
    exact = 1 - p_post * (41**2 - 11**2) / (2 * 41**2)
    scenario = sim.load(path)
    inputs = sample(scenario, 5, 0, N)
    assert inputs.column("risk:mid:time").min() >= 79.0
    within_4se(float(inputs.column("risk:mid:occurs").mean()), p_post, N, "posterior probability of 'mid'")
    done = done_of(scenario, seed=5)
    within_4se(float(np.mean(done["during"] <= 120.0)), exact, N, "'during' with 'mid' not occurred by as_of")


# ---------------------------------------------------------------------------------------------- properties


@pytest.mark.parametrize("seed", range(12))
def test_no_replication_finishes_a_milestone_not_done_before_as_of(seed):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.yaml"
        path.write_text(random_scenario(seed, status=True))
        scenario = sim.load(path)
    net = Network.of(scenario)
    inputs = sample(scenario, seed, 0, 60)
    fast = simulate_batch(net, inputs, engine="fast")
    ref = simulate_batch(net, inputs, engine="simpy")
    np.testing.assert_allclose(fast.done, ref.done, rtol=1e-9, atol=1e-9)
    not_done = [i for i, m in enumerate(scenario.milestones) if m.done_on is None and m.when is None]
    assert np.all(fast.done[:, not_done] > scenario.status.as_of_days), f"generated scenario {seed}"


def test_a_status_with_no_effective_facts_gives_the_parents_results(write):
    """as_of before any progress was possible (durations ≥ 60 days, windows from day 9), a risk reported not
    occurred before its window opens: every input and outcome is the parent's, bit for bit."""
    parent = sim.load(ROOT / "scenarios/analytic/windowed-risk.yaml")
    path = status_file(write, ROOT / "scenarios/analytic/windowed-risk.yaml",
                       "status:\n  as_of: 2026-01-05\n  risks:\n    early: {occurred: false, source: news}\n")
    child = sim.load(path)
    a, b = sample(parent, 3, 0, 2000), sample(child, 3, 0, 2000)
    assert a.names == b.names
    assert np.array_equal(a.values, b.values)
    for engine in ("fast", "simpy"):
        da, db = done_of(parent, 500, 3, engine), done_of(child, 500, 3, engine)
        for m in da:
            assert np.array_equal(da[m], db[m]), f"{m} ({engine})"


def test_with_the_same_seed_replications_differ_only_where_facts_apply(write):
    parent = write("""
title: Two parallel
start: 2026-01-01
horizon: end-2027
milestones:
  x: {title: X, duration: {uniform: {min: 20 days, max: 80 days}}, source: x}
  y: {title: Y, duration: {uniform: {min: 100 days, max: 200 days}}, source: x}
  z: {title: Z, after: [y], duration: {pert: {min: 10 days, mode: 20 days, max: 60 days}}, source: x}
risks:
  rx: {probability: 0.5, window: {from: 2026-01-01, to: 2026-06-30}, delay: 10 days, affects: {milestones: [x]}, source: x}
  rz: {probability: 0.5, window: {from: 2026-06-01, to: 2026-12-31}, delay: 10 days, affects: {milestones: [z]}, source: x}
""", "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-02-09\n  risks:\n    rx: {occurred: false, source: s}\n")
    p, c = sim.load(parent), sim.load(path)
    a, b = sample(p, 9, 0, 3000), sample(c, 9, 0, 3000)
    changed = {n for j, n in enumerate(a.names) if not np.array_equal(a.values[:, j], b.values[:, j])}
    assert changed == {"milestone:x:duration", "risk:rx:occurs", "risk:rx:time"}
    da, db = done_of(p, 3000, 9), done_of(c, 3000, 9)
    assert np.array_equal(da["y"], db["y"])
    assert np.array_equal(da["z"], db["z"])
    assert not np.array_equal(da["x"], db["x"])
    assert db["x"].min() > 40.0


# ---------------------------------------------------------------------------------------------- resolved targets


def test_targets_resolved_by_facts_are_flagged_and_read_back(write, tmp_path):
    parent = write("""
title: P
start: 2026-01-01
horizon: end-2027
milestones:
  a: {title: A, duration: {uniform: {min: 20 days, max: 40 days}}, source: x}
  b: {title: B, after: [a], duration: {uniform: {min: 10 days, max: 50 days}}, source: x}
  c: {title: C, after: [b], duration: 30 days, source: x}
targets:
  t-early: {title: early, milestone: a, deadline: 2026-01-20}
  t-ontime: {title: ok, milestone: b, deadline: 2026-03-15}
  t-missed: {title: gone, milestone: c, deadline: 2026-03-01}
  t-open: {title: open, milestone: c, deadline: 2026-06-01}
""", "parent.yaml")
    path = status_file(write, parent, """status:
  as_of: 2026-03-20
  milestones:
    a: {done: 2026-01-25, source: minutes}
    b: {done: 2026-03-10, source: minutes}
""")
    results = sim.run(sim.load(path), n=200, seed=1, progress=False)
    table = results.targets.set_index("target")
    assert table.loc["t-early", ["status", "status_date"]].tolist() == ["missed", "2026-01-25"]  # done late
    assert table.loc["t-ontime", ["status", "status_date"]].tolist() == ["met", "2026-03-10"]
    assert table.loc["t-missed", ["status", "status_date"]].tolist() == ["missed", ""]  # deadline passed, not done
    assert table.loc["t-open", ["status", "status_date"]].tolist() == ["open", ""]
    results.save(tmp_path / "out")
    back = sim.Results.load(tmp_path / "out").targets.set_index("target")
    assert back.loc[:, ["status", "status_date"]].equals(table.loc[:, ["status", "status_date"]])
    # a folder written before the column existed is still read (every target open)
    csv = tmp_path / "out" / "targets.csv"
    import pandas as pd
    pd.read_csv(csv).drop(columns=["status", "status_date"]).to_csv(csv, index=False)
    assert set(sim.Results.load(tmp_path / "out").targets["status"]) == {"open"}


# ---------------------------------------------------------------------------------------------- worked example


def test_worked_example_runs_and_resolves_its_targets():
    scenario = sim.load(ROOT / "scenarios/status/2025-11-30.yaml")
    assert scenario.status.as_of.isoformat() == "2025-11-30"
    assert all(f.source for f in scenario.status.facts)
    results = sim.run(scenario, n=200, seed=1, progress=False)
    table = results.targets.set_index("target")
    assert table.loc["safe-national-plans-submitted", "status"] == "met"
    assert table.loc["edip-adopted", ["status", "status_date"]].tolist() == ["missed", ""]  # November 2025 passed
    done = results.outcomes
    not_done = [f"milestone:{m.id}" for m in scenario.milestones if m.done_on is None and m.when is None]
    assert (done[not_done].to_numpy() > scenario.status.as_of_days).all()


def test_a_risk_reported_outside_its_window_is_an_error(write):
    path = status_file(write, ROOT / "scenarios/analytic/windowed-risk.yaml",
                       "status:\n  as_of: 2026-03-20\n  risks:\n    late: {occurred: 2026-03-01, source: news}\n")
    with pytest.raises(ScenarioError, match=r"status.yaml:6: status.risks.late.occurred: found 2026-03-01, outside "
                                            r"the risk's window"):
        sim.load(path)


def test_a_later_status_file_adds_its_facts_to_the_earlier_ones(write):
    first = status_file(write, ROOT / "scenarios/analytic/serial-chain.yaml",
                        "status:\n  as_of: 2026-01-31\n  milestones:\n    a: {done: 2026-01-25, source: minutes}\n",
                        "first.yaml")
    second = write(f"extends: {first}\ntitle: Later\nstatus:\n  as_of: 2026-03-01\n  milestones:\n"
                   "    b: {done: 2026-02-27, source: minutes}\n", "second.yaml")
    scenario = sim.load(second)
    assert scenario.status.as_of.isoformat() == "2026-03-01"
    assert [(f.kind, f.id) for f in scenario.status.facts] == [("done", "a"), ("done", "b")]
    assert scenario.milestone("a").done_on.isoformat() == "2026-01-25"
    done = done_of(scenario, n=300)
    assert np.all(done["b"] == 57.5)
    assert done["c"].min() > 60.0


def test_a_duration_scaled_by_a_driver_is_conditioned_on_its_effective_length(write):
    """a = D·f with D ~ U(20, 80) days and a driver f ~ U(0.5, 1.5): not done by day 40 means D > 40/f, applied
    per replication given its f (drivers keep their prior: docs/status-date.md, "What is exact").
    P(a ≤ 60) = ∫ P(D ≤ 60/f | D > 40/f) df over f ~ U(0.5, 1.5); the conditioning, not the floor, keeps every
    replication past day 40."""
    parent = write("""
title: Driver
start: 2026-01-01
horizon: end-2026
drivers:
  pace: {title: Pace, factor: {uniform: {min: 0.5, max: 1.5}}, applies_to: [t], source: x}
milestones:
  a: {title: A, tags: [t], duration: {uniform: {min: 20 days, max: 80 days}}, deadline: 2026-03-01, source: x}
""", "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-02-09\n")

    def given_f(f):
        lo = max(20.0, 40.0 / f)
        return 1.0 if lo >= 80.0 else float(np.clip((60.0 / f - lo) / (80.0 - lo), 0.0, 1.0))

    exact = integrate.quad(given_f, 0.5, 1.5, points=[0.5, 0.75, 1.0, 2.0 / 3.0])[0]
    scenario = sim.load(path)
    done = done_of(scenario)["a"]
    assert np.all(done > 40.0), "the floor bound: not exact"
    assert not np.any(done == Network.of(scenario).floor[0]), "the floor bound: not exact"
    within_4se(float(np.mean(done <= 60.0)), exact, N, "driver-scaled uniform conditioned past day 40, P(t ≤ 60)")


@pytest.mark.parametrize(("body", "message"), [
    ("status: [1, 2]", "status: found list; expected a mapping with as_of, milestones and risks"),
    ("status:", "status: missing as_of"),
    ("status: {as_of: 2026-02-30}", "status.as_of: found '2026-02-30', which is not a real date"),
    ("status: {as_of: 2026-02-01, milestones: [during]}", "status.milestones: found list; expected a mapping"),
    ("status: {as_of: 2026-02-01, milestones: {during: done}}", "status.milestones.during: found 'done'; expected a mapping"),
    ("status: {as_of: 2026-02-01, milestones: {during: {done: soon, source: x}}}",
     "status.milestones.during.done: found 'soon'; expected the date it was done"),
    ("status: {as_of: 2025-12-01}", "status.as_of: found 2025-12-01, before the scenario's start 2026-01-01"),
])
def test_malformed_status_sections_are_clear_errors(write, body, message):
    path = write(f"extends: {ROOT / 'scenarios/analytic/windowed-risk.yaml'}\ntitle: H\n{body}\n")
    with pytest.raises(ScenarioError) as err:
        sim.load(path)
    assert f"s.yaml:3: {message}" in str(err.value)


@pytest.mark.parametrize("dist", [
    Uniform(20.0, 80.0), Triangular(10.0, 20.0, 60.0), Triangular(10.0, 10.0, 60.0), Triangular(10.0, 60.0, 60.0),
    Pert(10.0, 25.0, 90.0), Normal(50.0, 15.0, lower=0.0), Normal(50.0, 15.0), LogNormal(math.log(30.0), 0.8),
])
def test_cdf_inverts_ppf(dist):
    """The conditioning u' = F(e) + u(1 − F(e)) is exact only if F is the inverse of the ppf used to draw."""
    u = np.linspace(0.001, 0.999, 999)
    np.testing.assert_allclose(cdf(dist, dist.ppf(u)), u, atol=1e-9)


def test_discrete_durations_are_conditioned_on_the_values_left():
    d = Discrete((10.0, 30.0, 60.0), (0.5, 0.3, 0.2))
    u = np.random.default_rng(2).random(100_000)
    x = conditioned_past(d, u, 30.0)  # only 60 is left
    assert np.all(x == 60.0)
    y = conditioned_past(d, u, 15.0)  # 30 or 60 with weights 0.3 : 0.2
    within_4se(float(np.mean(y == 30.0)), 0.6, len(u), "discrete conditioned past 15: P(30)")


def test_lognormal_duration_under_way_end_to_end(write):
    """a ~ lognormal(median 30 days, p90 90 days), as_of day 40: P(a ≤ 60) = (F(60) − F(40)) / (1 − F(40))."""
    parent = write("""
title: Lognormal
start: 2026-01-01
horizon: end-2027
milestones:
  a: {title: A, duration: {lognormal: {median: 30 days, p90: 90 days}}, deadline: 2026-03-01, source: x}
""", "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-02-09\n")
    sigma = (math.log(90.0) - math.log(30.0)) / 1.2816
    ref = stats.lognorm(sigma, scale=30.0)
    exact = (ref.cdf(60.0) - ref.cdf(40.0)) / ref.sf(40.0)
    done = done_of(sim.load(path))["a"]
    within_4se(float(np.mean(done <= 60.0)), exact, N, "lognormal conditioned past day 40, P(t ≤ 60)")


def test_targets_on_metric_gates_stay_open(write):
    """A metric gate's date comes from the money curves, not from facts: never resolved by a status date."""
    parent = write("""
title: Gate
start: 2026-01-01
horizon: end-2027
funds:
  pot: {title: Pot, envelope: 10, prefinancing: 1.0, source: x}
milestones:
  spend: {title: Spend, funding: {pot: 8}, duration: 30 days, source: x}
  half: {title: Half committed, when: {indicator: pot.committed_share, at_least: 0.5}, deadline: 2026-06-30}
  other: {title: Other, duration: {uniform: {min: 10 days, max: 20 days}}, deadline: 2026-03-01, source: x}
""", "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-03-10\n  milestones:\n"
                                      "    other: {done: 2026-01-15, source: minutes}\n")
    table = sim.run(sim.load(path), n=50, seed=1, progress=False).targets.set_index("target")
    assert table.loc["half", "p_met"] == 1.0
    assert table.loc["half", "status"] == "open"
    assert table.loc["other", ["status", "status_date"]].tolist() == ["met", "2026-01-15"]


# ---------------------------------------------------------------------------------------------- abandoned commitments


ALTERNATIVES = """
title: Alternatives
start: 2026-01-01
horizon: end-2027
milestones:
  loan: {title: Loan, duration: {uniform: {min: 60 days, max: 200 days}}, deadline: 2026-06-30, source: x}
  borrowing: {title: Borrowing, duration: {uniform: {min: 100 days, max: 300 days}}, source: x}
  paid: {title: Paid, after: [loan], duration: 30 days, deadline: 2027-06-30, source: x}
  both: {title: Both, after: [loan, borrowing], duration: 10 days, source: x}
targets:
  either: {title: Either, any_of: [loan, borrowing], deadline: 2027-12-31}
"""


@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_an_abandoned_commitment_is_never_done_and_its_dependants_follow_the_alternative(write, engine):
    parent = write(ALTERNATIVES, "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-03-01\n  milestones:\n"
                                      "    loan: {abandoned: 2026-02-15, replaced_by: borrowing, source: council}\n")
    scenario = sim.load(path)
    assert scenario.milestone("paid").after.ids == ("borrowing",)
    assert scenario.milestone("both").after.ids == ("borrowing",)
    assert scenario.milestone("both").after.k == 1
    done = done_of(scenario, n=400, engine=engine)
    assert np.all(np.isinf(done["loan"]))
    np.testing.assert_allclose(done["paid"], done["borrowing"] + 30.0)
    results = sim.run(scenario, n=100, seed=2, progress=False, engine=engine).targets.set_index("target")
    assert results.loc["loan", "status"] == "missed"
    assert results.loc["either", "status"] == "open"
    assert results.loc["paid", "status"] == "open"


def test_an_abandoned_commitment_without_alternative_fails_its_dependants(write):
    parent = write(ALTERNATIVES, "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-03-01\n  milestones:\n"
                                      "    loan: {abandoned: 2026-02-15, source: council}\n")
    done = done_of(sim.load(path), n=200)
    assert np.all(np.isinf(done["paid"]))
    assert np.all(np.isinf(done["both"]))
    table = sim.run(sim.load(path), n=50, seed=2, progress=False).targets.set_index("target")
    assert table.loc["paid", "status"] == "missed"


def test_a_replacement_that_waits_for_the_abandoned_milestone_is_an_error(write):
    parent = write(ALTERNATIVES, "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-03-01\n  milestones:\n"
                                      "    loan: {abandoned: 2026-04-15, replaced_by: paid, source: council}\n")
    with pytest.raises(ScenarioError) as err:
        sim.load(path)
    assert "status.milestones.loan.abandoned: found 2026-04-15, after the status date 2026-03-01" in str(err.value)
    path = status_file(write, parent, "status:\n  as_of: 2026-03-01\n  milestones:\n"
                                      "    loan: {abandoned: 2026-02-15, replaced_by: paid, source: council}\n", "cyc.yaml")
    with pytest.raises(ScenarioError, match="replaced_by: found 'paid', which itself waits for 'loan'"):
        sim.load(path)


def test_a_risk_reported_on_the_day_a_milestone_was_done_ties_alike_in_both_engines(write):
    """Observed milestones and reported risks are both placed at midday: a freeze reported on the day a
    programme's dependency was done meets its request at the same instant; the one tie rule decides."""
    parent = write("""
title: Tie
start: 2026-01-01
horizon: end-2027
funds:
  pot: {title: Pot, envelope: 10, source: x}
milestones:
  a: {title: A, duration: {uniform: {min: 10 days, max: 60 days}}, source: x}
  b: {title: B, after: [a], funding: {pot: 5}, duration: {uniform: {min: 10 days, max: 60 days}}, source: x}
  c: {title: C, after: [a], duration: {uniform: {min: 10 days, max: 60 days}}, source: x}
risks:
  r: {title: R, probability: 0.3, window: {from: 2026-01-01, to: 2026-06-30}, delay: 20 days,
      affects: {milestones: [c]}, freeze: [pot], source: x}
""", "parent.yaml")
    path = status_file(write, parent, "status:\n  as_of: 2026-02-20\n  milestones:\n    a: {done: 2026-02-05, source: s}\n"
                                      "  risks:\n    r: {occurred: 2026-02-05, source: s}\n")
    scenario = sim.load(path)
    net = Network.of(scenario)
    inputs = sample(scenario, 4, 0, 200)
    fast, ref = simulate_batch(net, inputs, engine="fast"), simulate_batch(net, inputs, engine="simpy")
    np.testing.assert_array_equal(fast.done, ref.done)
    np.testing.assert_array_equal(fast.committed, ref.committed)
    assert np.all(fast.committed[:, 0] == 35.5 + 20.0)  # the freeze came first: committed when it ends


def test_a_milestone_that_should_be_done_by_as_of_is_warned_about(write):
    """b ~ U(10, 50) days after a (done day 24.5); by as_of (day 100) it has run 75.5 days: it cannot still be
    under way. Not reported done, it is placed just after as_of, with a warning."""
    path = status_file(write, ROOT / "scenarios/analytic/serial-chain.yaml",
                       "status:\n  as_of: 2026-04-10\n  milestones:\n    a: {done: 2026-01-25, source: minutes}\n")
    scenario, warnings = load_with_warnings(path)
    assert [str(w).split(": ", 2)[-1][:40] for w in warnings] == ["'b' is not reported done, but it has bee"]
    done = done_of(scenario, n=100)
    assert np.all(done["b"] == Network.of(scenario).floor[1])
    _, none = load_with_warnings(status_file(write, ROOT / "scenarios/analytic/serial-chain.yaml",
                                             "status:\n  as_of: 2026-02-20\n  milestones:\n"
                                             "    a: {done: 2026-01-25, source: minutes}\n", "ok.yaml"))
    assert not none
