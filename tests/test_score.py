"""``readiness score``: Brier and log scores, naive forecasts, reliability and PIT against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.results import Results
from sim.score import OutcomesError, read_outcomes, reliability, score


def synthetic_results() -> Results:
    """Four targets with p_met 0.75, 0.2, 0 and 1 from N = 4 replications; a's event times 10, 20, 30, never."""
    targets = pd.DataFrame({"target": ["a", "b", "c", "d"], "title": ["A", "B", "C", "D"],
                            "deadline": ["2026-02-01"] * 4, "p_met": [0.75, 0.2, 0.0, 1.0]})
    outcomes = pd.DataFrame({"milestone:a": [10.0, 20.0, 30.0, np.inf], "milestone:b": [1.0] * 4,
                             "milestone:c": [1.0] * 4, "milestone:d": [1.0] * 4})
    return Results(targets=targets, milestones=pd.DataFrame(), outcomes=outcomes, inputs=pd.DataFrame(),
                   criticality=pd.DataFrame(), meta={"iterations": 4, "start": "2026-01-01", "title": "synthetic"})


OUTCOMES = """
outcomes:
  a: {met: true, date: 2026-01-15, source: "journal"}
  b: {met: false, source: "journal"}
  c: {met: true, source: "journal"}
  d: {met: true, source: "journal"}
"""


def test_scores_reproduce_hand_computed_values(tmp_path):
    path = tmp_path / "outcomes.yaml"
    path.write_text(OUTCOMES)
    per_target, summary, table = score(synthetic_results(), read_outcomes(path))
    # Brier: (0.75−1)² = 0.0625, (0.2−0)² = 0.04, (0−1)² = 1, (1−1)² = 0 → mean 1.1025/4
    assert per_target["brier"].tolist() == pytest.approx([0.0625, 0.04, 1.0, 0.0])
    by = summary.set_index("forecaster")
    assert by.loc["forecast", "brier"] == pytest.approx(0.275625)
    # log: p clipped to [1/(2N), 1 − 1/(2N)] = [0.125, 0.875]: −ln .75, −ln .8, −ln .125, −ln .875
    logs = [-math.log(0.75), -math.log(0.8), -math.log(0.125), -math.log(0.875)]
    assert per_target["log_score"].tolist() == pytest.approx(logs)
    assert by.loc["forecast", "log_score"] == pytest.approx(sum(logs) / 4)
    # naive: everything on time (p = 1) misses only b; base rate 3/4; 0.5
    assert by.loc["on_time", "brier"] == pytest.approx(0.25)
    assert by.loc["base_rate", "brier"] == pytest.approx((3 * 0.0625 + 0.5625) / 4)
    assert by.loc["half", "brier"] == pytest.approx(0.25)
    assert by.loc["half", "log_score"] == pytest.approx(math.log(2))
    assert by.loc["on_time", "log_score"] == pytest.approx((3 * -math.log(0.875) - math.log(0.125)) / 4)
    assert by.loc["base_rate", "brier_skill_of_forecast"] == pytest.approx(1 - 0.275625 / 0.1875)
    # PIT of a's date (done on 15 Jan: t ≤ 15): one of the four replications (10) was done by then
    assert per_target["pit"].iloc[0] == pytest.approx(0.25)
    assert per_target["in_p10_p90"].iloc[0] == "yes"
    assert np.isnan(per_target["pit"].iloc[1])
    # reliability: bins 0.0–0.1 (c), 0.2–0.3 (b), 0.7–0.8 (a), 0.9–1.0 (d)
    assert table["bin"].tolist() == ["0.0–0.1", "0.2–0.3", "0.7–0.8", "0.9–1.0"]
    assert table["observed"].tolist() == [1.0, 0.0, 1.0, 1.0]


def test_csv_outcomes_give_the_same_scores(tmp_path):
    yaml_path, csv_path = tmp_path / "o.yaml", tmp_path / "o.csv"
    yaml_path.write_text(OUTCOMES)
    csv_path.write_text("target,met,date,source\na,true,2026-01-15,journal\nb,false,,journal\nc,1,,journal\n"
                        "d,yes,,journal\n")
    a = score(synthetic_results(), read_outcomes(yaml_path))[0]
    b = score(synthetic_results(), read_outcomes(csv_path))[0]
    pd.testing.assert_frame_equal(a, b)


def test_bad_outcomes_are_reported_all_at_once(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("outcomes:\n  a: {met: maybe, source: x}\n  b: {met: true, date: 2026-13-01}\n")
    with pytest.raises(OutcomesError) as err:
        read_outcomes(path)
    text = str(err.value)
    assert f"{path}:2: outcomes.a.met: found 'maybe'; expected true or false" in text
    assert f"{path}:3: outcomes.b.date: found '2026-13-01'" in text
    assert f"{path}:3: outcomes.b.source: missing" in text
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("outcomes:\n  zz: {met: true, source: x}\n")
    with pytest.raises(OutcomesError, match="outcomes.zz: not a target of the forecast"):
        score(synthetic_results(), read_outcomes(unknown))


def test_reliability_puts_certainty_in_the_last_bin():
    table = reliability(np.array([1.0, 0.95, 0.05]), np.array([True, False, False]))
    assert table["forecasts"].tolist() == [1, 2]


def test_score_command_writes_score_csv(tmp_path, write, capsys):
    scenario = write("""
title: One milestone
start: 2026-01-01
horizon: end-2026
milestones:
  a: {title: A, duration: {uniform: {min: 20 days, max: 80 days}}, deadline: 2026-03-01, source: x}
""")
    assert main(["run", str(scenario), "-n", "200", "--out", str(tmp_path / "run"), "--no-progress"]) == 0
    outcomes = tmp_path / "o.yaml"
    outcomes.write_text("outcomes:\n  a: {met: true, date: 2026-02-20, source: minutes}\n")
    assert main(["score", str(tmp_path / "run"), str(outcomes), "--out", str(tmp_path / "score")]) == 0
    table = pd.read_csv(tmp_path / "score" / "score.csv")
    p = table["p_met"].iloc[0]
    assert table["brier"].iloc[0] == pytest.approx((1 - p) ** 2)
    assert "this forecast" in capsys.readouterr().out
    assert main(["score", str(tmp_path / "run"), str(tmp_path / "missing.yaml")]) == 2


def test_a_later_status_run_supplies_the_outcomes(tmp_path, write, capsys):
    parent = write("""
title: Two steps
start: 2026-01-01
horizon: end-2026
milestones:
  a: {title: A, duration: {uniform: {min: 20 days, max: 80 days}}, deadline: 2026-03-01, source: x}
  b: {title: B, after: [a], duration: {uniform: {min: 20 days, max: 80 days}}, deadline: 2026-12-01, source: x}
""", "parent.yaml")
    status = write(f"extends: {parent}\ntitle: Later\nstatus:\n  as_of: 2026-03-10\n  milestones:\n"
                   "    a: {done: 2026-02-20, source: minutes}\n", "status.yaml")
    assert main(["run", str(parent), "-n", "200", "--out", str(tmp_path / "before"), "--no-progress"]) == 0
    assert main(["run", str(status), "-n", "200", "--out", str(tmp_path / "after"), "--no-progress"]) == 0
    assert main(["score", str(tmp_path / "before"), str(tmp_path / "after"), "--out", str(tmp_path / "s")]) == 0
    table = pd.read_csv(tmp_path / "s" / "score.csv", keep_default_na=False)
    assert table["target"].tolist() == ["a"]  # b is still open
    assert table["met"].tolist() == [True]
    assert table["date"].tolist() == ["2026-02-20"]
    assert table["brier"].iloc[0] == pytest.approx((1 - table["p_met"].iloc[0]) ** 2)


def test_the_baseline_is_scored_against_the_worked_status_example(tmp_path, root):
    """The "update the forecast" flow: baseline forecast → status run (30 Nov 2025) → score the baseline
    against the targets the facts resolved."""
    import sim
    from sim.score import outcomes_from_results

    base = sim.run(sim.load(root / "scenarios/baseline.yaml"), n=200, seed=5, progress=False)
    later = sim.run(sim.load(root / "scenarios/status/2025-11-30.yaml"), n=200, seed=5, progress=False)
    outcomes = outcomes_from_results(later, "status-2025-11-30")
    resolved = {o.target: o.met for o in outcomes}
    assert resolved["safe-national-plans-submitted"] is True
    assert resolved["edip-adopted"] is False
    per_target, summary, _ = score(base, outcomes)
    p = per_target.set_index("target")["p_met"]
    y = per_target.set_index("target")["met"]
    assert summary.set_index("forecaster").loc["forecast", "brier"] == pytest.approx(float(((p - y) ** 2).mean()))
