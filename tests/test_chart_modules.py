"""The chart package: each chart lives in its own module and sim.charts re-exports it; write_charts takes the
scenario from the run (never from its file) and degrades explicitly for results without one."""

import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must precede the pyplot import

import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

import sim  # noqa: E402
import sim.charts.write  # noqa: E402
from sim import charts  # noqa: E402
from sim.charts.comparison import plot_comparison  # noqa: E402
from sim.charts.dashboard import plot_dashboard  # noqa: E402
from sim.charts.fan import fan_data, plot_fan  # noqa: E402
from sim.charts.s_curve import plot_s_curve  # noqa: E402
from sim.charts.sensitivity import plot_total_indices  # noqa: E402
from sim.charts.sweep import plot_sweep  # noqa: E402
from sim.charts.timeline import plot_timeline  # noqa: E402
from sim.charts.tornado import plot_tornado  # noqa: E402
from sim.charts.write import write_charts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_re_exports_every_chart():
    assert (charts.plot_dashboard, charts.plot_s_curve, charts.plot_timeline, charts.plot_tornado, charts.plot_fan,
            charts.plot_comparison, charts.plot_sweep, charts.plot_total_indices, charts.write_charts) == (
        plot_dashboard, plot_s_curve, plot_timeline, plot_tornado, plot_fan, plot_comparison, plot_sweep,
        plot_total_indices, write_charts)
    assert set(charts.__all__) <= set(dir(charts))


@pytest.fixture(scope="module")
def funded():
    """A run of a scenario with funds and indicator targets, which records time series."""
    return sim.run(sim.load(ROOT / "scenarios" / "analytic" / "funding-inflow.yaml"), n=100, seed=1, progress=False)


def _spy_on_fans(monkeypatch):
    seen = {}

    def spy(results, observable, **kwargs):
        seen[observable] = kwargs
        return plot_fan(results, observable, **kwargs)

    monkeypatch.setattr(sim.charts.write, "plot_fan", spy)
    return seen


def test_write_charts_marks_targets_from_the_runs_scenario(funded, tmp_path, monkeypatch):
    assert funded.scenario is not None
    seen = _spy_on_fans(monkeypatch)
    # The file the run came from is gone: the charts must not need it.
    moved = dataclasses.replace(funded, meta={**funded.meta, "scenario": str(tmp_path / "gone.yaml")})
    paths = write_charts(moved, tmp_path / "charts", at_risk=1, dpi=30, fans=3, jobs=1)  # the spy sees this process
    assert seen
    assert any(kwargs["targets"] for kwargs in seen.values())
    assert all(p.exists() for p in paths)


def test_write_charts_without_a_scenario_draws_fans_without_markers(funded, tmp_path, monkeypatch):
    seen = _spy_on_fans(monkeypatch)
    loaded = dataclasses.replace(funded, scenario=None)  # as Results.load gives it
    paths = write_charts(loaded, tmp_path / "charts", at_risk=1, dpi=30, fans=3, jobs=1)
    assert seen
    assert all(kwargs["targets"] == [] for kwargs in seen.values())
    assert [p.name for p in paths if p.name.startswith("fan-")] == [
        f"fan-{sim.charts.write.file_safe(o)}.png" for o in seen]


def test_fan_data_and_did_you_mean(funded):
    observable = charts.series_observables(funded)[0]
    fan = fan_data(funded, observable)
    assert len(fan.dates) == len(fan.x) == len(fan.p50)
    assert list(fan.dates) == sorted(fan.dates)
    with pytest.raises(ValueError, match=f"did you mean '{observable}'"):
        plot_fan(funded, observable + "x")
    assert isinstance(plot_fan(funded, observable), Axes)
