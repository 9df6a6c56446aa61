"""README commands work from any folder: shipped scenario paths and patterns resolve to the shipped copies."""

from __future__ import annotations

import os

import pytest

import sim
from sim.cli import main


@pytest.fixture
def elsewhere(tmp_path):
    here = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(here)


def test_validate_and_run_a_shipped_path_from_another_folder(elsewhere, capsys):
    assert main(["validate", "scenarios/analytic/serial-chain.yaml"]) == 0
    assert main(["run", "scenarios/analytic/serial-chain.yaml", "-n", "50", "--out", str(elsewhere / "out"),
                 "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "using the shipped" in err  # says which file it used
    assert (elsewhere / "out" / "targets.csv").is_file()


def test_compare_expands_a_shipped_pattern_from_another_folder(elsewhere, capsys):
    code = main(["compare", "scenarios/analytic/serial-chain.yaml", "scenarios/analytic/p[ae]*.yaml", "-n", "50",
                 "--out", str(elsewhere / "cmp"), "--no-progress"])
    assert code == 0
    assert "matched 2 shipped scenarios" in capsys.readouterr().err  # parallel-merge.yaml and pert.yaml


def test_results_save_writes_what_the_cli_writes(tmp_path, root):
    results = sim.run(sim.load(root / "scenarios/analytic/risk-mixture.yaml"), n=100, progress=False)
    results.save(tmp_path / "out")
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"targets.csv", "milestones.csv", "drivers.csv", "assumptions.csv", "run.json"} <= written
