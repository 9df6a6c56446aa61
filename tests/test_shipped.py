"""Where the shipped scenarios are found: package data or the source checkout."""

from sim.shipped import resolve, scenarios_dir
from tests.conftest import ROOT


def test_the_shipped_scenarios_are_found():
    folder = scenarios_dir()
    assert folder is not None
    assert (folder / "baseline.yaml").is_file()


def test_resolve_a_path_as_a_run_from_the_project_folder_records_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = resolve("scenarios/delays/crm-shock.yaml")
    assert found is not None
    assert found.name == "crm-shock.yaml"
    assert resolve("scenarios/nope.yaml") is None
    assert resolve(tmp_path / "x.yaml") is None
    assert resolve(ROOT / "scenarios" / "baseline.yaml") == ROOT / "scenarios" / "baseline.yaml"
