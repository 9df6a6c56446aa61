"""Pure helpers of the chart package: figure style and footer, rows by section, targets chosen, series for fan
charts, the data behind each chart, and did-you-mean in their error messages."""

import datetime as dt
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # no display; must precede the pyplot import

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.charts.comparison import comparison_rows  # noqa: E402
from sim.charts.parts import label_inches, rows_by_section, wrap_title  # noqa: E402
from sim.charts.s_curve import s_curve_data  # noqa: E402
from sim.charts.select import at_risk_targets, event_row, outcome_column, target_row  # noqa: E402
from sim.charts.series import (  # noqa: E402
    display_unit,
    fan_observables,
    fan_targets,
    indicator_targets,
    observable_kind,
    series_observables,
    target_words,
)
from sim.charts.style import (  # noqa: E402
    FOOTER_GID,
    add_footer,
    date_num,
    date_of_num,
    footer_text,
    new_axes,
    unmanaged_figures,
)
from sim.charts.sweep import sweep_targets  # noqa: E402
from sim.charts.timeline import timeline_rows  # noqa: E402
from sim.charts.tornado import informative, tornado_rows  # noqa: E402
from sim.charts.write import file_safe  # noqa: E402

META = {"title": "Test", "seed": 7, "iterations": 1234, "created": "2026-05-01T10:00:00", "start": "2026-01-01",
        "horizon": "2028-12-31"}


@pytest.fixture
def run():
    targets = pd.DataFrame({"target": ["alpha", "beta", "gamma"], "title": ["Alpha", "Beta", "Gamma"],
                            "deadline": ["2027-01-01", "2026-06-30", ""], "p_met": [0.4, 0.4, 0.9],
                            "section": ["b", "a", "b"]})
    milestones = pd.DataFrame({"milestone": ["alpha", "m2"], "title": ["Alpha", "M2"], "p_on_time": [0.4, 0.7],
                               "deadline": ["2027-01-01", ""], "p50": ["2027-02-01", "2026-03-01"]})
    outcomes = pd.DataFrame({"milestone:alpha": [1.0], "target:beta": [2.0], "target:gamma": [3.0]})
    return SimpleNamespace(targets=targets, milestones=milestones, outcomes=outcomes, meta=dict(META))


def test_footer_says_where_the_chart_comes_from_once(run):
    assert footer_text(run) == "Scenario: Test · seed 7 · 1\u202f234 replications · run 2026-05-01"
    fig = Figure()
    add_footer(fig, run)
    add_footer(fig, run)
    assert fig.get_supxlabel() == footer_text(run)
    assert [t.get_gid() for t in fig.texts].count(FOOTER_GID) == 1


def test_unmanaged_figures_stay_out_of_pyplot():
    before = plt.get_fignums()
    with unmanaged_figures():
        ax = new_axes((4, 3))
    assert plt.get_fignums() == before
    assert tuple(ax.figure.get_size_inches()) == (4, 3)


def test_dates_round_trip():
    day = dt.date(2027, 3, 31)
    assert date_of_num(date_num(day)) == day
    assert date_num(day) - date_num(dt.date(2027, 3, 30)) == 1.0


def test_rows_by_section_keep_the_authors_order(run):
    rows = rows_by_section(run.targets, ["p_met", "title"])
    assert [(kind, value if kind == "header" else value["target"]) for kind, value in rows] == [
        ("header", "b"), ("item", "alpha"), ("item", "gamma"), ("header", "a"), ("item", "beta")]


def test_label_width_and_title_wrapping():
    assert label_inches([], 10) == 0
    assert label_inches(["abcd", "ab"], 10) == pytest.approx(4 * 10 * 0.55 / 72)
    ax = Figure(figsize=(5, 3)).add_subplot()
    wrapped = wrap_title(ax, "word " * 40, own_figure=True)
    assert len(wrapped.splitlines()) > 1
    assert max(len(line) for line in wrapped.splitlines()) <= int(4.6 * 72 / (12 * 0.62))


def test_rows_of_a_run_and_did_you_mean(run):
    assert outcome_column(run, "alpha") == "milestone:alpha"
    assert outcome_column(run, "beta") == "target:beta"
    assert outcome_column(run, "nothing") is None
    row, column = event_row(run, "alpha")
    assert column == "milestone:alpha"
    assert row["title"] == "Alpha"
    with pytest.raises(ValueError, match="did you mean 'beta'"):
        target_row(run, "betta")
    with pytest.raises(ValueError, match="neither a target nor a milestone.*did you mean 'gamma'"):
        event_row(run, "gama")
    assert at_risk_targets(run, 2) == ["beta", "alpha"]  # ties on p_met: earlier deadline first


def test_timeline_rows(run):
    assert list(timeline_rows(run, None)["milestone"]) == ["alpha"]  # those with a deadline
    assert list(timeline_rows(run, ["m2", "alpha"])["milestone"]) == ["m2", "alpha"]
    with pytest.raises(ValueError, match="unknown 'm22'.*did you mean 'm2'"):
        timeline_rows(run, ["m22"])


def test_s_curve_data_steps_by_day_and_ends_at_the_horizon_when_censored():
    curve = s_curve_data(np.array([0.5, 1.2, np.inf]), dt.date(2026, 1, 1), dt.date(2026, 12, 31), None)
    assert list(curve.ys) == pytest.approx([0, 1 / 3, 2 / 3, 2 / 3])
    assert curve.xs[1] == date_num(dt.date(2026, 1, 1))
    assert curve.xs[2] == date_num(dt.date(2026, 1, 2))
    assert curve.end == date_num(dt.date(2026, 12, 31))
    assert curve.reached == pytest.approx(2 / 3)
    assert curve.last_day == dt.date(2026, 1, 2)
    done = s_curve_data(np.array([10.0, 20.0]), dt.date(2026, 1, 1), dt.date(2030, 12, 31), dt.date(2026, 3, 1))
    assert done.end < date_num(dt.date(2030, 12, 31))  # all done: no need to show the empty years
    assert done.end >= date_num(dt.date(2026, 3, 1))  # the deadline stays on the axis


def test_series_helpers():
    assert observable_kind("safe.disbursed_share", np.array([2.0])) == "share"
    assert observable_kind("safe.disbursed", np.array([20.0])) == "money"
    assert observable_kind("joint-procurement", np.array([0.2, 0.4])) == "share"
    assert display_unit("safe.committed", np.array([1.0]), None) == "€ bn"
    assert display_unit("x.y", np.array([1.0]), "rounds") == "rounds"
    assert target_words(0.5, dt.date(2028, 9, 30), "%", held=True) == "at least 50 % held on 30 Sep 2028"
    assert target_words(0.5, dt.date(2028, 9, 30), "€ bn", held=False).endswith("reached at any time by 30 Sep 2028")
    marks = fan_targets([(0.5, "2028-09-30"), {"value": 1, "date": dt.date(2029, 1, 1), "held": True},
                         (2, pd.Timestamp("2030-01-01"), "Label", 0.25)])
    assert marks == [(0.5, dt.date(2028, 9, 30), None, None, False), (1.0, dt.date(2029, 1, 1), None, None, True),
                     (2.0, dt.date(2030, 1, 1), "Label", 0.25, False)]
    with pytest.raises(ValueError, match="without a date"):
        fan_targets([(0.5, None)])
    with pytest.raises(ValueError, match="expected"):
        fan_targets([3])


def test_fan_observables_and_indicator_targets():
    series = pd.DataFrame({"observable": ["safe.committed", "safe.disbursed_share", "jp", "art.closed", "jp"]})
    run = SimpleNamespace(series=series, targets=pd.DataFrame({"target": ["t"], "p_met": [0.3]}))
    target = SimpleNamespace(id="t", kind="indicator", members=["safe.committed"], threshold=5.0,
                             deadline=dt.date(2028, 1, 1), at_deadline=False)
    scenario = SimpleNamespace(targets=[target])
    assert series_observables(run) == ["safe.committed", "safe.disbursed_share", "jp", "art.closed"]
    assert fan_observables(run) == ["jp", "safe.disbursed_share", "art.closed"]
    assert fan_observables(run, scenario, limit=2) == ["safe.committed", "jp"]
    (mark,) = indicator_targets(scenario, "safe.committed", run)
    assert mark["value"] == 5.0
    assert mark["p_met"] == 0.3
    assert "30 %" in mark["label"]
    assert indicator_targets(None, "safe.committed", run) == []  # results loaded from a folder: no scenario


def test_comparison_rows_and_sweep_targets():
    table = pd.DataFrame({"scenario": ["late"] * 3 + ["same"], "target": ["a", "b", "c", "a"],
                          "diff": [-0.1, 0.0, 0.3, 0.0], "diff_low": [-0.2, 0, 0.1, 0], "diff_high": [-0.05, 0, 0.4, 0]})
    rows, summary = comparison_rows(table, top=5)
    assert [(k, v if k != "item" else v["target"]) for k, v in rows] == [
        ("header", "late"), ("item", "c"), ("item", "a"), ("header", "same"), ("none", "same")]
    assert summary["late"][:3] == (1, 1, 1)
    sweep = pd.DataFrame({"value": [0, 1, 0, 1], "target": ["x", "x", "y", "y"], "p_met": [0.9, 0.8, 0.9, 0.3]})
    assert sweep_targets(sweep, None, top=1) == ["y"]
    with pytest.raises(ValueError, match="unknown 'yy'.*did you mean 'y'"):
        sweep_targets(sweep, ["yy"], top=1)


def test_tornado_rows_in_days_sort_by_size_and_list_the_unknown_last():
    table = pd.DataFrame({"input": ["a", "b", "c"], "impact_pp": [5.0, -3.0, 1.0],
                          "impact_days": [10.0, np.inf, -40.0]})
    assert list(tornado_rows(table, "impact_pp", 2)["input"]) == ["a", "b"]
    assert list(tornado_rows(table, "impact_days", 3)["input"]) == ["c", "a", "b"]
    flags = informative(np.array([5.0, 1.0, 0.0, np.nan, 2.0]), np.array([1.0, 2.0, 1.0, 1.0, np.nan]))
    assert list(flags) == [True, False, False, False, True]


def test_file_names_are_safe():
    assert file_safe("safe.committed_share") == "safe-committed_share"
    assert file_safe("a/b c") == "a-b-c"
