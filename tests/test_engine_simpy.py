"""The SimPy reference engine unit by unit: milestone processes and risks (sim.engine.milestones), pools
(sim.engine.simpy_money), lines (sim.engine.simpy_lines) and their shared environment (sim.engine.simpy_shared),
with durations, delays and amounts given directly rather than sampled."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.engine.kernel import SAME_MOMENT
from sim.engine.milestones import Replication, SimpyReplication, simulate
from sim.engine.network import Network
from sim.engine.simpy_lines import LineDesk, Production
from sim.engine.simpy_money import Money, MoneyDesk
from sim.engine.simpy_shared import Shared
from sim.sampling import sample

SOURCE = 'source: "assumption: test"'
HEAD = "title: Units\nstart: 2026-01-01\nhorizon: end-2027\n"


def network(write, milestones: str, extra: str = "") -> tuple[Network, sim.Scenario]:
    scenario = sim.load(write(HEAD + "milestones:\n" + milestones + extra))
    return Network.of(scenario), scenario


def run(net: Network, durations, risk=None, shift=None, trace=None) -> Replication:
    """One replication with the given durations (days) and at most one risk (occurs, delay, time)."""
    occurs, delay, time = (np.array([float(x)]) for x in risk) if risk else (np.zeros(0),) * 3
    shift = None if shift is None else np.array(shift, dtype=float)
    return simulate(net, np.array(durations, dtype=float), occurs, delay, time, shift, trace=trace)


# ---------------------------------------------------------------------------------------------- dependencies

CHAIN = f"""
  a: {{title: A, duration: 1 day, {SOURCE}}}
  b: {{title: B, after: [a], duration: 1 day, {SOURCE}}}
  c: {{title: C, after: [b], duration: 1 day, {SOURCE}}}
"""


def test_serial_chain_of_fixed_durations_is_done_at_their_sum(write):
    net, _ = network(write, CHAIN)
    assert run(net, [10, 20, 5]).done.tolist() == [10.0, 30.0, 35.0]


@pytest.mark.parametrize(("after", "expected"), [
    ("{any: [a, b, c]}", 4.0 + 3.0),  # any-of: the first of its dependencies (the min)
    ("[a, b, c]", 10.0 + 3.0),  # all-of: the last (the max)
    ("{k: 2, of: [a, b, c]}", 7.0 + 3.0),  # k-of-n: the k-th to be done
])
def test_dependency_modes_wait_for_the_min_the_max_or_the_kth(write, after, expected):
    net, _ = network(write, f"""
  a: {{title: A, duration: 1 day, {SOURCE}}}
  b: {{title: B, duration: 1 day, {SOURCE}}}
  c: {{title: C, duration: 1 day, {SOURCE}}}
  d: {{title: D, after: {after}, duration: 1 day, {SOURCE}}}
""")
    assert run(net, [10, 4, 7, 3]).done[3] == expected


def test_beyond_the_horizon_is_inf(write):
    net, _ = network(write, CHAIN)
    done = run(net, [10, 20, 2000]).done
    assert done[:2].tolist() == [10.0, 30.0]
    assert done[2] == math.inf


# ---------------------------------------------------------------------------------------------- risks and shifts

def risk_on_b(window: str = "") -> str:
    return f"risks:\n  r: {{title: R, probability: 0.5, {window}delay: 1 day, affects: {{milestones: [b]}}, {SOURCE}}}\n"


def test_risk_without_window_delays_its_milestone_and_what_follows(write):
    net, _ = network(write, CHAIN, risk_on_b())
    assert run(net, [10, 20, 5], risk=(1, 7, 0)).done.tolist() == [10.0, 37.0, 42.0]
    assert run(net, [10, 20, 5], risk=(0, 7, 0)).done.tolist() == [10.0, 30.0, 35.0]  # did not occur


@pytest.mark.parametrize(("when", "b_done"), [(15.0, 37.0), (31.0, 30.0)])
def test_windowed_risk_hits_only_a_milestone_not_yet_done(write, when, b_done):
    net, _ = network(write, CHAIN, risk_on_b("window: {from: 2026-01-01, to: 2026-12-31}, "))
    assert run(net, [10, 20, 5], risk=(1, 7, when)).done[1] == b_done


def test_delay_shock_shift_moves_the_date_exactly_and_shields_from_risks(write):
    net, _ = network(write, CHAIN, risk_on_b("window: {from: 2026-01-01, to: 2026-12-31}, "))
    # b would be done at 30, is shifted by 5 (to 35); the risk strikes at 32, during the shift: no effect
    assert run(net, [10, 20, 5], risk=(1, 7, 32), shift=[0, 5, 0]).done.tolist() == [10.0, 35.0, 40.0]


def test_trace_reports_every_step_in_time_order(write):
    net, _ = network(write, CHAIN, risk_on_b())
    events = []
    run(net, [10, 20, 5], risk=(1, 7, 0), trace=lambda t, event, ident, detail: events.append((t, event, ident)))
    assert events == [(0.0, "risk", "r"), (0.0, "ready", "a"), (10.0, "done", "a"), (10.0, "ready", "b"),
                      (30.0, "delayed", "b"), (37.0, "done", "b"), (37.0, "ready", "c"), (42.0, "done", "c")]


def test_replication_object_creates_no_event_before_run(write):
    net, _ = network(write, CHAIN)
    replication = SimpyReplication(net, np.array([1.0, 2.0, 3.0]), np.zeros(0), np.zeros(0), np.zeros(0))
    assert replication.env.peek() == math.inf  # nothing scheduled yet
    assert replication.run().done.tolist() == [1.0, 3.0, 6.0]


def test_shared_environment_has_one_pending_completion_event_per_milestone():
    shared = Shared.of(("a", "b"))
    assert len(shared.finished) == 2
    assert not any(event.triggered for event in shared.finished)
    assert shared.trace is None


# ---------------------------------------------------------------------------------------------- pools

POT = f"""
  a: {{title: A, funding: {{pot: 6}}, {SOURCE}}}
  b: {{title: B, funding: {{pot: 6}}, {SOURCE}}}
"""


def desk(write, fund: str, amounts) -> tuple[Shared, MoneyDesk]:
    net, _ = network(write, POT, f"funds:\n  pot: {{title: Pot, {fund}, {SOURCE}}}\n")
    assert net.money is not None
    shared = Shared.of(net.ids)
    money = Money(net.money, np.array([10.0]), np.array(amounts, dtype=float), np.zeros(0))
    return shared, MoneyDesk(shared, money)


def test_pool_commits_in_request_order_and_a_short_pool_shrinks_the_later_request(write):
    shared, pools = desk(write, "envelope: 10", [6.0, 6.0])
    for i in (0, 1):
        shared.env.process(pools.fund(i))
    shared.env.run()
    assert pools.requested.tolist() == [0.0, 0.0]
    assert pools.committed.tolist() == [0.0, 0.0]
    assert pools.committed_amount.tolist() == [6.0, 4.0]  # the pool can never hold 6 more: takes what is left


def test_pool_with_inflow_wakes_when_enough_has_accrued(write):
    shared, pools = desk(write, "envelope: 10, inflow: 10", [5.0, 5.0])
    shared.env.process(pools.fund(0))
    shared.env.run()
    assert pools.committed[0] == pytest.approx(365.25 / 2)  # 5 € bn at 10 € bn a year
    assert math.isinf(pools.committed[1])  # never asked


# ---------------------------------------------------------------------------------------------- lines

LINE = f"lines:\n  line: {{title: Line, unit: units, capacity: 365.25, {SOURCE}}}\n"  # one unit a day


def lines(write, milestones: str) -> tuple[Shared, LineDesk]:
    net, scenario = network(write, milestones, LINE)
    lnet = net.lines
    assert lnet is not None
    inputs = sample(scenario, 1, 0, 1)
    occurs, delay, time = net.risk_columns(inputs)
    first_output = lnet.first_output(inputs)
    curves = lnet.curves(inputs, first_output, occurs, time, delay)
    shared = Shared.of(net.ids)
    production = Production(lnet, [c.row(0) for c in curves], first_output[0], lnet.order_quantities(inputs)[0])
    line_desk = LineDesk(shared, production)
    line_desk.start()
    return shared, line_desk


def test_line_delivers_orders_one_after_another_a_moment_after_they_arrive(write):
    shared, line = lines(write, f"""
  a: {{title: A, orders: {{line: 30}}, {SOURCE}}}
  b: {{title: B, orders: {{line: 20}}, priority: 1, {SOURCE}}}
""")
    for i in (0, 1):
        shared.env.process(line.order(i))
    shared.env.run()
    # both arrive at day 0; the line picks a moment later, by priority: b (20 days), then a (30 days)
    assert line.started.tolist() == pytest.approx([SAME_MOMENT + 20.0, SAME_MOMENT])
    assert line.delivered.tolist() == pytest.approx([SAME_MOMENT + 50.0, SAME_MOMENT + 20.0])


def test_milestone_with_orders_is_done_when_they_are_delivered(write):
    shared, line = lines(write, f"  a: {{title: A, orders: {{line: 30}}, {SOURCE}}}\n")
    assert line.orders_of(0) == (0,)
    shared.env.process(line.order(0))
    shared.env.run()
    assert line.delivered[0] == pytest.approx(30.0 + SAME_MOMENT)


# ---------------------------------------------------------------------------------------------- the cycle collector


def test_a_replication_pauses_the_cycle_collector_and_frees_its_garbage(write, monkeypatch):
    import gc
    import weakref

    net, _ = network(write, CHAIN)
    collector_on, environments = [], []
    original = Shared.of

    def shared_of(ids, trace=None):
        shared = original(ids, trace)
        environments.append(weakref.ref(shared.env))
        collector_on.append(gc.isenabled())
        return shared

    monkeypatch.setattr(Shared, "of", staticmethod(shared_of))
    assert gc.isenabled()
    run(net, [1.0, 2.0, 3.0])
    assert collector_on == [False]  # paused while the replication ran
    assert gc.isenabled()  # and on again after it
    assert environments[0]() is None  # the environment, in cycles with its processes, is freed already
    try:
        gc.disable()  # the caller's choice is left alone
        run(net, [1.0, 2.0, 3.0])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_cycle_collector_is_back_on_after_a_failing_replication(write, monkeypatch):
    import gc

    net, _ = network(write, CHAIN)
    monkeypatch.setattr(SimpyReplication, "_outcome", lambda self: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run(net, [1.0, 2.0, 3.0])
    assert gc.isenabled()
