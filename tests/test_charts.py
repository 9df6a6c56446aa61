"""Charts: each plot returns Axes, RAG colours and labels follow the thresholds, dates sit where they belong,
write_charts writes valid PNGs and leaves no figure open."""

import datetime as dt

import matplotlib

matplotlib.use("Agg")  # CI has no display; must precede the pyplot import

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import sim  # noqa: E402
from sim import charts  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Two sections; 'delta' has a heavy tail so that some replications are censored at the horizon (end 2028).
SCENARIO = """\
title: Chart test
start: 2026-01-01
horizon: end-2028
milestones:
  alpha: {title: Alpha agreed, section: politics, deadline: 2026-03-31, source: "assumption: test",
          duration: {triangular: {min: 10 days, mode: 30 days, max: 80 days}}}
  beta: {title: Beta adopted, section: politics, after: [alpha], deadline: 2026-06-30, source: "assumption: test",
         duration: {uniform: {min: 1 month, max: 6 months}}}
  gamma: {title: Gamma contracts signed, section: industry, duration: 1 year, source: "assumption: test"}
  delta: {title: Delta operational, section: industry, after: [beta, gamma], deadline: end-2027,
          duration: {lognormal: {median: 6 months, p90: 30 months}}, source: "assumption: test"}
targets:
  everything: {title: Everything done by end 2027, all_of: [beta, delta], deadline: end-2027}
  beta-by-2027: {title: Beta adopted by 2027 at the latest, milestone: beta, deadline: end-2026}
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "chart-test.yaml"
    path.write_text(SCENARIO)
    return sim.run(sim.load(path), n=300, seed=1, progress=False)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _bars(ax):
    return {p.get_gid()[len("target:"):]: p for p in ax.patches if (p.get_gid() or "").startswith("target:")}


def _rag_labels(ax):
    return {t.get_gid()[len("rag:"):]: t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("rag:")}


def test_scenario_exercises_the_charts(results):
    """The fixture must have a censored target and a spread of probabilities, or the tests below prove little."""
    assert np.isinf(results.outcomes["milestone:delta"]).any()
    assert results.targets["p_met"].nunique() >= 3
    assert set(results.targets["section"]) >= {"politics", "industry"}


@pytest.mark.parametrize("plot", [charts.plot_dashboard, charts.plot_timeline,
                                  lambda r: charts.plot_s_curve(r, "delta"),
                                  lambda r: charts.plot_s_curve(r, "everything")])
def test_plots_return_axes(results, plot):
    ax = plot(results)
    assert isinstance(ax, Axes)
    assert ax.get_title(loc="left")  # every chart states its finding


def test_plots_draw_into_a_given_axes_and_footer_once(results):
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 5))
    assert charts.plot_s_curve(results, "beta", ax=left) is left
    assert charts.plot_s_curve(results, "delta", ax=right) is right
    footers = [t for t in fig.texts if t.get_gid() == charts.FOOTER_GID]
    assert len(footers) == 1
    text = footers[0].get_text()
    assert "Chart test" in text and "seed 1" in text and "300 replications" in text
    assert results.meta["created"][:10] in text


def test_dashboard_has_one_bar_per_target(results):
    ax = charts.plot_dashboard(results)
    bars = _bars(ax)
    assert sorted(bars) == sorted(results.targets["target"])
    for target, bar in bars.items():
        p = results.targets.set_index("target").loc[target, "p_met"]
        assert bar.get_width() == pytest.approx(p)
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(labels) == len(results.targets)
    headers = [t.get_text() for t in ax.texts if t.get_gid() == "section-header"]
    assert headers == ["POLITICS", "INDUSTRY", "COMBINED"]
    assert ax.get_xlim() == (0, 1)


def test_dashboard_sorts_by_deadline_within_a_section_and_shows_it(results):
    ax = charts.plot_dashboard(results)
    bars = _bars(ax)
    y = {t: bar.get_y() for t, bar in bars.items()}
    assert y["alpha"] < y["beta"] < y["delta"] < y["everything"]  # top to bottom (inverted axis: smaller y on top)
    assert ax.yaxis_inverted()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any("Alpha agreed" in s and "31 Mar 2026" in s for s in labels)


@pytest.mark.parametrize("thresholds", [charts.DEFAULT_THRESHOLDS, "spread"])
def test_dashboard_rag_colours_and_labels_follow_thresholds(results, thresholds):
    if thresholds == "spread":
        # Thresholds between the observed probabilities, so that all three statuses occur.
        p = np.sort(results.targets["p_met"].unique())
        thresholds = ((p[-1] + p[-2]) / 2, (p[0] + p[1]) / 2)
    green, amber = thresholds
    ax = charts.plot_dashboard(results, thresholds=thresholds)
    bars, labels = _bars(ax), _rag_labels(ax)
    seen = set()
    for row in results.targets.itertuples():
        expected = "GREEN" if row.p_met >= green else "AMBER" if row.p_met >= amber else "RED"
        seen.add(expected)
        assert labels[row.target] == expected, row.target
        assert to_hex(bars[row.target].get_facecolor()) == to_hex(charts.RAG_COLOURS[expected]), row.target
    if thresholds != charts.DEFAULT_THRESHOLDS:
        assert seen == {"GREEN", "AMBER", "RED"}


def test_rag_status_boundaries_and_colour_blind_palette():
    assert charts.rag_status(0.8) == "GREEN"
    assert charts.rag_status(0.7999) == "AMBER"
    assert charts.rag_status(0.5) == "AMBER"
    assert charts.rag_status(0.4999) == "RED"
    assert charts.rag_status(0.6, (0.9, 0.7)) == "RED"
    # Okabe–Ito, not the red/green pair that deuteranopes cannot tell apart.
    assert {to_hex(c) for c in charts.RAG_COLOURS.values()} == {"#009e73", "#e69f00", "#d55e00"}
    with pytest.raises(ValueError, match="amber <= green"):
        charts.rag_status(0.5, (0.5, 0.8))


def test_percentages_never_contradict_the_status():
    assert charts._pct(0.7996, (0.8, 0.5)) == "79.9 %"  # not '80 %' next to AMBER
    assert charts._pct(0.2345) == "23 %"
    assert charts._pct(0.003) == "< 1 %"
    assert charts._pct(0.996) == "> 99 %"
    assert charts._pct(0.0) == "0 %" and charts._pct(1.0) == "100 %"


def _curve_value_at(line, x):
    """Value of a where='post' step line at x."""
    xs, ys = (np.asarray(v, dtype=float) for v in line.get_data())
    return ys[np.searchsorted(xs, x, side="right") - 1]


@pytest.mark.parametrize("target", ["beta", "delta", "everything"])
def test_s_curve_deadline_line_is_at_the_deadline_date(results, target):
    row = results.targets.set_index("target").loc[target]
    deadline = dt.date.fromisoformat(row["deadline"])
    ax = charts.plot_s_curve(results, target)
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == "deadline"]
    assert np.asarray(line.get_xdata(), dtype=float) == pytest.approx([mdates.date2num(deadline)] * 2)
    # Where the deadline line meets the curve, the curve reads the probability of meeting the deadline,
    # computed independently from the per-replication outcomes.
    (curve,) = [ln for ln in ax.get_lines() if ln.get_gid() == "s-curve"]
    assert _curve_value_at(curve, mdates.date2num(deadline)) == pytest.approx(results.met(target).mean())
    assert f"{row['p_met'] * 100:.0f} %" in ax.get_title(loc="left")
    assert charts._fmt_date(deadline, nbsp=True) in ax.get_title(loc="left")


def test_s_curve_of_a_censored_target_ends_below_one_and_says_so(results):
    ax = charts.plot_s_curve(results, "delta")
    (curve,) = [ln for ln in ax.get_lines() if ln.get_gid() == "s-curve"]
    done = np.isfinite(results.outcomes["milestone:delta"]).mean()
    assert curve.get_ydata()[-1] == pytest.approx(done) and done < 1
    assert float(curve.get_xdata()[-1]) == pytest.approx(mdates.date2num(dt.date(2028, 12, 31)))
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "not done by the horizon" in legend
    assert "P50" in legend and "P80" in legend


def test_s_curve_steps_on_the_event_date(results):
    """An event at t days is on date start + floor(t): the curve steps at 00:00 of that date."""
    ax = charts.plot_s_curve(results, "alpha")
    (curve,) = [ln for ln in ax.get_lines() if ln.get_gid() == "s-curve"]
    first_t = results.outcomes["milestone:alpha"].min()
    first_date = dt.date(2026, 1, 1) + dt.timedelta(days=int(np.floor(first_t)))
    x = mdates.date2num(first_date)
    assert _curve_value_at(curve, x - 1e-6) == 0
    assert _curve_value_at(curve, x) > 0


def test_s_curve_rejects_an_unknown_target(results):
    with pytest.raises(ValueError, match="neither a target nor a milestone"):
        charts.plot_s_curve(results, "omega")


def test_timeline_marks_deadlines_and_groups_by_section(results):
    ax = charts.plot_timeline(results)
    dated = results.milestones[results.milestones["deadline"] != ""]
    markers = {ln.get_gid()[len("deadline:"):]: ln for ln in ax.get_lines()
               if (ln.get_gid() or "").startswith("deadline:")}
    assert sorted(markers) == sorted(dated["milestone"])
    for row in dated.itertuples():
        assert float(markers[row.milestone].get_xdata()[0]) == pytest.approx(
            mdates.date2num(dt.date.fromisoformat(row.deadline)))
    bands = {p.get_gid()[len("band:"):]: p for p in ax.patches if (p.get_gid() or "").startswith("band:")}
    beta = results.milestones.set_index("milestone").loc["beta"]
    assert bands["beta"].get_x() == pytest.approx(mdates.date2num(dt.date.fromisoformat(beta["p10"])))
    assert bands["beta"].get_x() + bands["beta"].get_width() == pytest.approx(
        mdates.date2num(dt.date.fromisoformat(beta["p90"])))
    assert [t.get_text() for t in ax.texts if t.get_gid() == "section-header"] == ["POLITICS", "INDUSTRY"]


def test_timeline_accepts_a_milestone_list(results):
    ax = charts.plot_timeline(results, milestones=["gamma", "delta"])
    bands = [p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith("band:")]
    assert sorted(bands) == ["band:delta", "band:gamma"]
    with pytest.raises(ValueError, match="unknown 'omega'"):
        charts.plot_timeline(results, milestones=["omega"])


def test_write_charts_writes_pngs_and_closes_every_figure(results, tmp_path):
    plt.close("all")
    for _ in range(2):  # repeated calls must not accumulate figures
        paths = charts.write_charts(results, tmp_path / "charts", dpi=72)  # low dpi: fast, same code path
        assert plt.get_fignums() == []
    # Targets whose event times are not in results.outcomes (an explicit 'milestone:' target under its own id)
    # are skipped rather than crash the run's --charts.
    drawable = results.targets[[charts._outcome_column(results, t) is not None for t in results.targets["target"]]]
    worst = drawable.sort_values(["p_met", "deadline", "target"])["target"].head(5)
    assert [p.name for p in paths] == (["dashboard.png", "timeline.png"]
                                       + [f"s-curve-{t}.png" for t in worst])
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 1000 and data.startswith(PNG_SIGNATURE), path.name
