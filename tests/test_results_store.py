"""Results folders: save and load round trip, the marker, checks before a run, and reading damaged files."""

import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.results.columns import MILESTONE_COLUMNS, SERIES_COLUMNS, TARGET_COLUMNS
from sim.results.folders import MARKER, OutError, check_out, marker_entries
from sim.results.results import Results, iso_dates
from sim.results.store import ResultsError, read_meta, read_table

SCENARIO = """\
title: Store test
start: 2026-01-01
horizon: end-2028
milestones:
  a: {title: A, duration: {uniform: {min: 30, max: 300}, unit: days}, deadline: 2026-06-30, source: x}
  b: {title: B, after: [a], duration: {uniform: {min: 10, max: 100}, unit: days}, deadline: 2026-12-31, source: x}
"""


@pytest.fixture
def results(write):
    return sim.run(write(SCENARIO), n=200, seed=3, progress=False)


def test_columns_of_the_tables(results):
    assert list(results.targets.columns) == TARGET_COLUMNS
    assert list(results.milestones.columns) == MILESTONE_COLUMNS
    assert list(results.series.columns) == SERIES_COLUMNS  # empty without funds, with its columns


def test_save_and_load_round_trip(results, tmp_path):
    out = results.save(tmp_path / "res", analysis=False)
    assert marker_entries(out) == sorted(p.name for p in out.iterdir() if p.name != MARKER)
    loaded = Results.load(out)
    assert loaded.scenario is None
    pd.testing.assert_frame_equal(loaded.targets[["target", "p10", "p50"]], results.targets[["target", "p10", "p50"]])
    np.testing.assert_allclose(loaded.times("b"), results.times("b"), atol=1e-6)
    np.testing.assert_array_equal(loaded.met("b"), results.met("b"))


def test_derived_values_are_computed_once_per_results(results):
    calls = []

    def compute(r):
        calls.append(r)
        return len(calls)

    assert results.derived("k", compute) == 1
    assert results.derived("k", compute) == 1
    assert results.derived("other", compute) == 2
    assert calls == [results, results]


def test_check_out_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("years of work")
    with pytest.raises(OutError, match="not a results folder"):
        check_out(tmp_path / "mine")
    assert check_out(tmp_path / "new") == tmp_path / "new"
    assert list(tmp_path.iterdir()) == [tmp_path / "mine"]  # the probe folder is gone


def test_damaged_files_are_named(results, tmp_path):
    out = results.save(tmp_path / "res", analysis=False)
    (out / "run.json").write_text(json.dumps({"iterations": 0, "start": "2026-01-01", "horizon": "soon"}))
    with pytest.raises(ResultsError, match=r"run.json: found iterations 0 .* horizon 'soon'"):
        read_meta(out / "run.json")
    with pytest.raises(ResultsError, match="targets.csv: no column nonesuch"):
        read_table(out / "targets.csv", ["target", "nonesuch"])


def test_iso_dates_are_empty_beyond_the_horizon():
    start = pd.Timestamp("2026-01-01").date()
    assert iso_dates(np.array([0.0, 0.5, 31.0, np.inf]), start) == ["2026-01-01", "2026-01-01", "2026-02-01", ""]
