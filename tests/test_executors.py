"""Dask executor (sim.executors): run, compare, sweep and sensitivity on a LocalCluster give exactly the results
of ``--jobs 1`` (replication i has the same sampled inputs wherever it runs)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import sim  # noqa: E402
from sim.analysis import compare, sweep  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.executors import dask_executor, parse_dask  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = "scenarios/baseline.yaml"  # funds, lines, risks, drivers, correlations: the compiled event loop


@pytest.fixture(scope="module")
def dask():
    # Threads in this process (processes=False) start in a second; the engine releases the GIL, so it is a real
    # two-worker cluster for the scheduler, serialisation aside.
    executor = dask_executor("local:2", processes=False)
    yield executor
    executor.shutdown()


@pytest.fixture(scope="module")
def baseline():
    return sim.load(ROOT / SHIPPED)


def test_parse_dask():
    assert parse_dask("local") == ("local", None)
    assert parse_dask("local:3") == ("local", 3)
    assert parse_dask("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", None)
    for bad in ("local:0", "locale", "10.0.0.5:8786", "tcp://"):
        with pytest.raises(ValueError, match="expected local"if bad != "local:0" else "at least 1"):
            parse_dask(bad)


def test_dask_run_equals_jobs_1(dask, baseline):
    assert dask.workers == 2
    one = sim.run(baseline, n=600, seed=5, jobs=1, batch=250)
    on_dask = sim.run(baseline, n=600, seed=5, batch=250, executor=dask)
    pd.testing.assert_frame_equal(one.targets, on_dask.targets)
    pd.testing.assert_frame_equal(one.milestones, on_dask.milestones)
    pd.testing.assert_frame_equal(one.outcomes, on_dask.outcomes)
    pd.testing.assert_frame_equal(one.inputs, on_dask.inputs)
    pd.testing.assert_frame_equal(one.series, on_dask.series)
    # the executor belongs to the caller and is still usable after a run
    assert dask.map(abs, [-1, 2]) == [1, 2]


def test_dask_compare_and_sweep_equal_jobs_1(dask, baseline, root):
    other = sim.load(root / "scenarios/delays/edip-legislation-slip.yaml")
    pd.testing.assert_frame_equal(compare(baseline, [other], n=300, seed=2).table,
                                  compare(baseline, [other], n=300, seed=2, executor=dask).table)
    # five steps: five networks in one grid of (step, chunk) tasks, each network scattered once
    steps = [0.0, 90.0, 180.0, 270.0, 360.0]
    pd.testing.assert_frame_equal(sweep(baseline, "delay", "edip-adopted", steps, n=300, seed=2),
                                  sweep(baseline, "delay", "edip-adopted", steps, n=300, seed=2, executor=dask))


def test_dask_sensitivity_equals_serial(dask, baseline):
    pytest.importorskip("SALib")
    from sim.sensitivity import sensitivity

    kw = dict(n=4, seed=9, groups=["drivers", "risks", "durations-by-section", "funds", "lines"],
              targets=["readiness-2030", "edip-adopted"])
    pd.testing.assert_frame_equal(sensitivity(baseline, **kw), sensitivity(baseline, executor=dask, **kw),
                                  check_exact=True)


def test_cli_dask_argument_errors_exit_2(root, capsys):
    assert main(["run", str(root / SHIPPED), "--dask", "nowhere", "-n", "10"]) == 2
    assert "expected local" in capsys.readouterr().err


def test_cli_run_with_local_dask_equals_jobs_1(root, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(root / "scenarios/analytic/serial-chain.yaml"), "-n", "300", "--out", str(a),
                 "--no-progress"]) == 0
    assert main(["run", str(root / "scenarios/analytic/serial-chain.yaml"), "-n", "300", "--out", str(b),
                 "--no-progress", "--dask", "local:2"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(a / "targets.csv"), pd.read_csv(b / "targets.csv"))
    np.testing.assert_array_equal(pd.read_csv(a / "outcomes.csv.gz").to_numpy(),
                                  pd.read_csv(b / "outcomes.csv.gz").to_numpy())


class RecordingPool:
    """An executor that runs calls here and records, per map call, which networks its tasks simulated."""

    workers = 2

    def __init__(self):
        self.calls: list[list[int]] = []

    def map(self, fn, *iterables):
        columns = [list(c) for c in iterables]
        self.calls.append([id(net) for net in columns[0]])
        return [fn(*args) for args in zip(*columns, strict=True)]


def test_compare_sends_every_scenario_in_one_grid_per_batch(baseline, root):
    from sim.runner import run_many

    other = sim.load(root / "scenarios/delays/edip-legislation-slip.yaml")
    pool = RecordingPool()
    grid = run_many([baseline, other], n=1500, seed=4, executor=pool)
    assert pool.calls, "the executor was not used"
    assert all(len(set(call)) == 2 for call in pool.calls), "each map call must hold chunks of both scenarios"
    for alone, together in zip((sim.run(baseline, n=1500, seed=4), sim.run(other, n=1500, seed=4)), grid, strict=True):
        pd.testing.assert_frame_equal(alone.targets, together.targets)
        pd.testing.assert_frame_equal(alone.milestones, together.milestones)
