"""Production: exact delivery dates (constant capacity, linear ramp, capacity cuts), statistical checks,
triggers and priorities, invariants in every replication (property-based), capability areas, bottlenecks."""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.engine import Network, simulate_batch
from sim.sampling import sample

ANALYTIC = Path(__file__).resolve().parents[1] / "scenarios" / "analytic"
YEAR = 365.25


def test_exact_delivery_dates():
    res = sim.run(ANALYTIC / "production-lines.yaml", n=40, seed=2)
    out = res.outcomes
    assert np.allclose(out["milestone:a"], 100)  # 100 units at 1 a day
    assert np.allclose(out["milestone:b"], 150)  # placed on day 10, waits for a, then 50 days
    assert np.allclose(out["milestone:c"], math.sqrt(2 * 100 * YEAR**2 / 365))  # linear ramp: ½·(R/Y²)·t² = 100
    assert np.allclose(out["milestone:d"], 115)  # half capacity from day 20 to 50 costs 15 days
    realisation = res.inputs["line:uncertain:realisation"].to_numpy()
    assert np.allclose(out["milestone:e"], 100 / realisation)


def test_linear_ramp_cumulative_output_series():
    res = sim.run(ANALYTIC / "production-lines.yaml", n=5, seed=2)
    s = res.series[res.series.observable == "ramp.output"].set_index("date")["p50"]
    start = np.datetime64("2026-01-01")
    for date in ["2026-03-01", "2026-07-01", "2026-11-01"]:
        t = float((np.datetime64(date) - start).astype(int))
        # ½·r·t² with r = 365 units/yr per year of ramp, in days: ½ · 365/365.25² · t²; capped by order c (100)
        assert s[date] == pytest.approx(0.5 * 365 / YEAR**2 * t * t, rel=1e-5)
    delivered = res.series[res.series.observable == "c.delivered"].set_index("date")["p50"]
    assert delivered["2026-07-01"] == pytest.approx(0.5 * 365 / YEAR**2 * 181**2, rel=1e-5)
    assert delivered["2026-11-01"] == pytest.approx(100)  # the order is complete: deliveries never exceed it


def test_realisation_probability_at_4_se():
    n = 8_000
    res = sim.run(ANALYTIC / "production-lines.yaml", n=n, seed=5)
    p_hat = res.targets.set_index("target").p_met["e"]
    exact = (1 - 100 / 150) / 0.5  # P(100/R ≤ 150) with R ~ U(0.5, 1)
    tol = 4 * math.sqrt(exact * (1 - exact) / n)
    assert abs(p_hat - exact) <= tol, f"p_hat={p_hat:.4f} exact={exact:.4f} tol=4SE={tol:.4f}"


LINES = """\
title: Triggers, priorities and capacity risks
start: 2026-01-01
horizon: end-2029
lines:
  plant:
    title: New plant
    capacity: 0
    target_capacity: 365.25
    trigger: contract
    first_output: 100 days
    ramp: {after: [1 day], share: [1.0]}
    source: x
  shared: {title: Shared line, capacity: 365.25, source: x}
milestones:
  contract: {title: Contract, duration: 50 days, source: x}
  early: {title: Early order, orders: {plant: 10}, source: x}
  low: {title: Low priority, duration: 5 days, orders: {shared: 10}, source: x}
  first: {title: Blocks the line, orders: {shared: 10}, source: x}
  high: {title: High priority, duration: 5 days, priority: 5, orders: {shared: 10}, source: x}
  area-step: {title: Area step, duration: 30 days, source: x}
capabilities:
  area: {title: Area, closed_by: {deliveries: {shared: 0.02}, milestones: {area-step: 0.5}}, source: x}
risks:
  strike: {title: Strike, probability: 1, window: {from: 2026-01-01, to: 2026-01-01}, delay: 20 days,
           capacity_cut: {lines: [shared], share: 1.0}, source: x}
targets:
  area-closed: {title: Area closed, indicator: area.closed, at_least: 1, deadline: end-2026}
"""


def test_trigger_priority_capacity_risk_and_areas(write):
    res = sim.run(sim.load(write(LINES)), n=20, seed=3)
    out = res.outcomes
    # nothing before the contract (day 50) + first output (100 days), then 1 a day with a 1-day ramp: the
    # output by t is t − 150 − 0.5 for t ≥ 151, so 10 units at t = 160.5
    assert np.allclose(out["milestone:early"], 160.5)
    # the shared line stops for 20 days from the strike (during day 0, after making `strike` units): 'first'
    # is done at 30 whatever the strike's time; then 'high' (priority 5) overtakes 'low', both placed on day 5
    first_done = 30.0
    assert np.allclose(out["milestone:first"], first_done)
    assert np.allclose(out["milestone:high"], first_done + 10)
    assert np.allclose(out["milestone:low"], first_done + 20)
    # area: 0.5 at day 30, + 0.02 per unit delivered on the shared line (30 units → 0.6): closed at the 25th unit
    assert np.allclose(res.times("area-closed"), first_done + 15, atol=7.0)  # 25th unit on day 45; weekly grid
    s = res.series[res.series.observable == "area.closed"].set_index("date")["p50"]
    assert s["2026-02-01"] == pytest.approx(0.5 + 0.02 * 11)
    assert s["2026-06-01"] == pytest.approx(1.0)


def test_bottlenecks_name_the_line(write):
    text = LINES + "  high-by-feb: {title: High by Feb, milestone: high, deadline: 2026-02-15}\n"
    res = sim.run(sim.load(write(text)), n=20, seed=3)
    assert res.bottlenecks.loc["shared", "high-by-feb"] == 1.0
    assert res.bottlenecks.loc["plant", "high-by-feb"] == 0.0
    trace = [e for e in sim.trace(write(text), 0) if e["event"] in ("ordered", "delivered", "ramp")]
    assert [e["event"] for e in trace][:2] == ["ordered", "ordered"]
    assert any(e["event"] == "ramp" for e in trace)


def test_production_validation(write):
    path = write("""\
title: Bad lines
start: 2026-01-01
horizon: end-2028
lines:
  l1: {title: L1, capacity: -5, source: x}
  l2: {title: L2, capacity: 10, target_capacity: 20, ramp: {after: [2 years, 1 year], share: [0.5, 1.0]}, trigger: contrct,
       source: x}
  l3: {title: L3, capacity: 10, realisation: 3, export_share: 1.2, source: x}
milestones:
  contract: {title: Contract, source: x}
  m: {title: M, orders: {l4: 10}, source: x}
""")
    with pytest.raises(sim.ScenarioError) as exc:
        sim.load(path)
    text = str(exc.value)
    for fragment in ["lines.l1.capacity: found -5; a capacity cannot be negative",
                     "lines.l2.trigger: unknown milestone 'contrct'; did you mean 'contract'?",
                     "lines.l2.ramp.after: times after first output must increase",
                     "lines.l3.realisation: a realisation factor",
                     "lines.l3.export_share: found 1.2; expected a share 0 ≤ s < 1",
                     "milestones.m.orders.l4: unknown line 'l4'"]:
        assert fragment in text, text


# ------------------------------------------------------------------------------ invariants (property-based)

def lines_scenario(lines, orders):
    out = ["title: Random lines", "start: 2026-01-01", "horizon: end-2029", "lines:"]
    for k, (cap, extra, first, _cut) in enumerate(lines):
        out.append(f"  l{k}: {{title: L{k}, capacity: {{uniform: {{min: 0, max: {cap}}}}}, "
                   f"target_capacity: {cap + extra}, first_output: {{uniform: {{min: 0, max: {first}}}, unit: days}}, "
                   f"ramp: {{after: [100 days, 300 days], share: [0.3, 1.0]}}, "
                   f"realisation: {{uniform: {{min: 0.4, max: 1}}}}, export_share: 0.3, source: x}}")
    out.append("milestones:")
    for j, (k, qty, dur, prio) in enumerate(orders):
        out.append(f"  m{j}: {{title: M{j}, duration: {{uniform: {{min: 0, max: {dur}}}, unit: days}}, "
                   f"priority: {prio}, orders: {{l{k}: {{uniform: {{min: 1, max: {qty}}}}}}}, source: x}}")
    out.append("risks:")
    cuts = [k for k, (*_, cut) in enumerate(lines) if cut]
    if cuts:
        out.append(f"  cut: {{title: Cut, probability: 0.5, window: {{from: 2026-02, to: 2027-06}}, delay: 60 days, "
                   f"capacity_cut: {{lines: [{', '.join(f'l{k}' for k in cuts)}], "
                   f"share: {{uniform: {{min: 0, max: 1}}}}}}, source: x}}")
    else:
        out.pop()
    return "\n".join(out) + "\n"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.tuples(st.floats(10, 5000), st.floats(0, 5000), st.floats(1, 700), st.booleans()),
                      min_size=1, max_size=3),
       orders=st.lists(st.tuples(st.integers(0, 2), st.floats(2, 3000), st.floats(1, 400), st.integers(0, 2)),
                       min_size=1, max_size=6))
def test_deliveries_never_exceed_orders_nor_capacity(tmp_path, lines, orders):
    orders = [(k % len(lines), q, d, p) for k, q, d, p in orders]
    path = tmp_path / "lines.yaml"
    path.write_text(lines_scenario(lines, orders))
    scenario = sim.load(path)
    net = Network.of(scenario)
    out = simulate_batch(net, sample(scenario, 9, 0, 40))
    names = list(net.observables)
    for k in range(len(lines)):
        capacity = out.series[:, names.index(f"l{k}.capacity"), :].astype(float)
        output = out.series[:, names.index(f"l{k}.output"), :].astype(float)
        delivered = out.series[:, names.index(f"l{k}.delivered"), :].astype(float)
        assert (capacity >= -1e-9).all()  # capacity never negative
        assert (delivered <= output * (1 + 1e-5) + 1e-3).all()  # never more than the integral of capacity
        assert (np.diff(delivered, axis=1) >= -1e-3).all()
        ordered = sum(float(np.max(sample(scenario, 9, 0, 40).column(f"order:m{j}:l{k}:quantity")))
                      for j, (line, *_) in enumerate(orders) if line == k)
        assert (delivered <= ordered * (1 + 1e-6) + 1e-3).all()  # never more than ordered
    for j in range(len(orders)):
        d = out.series[:, names.index(f"m{j}.delivered"), :].astype(float)
        qty = sample(scenario, 9, 0, 40).column(f"order:m{j}:l{orders[j][0]}:quantity")
        assert (d <= qty[:, None] * (1 + 1e-6) + 1e-6).all()
        finished = np.isfinite(out.delivered[:, j])
        assert (out.delivered[finished, j] >= out.started[finished, j]).all()


def test_simultaneous_orders_by_priority_and_delays_before_ordering(write):
    res = sim.run(sim.load(write("""\
title: Same moment
start: 2026-01-01
horizon: end-2027
lines:
  line: {title: Line, capacity: 365.25, source: x}
  other: {title: Other, capacity: 36.525, source: x}
milestones:
  plain: {title: Placed first, orders: {line: 10}, source: x}
  urgent: {title: Placed second, priority: 3, orders: {line: 10}, source: x}
  slipped: {title: Contract slips, tags: [slips], orders: {line: 5}, source: x}
  both: {title: Two lines, orders: {line: 1, other: 1}, deadline: 2026-01-05, source: x}
risks:
  slip: {title: Slip, probability: 1, delay: 60 days, affects: {tags: [slips]}, source: x}
""")), n=3, seed=1)
    out = res.outcomes
    assert np.allclose(out["milestone:urgent"], 10, atol=1e-6)  # priority wins among orders of the same moment
    assert np.allclose(out["milestone:plain"], 20, atol=1e-6)  # then first come: plain's 10 units
    assert np.allclose(out["milestone:both"], 21, atol=1e-6)  # its unit on 'line' (day 21) comes after 'other's (day 10)
    assert np.allclose(out["milestone:slipped"], 65, atol=1e-6)  # the risk delays the order, not just the milestone
    # 'both' waited last for 'line': the bottleneck is that line only
    assert res.bottlenecks.loc["line", "both"] == 1.0
    assert res.bottlenecks.loc["other", "both"] == 0.0


def test_workforce_caps_when_the_ramp_starts(write):
    res = sim.run(sim.load(write("""\
title: Workforce
start: 2026-01-01
horizon: end-2027
lines:
  training: {title: Training, unit: workers, capacity: 365.25, source: x}
  plant:
    title: Plant
    capacity: 0
    target_capacity: 365.25
    trigger: contract
    first_output: 20 days
    ramp: {after: [1 day], share: [1.0]}
    workforce: {line: training, workers: 100}
    source: x
  quick:
    title: Quick plant
    capacity: 0
    target_capacity: 365.25
    trigger: contract
    first_output: 20 days
    ramp: {after: [1 day], share: [1.0]}
    workforce: {line: training, workers: 5}
    source: x
milestones:
  contract: {title: Contract, duration: 10 days, source: x}
  slow: {title: Slow order, orders: {plant: 10}, source: x}
  fast: {title: Fast order, orders: {quick: 10}, source: x}
""")), n=3, seed=1)
    # ready at day 30 (trigger 10 + 20), but 100 workers are trained only on day 100: the ramp starts then
    # (1-day ramp to 1 a day: 0.5 units on the first day, so 10 units at day 100 + 10.5)
    assert np.allclose(res.outcomes["milestone:slow"], 110.5)
    # 5 workers are there by day 5: the workforce does not bind, the ramp starts at day 30
    assert np.allclose(res.outcomes["milestone:fast"], 40.5)


def test_workforce_validation(write):
    with pytest.raises(sim.ScenarioError, match="a workforce line must not need a workforce itself"):
        sim.load(write("title: W\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n  m: {title: M}\nlines:\n"
                       "  a: {title: A, capacity: 1, target_capacity: 2, ramp: {after: [1 year], share: [1]}, "
                       "workforce: {line: a, workers: 5}, source: x}\n"))
