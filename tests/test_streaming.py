"""Results counted as batches arrive: the same tables as from every replication, and memory that stays flat."""

import gc
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import sim
from sim.results import Results, iso_dates, quantile_times
from sim.results.streaming import SUBSAMPLE, DayCounts, RunAggregator

SCENARIO = """\
title: Streaming test
start: 2026-01-01
horizon: end-2028
funds:
  pot: {title: Pot, envelope: 12, inflow: 6, source: x}
drivers:
  friction: {title: Friction, factor: {uniform: {min: 0.8, max: 1.4}}, applies_to: [industry], source: x}
milestones:
  a: {title: A, tags: [industry], duration: {triangular: {min: 1, mode: 2, max: 6}, unit: months}, funding: {pot: 5},
      source: x}
  b: {title: B, after: [a], duration: {pert: {min: 2, mode: 3, max: 9}, unit: months}, deadline: 2026-Q4,
      funding: {pot: 6}, source: x}
  c: {title: C, duration: {lognormal: {median: 8 months, p90: 30 months}}, deadline: end-2026, funding: {pot: 4},
      source: x}
  d: {title: D, after: {any: [b, c]}, tags: [industry], duration: 1 month, deadline: 2026-12}
risks:
  shock: {title: Shock, probability: 0.3, delay: {uniform: {min: 1, max: 3}, unit: months},
          window: {from: 2026-03, to: 2026-Q4}, affects: {tags: [industry]}, source: x}
targets:
  all: {title: All, all_of: [b, c, d], deadline: 2027-03}
  any: {title: Any, any_of: [c, d], deadline: 2026-10}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("streaming") / "s.yaml"
    path.write_text(SCENARIO)
    return sim.load(path)


@pytest.fixture(scope="module")
def kept_and_streamed(scenario):
    """The same 3,000 replications with every one kept, and with only the first 500 (batches of 400 straddle it)."""
    kept = sim.run(scenario, n=3000, seed=5, batch=400, keep_outcomes=True, subsample=500)
    streamed = sim.run(scenario, n=3000, seed=5, batch=400, subsample=500)
    return kept, streamed


def test_day_counts_give_the_p_dates_of_the_times():
    rng = np.random.default_rng(3)
    times = rng.uniform(-40, 900, size=(1001, 5))
    times[:, 1] = np.floor(times[:, 1])  # whole days: a time on the boundary of its day
    times[rng.random(1001) < 0.4, 2] = np.inf  # censored
    times[rng.random(1001) < 0.95, 3] = np.inf  # P10 … P90 beyond the horizon
    times[:7, 4] = np.nan
    counts = DayCounts(5)
    for part in np.array_split(times, 7):  # histograms grow as later batches bring earlier and later days
        counts.add(part)
    qs = (0.0, 0.1, 0.5, 0.8, 0.9, 0.995, 1.0)
    start = pd.Timestamp("2026-01-01").date()
    expected, found = quantile_times(times, qs), counts.quantile_days(len(times), qs)
    for k in range(len(qs)):
        assert iso_dates(found[k], start) == iso_dates(expected[k], start)
    np.testing.assert_array_equal(counts.low, times.min(axis=0))
    np.testing.assert_array_equal(counts.high, times.max(axis=0))


def test_streamed_targets_and_milestones_are_identical(kept_and_streamed):
    kept, streamed = kept_and_streamed
    for name in ("targets", "milestones", "criticality", "bottlenecks"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(streamed, name), check_exact=True)
    assert streamed.n == kept.n == 3000
    assert streamed.meta["kept_replications"] == 500
    assert "kept_replications" not in kept.meta


def test_the_p_dates_are_those_of_all_times(kept_and_streamed):
    kept, _ = kept_and_streamed
    q = quantile_times(kept.outcomes.to_numpy())
    milestones = kept.milestones.set_index("milestone")
    for j, column in enumerate(kept.outcomes.columns):
        if column.startswith("milestone:"):
            assert list(milestones.loc[column.split(":", 1)[1], ["p10", "p50", "p80", "p90"]]) == \
                [iso_dates(q[k:k + 1, j], kept.start)[0] for k in range(4)]


def test_streaming_keeps_the_first_replications_whole(kept_and_streamed, scenario):
    kept, streamed = kept_and_streamed
    pd.testing.assert_frame_equal(streamed.outcomes, kept.outcomes.iloc[:500])
    pd.testing.assert_frame_equal(streamed.inputs, kept.inputs.iloc[:500])
    first = sim.run(scenario, n=500, seed=5)
    pd.testing.assert_frame_equal(streamed.series, first.series)  # the bands of the subsample
    assert len(streamed.met("all")) == 500


def test_streamed_results_do_not_depend_on_workers_or_batches(kept_and_streamed, scenario):
    _, streamed = kept_and_streamed
    two = sim.run(scenario, n=3000, seed=5, jobs=2, batch=1100, subsample=500)
    for name in ("targets", "milestones", "criticality", "outcomes", "inputs", "series", "funding"):
        pd.testing.assert_frame_equal(getattr(streamed, name), getattr(two, name), check_exact=True)


def test_streamed_funding_counts_all_replications(kept_and_streamed):
    kept, streamed = kept_and_streamed
    assert not kept.funding.empty
    counted = ["milestone", "pool", "p_requested", "p_waited", "p_never", "p_short"]
    pd.testing.assert_frame_equal(kept.funding[counted], streamed.funding[counted], check_exact=True)
    # fixed-point sums: within a millionth of a day, a billionth of a share
    np.testing.assert_allclose(streamed.funding["mean_wait_days"], kept.funding["mean_wait_days"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(streamed.funding["mean_share_received"], kept.funding["mean_share_received"], rtol=0,
                               atol=1e-9)
    assert kept.funding["mean_wait_days"].max() > 1  # the scenario does wait for money


def test_default_keeps_everything_up_to_the_subsample(scenario):
    res = sim.run(scenario, n=300, seed=5, subsample=500)
    assert len(res.outcomes) == 300
    assert "kept_replications" not in res.meta
    assert sim.run(scenario, n=300, seed=5, subsample=200, keep_outcomes=False).meta["kept_replications"] == 200
    assert SUBSAMPLE >= sim.run(scenario, n=20).n  # the default run of 2,000 keeps everything
    with pytest.raises(ValueError, match="subsample"):
        sim.run(scenario, n=10, subsample=0)


def test_streamed_results_save_and_load(kept_and_streamed, tmp_path):
    _, streamed = kept_and_streamed
    streamed.save(tmp_path / "out", analysis=True)
    back = Results.load(tmp_path / "out")
    assert back.n == 3000
    assert len(back.outcomes) == len(back.inputs) == 500
    pd.testing.assert_frame_equal(back.targets[["target", "p50", "p80"]], streamed.targets[["target", "p50", "p80"]])
    assert "drivers.csv" in {p.name for p in (tmp_path / "out").iterdir()}


def test_aggregator_of_one_batch_is_results_build(scenario):
    from sim.engine import Network, simulate_batch
    from sim.sampling import sample

    net = Network.of(scenario)
    inputs = sample(scenario, 5, 0, 300)
    outcome = simulate_batch(net, inputs)
    names = tuple(name for name, _ in scenario.inputs())
    aggregate = RunAggregator(scenario, net, names, keep=300)
    aggregate.add(outcome, inputs)
    assert aggregate.complete
    assert aggregate.n == 300
    pd.testing.assert_frame_equal(Results.of(aggregate, {}).targets,
                                  Results.build(scenario, net, outcome, names, inputs.values, {}).targets)


def _peak(scenario, n: int, keep: bool | None) -> int:
    """Peak traced memory (bytes) of a run of ``n`` replications in batches of 500, keeping the first 500."""
    gc.collect()
    tracemalloc.start()
    try:
        sim.run(scenario, n=n, seed=1, batch=500, subsample=500, keep_outcomes=keep)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_replications_grow(scenario):
    sim.run(scenario, n=50, seed=1)  # compiled and cached before anything is measured
    one, four = _peak(scenario, 2000, None), _peak(scenario, 8000, None)
    assert four <= 1.5 * one, f"peak {four / 1e6:.1f} MB at 8,000 replications vs {one / 1e6:.1f} MB at 2,000"
    # the proxy sees growth: keeping every replication's outcomes makes the peak grow with n
    assert _peak(scenario, 8000, True) > 2 * one


@pytest.mark.parametrize(("flag", "value"), [([], None), (["--keep-outcomes"], True), (["--no-keep-outcomes"], False)])
def test_run_command_passes_keep_outcomes(flag, value):
    from sim.cli.parser import build_parser

    assert build_parser().parse_args(["run", "s.yaml", *flag]).keep_outcomes is value


def test_run_command_with_keep_outcomes_writes_every_replication(tmp_path, capsys):
    from sim.cli import main

    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    assert main(["run", str(path), "-n", "300", "--keep-outcomes", "--no-progress", "--out", str(tmp_path / "out")]) == 0
    assert len(Results.load(tmp_path / "out").outcomes) == 300
    assert "of the first" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------- spooled outcomes


def _decompressed(path):
    import gzip

    return gzip.decompress(path.read_bytes())


def test_spool_appends_batches_as_one_table(scenario, tmp_path):
    from sim.results.spool import OutcomeSpool, inputs_table

    spool = OutcomeSpool(tmp_path / "spool")
    spool.add(inputs_table(["a"], np.array([[1.0], [2.0]])), inputs_table(["x"], np.array([[0.5], [0.25]])))
    spool.add(inputs_table(["a"], np.array([[3.0]]), first=2), inputs_table(["x"], np.array([[0.125]]), first=2))
    back = pd.read_csv(tmp_path / "spool" / "outcomes.csv.gz", index_col="replication")
    assert back["a"].tolist() == [1.0, 2.0, 3.0]
    assert back.index.tolist() == [0, 1, 2]
    assert spool.rows == 3


@pytest.mark.parametrize("header", [True, False])
def test_replication_files_hold_the_text_pandas_writes(tmp_path, header):
    from sim.results.spool import FLOAT_FORMAT, write_replications

    awkward = [np.nan, np.inf, -np.inf, -0.0, 1e20, 5e-7, -2.5e-7, 123.4567895, 0.1 + 0.2, 2.0**-30]
    floats = pd.DataFrame({"risk:a,b:delay": awkward, 'say "x"': np.arange(10.0)},
                          index=pd.RangeIndex(7, 17, name="replication"))
    mixed = floats.assign(flag=np.arange(10) % 2 == 0)  # not all floats: written by pandas itself
    for table in (floats, mixed, floats.iloc[:0]):
        write_replications(tmp_path / "t.csv.gz", table, header=header)
        expected = table.to_csv(header=header, float_format=FLOAT_FORMAT, lineterminator="\n")
        assert _decompressed(tmp_path / "t.csv.gz").decode() == expected


def test_the_same_run_saved_twice_writes_the_same_bytes(scenario, tmp_path):
    results = sim.run(scenario, n=200, seed=3)
    results.save(tmp_path / "a")
    results.save(tmp_path / "b")
    for name in ("outcomes.csv.gz", "inputs.csv.gz"):  # no time stamp in the gzip header
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_spooled_outcomes_are_the_files_of_a_run_that_keeps_everything(scenario, kept_and_streamed, tmp_path):
    kept, _ = kept_and_streamed
    spooled = sim.run(scenario, n=3000, seed=5, batch=400, subsample=500, spool=tmp_path / "spool")
    assert len(spooled.outcomes) == 500  # in memory: the subsample only
    kept.save(tmp_path / "kept")
    spooled.save(tmp_path / "spooled")
    for name in ("outcomes.csv.gz", "inputs.csv.gz"):
        assert _decompressed(tmp_path / "spooled" / name) == _decompressed(tmp_path / "kept" / name), name
    back = Results.load(tmp_path / "spooled")  # every replication, read back as a complete folder
    assert len(back.outcomes) == 3000
    assert "kept_replications" not in back.meta
    pd.testing.assert_frame_equal(back.targets, kept.targets)


def test_spooling_keeps_memory_flat(scenario, tmp_path):
    sim.run(scenario, n=50, seed=1)

    def peak(n):
        gc.collect()
        tracemalloc.start()
        try:
            sim.run(scenario, n=n, seed=1, batch=500, subsample=500, spool=tmp_path / f"spool-{n}")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    one, four = peak(2000), peak(8000)
    assert four <= 1.5 * one, f"peak {four / 1e6:.1f} MB at 8,000 replications vs {one / 1e6:.1f} MB at 2,000"


def test_run_command_spools_beyond_the_subsample_and_leaves_no_folder(tmp_path, monkeypatch, capsys):
    from sim.cli import main
    from sim.results import streaming

    monkeypatch.setattr(streaming, "SUBSAMPLE", 200)
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    assert main(["run", str(path), "-n", "700", "--keep-outcomes", "--no-progress", "--out", str(tmp_path / "out")]) == 0
    assert len(Results.load(tmp_path / "out").outcomes) == 700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.yaml"]  # the spool folder is gone
    assert "of the first" not in capsys.readouterr().out  # every replication was written
