"""The briefing's 'since the last forecast' page: per target the change in its chance and the facts behind it."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import sim  # noqa: E402
from sim.report.briefing import briefing  # noqa: E402
from sim.report.html import html_briefing  # noqa: E402
from sim.report.markdown import markdown  # noqa: E402
from sim.report.since import changes, fact_text, facts_behind, since_pages  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios/status/2025-11-30.yaml"


@pytest.fixture(scope="module")
def chain_pair(tmp_path_factory):
    """The serial chain and a status file with its first step done early: both run with the same seed."""
    folder = tmp_path_factory.mktemp("since")
    path = folder / "status.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios/analytic/serial-chain.yaml'}\ntitle: Chain status\nstatus:\n"
                    "  as_of: 2026-01-25\n  milestones:\n    a: {done: 2026-01-21, source: 'minutes of 21 Jan'}\n")
    parent, status = sim.load(ROOT / "scenarios/analytic/serial-chain.yaml"), sim.load(path)
    return status, sim.run(status, n=2000, seed=4, progress=False), sim.run(parent, n=2000, seed=4, progress=False)


def test_a_change_carries_its_chance_then_and_now_and_the_fact_behind_it(chain_pair):
    scenario, now, then = chain_pair
    b = briefing(now, scenario=scenario, reference=then)
    found = {c.target: c for c in changes(b)}
    p_now = now.targets.set_index("target")["p_met"]
    p_then = then.targets.set_index("target")["p_met"]
    assert found, "a first step done on day 20 (its range is 20–40) moves the chain's targets"
    for target, c in found.items():
        assert c.now == pytest.approx(p_now[target])
        assert c.then == pytest.approx(p_then[target])
        assert [f.id for f in c.facts] == ["a"], "the fact on the first step is behind every target of the chain"
    assert list(found) == sorted(found, key=lambda t: -abs(found[t].now - found[t].then)), "largest change first"


def test_the_page_and_the_markdown_say_it(chain_pair):
    scenario, now, then = chain_pair
    b = briefing(now, scenario=scenario, reference=then)
    assert len(since_pages(b)) == 1
    text = markdown(b)
    assert "Facts: First step: done on 21 Jan 2026" in text
    assert "Facts: First step: done on 21 Jan 2026" in html_briefing(b)
    assert since_pages(briefing(now, scenario=scenario)) == [], "no page without a reference forecast"


def test_facts_behind_a_target_follow_its_milestones_their_predecessors_and_risks():
    scenario = sim.load(EXAMPLE)
    behind = {(f.kind, f.id) for f in facts_behind(scenario, "eddi-efw-endorsed")}
    assert ("not-done", "eddi-efw-endorsed") in behind
    assert ("occurred", "council-unanimity-block") in behind, "the risk that delays the endorsement"
    assert ("done", "mm-package-presented") not in behind, "a fact on another branch of the roadmap"
    assert facts_behind(sim.load(ROOT / "scenarios/baseline.yaml"), "eddi-efw-endorsed") == ()


def test_every_kind_of_fact_reads_in_words(write):
    path = write(f"extends: {ROOT / 'scenarios/analytic/funding-prefinancing.yaml'}\ntitle: S\nstatus:\n"
                 "  as_of: 2026-06-30\n  milestones:\n    agreement: {done: 2026-03-01, source: x}\n"
                 "    programme: {committed: 2026-03-10, source: x}\n"
                 "  money:\n    loans: {committed: 40, disbursed: 6, on: 2026-04-01, source: x}\n", "s.yaml")
    scenario = sim.load(path)
    texts = [fact_text(f, scenario) for f in scenario.status.facts]
    assert texts == ["Loan agreement: done on 1 Mar 2026", "Programme: money committed on 10 Mar 2026",
                     "loans: € 40 bn committed by 1 Apr 2026", "loans: € 6 bn disbursed by 1 Apr 2026"]
    indicator = next(t.id for t in scenario.targets if t.kind == "indicator")
    assert {f.kind for f in facts_behind(scenario, indicator)} == {"money", "committed"}, "the fund's money and programmes"
