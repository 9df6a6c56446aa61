"""The validated scenario model: its derived names and inputs."""

import datetime as dt

from sim.distributions import Fixed, Uniform
from sim.scenario import Dependency, Fund, Milestone, Risk, Scenario, Target, uncertain_inputs


def small() -> Scenario:
    a = Milestone("a", "A", duration=Uniform(1, 2))
    b = Milestone("b", "B", after=Dependency("all", ("a",), 1), duration=Fixed(3.0), done_on=None)
    fund = Fund("safe", "SAFE", envelope=Fixed(10.0), pools=(("safe", 1.0),))
    risk = Risk("r", "R", 0.5, Fixed(2.0), ("a",), window=(0.0, 10.0))
    target = Target("b", "B", "milestone", ("b",), dt.date(2026, 6, 30), "2026-06-30")
    return Scenario("S", dt.date(2026, 1, 1), dt.date(2026, 12, 31), (a, b), (target,), risks=(risk,), funds=(fund,))


def test_horizon_days_and_lookups():
    scenario = small()
    assert scenario.horizon_days == 365.0
    assert scenario.milestone("b").duration == Fixed(3.0)
    assert scenario.pools == ("safe",)
    assert scenario.observables() == ("safe.committed", "safe.disbursed", "safe.committed_share", "safe.disbursed_share")
    assert Dependency.none() == Dependency("all", (), 0)


def test_inputs_skip_fixed_quantities():
    names = [name for name, _ in small().inputs()]
    assert names == ["milestone:a:duration", "risk:r:occurs", "risk:r:delay", "risk:r:time"]
    assert [n for n, _ in uncertain_inputs(small().milestones)] == ["milestone:a:duration"]
