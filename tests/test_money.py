"""Money: exact funding cases, conservation in every replication (property-based), freezes and cuts,
waiting-for-money records, series and validation."""

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


def test_constant_inflow_exact_depletion_dates():
    res = sim.run(ANALYTIC / "funding-inflow.yaml", n=50, seed=1)
    out = res.outcomes
    # a: 10 accrued after 1 year, then 100 days; b: 25 accrued after 2.5 years; c asks for 10 when b is done
    # but only the last 5 will ever be there (35 > 30), all accrued: it takes them at once, depleting the pot
    assert np.allclose(out["milestone:a"], YEAR + 100)
    assert np.allclose(out["milestone:b"], 2.5 * YEAR + 200)
    assert np.allclose(out["milestone:c"], 2.5 * YEAR + 200)
    paid_20 = 2.5 * YEAR + 30 + 200 * 7 / 12
    assert np.allclose(res.times("paid-20"), paid_20)
    assert np.allclose(res.times("half-committed"), 2.5 * YEAR)
    g = math.log(1.1)
    assert np.allclose(res.times("national-50"), math.log1p(50 * g / 10) / g * YEAR)
    p = res.targets.set_index("target").p_met
    assert (p["half-committed"], p["half-committed-early"], p["paid-20"], p["national-50"]) == (1, 0, 1, 1)
    waits = res.funding.set_index("milestone")
    assert waits.loc["a", "mean_wait_days"] == pytest.approx(YEAR)
    assert waits.loc["b", "mean_wait_days"] == pytest.approx(2.5 * YEAR - (YEAR + 100))
    assert waits.loc["c", "p_never"] == 0
    assert waits.loc["c", "p_short"] == 1
    assert waits.loc["c", "mean_share_received"] == pytest.approx(0.5)
    committed = res.series[res.series.observable == "pot.committed"].set_index("date")["p50"]
    assert committed["2029-02-01"] == pytest.approx(30)  # depleted, never more than the envelope


def test_prefinancing_share_at_known_dates():
    n = 20_000
    res = sim.run(ANALYTIC / "funding-prefinancing.yaml", n=n, seed=3)
    p = res.targets.set_index("target").p_met
    for target, exact in [("prefinancing-by-april", 60 / 120), ("prefinancing-by-march", 30 / 120),
                          ("quarter-paid", (485 - YEAR - 60) / 120)]:
        tol = 4 * math.sqrt(exact * (1 - exact) / n)
        assert abs(p[target] - exact) <= tol, f"{target}: p_hat={p[target]:.4f} exact={exact:.4f} tol=4SE={tol:.4f}"
    # Exactly at the agreement the disbursed share is the pre-financing: 0.15 · 40 / 100.
    agreement = res.outcomes["milestone:agreement"].to_numpy()
    np.testing.assert_allclose(res.times("prefinancing-by-april"), agreement)
    np.testing.assert_allclose(res.times("quarter-paid"), agreement + YEAR, rtol=1e-9)


def test_series_bands_match_exact_curve():
    res = sim.run(ANALYTIC / "funding-inflow.yaml", n=10, seed=1)
    s = res.series[res.series.observable == "pot.committed"].set_index("date")
    assert s.loc["2026-12-01", "p50"] == 0
    assert s.loc["2027-01-01", "p50"] == 0
    assert s.loc["2027-02-01", "p50"] == 10
    assert s.loc["2028-08-01", "p50"] == 25
    assert s.loc["2031-12-01", "p50"] == 30
    share = res.series[res.series.observable == "pot.committed_share"].set_index("date")
    assert share.loc["2028-08-01", "mean"] == pytest.approx(25 / 30, rel=1e-6)


FREEZE = """\
title: Freeze and cut
start: 2026-01-01
horizon: end-2028
funds:
  safe: {{title: SAFE, envelope: 100, beneficiaries: {{PL: 60, HU: 40}}, source: x}}
milestones:
  pl: {{title: PL contracts, funding: {{safe/PL: 50}}, duration: 10 days, source: x}}
  ask: {{title: HU plan approved, duration: 2 days, source: x}}
  hu: {{title: HU contracts, after: [ask], funding: {{safe/HU: 30}}, duration: 10 days, source: x}}
  hu2: {{title: HU second, after: [hu], funding: {{safe/HU: 10}}, source: x}}
risks:
  veto: {{title: Veto, probability: {p}, window: {{from: 2026-01-01, to: 2026-01-01}}, delay: 90 days, freeze: [safe/HU],
         source: x}}
  shrink: {{title: Shrink, probability: {q}, window: {{from: 2026-01-05, to: 2026-01-05}},
           cut: {{funds: [safe], share: 0.1}}, source: x}}
"""


def test_freeze_and_cut(write):
    res = sim.run(sim.load(write(FREEZE.format(p=1, q=1))), n=20, seed=1)
    out = res.outcomes
    # the veto occurs during 1 Jan (uniform over that day) and freezes HU for 90 days; HU asks on day 2 and
    # waits for the end of the freeze; PL is unaffected
    veto = res.inputs["risk:veto:time"].to_numpy()
    assert np.allclose(out["milestone:pl"], 10)
    assert np.allclose(out["milestone:hu"], veto + 90 + 10)
    # the cut on 5 Jan takes 10 % of 40 from HU's uncommitted 40: 36 left; hu takes 30, hu2 gets the last 6
    assert np.allclose(out["milestone:hu2"], out["milestone:hu"])
    short = res.funding.set_index("milestone")
    assert short.loc["hu2", "mean_share_received"] == pytest.approx(0.6)
    assert short.loc["hu", "p_short"] == 0
    calm = sim.run(sim.load(write(FREEZE.format(p=0, q=0), "calm.yaml")), n=20, seed=1)
    assert np.allclose(calm.outcomes["milestone:hu"], 12)
    assert np.allclose(calm.outcomes["milestone:hu2"], 12)


def test_freeze_and_cut_shocks(write):
    write(FREEZE.format(p=0, q=0), "base.yaml")
    child = sim.load(write("extends: base.yaml\ntitle: Frozen\nshocks:\n"
                           "  - {freeze: safe/HU, from: 2026-01-01, to: 2026-06-30, source: x}\n"
                           "  - {cut: safe/PL, share: 0.5, source: x}\n", "child.yaml"))
    res = sim.run(child, n=5, seed=1)
    assert np.allclose(res.outcomes["milestone:hu"], 181 + 10)  # asked on day 2, served at the end of 30 June (day 181)
    assert np.allclose(res.outcomes["milestone:pl"], 10)  # 50 no longer fits in half of 60: it takes the 30
    assert res.funding.set_index("milestone").loc["pl", "mean_share_received"] == pytest.approx(0.6)
    assert [s.kind for s in child.shocks] == ["freeze", "cut"]


def test_trace_shows_waiting_for_money():
    events = sim.trace(ANALYTIC / "funding-inflow.yaml", 0)
    kinds = [(e["event"], e["id"]) for e in events]
    assert ("waiting", "a") in kinds
    assert ("money", "a") in kinds
    assert kinds.index(("waiting", "b")) < kinds.index(("money", "b"))


def test_money_validation(write):
    path = write("""\
title: Bad money
start: 2026-01-01
horizon: end-2028
funds:
  safe: {title: SAFE, envelope: 100, beneficiaries: {PL: 60}, prefinancing: 1.5, opens: agreemnt, source: x}
  nat: {title: National, spending: {rate: 10}, source: x}
milestones:
  agreement: {title: Agreement, duration: 5 days, source: x}
  p: {title: P, funding: {safe: 5, edip: 2}, source: x}
indicators:
  share: {title: Share, ratio: {numerator: {safe.paid: 1}, denominator: {safe.disbursed: 1}}, source: x}
targets:
  t: {title: T, indicator: safe.disbursed_shares, at_least: 0.5, deadline: 2027-Q1}
""")
    with pytest.raises(sim.ScenarioError) as exc:
        sim.load(path)
    text = str(exc.value)
    for fragment in ["funds.safe.prefinancing: found 1.5; expected a share 0 ≤ s ≤ 1",
                     "funds.safe.opens: unknown milestone 'agreemnt'; did you mean 'agreement'?",
                     "funds.nat.spending: found {'rate': 10}; expected {rate: € bn per year, growth: share per year}",
                     "milestones.p.funding.safe: unknown pool 'safe'; 'safe' has beneficiaries: draw from one of safe/PL",
                     "milestones.p.funding.edip: unknown pool 'edip'",
                     "indicators.share.ratio.numerator.safe.paid: unknown observable 'safe.paid'",
                     "targets.t.indicator: unknown observable or indicator 'safe.disbursed_shares'; "
                     "did you mean 'safe.disbursed_share'?"]:
        assert fragment in text, text


# ------------------------------------------------------------------------------ conservation (property-based)

def funds_scenario(envelopes, inflows, prefin, programmes):
    lines = ["title: Random money", "start: 2026-01-01", "horizon: end-2029", "funds:"]
    for k, (env, inflow, pre) in enumerate(zip(envelopes, inflows, prefin, strict=True)):
        extra = f", inflow: {inflow}" if inflow else ""
        lines.append(f"  f{k}: {{title: F{k}, envelope: {{uniform: {{min: {env / 2}, max: {env}}}}}{extra}, "
                     f"prefinancing: {pre}, payment_lag: {{uniform: {{min: 0, max: 60}}, unit: days}}, "
                     f"beneficiaries: {{a: 1, b: 2}}, source: x}}")
    lines.append("milestones:")
    for j, (pools, amount, after, dur) in enumerate(programmes):
        funding = ", ".join(f"f{k}/{b}: {{uniform: {{min: {amount / 2}, max: {amount}}}}}" for k, b in pools)
        dep = f", after: [m{after}]" if after is not None and after < j else ""
        lines.append(f"  m{j}: {{title: M{j}{dep}, funding: {{{funding}}}, tags: [t{j % 2}], "
                     f"duration: {{uniform: {{min: 1, max: {dur}}}, unit: days}}, source: x}}")
    # two risks that delay programmes while they run, so that payment pauses are exercised too
    lines += ["risks:",
              "  r1: {title: R1, probability: 0.6, window: {from: 2026-01, to: 2028-12}, "
              "delay: {uniform: {min: 1, max: 200}, unit: days}, affects: {tags: [t0]}, source: x}",
              "  r2: {title: R2, probability: 0.6, window: {from: 2026-06, to: 2029-06}, "
              "delay: {uniform: {min: 1, max: 200}, unit: days}, affects: {tags: [t0, t1] }, source: x}"]
    if len(programmes) == 1:
        lines[-1] = lines[-1].replace("t0, t1", "t0")
    return "\n".join(lines) + "\n"


programme = st.tuples(
    st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["a", "b"])), min_size=1, max_size=2, unique=True),
    st.floats(1, 40), st.one_of(st.none(), st.integers(0, 8)), st.integers(2, 900))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(envelopes=st.lists(st.floats(5, 80), min_size=3, max_size=3),
       inflows=st.lists(st.one_of(st.none(), st.floats(1, 30)), min_size=3, max_size=3),
       prefin=st.lists(st.sampled_from([0.0, 0.15, 0.5, 1.0]), min_size=3, max_size=3),
       programmes=st.lists(programme, min_size=1, max_size=8))
def test_conservation_in_every_replication(tmp_path, envelopes, inflows, prefin, programmes):
    path = tmp_path / "random.yaml"
    path.write_text(funds_scenario(envelopes, inflows, prefin, programmes))
    scenario = sim.load(path)
    net = Network.of(scenario)
    inputs = sample(scenario, 5, 0, 60)
    out = simulate_batch(net, inputs)
    mnet = net.money
    pool_env = mnet.pool_envelopes(inputs)
    amounts = mnet.amounts(inputs)
    committed = np.where(np.isfinite(out.committed), out.committed_amount, 0.0)
    assert (committed <= amounts + 1e-9).all()
    assert (committed >= 0).all()
    for p in range(len(mnet.pools)):
        cols = [j for j, (_, q) in enumerate(mnet.parts) if q == p]
        # nothing commits more than its pool's envelope
        assert (committed[:, cols].sum(axis=1) <= pool_env[:, p] + 1e-9).all()
    # commitments never precede requests, and a programme never runs before all its money is committed
    assert (out.committed >= out.requested - 1e-9)[np.isfinite(out.committed)].all()
    for j, (i, _) in enumerate(mnet.parts):
        finished = np.isfinite(out.done[:, i])
        assert (out.done[finished, i] >= out.committed[finished, j] - 1e-9).all()
    names = list(net.observables)
    for k, fund in enumerate(mnet.fund_ids):
        c = out.series[:, names.index(f"{fund}.committed"), :].astype(float)
        d = out.series[:, names.index(f"{fund}.disbursed"), :].astype(float)
        envelope = mnet.envelopes(inputs)[:, k, None]
        assert (d >= -1e-6).all()
        assert (c >= -1e-6).all()
        assert (d <= c * (1 + 1e-5) + 1e-4).all()  # committed ≥ disbursed
        assert (c <= envelope * (1 + 1e-5) + 1e-4).all()  # nothing pays out more than its envelope
        assert (np.diff(d, axis=1) >= -1e-4).all()
        assert (np.diff(c, axis=1) >= -1e-4).all()


def test_available_from_and_metric_gates(write):
    res = sim.run(sim.load(write("""\
title: Gates
start: 2026-01-01
horizon: end-2029
funds:
  mff: {title: Next MFF, envelope: 20, inflow: 10, opens: adopted, available_from: 2028-01-01, source: x}
milestones:
  adopted: {title: MFF adopted, duration: 100 days, source: x}
  call: {title: First call, after: [adopted], funding: {mff: 5}, duration: 30 days, source: x}
  half-paid:
    title: Half the MFF money paid
    deadline: 2028-12-31
    when: {indicator: mff.disbursed_share, at_least: 0.25}
    source: x
""")), n=5, seed=1)
    day_2028 = 730.0  # 2028-01-01
    # open at day 100 but no money before 2028; 10 € bn a year accrue from then: 5 after half a year
    assert np.allclose(res.outcomes["milestone:call"], day_2028 + YEAR / 2 + 30)
    # 25 % of 20 = 5 paid: linearly over the call's 30 days after commitment (no pre-financing, no lag)
    assert np.allclose(res.outcomes["milestone:half-paid"], day_2028 + YEAR / 2 + 30)
    assert res.targets.set_index("target").p_met["half-paid"] == 1


def test_nothing_may_wait_for_a_metric_gate(write):
    with pytest.raises(sim.ScenarioError) as exc:
        sim.load(write("""\
title: Bad gate
start: 2026-01-01
horizon: end-2029
funds:
  f: {title: F, envelope: 10, source: x}
milestones:
  gate: {title: Gate, when: {indicator: f.committed, at_least: 5}, duration: 3 days, source: x}
  next: {title: Next, after: [gate], funding: {f: 5}, source: x}
"""))
    text = str(exc.value)
    assert "milestones.gate.when: 'next' waits for this metric-gated milestone" in text
    assert "milestones.gate.duration: a milestone with 'when' is done when its metric is reached" in text


def test_risk_delays_pause_payments_causally(write):
    text = """\
title: Pauses
start: 2026-01-01
horizon: end-2028
funds:
  f: {{title: F, envelope: 100, source: x}}
milestones:
  p: {{title: Programme, funding: {{f: 100}}, duration: 100 days, tags: [prog], source: x}}
risks:
  strike: {{title: Strike, probability: {p}, window: {{from: 2026-02-20, to: 2026-02-20}}, delay: 30 days,
           affects: {{tags: [prog]}}, source: x}}
  late: {{title: Late, probability: {q}, window: {{from: 2026-03-01, to: 2026-03-01}}, delay: 20 days,
         affects: {{tags: [prog]}}, source: x}}
targets:
  paid-40: {{title: 40 paid, indicator: f.disbursed, at_least: 40, deadline: 2026-12-31}}
  paid-80: {{title: 80 paid, indicator: f.disbursed, at_least: 80, deadline: 2026-12-31}}
"""
    calm = sim.run(sim.load(write(text.format(p=0, q=0), "calm.yaml")), n=4, seed=1)
    hit = sim.run(sim.load(write(text.format(p=1, q=0), "hit.yaml")), n=4, seed=1)
    both = sim.run(sim.load(write(text.format(p=1, q=1), "both.yaml")), n=4, seed=1)
    # the strike hits during 20 Feb (day 50–51), when 50 of the 100 € bn have been paid
    assert np.allclose(calm.times("paid-80"), 80)  # 1 € bn a day
    assert np.allclose(hit.times("paid-40"), 40)  # paid before the strike: unchanged
    assert np.allclose(hit.times("paid-80"), 80 + 30)  # the pause moves later payments by its length
    assert np.allclose(hit.outcomes["milestone:p"], 130)
    # the second risk hits during the first pause: the pauses run one after the other, 50 days in all
    assert np.allclose(both.times("paid-80"), 80 + 50)
    assert np.allclose(both.outcomes["milestone:p"], 150)
    s = both.series[both.series.observable == "f.disbursed"]["p50"].to_numpy()
    assert (np.diff(s) >= -1e-6).all()  # never goes backwards


def test_value_at_the_deadline_versus_first_reached(write):
    res = sim.run(sim.load(write("""\
title: Rise and fall
start: 2026-01-01
horizon: end-2027
funds:
  f: {title: F, envelope: 10, source: x}
milestones:
  p: {title: Programme, funding: {f: 10}, duration: 100 days, source: x}
indicators:
  pace: {title: Paid over the last 30 days, sum: {f.disbursed: 1}, trailing: 30 days, source: x}
targets:
  reached: {title: Reached 2 by May, indicator: pace, at_least: 2, deadline: 2026-05-01}
  on-may-day: {title: At least 2 on 1 May, indicator: pace, at_least: 2, holds: at-deadline, deadline: 2026-05-01}
  on-march-2: {title: At least 2 on 2 March, indicator: pace, at_least: 2, holds: at-deadline, deadline: 2026-03-02}
""")), n=3, seed=1)
    # 0.1 € bn a day for 100 days: the 30-day pace rises to 3 by day 30, holds until day 100, is 1 on day 120
    p = res.targets.set_index("target").p_met
    assert (p["reached"], p["on-may-day"], p["on-march-2"]) == (1, 0, 1)
    assert np.allclose(res.times("reached"), 20)  # linear on the weekly grid: exact here
    assert np.allclose(res.times("on-march-2"), 21)  # held since the first weekly point at or above 2
    assert np.isinf(res.times("on-may-day")).all()  # never at 2 again
    with pytest.raises(sim.ScenarioError, match="expected 'reached'"):
        sim.load(write("title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n  a: {title: A}\n"
                       "targets:\n  t: {title: T, milestone: a, holds: sometimes, deadline: 2026-05-01}\n", "bad.yaml"))
