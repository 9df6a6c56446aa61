"""Money and deliveries as status facts (issue 12, docs/status-date.md "Money and deliveries").

Programmes reported done or committed, ordering milestones reported done, and observed fund money anchoring
the curves. Statistical assertions use 4 standard errors of the Monte Carlo estimate, stated in each message;
deterministic cases are checked to floating-point accuracy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine import Network, simulate_batch
from sim.engine.anchors import anchored, kinks
from sim.errors import ScenarioError
from sim.load.status_money import commitment_day
from sim.sampling import sample

ROOT = Path(__file__).resolve().parents[1]
N = 20_000
SOURCE = 'source: "assumption: test"'


def within_4se(p_hat: float, p: float, n: int, what: str) -> None:
    se = math.sqrt(p * (1 - p) / n)
    assert abs(p_hat - p) <= 4 * se, f"{what}: {p_hat:.5f} vs exact {p:.5f}; tolerance 4 standard errors = {4 * se:.5f}"


def batch(scenario, n, engine="fast", seed=3):
    net = Network.of(scenario)
    return net, simulate_batch(net, sample(scenario, seed, 0, n), engine=engine)


def series_of(net, out, name: str) -> np.ndarray:
    """``(n, months)`` values of observable ``name`` on the first day of each month."""
    return out.series[:, net.observables.index(name)].astype(float)


PARENT = f"""title: Money facts
start: 2026-01-01
horizon: end-2028
funds:
  loans: {{title: Loans, envelope: 100, opens: agreement, prefinancing: 0.15, {SOURCE}}}
milestones:
  agreement: {{title: Loan agreement, duration: {{uniform: {{min: 60, max: 180}}, unit: days}}, {SOURCE}}}
  first: {{title: First programme, after: [agreement], funding: {{loans: 40}}, duration: 2 years, {SOURCE}}}
  second: {{title: Second programme, after: [agreement], funding: {{loans: 80}},
           duration: {{uniform: {{min: 100, max: 500}}, unit: days}}, {SOURCE}}}
targets:
  committed-60: {{title: 60 committed, indicator: loans.committed, at_least: 60, deadline: 2026-06-30}}
"""


@pytest.fixture
def parent(write) -> Path:
    return write(PARENT, "parent.yaml")


def status(write, parent: Path, body: str) -> sim.Scenario:
    return sim.load(write(f"extends: {parent}\ntitle: Status\nstatus:\n{body}", "status.yaml"))


# ---------------------------------------------------------------------------------------------- programmes


def test_a_programme_reported_done_commits_at_its_date_and_pays_over_the_observed_work(write):
    """Committed 2026-03-10 (day 68.5), done 2026-08-20 (day 231.5): 15 % of 40 at commitment, the rest linearly."""
    scenario = status(write, ROOT / "scenarios/analytic/funding-prefinancing.yaml", "  as_of: 2026-09-30\n"
                      f"  milestones:\n    agreement: {{done: 2026-03-01, {SOURCE}}}\n"
                      f"    programme: {{done: 2026-08-20, committed: 2026-03-10, {SOURCE}}}\n")
    net, out = batch(scenario, 50)
    assert np.all(out.committed[:, 0] == 68.5)
    assert np.all(out.committed_amount[:, 0] == 40.0)
    assert np.all(out.done[:, net.ids.index("programme")] == 231.5)
    month = list(net.monthly).index(151.0)  # 2026-06-01
    expected = 0.15 * 40 + 0.85 * 40 * (151.0 - 68.5) / (231.5 - 68.5)
    disbursed = series_of(net, out, "loans.disbursed")[:, month]
    assert np.allclose(disbursed, expected, rtol=0, atol=1e-4), "pre-financing plus pro-rata work (series are float32)"


def test_a_reported_commitment_takes_at_most_what_the_envelope_has_left(write, parent):
    """The second programme (80) asks when the fund opens (day 59.5); the first's 40, reported on day 68.5, gets 20."""
    scenario = status(write, parent, "  as_of: 2026-09-30\n  milestones:\n"
                                     f"    agreement: {{done: 2026-03-01, {SOURCE}}}\n"
                                     f"    first: {{done: 2026-08-20, committed: 2026-03-10, {SOURCE}}}\n")
    _, out = batch(scenario, 50)
    assert np.all(out.committed[:, 1] == 59.5)
    assert np.all(out.committed_amount[:, 1] == 80.0)
    assert np.all(out.committed[:, 0] == 68.5)
    assert np.all(out.committed_amount[:, 0] == 20.0)


def test_a_reported_commitment_goes_before_later_requests(write, parent):
    """The second programme (80) is committed on 2026-03-20; the first asks at the agreement (day 59.5) first."""
    scenario = status(write, parent, "  as_of: 2026-09-30\n  milestones:\n"
                                     f"    agreement: {{done: 2026-03-01, {SOURCE}}}\n"
                                     f"    second: {{committed: 2026-03-20, {SOURCE}}}\n")
    net, out = batch(scenario, 200)
    first, second = 0, 1
    assert np.all(out.committed[:, first] == 59.5)
    assert np.all(out.committed_amount[:, first] == 40.0)
    assert np.all(out.committed[:, second] == 78.5)
    assert np.all(out.committed_amount[:, second] == 60.0), "capped at what the envelope had left"


def test_a_programme_under_way_since_its_commitment_has_its_duration_conditioned(write, parent):
    """Committed 2026-01-20 (day 19.5), under way at 2026-06-30 (end: day 181): D ~ U(100, 500) | D > 161.5."""
    scenario = status(write, parent, "  as_of: 2026-06-30\n  milestones:\n"
                                     f"    agreement: {{done: 2026-01-10, {SOURCE}}}\n"
                                     f"    second: {{committed: 2026-01-20, {SOURCE}}}\n")
    net, out = batch(scenario, N)
    done = out.done[:, net.ids.index("second")]
    assert done.min() > 181.0, "not done by the status date"
    e = 181.0 - 19.5
    p = (300 - e) / (500 - e)
    within_4se(float(np.mean(done <= 19.5 + 300)), p, N, "P(D ≤ 300 | D > e)")


def test_money_facts_give_identical_outcomes_in_both_engines(write, parent):
    scenario = status(write, parent, "  as_of: 2026-09-30\n  milestones:\n"
                                     f"    agreement: {{done: 2026-03-01, {SOURCE}}}\n"
                                     f"    first: {{done: 2026-08-20, {SOURCE}}}\n"
                                     f"    second: {{committed: 2026-04-02, {SOURCE}}}\n"
                                     f"  money:\n    loans: {{committed: 130, disbursed: 20, {SOURCE}}}\n")
    _, fast = batch(scenario, 300, "fast")
    _, ref = batch(scenario, 300, "simpy")
    for name in ("done", "requested", "committed", "committed_amount", "series", "indicator_times"):
        a, b = getattr(fast, name), getattr(ref, name)
        assert np.array_equal(a, b, equal_nan=True), name


def test_commitment_day_is_the_commitment_else_the_done_date(write, parent):
    scenario = status(write, parent, "  as_of: 2026-09-30\n  milestones:\n"
                                     f"    agreement: {{done: 2026-03-01, {SOURCE}}}\n"
                                     f"    first: {{done: 2026-08-20, {SOURCE}}}\n")
    by_id = {m.id: m for m in scenario.milestones}
    assert str(commitment_day(by_id["first"])) == "2026-08-20"
    assert commitment_day(by_id["agreement"]) is None


# ---------------------------------------------------------------------------------------------- deliveries


def test_orders_of_a_milestone_reported_done_are_delivered_at_its_date_and_leave_the_line_free(write):
    """Line of 1 unit a day: a (100 units) reported done on day 40.5; b (50 units, after 10 days) then waits for nobody."""
    parent = write((ROOT / "scenarios/analytic/production-lines.yaml").read_text(), "lines.yaml")
    scenario = status(write, parent, "  as_of: 2026-02-15\n  milestones:\n"
                                     f"    a: {{done: 2026-02-10, {SOURCE}}}\n")
    net, out = batch(scenario, 20)
    b = net.ids.index("b")
    assert np.allclose(out.done[:, b], 10 + 50, rtol=0, atol=1e-6), "b: at line speed from day 10, a no longer ahead"
    delivered = series_of(net, out, "steady.delivered")
    march = list(net.monthly).index(59.0)  # 2026-03-01: a's 100 (a fact) and b's 49 (days 10–59)
    assert np.allclose(delivered[:, march], 100 + 49)
    ref = batch(scenario, 20, "simpy")[1]
    assert np.array_equal(out.series, ref.series)
    assert np.array_equal(out.done, ref.done)


# ---------------------------------------------------------------------------------------------- observed money


def test_anchored_curve_holds_the_fact_and_never_counts_money_twice():
    t = np.array([0.0, 50.0, 99.0, 100.0, 150.0, 200.0])
    behind = np.array([[0.0, 0.0, 0.0, 0.0, 40.0, 80.0]])  # the model commits later than observed
    ahead = np.array([[0.0, 40.0, 40.0, 40.0, 40.0, 80.0]])  # the model committed before it happened
    a = anchored(behind, t, np.array([0.0]), 40.0, 100.0)
    assert a.tolist() == [[0.0, 0.0, 0.0, 40.0, 40.0, 80.0]], "brought forward: 40 held until the model catches up"
    a = anchored(ahead, t, np.array([40.0]), 10.0, 100.0)
    assert a.tolist() == [[0.0, 10.0, 10.0, 10.0, 10.0, 50.0]], "the model's excess by D dropped, its increments kept"
    assert kinks(lambda level: level * 0 + 7.0, 1, 10.0, 100.0).tolist() == [[100.0, 7.0]]


def test_observed_money_resolves_a_target_and_the_curve_is_exact(write, parent):
    """60 committed by 2026-06-30 (a fact): the target of 60 by then is met in every replication, dated that day."""
    scenario = status(write, parent, "  as_of: 2026-06-30\n  milestones:\n"
                                     f"    agreement: {{done: 2026-03-01, {SOURCE}}}\n"
                                     f"  money:\n    loans: {{committed: 60, on: 2026-05-15, {SOURCE}}}\n")
    results = sim.run(scenario, n=500, seed=5, progress=False)
    row = results.targets.set_index("target").loc["committed-60"]
    assert row["status"] == "met"
    assert row["status_date"] == "2026-05-15"
    net, out = batch(scenario, 500)
    committed = series_of(net, out, "loans.committed")
    june = list(net.monthly).index(151.0)
    # both programmes asked at the agreement (day 59.5): 40 + 60 (what is left) = 100 ≥ 60, so the model is ahead
    # at the fact and its excess (40) is dropped; nothing is added after: 60 on 1 June
    assert np.all(committed[:, june] == 60.0)


def test_observed_money_behind_the_model_with_a_closed_form(write, parent):
    """Nothing reported done: the agreement ~ U(60, 180) conditioned past as_of 2026-03-31 (end: day 90).

    Fact: 30 committed by then. Both programmes commit 40 and 60 at the agreement A, so committed ≥ 100 from A on;
    P(committed ≥ 100 by 2026-05-01, day 120) = P(A ≤ 120 | A > 90) = 30/90; the anchored curve holds 30 until A.
    """
    scenario = status(write, parent, f"  as_of: 2026-03-31\n  money:\n    loans: {{committed: 30, {SOURCE}}}\n")
    net, out = batch(scenario, N)
    committed = series_of(net, out, "loans.committed")
    may = list(net.monthly).index(120.0)
    april = list(net.monthly).index(90.0)
    assert np.all(committed[:, april] == 30.0), "the fact at the status date"
    assert set(np.unique(committed[:, may])) <= {30.0, 100.0}, "30 held until the model catches up, never 130"
    within_4se(float(np.mean(committed[:, may] == 100.0)), 30 / 90, N, "P(A ≤ 120 | A > 90)")


# ---------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("body", "message"), [
    (f"  milestones:\n    first: {{committed: 2026-02-01, {SOURCE}}}\n", "the fund opens when 'agreement' is done"),
    (f"  milestones:\n    agreement: {{committed: 2026-02-01, {SOURCE}}}\n", "draws no money"),
    (f"  milestones:\n    agreement: {{done: 2026-02-01, {SOURCE}}}\n    first: {{committed: 2026-01-20, {SOURCE}}}\n",
     "the fund opens when 'agreement' is done"),
    (f"  milestones:\n    agreement: {{done: 2026-02-01, {SOURCE}}}\n"
     f"    first: {{done: 2026-03-01, committed: 2026-03-05, {SOURCE}}}\n", "before its money was committed"),
    (f"  milestones:\n    first: {{committed: 2026-07-01, {SOURCE}}}\n", "after the status date"),
    (f"  money:\n    loans: {{committed: 10, disbursed: 20, {SOURCE}}}\n", "more than the"),
    (f"  money:\n    lones: {{committed: 10, {SOURCE}}}\n", "did you mean 'loans'"),
    (f"  money:\n    loans: {{committed: -1, {SOURCE}}}\n", "expected € bn ≥ 0"),
    (f"  money:\n    loans: {{committed: 5, on: 2026-07-01, {SOURCE}}}\n", "to the status date"),
    ("  money:\n    loans: {committed: 5}\n", "source"),
    (f"  money:\n    loans: {{{SOURCE}}}\n", "missing committed and disbursed"),
])
def test_money_facts_that_contradict_the_model_are_clear_errors(write, parent, body, message):
    with pytest.raises(ScenarioError) as info:
        status(write, parent, "  as_of: 2026-06-30\n" + body)
    text = str(info.value)
    assert message in text, text
    assert "status" in text


def test_status_done_on_in_the_milestones_section_works_on_a_programme(write):
    """``status: done on`` on a programme (it used to be refused): committed and done that day, in both engines."""
    parent = ROOT / "scenarios/analytic/funding-prefinancing.yaml"
    path = write(f"extends: {parent}\ntitle: Done\nmilestones:\n  agreement: {{status: done on 2026-03-01}}\n"
                 "  programme: {status: done on 2026-05-01}\n", "done.yaml")
    scenario = sim.load(path)
    net, out = batch(scenario, 20)
    assert np.all(out.committed[:, 0] == 120.5)
    assert np.all(out.done[:, net.ids.index("programme")] == 120.5)
    _, ref = batch(scenario, 20, "simpy")
    assert np.array_equal(out.series, ref.series)
