"""Insight: paired comparisons with common random numbers, shocks, sweeps and driver rankings."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import compare, compare_results, drivers, joint_probability, sweep, with_delay
from sim.cli import main

BASE = """\
title: Two streams
start: 2026-01-01
horizon: end-2029
milestones:
  law: {title: Law adopted, tags: [legislative], duration: {uniform: {min: 100, max: 300}, unit: days},
        deadline: 2026-09-30, source: x}
  money: {title: Money flows, after: [law], duration: {triangular: {min: 60, mode: 120, max: 200}, unit: days},
          deadline: 2027-03-31, source: x}
  plant: {title: Plant built, tags: [industrial], duration: {uniform: {min: 200, max: 260}, unit: days}, source: x}
  output: {title: First output, after: [money, plant], duration: 30 days, deadline: 2027-06-30}
  report: {title: Report, duration: {uniform: {min: 10, max: 40}, unit: days}, deadline: 2026-01-31, source: x}
risks:
  veto: {title: Veto, probability: 0.3, delay: 90 days, affects: {milestones: [law]}, source: x}
targets:
  both: {title: Law and report, all_of: [law, report], deadline: 2026-09-30}
"""


@pytest.fixture
def base(write):
    return sim.load(write(BASE, "base.yaml"))


def test_identical_scenarios_differ_by_exactly_zero(base, write):
    same = sim.load(write(BASE.replace("title: Two streams", "title: Same again"), "same.yaml"))
    comparison = compare(base, [same], n=500, seed=3)
    assert (comparison.table["diff"] == 0).all()
    assert (comparison.table["diff_low"] == 0).all()
    assert (comparison.table["diff_high"] == 0).all()
    assert (comparison.table["median_shift_days"].dropna() == 0).all()


def test_delay_shock_on_a_leaf_shifts_it_exactly(base, write):
    child = write("extends: base.yaml\ntitle: Output slips\nshocks:\n"
                  "  - {delay: output, by: 45 days, source: x}\n", "child.yaml")
    other = sim.load(child)
    a, b = sim.run(base, n=400, seed=5), sim.run(other, n=400, seed=5)
    np.testing.assert_array_equal(b.outcomes["milestone:output"], a.outcomes["milestone:output"] + 45)
    for col in a.outcomes.columns.drop("milestone:output"):
        np.testing.assert_array_equal(a.outcomes[col], b.outcomes[col])


def test_delay_shock_even_through_windowed_risks(write):
    # A windowed risk that could hit the milestone during its shift does not: the shift is exact.
    text = BASE.replace("risks:\n", "risks:\n  late: {title: Late, probability: 1, delay: 50 days, "
                                    "window: {from: 2027-01, to: 2028-12}, affects: {milestones: [output]}, source: x}\n")
    base = sim.load(write(text, "b2.yaml"))
    shifted = with_delay(base, ["output"], 200.0)
    a, b = sim.run(base, n=300, seed=2), sim.run(shifted, n=300, seed=2)
    np.testing.assert_allclose(b.outcomes["milestone:output"], a.outcomes["milestone:output"] + 200)


def test_scale_and_forced_risk_shocks(base, write):
    child = sim.load(write("extends: base.yaml\ntitle: Slow law, certain veto\nshocks:\n"
                           "  - {scale: {tags: [legislative]}, factor: 2, source: x}\n"
                           "  - {risk: veto, occurs: true, source: x}\n", "c2.yaml"))
    a, b = sim.run(base, n=300, seed=9), sim.run(child, n=300, seed=9)
    law = a.inputs["milestone:law:duration"].to_numpy()
    np.testing.assert_allclose(b.outcomes["milestone:law"], 2 * law + 90)
    np.testing.assert_array_equal(a.inputs["milestone:law:duration"], b.inputs["milestone:law:duration"])
    assert [s.kind for s in child.shocks] == ["scale", "risk"]


def test_bad_shocks_are_reported(write):
    write(BASE, "base.yaml")
    path = write("extends: base.yaml\ntitle: Bad\nshocks:\n  - {delay: lawx, by: 3 months}\n"
                 "  - {scale: {tags: [legal]}, factor: -1}\n  - {risk: vetox, occurs: yes please}\n  - {halve: everything}\n",
                 "bad.yaml")
    with pytest.raises(sim.ScenarioError) as exc:
        sim.load(path)
    text = str(exc.value)
    assert "bad.yaml:4: shocks[0].delay: unknown milestone 'lawx'; did you mean 'law'?" in text
    assert "shocks[1].scale.tags[0]: no milestone has the tag 'legal'" in text
    assert "shocks[1].factor: found -1.0; a duration factor cannot be negative" in text
    assert "shocks[2].risk: unknown risk 'vetox'; did you mean 'veto'?" in text
    assert "shocks[3]: found {'halve': 'everything'}; expected one of" in text


def test_paired_interval_narrower_than_independent(base, write):
    # Delaying `law` by 30 days changes whether it meets its deadline only for replications near the deadline.
    # With common random numbers the per-replication difference is 0 for all others, so the paired standard
    # error must be smaller than that of two independent runs (sqrt(p1 q1/n + p2 q2/n)).
    other = with_delay(base, ["law"], 30.0)
    n = 4000
    comparison = compare(base, [other], n=n, seed=1)
    row = comparison.table.set_index("target").loc["law"]
    paired_half = (row.diff_high - row.diff_low) / 2
    a, b = sim.run(base, n=n, seed=1), sim.run(other, n=n, seed=2)
    pa, pb = a.targets.set_index("target").p_met["law"], b.targets.set_index("target").p_met["law"]
    independent_half = 1.959964 * np.sqrt(pa * (1 - pa) / n + pb * (1 - pb) / n)
    assert row["diff"] < 0
    assert paired_half < 0.6 * independent_half, f"paired ±{paired_half:.4f} vs independent ±{independent_half:.4f}"


def test_compare_needs_same_seed(base):
    with pytest.raises(ValueError, match="same seed"):
        compare_results(sim.run(base, n=50, seed=1), {"x": sim.run(base, n=50, seed=2)})


def test_driver_ranking_names_the_dominant_input(base):
    # `money` waits for `law` (100–300 days) then takes 60–200 days; `plant` (200–260 days) almost never drives
    # `output`. By construction the law's duration dominates the output date, then the veto, then money.
    res = sim.run(base, n=3000, seed=4)
    table = drivers(res, "output")
    assert table.iloc[0]["input"] == "milestone:law:duration"
    by_rank = table.reindex(table.spearman.abs().sort_values(ascending=False).index)["input"].tolist()
    assert by_rank[:3] == ["milestone:law:duration", "risk:veto:occurs", "milestone:money:duration"]
    by_input = table.set_index("input")
    assert abs(by_input.loc["milestone:plant:duration", "spearman"]) < 0.1
    assert by_input.loc["risk:veto:occurs", "impact_pp"] < 0  # a veto costs probability points
    # upper vs lower decile of the law's 100–300-day uniform: ≈ 180 days apart, passed on to the output date
    assert 120 < by_input.loc["milestone:law:duration", "impact_days"] < 240
    assert by_input.loc["milestone:law:duration", "label"] == "Duration: Law adopted"


def test_per_target_criticality(base):
    res = sim.run(base, n=1000, seed=4)
    crit = res.criticality["output"]
    assert crit["output"] == 1.0
    assert crit["law"] == crit["money"]  # law is always money's driver
    assert crit["law"] + crit["plant"] == pytest.approx(1.0)  # output waits for money or plant, whichever is last
    assert crit["law"] > 0.9
    assert crit["report"] == 0


def test_joint_probability(base):
    res = sim.run(base, n=2000, seed=6)
    p, low, high = joint_probability(res, ["law", "report"])
    assert p == pytest.approx(np.mean(res.met("law") & res.met("report")))
    assert low <= p <= high
    # the combined target `both` asks the same with one deadline (law's) for both
    report_by_law_deadline = res.outcomes["milestone:report"].to_numpy() <= 273  # 2026-09-30 is day 272
    assert res.targets.set_index("target").p_met["both"] == pytest.approx(np.mean(res.met("law") & report_by_law_deadline))
    assert p < res.targets.set_index("target").p_met["both"]  # report's own deadline is earlier


def test_sweep_is_monotone_with_common_random_numbers(base):
    table = sweep(base, "delay", "law", [0, 30, 60, 120], n=500, seed=2)
    law = table[table.target == "law"].sort_values("value")
    assert law["p_met"].is_monotonic_decreasing
    assert law["p_met"].iloc[-1] < law["p_met"].iloc[0]


def test_cli_compare_and_sweep(base, write, tmp_path, capsys):
    other = write("extends: base.yaml\ntitle: Law slips\nshocks:\n  - {delay: law, by: 2 months, source: x}\n", "slip.yaml")
    assert main(["compare", base.path, str(other), "-n", "300", "--out", str(tmp_path / "c"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Law adopted" in out
    assert "pp" in out
    assert "median shift" in out
    table = pd.read_csv(tmp_path / "c" / "compare.csv")
    assert set(table.scenario) == {"slip"}
    assert main(["sweep", base.path, "--delay", "law=0..4months", "--steps", "3", "-n", "200",
                 "--out", str(tmp_path / "s"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "law delayed by" in out
    assert "4 months" in out
    assert main(["sweep", base.path, "--delay", "law=0..4"]) == 2
    assert main(["sweep", base.path, "--scale", "nope=1..2"]) == 2
    assert "neither a milestone nor a tag" in capsys.readouterr().err


def test_milestone_target_with_its_own_id(base, write):
    # A target asking about a milestone under another id and deadline has its own outcome column.
    path = write(BASE + "  law-early: {title: Law by spring, milestone: law, deadline: 2026-06-30}\n", "own.yaml")
    res = sim.run(sim.load(path), n=300, seed=1)
    np.testing.assert_array_equal(res.times("law-early"), res.times("law"))
    assert res.met("law-early").mean() <= res.met("law").mean()
    comparison = compare(sim.load(path), [sim.load(path)], n=100, seed=1)
    assert "law-early" in set(comparison.table.target)
    assert not drivers(res, "law-early").empty


def test_cli_joint(base, capsys):
    assert main(["run", base.path, "-n", "400", "--seed", "2", "--out", str(Path(base.path).parent / "j"),
                 "--no-progress", "--joint", "law,report"]) == 0
    out = capsys.readouterr().out
    res = sim.Results.load(Path(base.path).parent / "j")
    p = float(np.mean(res.met("law") & res.met("report")))
    assert f"All of law, report met, each by its own deadline: {p:.0%}" in out
    assert main(["run", base.path, "--joint", "law,reprt"]) == 2
    assert "did you mean 'report'?" in capsys.readouterr().err


def test_compare_with_an_existing_run_is_compare(base):
    from sim.analysis import compare_with

    other = with_delay(base, ["law"], 30.0)
    together = compare(base, [other], n=800, seed=3)
    afterwards = compare_with(sim.run(base, n=800, seed=3, progress=False), [other])
    pd.testing.assert_frame_equal(together.table, afterwards.table)
