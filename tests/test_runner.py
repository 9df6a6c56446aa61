"""Runner: reproducibility across workers and batches, common random numbers, precision stopping, traces."""

import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim import workers
from sim.cli import main
from sim.runner import DEFAULT_SEED, resolve_seed
from sim.sampling import Copula, latin_hypercube, sample, uniforms

SCENARIO = """\
title: Runner test
start: 2026-01-01
horizon: end-2028
drivers:
  friction: {title: Friction, factor: {uniform: {min: 0.8, max: 1.4}}, applies_to: [industry], source: "assumption: test"}
milestones:
  a: {title: A, tags: [industry], duration: {triangular: {min: 1, mode: 2, max: 6}, unit: months}, source: "assumption: test"}
  b: {title: B, after: [a], duration: {pert: {min: 2, mode: 3, max: 9}, unit: months}, deadline: 2026-Q4,
      source: "assumption: test"}
  c: {title: C, duration: {lognormal: {median: 8 months, p90: 14 months}}, deadline: end-2026, source: "assumption: test"}
  d: {title: D, after: {any: [b, c]}, tags: [industry], duration: 1 month, deadline: 2026-12}
risks:
  shock: {title: Shock, probability: 0.3, delay: {uniform: {min: 1, max: 3}, unit: months},
          window: {from: 2026-03, to: 2026-Q4}, affects: {tags: [industry]}, source: "assumption: test"}
correlations:
  - {between: [milestone:b:duration, milestone:c:duration], rank: 0.6, source: "assumption: test"}
targets:
  all: {title: All, all_of: [b, c, d], deadline: 2027-03}
"""


@pytest.fixture
def scenario(write):
    return sim.load(write(SCENARIO))


def test_seed_comes_from_the_call_then_the_scenario_then_the_default(scenario, write):
    assert resolve_seed(scenario, 5) == 5
    assert resolve_seed(scenario, None) == DEFAULT_SEED  # the test scenario names no seed
    seeded = sim.load(write(SCENARIO.replace("title: Runner test\n", "title: Runner test\nseed: 11\n"), "seeded.yaml"))
    assert resolve_seed(seeded, None) == 11
    assert resolve_seed(seeded, 0) == 0  # 0 is a seed, not "none given"


def test_jobs_do_not_change_results(scenario):
    one = sim.run(scenario, n=1500, seed=11, jobs=1, batch=400)
    two = sim.run(scenario, n=1500, seed=11, jobs=2, batch=700)
    pd.testing.assert_frame_equal(one.targets, two.targets)
    pd.testing.assert_frame_equal(one.outcomes, two.outcomes)
    pd.testing.assert_frame_equal(one.inputs, two.inputs)


def test_seed_changes_draws(scenario):
    a = sim.run(scenario, n=200, seed=1).outcomes
    b = sim.run(scenario, n=200, seed=2).outcomes
    assert not np.array_equal(a.to_numpy(), b.to_numpy())


def test_streams_are_keyed_by_name_not_position():
    assert np.array_equal(uniforms(5, "milestone:a:duration", 0, 10)[3:], uniforms(5, "milestone:a:duration", 3, 7))
    assert not np.array_equal(uniforms(5, "milestone:a:duration", 0, 10), uniforms(5, "milestone:b:duration", 0, 10))


def test_common_random_numbers_for_shared_inputs(write, scenario):
    # Another scenario with an extra milestone in front and one milestone changed: shared inputs get equal draws.
    extra = "  z: {title: Z, duration: {uniform: {min: 1, max: 2}, unit: days}, source: x}\n"
    other = sim.load(write(SCENARIO.replace("milestones:\n", "milestones:\n" + extra)
                           .replace("lognormal: {median: 8 months", "lognormal: {median: 10 months"), "other.yaml"))
    x, y = sample(scenario, 3, 0, 500), sample(other, 3, 0, 500)
    assert np.array_equal(x.column("milestone:a:duration"), y.column("milestone:a:duration"))
    assert np.array_equal(x.column("risk:shock:time"), y.column("risk:shock:time"))
    assert not np.array_equal(x.column("milestone:c:duration"), y.column("milestone:c:duration"))


def test_latin_hypercube_strata():
    u = latin_hypercube(1, "x", 0, 100, 100)
    assert sorted(np.floor(u * 100).astype(int).tolist()) == list(range(100))
    assert np.array_equal(latin_hypercube(1, "x", 40, 10, 100), u[40:50])


def test_copula_rank_correlation(scenario):
    # With N draws the Spearman correlation of the copula equals the requested r within 4 standard errors;
    # SE of Spearman's r ≈ (1 − r²)/sqrt(N − 1) for a Gaussian copula (a conservative approximation).
    from scipy import stats
    n = 20_000
    x = sample(scenario, 9, 0, n)
    r = stats.spearmanr(x.column("milestone:b:duration"), x.column("milestone:c:duration"))[0]
    se = (1 - 0.6**2) / np.sqrt(n - 1)
    assert abs(r - 0.6) <= 4 * se, f"spearman={r:.4f} requested=0.6 tol=4SE={4 * se:.4f}"


def test_invalid_correlation_matrix_is_repaired(write):
    text = SCENARIO.replace("correlations:\n", """correlations:
  - {between: [milestone:a:duration, milestone:b:duration], rank: 0.95, source: x}
  - {between: [milestone:a:duration, milestone:c:duration], rank: -0.95, source: x}
""")
    copula = Copula.of(sim.load(write(text)))
    assert copula.repaired
    assert np.linalg.eigvalsh(copula.rho).min() > -1e-9
    assert np.allclose(np.diag(copula.rho), 1)


def test_precision_stops_early(scenario):
    res = sim.run(scenario, n=50_000, seed=4, precision=0.02, batch=500)
    assert res.n < 50_000
    assert res.n % 500 == 0
    assert res.meta["max_half_width"] <= 0.02
    assert ((res.targets.ci_high - res.targets.ci_low) / 2).max() <= 0.02


@pytest.mark.parametrize("precision", [None, 0.03])
def test_batches_side_by_side_give_the_results_of_one_batch_at_a_time(scenario, monkeypatch, precision):
    def run_with(cpus):  # one process: its batches on threads, one per CPU, or one batch after another
        monkeypatch.setattr(workers, "cpu_count", lambda: cpus)
        return sim.run(scenario, n=20_000 if precision else 2300, seed=8, batch=300, precision=precision)

    ahead, one_by_one = run_with(4), run_with(1)
    assert ahead.n == one_by_one.n < (20_000 if precision else 2301)  # precision stopped both at the same batch
    pd.testing.assert_frame_equal(ahead.targets, one_by_one.targets)
    pd.testing.assert_frame_equal(ahead.outcomes, one_by_one.outcomes)
    pd.testing.assert_frame_equal(ahead.inputs, one_by_one.inputs)


def test_trace_replays_replication(scenario):
    res = sim.run(scenario, n=20, seed=8)
    events = sim.trace(scenario, 13, seed=8)
    done = {e["id"]: e["time"] for e in events if e["event"] == "done"}
    for mid in ("a", "b", "c", "d"):
        expected = res.outcomes.loc[13, f"milestone:{mid}"]
        if np.isfinite(expected):
            assert done[mid] == pytest.approx(expected, abs=1e-9)
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)


def test_censored_milestones_are_inf_not_nan(write):
    s = sim.load(write("title: t\nstart: 2026-01-01\nhorizon: 2026-06\nmilestones:\n"
                       "  a: {title: A, duration: 2 years, deadline: end-2026}\n"))
    res = sim.run(s, n=10, seed=1)
    assert np.isinf(res.outcomes["milestone:a"]).all()
    row = res.targets.iloc[0]
    assert row.p_met == 0
    assert row.p50 == ""
    assert row.p90 == ""


def test_cli_run_writes_results_atomically(write, tmp_path, capsys):
    path = write(SCENARIO)
    out = tmp_path / "out"
    assert main(["run", str(path), "-n", "300", "--seed", "7", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "P(met)" in printed
    assert "All" in printed
    assert sorted(p.name for p in out.iterdir()) == [".readiness-results", "assumptions.csv", "criticality.csv", "drivers.csv",
                                                     "inputs.csv.gz", "milestones.csv", "outcomes.csv.gz", "run.json",
                                                     "targets.csv"]
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 7
    assert meta["iterations"] == 300
    assert len(meta["scenario_sha256"]) == 64
    targets = pd.read_csv(out / "targets.csv")
    assert list(targets.columns)[:11] == ["target", "title", "kind", "deadline", "p_met", "ci_low", "ci_high",
                                          "p10", "p50", "p80", "p90"]  # the results contract, then extras
    milestones = pd.read_csv(out / "milestones.csv")
    assert list(milestones.columns)[:10] == ["milestone", "title", "section", "deadline", "p_on_time", "p10", "p50",
                                             "p80", "p90", "criticality"]
    loaded = sim.Results.load(out)
    pd.testing.assert_frame_equal(loaded.targets, sim.run(sim.load(path), n=300, seed=7).targets, check_exact=False, rtol=1e-5)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary directories left behind"


def test_failed_write_leaves_previous_results(write, tmp_path, scenario):
    out = tmp_path / "res"
    res = sim.run(scenario, n=50, seed=1)
    res.save(out)
    before = (out / "targets.csv").read_text()

    def boom(directory):
        (directory / "half.png").write_text("partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.run(scenario, n=60, seed=2).save(out, extra=boom)
    assert (out / "targets.csv").read_text() == before
    assert not (out / "half.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res", "s.yaml"]  # no temporary directory left


def test_cli_trace(write, capsys):
    assert main(["run", str(write(SCENARIO)), "--trace", "2"]) == 0
    out = capsys.readouterr().out
    assert "ready" in out
    assert "done" in out


def test_run_json_records_conventions(scenario):
    assert "2 sin" in sim.run(scenario, n=10).meta["conventions"]


def test_one_shared_delay_per_occurrence_and_window_semantics(write):
    s = sim.load(write("""\
title: Risk semantics
start: 2026-01-01
horizon: end-2027
milestones:
  early: {title: Early, duration: 10 days}
  late: {title: Late, duration: 40 days}
  twin: {title: Twin, duration: 40 days}
risks:
  hit: {title: Hit, probability: 1, delay: {uniform: {min: 5, max: 50}, unit: days},
        window: {from: 2026-01-21, to: 2026-01-31}, affects: {milestones: [early, late, twin]}, source: x}
"""))
    res = sim.run(s, n=200, seed=3)
    delay = res.inputs["risk:hit:delay"].to_numpy()
    assert (res.outcomes["milestone:early"] == 10).all()  # done before the window opens: never delayed
    np.testing.assert_allclose(res.outcomes["milestone:late"], 40 + delay)  # the drawn delay, exactly
    np.testing.assert_array_equal(res.outcomes["milestone:late"], res.outcomes["milestone:twin"])  # one draw for both
