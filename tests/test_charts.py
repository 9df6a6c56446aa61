"""Charts: each plot returns Axes, RAG colours and labels follow the thresholds, dates sit where they belong,
write_charts writes valid PNGs and leaves no figure open."""

import datetime as dt
import multiprocessing
import os

import matplotlib

matplotlib.use("Agg")  # CI has no display; must precede the pyplot import

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import sim  # noqa: E402
from sim import charts, formatting, workers  # noqa: E402
from sim.charts import write as chart_files  # noqa: E402
from tests.test_faults import alive  # noqa: E402

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
    assert "Chart test" in text
    assert "seed 1" in text
    assert "300 replications" in text
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


def test_dashboard_sorts_by_probability_within_a_section_by_default(results):
    ax = charts.plot_dashboard(results)
    bars = _bars(ax)
    targets = results.targets.assign(y=[bars[t].get_y() for t in results.targets["target"]])
    for _, part in targets.groupby("section"):
        ordered = part.sort_values("y")  # top to bottom
        assert list(ordered["p_met"]) == sorted(ordered["p_met"]), "least likely first within a section"
    assert ax.yaxis_inverted()


def test_dashboard_sorts_by_deadline_within_a_section_and_shows_it(results):
    ax = charts.plot_dashboard(results, sort="deadline")
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
    assert {to_hex(charts.RAG_COLOURS[k]) for k in ("GREEN", "AMBER", "RED")} == {"#009e73", "#e69f00", "#d55e00"}
    # resolved targets are facts: greys, told apart by their text (MET / MISSED), never a RAG colour
    assert charts.target_status(0.3, "met") == "MET"
    assert charts.target_status(0.9, "missed") == "MISSED"
    assert charts.target_status(0.9, "open") == "GREEN"
    assert {to_hex(charts.RAG_COLOURS[k]) for k in ("MET", "MISSED")}.isdisjoint({"#009e73", "#e69f00", "#d55e00"})
    with pytest.raises(ValueError, match="amber <= green"):
        charts.rag_status(0.5, (0.5, 0.8))


def test_percentages_never_contradict_the_status():
    assert formatting.pct(0.7996, (0.8, 0.5)) == "79.9 %"  # not '80 %' next to AMBER
    assert formatting.pct(0.2345) == "23 %"
    assert formatting.pct(0.003) == "< 1 %"
    assert formatting.pct(0.996) == "> 99 %"
    assert formatting.pct(0.0) == "0 %"
    assert formatting.pct(1.0) == "100 %"


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
    assert formatting.fmt_date(deadline, nbsp=True) in ax.get_title(loc="left")


def test_s_curve_of_a_censored_target_ends_below_one_and_says_so(results):
    ax = charts.plot_s_curve(results, "delta")
    (curve,) = [ln for ln in ax.get_lines() if ln.get_gid() == "s-curve"]
    done = np.isfinite(results.outcomes["milestone:delta"]).mean()
    assert curve.get_ydata()[-1] == pytest.approx(done)
    assert done < 1
    assert float(curve.get_xdata()[-1]) == pytest.approx(mdates.date2num(dt.date(2028, 12, 31)))
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "not done by the horizon" in legend
    assert "P50" in legend
    assert "P80" in legend


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
    for at_risk in (1, 5):  # repeated calls must not accumulate figures
        paths = charts.write_charts(results, tmp_path / "charts", at_risk=at_risk, dpi=72)  # low dpi: fast, same path
        assert plt.get_fignums() == []
    # Targets whose event times are not in results.outcomes (an explicit 'milestone:' target under its own id)
    # are skipped rather than crash the run's --charts.
    drawable = results.targets[[charts.outcome_column(results, t) is not None for t in results.targets["target"]]]
    worst = list(drawable.sort_values(["p_met", "deadline", "target"])["target"].head(5))
    assert charts.at_risk_targets(results, 5) == worst
    fans = [f"fan-{o}.png" for o in charts.series_observables(results)]  # none without funds
    assert [p.name for p in paths] == (["dashboard.png", "timeline.png"] + [f"s-curve-{t}.png" for t in worst]
                                       + [f"tornado-{t}.png" for t in worst] + fans)
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 1000, path.name
        assert data.startswith(PNG_SIGNATURE), path.name


needs_fork = pytest.mark.skipif(not workers.can_fork(), reason="charts are drawn in forked processes on Linux only")


@needs_fork
def test_charts_drawn_in_processes_are_the_files_drawn_here(results, tmp_path):
    here = charts.write_charts(results, tmp_path / "here", at_risk=1, dpi=72, jobs=1)
    forked = charts.write_charts(results, tmp_path / "forked", at_risk=1, dpi=72, jobs=2)
    assert [p.name for p in forked] == [p.name for p in here]
    assert sorted(p.name for p in (tmp_path / "forked").iterdir()) == sorted(p.name for p in here)
    for a, b in zip(here, forked, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name  # same drawing, same bytes, whichever process drew it
    assert plt.get_fignums() == []


@needs_fork
def test_charts_of_a_killed_drawing_process_are_drawn_here(results, tmp_path, monkeypatch):
    parent, draw = os.getpid(), chart_files._draw

    def dies_in_a_child(path, *args):
        if os.getpid() != parent and path.name == "timeline.png":
            os._exit(1)  # as if killed (out of memory, say): the pool breaks
        draw(path, *args)

    monkeypatch.setattr(chart_files, "_draw", dies_in_a_child)
    here = charts.write_charts(results, tmp_path / "here", at_risk=1, dpi=72, jobs=1)
    forked = charts.write_charts(results, tmp_path / "forked", at_risk=1, dpi=72, jobs=2)
    for a, b in zip(here, forked, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


@needs_fork
def test_a_chart_that_fails_in_a_process_raises_its_error_here(results, tmp_path, monkeypatch):
    def fails(path, *args):
        raise ValueError(f"cannot draw {path.name}")

    monkeypatch.setattr(chart_files, "_draw", fails)
    with pytest.raises(ValueError, match="cannot draw dashboard.png"):
        charts.write_charts(results, tmp_path / "forked", at_risk=1, dpi=72, jobs=2)

# ---------------------------------------------------------------------------------------------- briefing charts

import pandas as pd  # noqa: E402

from sim.analysis import compare_results, drivers, sweep, with_delay  # noqa: E402


@pytest.fixture(scope="module")
def scenario(results):
    return results.scenario  # charts and their tests take the scenario from the run, never from its file


def _driver_bars(ax):
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("driver:")]
    return sorted(bars, key=lambda p: p.get_y())  # inverted y axis: top of the chart first


@pytest.mark.parametrize("target", ["delta", "everything"])
def test_tornado_bars_follow_the_drivers_table(results, target):
    table = drivers(results, target)
    ax = charts.plot_tornado(results, target, top=2)
    assert isinstance(ax, Axes)
    assert ax.yaxis_inverted()
    bars = _driver_bars(ax)
    top = table.head(2)
    assert [b.get_gid()[len("driver:"):] for b in bars] == list(top["input"])
    assert [b.get_width() for b in bars] == pytest.approx(list(top["impact_pp"]))
    assert [t.get_text() for t in ax.get_yticklabels()] == [charts.readable_label(x) for x in top["label"]]
    title = ax.get_title(loc="left").replace("\n", " ")
    row = results.targets.set_index("target").loc[target]
    assert row["title"][:30] in title
    # The finding names the input that moves the target most, unless it is within the noise.
    noise = charts.impact_noise(results, target, top["input"])
    if abs(top["impact_pp"].iloc[0]) > noise[0]:
        assert charts.driver_phrase(top["label"].iloc[0], 60)[:25] in title
    else:
        assert "noise" in title
    # Worse (less likely) is red, better blue.
    for bar, value in zip(bars, top["impact_pp"], strict=True):
        assert to_hex(bar.get_facecolor()[:3]) == to_hex(charts.RED if value < 0 else charts.BLUE)


def test_tornado_in_days_sorts_by_the_shift(results):
    table = drivers(results, "beta")
    ax = charts.plot_tornado(results, "beta", metric="impact_days")
    finite = table[np.isfinite(table["impact_days"])]
    expected = list(finite.reindex(finite["impact_days"].abs().sort_values(ascending=False).index)["input"])
    drawn = [b.get_gid()[len("driver:"):] for b in _driver_bars(ax)]
    assert drawn[: len(expected)] == expected
    assert "days" in ax.get_title(loc="left")


def test_a_tornado_of_noise_is_a_sentence_not_a_chart(results):
    """'delta' has a heavy tail: in days no input stands out from the noise at 300 replications (the median date
    of the input's upper and lower decile differ by ~10 days, the noise is ~190 days), so no bars are drawn."""
    ax = charts.plot_tornado(results, "delta", metric="impact_days")
    assert _driver_bars(ax) == []
    sentence = [t.get_text() for t in ax.texts if t.get_gid() == "no-drivers"]
    assert len(sentence) == 1
    assert "beyond the Monte Carlo noise at 300 replications" in sentence[0].replace("\n", " ")
    assert not ax.axison  # no empty axes with meaningless ticks


def test_tornado_rejects_bad_arguments(results):
    with pytest.raises(ValueError, match="metric"):
        charts.plot_tornado(results, "delta", metric="impact")
    with pytest.raises(ValueError, match="not a target"):
        charts.plot_tornado(results, "omega")


def test_noise_allows_for_every_input_screened(results):
    """Bonferroni: with m inputs the threshold is above 1.96 and grows with m."""
    z = charts.noise_z(results)
    m = int((results.inputs.max() > results.inputs.min()).sum())
    from scipy import stats

    assert z == pytest.approx(stats.norm.ppf(1 - 0.025 / m))
    assert z > 1.96


class _WithSeries:
    """A stand-in for results with time series, for as long as a run does not record them."""

    def __init__(self, meta, series):
        self.meta, self.series = meta, series


def _series():
    dates = pd.date_range("2026-01-01", "2030-12-01", freq="MS")
    t = np.arange(len(dates)) / len(dates)
    rows = []
    for name, scale in (("safe.disbursed_share", 1.0), ("joint-procurement-share", 0.4)):
        for d, x in zip(dates, t, strict=True):
            rows.append({"observable": name, "date": d.date().isoformat(), "p10": scale * x ** 1.5,
                         "p50": scale * x, "p90": scale * x ** 0.7, "mean": scale * x * 0.98})
    return pd.DataFrame(rows)


def test_fan_chart_draws_the_bands_and_the_target(results):
    fake = _WithSeries(results.meta, _series())
    ax = charts.plot_fan(fake, "safe.disbursed_share", targets=[(0.5, "2028-09-30")])
    assert isinstance(ax, Axes)
    data = fake.series[fake.series["observable"] == "safe.disbursed_share"]
    (median,) = [ln for ln in ax.get_lines() if ln.get_gid() == "p50"]
    assert np.asarray(median.get_ydata(), dtype=float) == pytest.approx(data["p50"].to_numpy())
    assert float(median.get_xdata()[0]) == pytest.approx(mdates.date2num(dt.date(2026, 1, 1)))
    (mean,) = [ln for ln in ax.get_lines() if ln.get_gid() == "mean"]
    assert mean.get_linestyle() == "--"
    (marker,) = [ln for ln in ax.get_lines() if ln.get_gid() == "target:0"]
    assert float(marker.get_xdata()[0]) == pytest.approx(mdates.date2num(dt.date(2028, 9, 30)))
    assert float(marker.get_ydata()[0]) == 0.5
    title = ax.get_title(loc="left").replace("\n", " ")
    assert "SAFE: share of the envelope paid out" in title
    assert "50 %" in title
    assert "30\u00a0Sep\u00a02028" in title
    assert "reached at any time" in title  # not "held on": said which kind of target it is
    assert [c for c in ax.collections if c.get_gid() == "band"]


def test_fan_chart_names_the_available_observables(results):
    fake = _WithSeries(results.meta, _series())
    with pytest.raises(ValueError, match="safe.disbursed_share, joint-procurement-share"):
        charts.plot_fan(fake, "safe.disbursed")
    with pytest.raises(ValueError, match="no time series"):
        charts.plot_fan(_WithSeries(results.meta, pd.DataFrame(columns=list(charts.SERIES_COLUMNS))), "x")


def test_fan_chart_of_a_real_run_when_it_records_series(root):
    """A scenario with funds records results.series; its fan charts draw, with the indicator targets marked."""
    candidates = sorted((root / "scenarios" / "analytic").glob("funding-*.yaml"))
    if not candidates:
        pytest.skip("no shipped scenario with funds")
    scenario = sim.load(candidates[0])
    run = sim.run(scenario, n=100, seed=1, progress=False)
    observables = charts.fan_observables(run, scenario)
    if not observables:
        pytest.skip("this version does not record time series")
    assert set(observables) <= set(run.series["observable"])
    for observable in observables[:2]:
        marks = charts.indicator_targets(scenario, observable, run)
        ax = charts.plot_fan(run, observable, targets=marks)
        assert isinstance(ax, Axes)
        assert ax.get_title(loc="left")
        assert len([ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("target:")]) == len(marks)


@pytest.fixture(scope="module")
def comparison(results, scenario):
    late = sim.run(with_delay(scenario, ["alpha"], 60), n=results.n, seed=results.meta["seed"], progress=False)
    return compare_results(results, {"alpha-late": late})


def test_comparison_draws_base_scenario_and_paired_interval(comparison):
    ax = charts.plot_comparison(comparison)
    assert isinstance(ax, Axes)
    moved = comparison.table[comparison.table["diff"] != 0]
    arrows = {a.get_gid()[len("change:alpha-late:"):]: a for a in ax.texts
              if (a.get_gid() or "").startswith("change:")}
    assert sorted(arrows) == sorted(moved["target"])
    for row in moved.itertuples():
        arrow = arrows[row.target]
        assert arrow.xy[0] == pytest.approx(row.p_other)
        assert arrow.xyann[0] == pytest.approx(row.p_base)
    title = ax.get_title(loc="left").replace("\n", " ")
    assert title.startswith("alpha-late:")
    assert "less likely" in title
    right = " ".join(t.get_text() for axis in ax.child_axes for t in axis.get_yticklabels())
    worst = moved.loc[moved["diff"].idxmin()]
    assert f"{100 * abs(worst['diff']):.1f} pp" in right


def test_comparison_keeps_the_top_movers(comparison):
    ax = charts.plot_comparison(comparison, top=1)
    assert len([a for a in ax.texts if (a.get_gid() or "").startswith("change:")]) == 1


def test_sweep_curves_are_the_table(scenario):
    table = sweep(scenario, "delay", "alpha", [0.0, 30.0, 90.0], n=200, seed=3, progress=False)
    ax = charts.plot_sweep(table, targets=["beta", "everything"], value_label="Alpha delayed by (months)",
                           value_scale=30.0, value_unit="months")
    assert isinstance(ax, Axes)
    for target in ("beta", "everything"):
        (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == f"sweep:{target}"]
        part = table[table["target"] == target].sort_values("value")
        assert np.asarray(line.get_xdata(), dtype=float) == pytest.approx(part["value"].to_numpy() / 30.0)
        assert np.asarray(line.get_ydata(), dtype=float) == pytest.approx(part["p_met"].to_numpy())
    # RAG thresholds as horizontal lines, and the finding in the title.
    levels = {float(ln.get_ydata()[0]) for ln in ax.get_lines() if not ln.get_gid() and len(ln.get_ydata()) == 2}
    assert {0.8, 0.5} <= levels
    assert "months" in ax.get_title(loc="left")
    with pytest.raises(ValueError, match="unknown 'omega'"):
        charts.plot_sweep(table, targets=["omega"])


def test_driver_phrases_read_as_words():
    assert charts.driver_phrase("Duration: EDIP adopted") == "how long ‘EDIP adopted’ takes"
    assert charts.driver_phrase("Risk occurs: CRM shock") == "whether ‘CRM shock’ happens"
    assert charts.driver_phrase("Industrial friction (shared factor)") == "the shared factor ‘Industrial friction’"
    assert charts.readable_label("fund:edf:envelope") == "Envelope: fund edf"
    assert charts.driver_phrase("fund:edf:envelope") == "the envelope of ‘fund edf’"


@needs_fork
def test_a_failure_while_charts_are_drawn_stops_their_processes(results, tmp_path):
    drawing = []

    def fails_while_drawing():
        with charts.charts_written(results, tmp_path / "forked", at_risk=1, dpi=72, jobs=2):
            drawing.extend(multiprocessing.active_children())
            raise RuntimeError("the tables could not be written")

    with pytest.raises(RuntimeError, match="the tables could not be written"):
        fails_while_drawing()
    assert len(drawing) == 2
    assert not any(alive(p.pid) for p in drawing)  # the processes themselves (the OS says)
    assert not set(multiprocessing.active_children()) & set(drawing)  # and multiprocessing's record
