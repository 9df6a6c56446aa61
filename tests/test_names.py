"""The input-name grammar: built and parsed in one place (sim.names), and the engines never build names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim import names

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("name", "kind", "ids", "part"), [
    (names.driver("political"), "driver", ("political",), ""),
    (names.duration("edip-adopted"), "milestone", ("edip-adopted",), "duration"),
    (names.risk("crm", "capacity_cut"), "risk", ("crm",), "capacity_cut"),
    (names.shock(3), "shock", ("3",), "delay"),
    (names.fund("safe", "envelope"), "fund", ("safe",), "envelope"),
    (names.funding("safe-pl", "safe/PL", "lag"), "funding", ("safe-pl", "safe/PL"), "lag"),
    (names.order("ukraine-2m", "shells-155"), "order", ("ukraine-2m", "shells-155"), "quantity"),
    (names.line("shells-155", "first_output"), "line", ("shells-155",), "first_output"),
    (names.indicator_weight("jp-share", "numerator", "safe.disbursed"), "indicator", ("jp-share", "safe.disbursed"),
     "numerator"),
])
def test_every_name_parses_back(name, kind, ids, part):
    assert names.parse(name) == (kind, ids, part)


def test_every_input_of_the_baseline_parses_into_an_element_it_names():
    scenario = sim.load(ROOT / "scenarios/baseline.yaml")
    elements = {"driver": {d.id for d in scenario.drivers}, "milestone": {m.id for m in scenario.milestones},
                "risk": {r.id for r in scenario.risks}, "fund": {f.id for f in scenario.funds},
                "line": {line.id for line in scenario.lines}, "indicator": {i.id for i in scenario.indicators},
                "funding": {m.id for m in scenario.milestones}, "order": {m.id for m in scenario.milestones},
                "shock": {str(i) for i in range(len(scenario.shocks))}}
    for name, _ in scenario.inputs():
        parsed = names.parse(name)
        assert parsed.ids[0] in elements[parsed.kind], name


def test_the_engine_modules_build_no_input_name():
    pattern = re.compile(r'f"(?:driver|milestone|risk|fund|funding|order|line|indicator|shock):')
    for path in (ROOT / "sim" / "engine").glob("*.py"):
        assert not pattern.search(path.read_text()), f"{path.name} builds an input name; use sim.names in .of()"


def test_observables_in_the_order_series_use():
    from sim.names import observables

    found = observables([("safe", False), ("mff", True)], ["shells"], ["buy"], ["artillery"], ["share-eu"])
    assert found == ("safe.committed", "safe.disbursed", "safe.committed_share", "safe.disbursed_share",
                     "mff.disbursed", "shells.capacity", "shells.output", "shells.delivered", "buy.delivered",
                     "artillery.closed", "share-eu")
