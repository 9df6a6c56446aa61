"""The modules of the loader package, each imported and exercised directly (sections, chain, checker, reader)."""

import datetime as dt
import hashlib
import sys
from pathlib import Path

import pytest

from sim.errors import Problem, ScenarioError
from sim.load import load, load_with_warnings
from sim.load.build import build
from sim.load.checks import Checker, kind_of, plain
from sim.load.correlations import correlations
from sim.load.drivers import driver
from sim.load.extends import Merged, chain_sha256, merge, read_merged
from sim.load.header import header, section, shape
from sim.load.milestones import dependency, milestone, selected, tags_in_use
from sim.load.money import funds, resolve_pools
from sim.load.production import lines
from sim.load.recorded import load_recorded
from sim.load.risks import risk
from sim.load.shocks import SHOCK_KEYS, Context, apply
from sim.load.shocks import shocks as check_shocks
from sim.load.status import apply_status
from sim.load.targets import observable_names, targets
from sim.load.yaml_reader import Reader, read_yaml, scenario_title
from sim.scenario import Milestone

BASE = """\
title: Base
start: 2026-01-01
horizon: end-2028
milestones:
  a: {title: A, tags: [leg], duration: 3 months, deadline: 2026-Q4, source: x}
  b: {title: B, after: [a], tags: [leg, ind], duration: {uniform: {min: 1, max: 3}, unit: months}, deadline: end-2027, source: x}
"""
CHILD = """\
extends: base.yaml
title: Child
shocks:
  - {delay: b, by: 2 months, source: x}
"""


def checker(problems=None):
    return Checker("s.yaml", {}, [] if problems is None else problems)


MILESTONES = [Milestone("a", "A", tags=("leg",)), Milestone("b", "B", tags=("leg", "ind")), Milestone("c", "C")]


# ------------------------------------------------------------------------------------------------ reading


def test_reader_keeps_lines_and_refuses_duplicate_keys(write):
    path = write("title: x\nmilestones:\n  a: {title: A}\n  a: {title: B}\n")
    reader = Reader(path)
    data = reader.read()
    assert data["milestones"] == {"a": {"title": "A"}}
    assert reader.locs[("milestones", "a")] == (str(path), 3)
    assert [p.message for p in reader.problems] == ["duplicate key 'a'; each key may appear once"]
    assert reader.text == path.read_text()


def test_read_yaml_and_scenario_title(write):
    good = write(BASE, "good.yaml")
    data, problems = read_yaml(good)
    assert (data["title"], problems) == ("Base", [])
    assert scenario_title(good) == "Base"
    assert scenario_title(write("!!python/object:os.system x\n", "bad.yaml")) is None
    assert scenario_title(write("start: 2026-01-01\n", "untitled.yaml")) == ""


def test_merge_follows_the_composition_rules():
    parent = {"title": "P", "milestones": {"a": {"title": "A", "duration": 1}}, "shocks": [{"delay": "a"}]}
    child = {"title": "C", "milestones": {"a": {"duration": 2}}, "shocks": [{"scale": "a"}]}
    locs = {("milestones", "a"): ("c", 2), ("milestones", "a", "duration"): ("c", 2), ("shocks", 0): ("c", 3)}
    merged, where = merge(parent, {}, child, locs)
    assert merged == {"title": "C", "milestones": {"a": {"title": "A", "duration": 2}},
                      "shocks": [{"delay": "a"}, {"scale": "a"}]}
    assert where[("shocks", 1)] == ("c", 3)


# ------------------------------------------------------------------------------------------------ the sha256


def test_a_single_file_hashes_as_its_bytes(write):
    path = write(BASE)
    assert load(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert chain_sha256([BASE]) == hashlib.sha256(BASE.encode()).hexdigest()


def test_the_sha256_covers_every_file_of_the_extends_chain(write):
    base = write(BASE, "base.yaml")
    child = write(CHILD, "child.yaml")
    before = load(child).sha256
    assert before != hashlib.sha256(child.read_bytes()).hexdigest()
    assert before == chain_sha256([CHILD, BASE])
    base.write_text(BASE.replace("duration: 3 months", "duration: 4 months"))  # the child file is unchanged
    assert load(child).sha256 != before
    merged = read_merged(child, problems := [])
    assert isinstance(merged, Merged)
    assert (problems, len(merged.texts)) == ([], 2)


def test_load_recorded_finds_the_run_scenario_and_notices_changes(write, tmp_path):
    path = write(BASE)
    scenario, note = load_recorded(str(path), load(path).sha256)
    assert (scenario.title, note) == ("Base", "")
    _, note = load_recorded(str(path), "0" * 64)
    assert "has changed since the run" in note
    assert load_recorded(None)[0] is None
    assert "not found" in load_recorded(str(tmp_path / "gone.yaml"))[1]


# ------------------------------------------------------------------------------------------------ the checker


def test_checker_collects_problems_with_their_lines():
    problems: list[Problem] = []
    check = Checker("s.yaml", {("milestones", "a"): ("s.yaml", 7)}, problems)
    check.add(("milestones", "a", "after", 1), "unknown")
    assert str(problems[0]) == "s.yaml:7: milestones.a.after[1]: unknown"
    check.unknown_keys({"titel": 1}, ("title",), ("milestones", "a"), "a milestone")
    assert "did you mean 'title'" in problems[1].message
    assert check.period("2026-13", ("x",)) is None
    assert check.distribution({"pert": {"min": 1, "mode": 2, "max": 3}, "unit": "months"}, ("d",), True) is not None


def test_plain_numbers_and_the_names_of_wrong_values():
    assert plain("1.6e6") == 1.6e6
    with pytest.raises(ValueError, match="expected a number"):
        plain("many")
    with pytest.raises(ValueError, match="between"):
        plain(1e300)
    assert kind_of("x") == "text 'x'"
    assert kind_of([1]) == "a list"


# ------------------------------------------------------------------------------------------------ sections


def test_header_and_shape():
    check = checker(problems := [])
    head = header({"title": "T", "start": dt.date(2026, 1, 1), "horizon": "end-2027", "seed": 3}, check)
    assert (head.title, head.seed, head.horizon) == ("T", 3, dt.date(2027, 12, 31))
    assert head.horizon_days == 730.0
    assert shape({"milestones": {"a": {}}, "shocks": []}, check)
    assert not shape({"funds": [1]}, check)
    assert section({"milestones": {"a b": {}}}, "milestones", check) == {"a b": {}}
    assert [p.path for p in problems] == ["funds[0]", "milestones.a b"]


def test_milestones_dependencies_and_selection():
    check = checker(problems := [])
    m = milestone("b", {"title": "B", "after": {"any": ["a", "zz"]}, "duration": "2 months"}, check,
                  dt.date(2026, 1, 1), ["a", "b"])
    assert (m.after.mode, m.after.ids, m.after.k) == ("any", ("a",), 1)
    assert dependency({"k": 2, "of": ["a", "b"]}, ("x",), check, ["a", "b"]).k == 2
    assert tags_in_use({"a": {"tags": ["leg"]}, "b": {"tags": "ind"}}) == {"leg", "ind"}
    ids = selected({"milestones": ["c", "b", "c"], "tags": ["leg", "nope"]}, lambda *rest: ("sel",) + rest, check,
                   MILESTONES, {"leg", "ind"})
    assert ids == ["c", "b", "a"]
    assert [p.path for p in problems] == ["milestones.b.after.any[1]", "sel.tags[1]"]


def test_drivers_risks_and_correlations():
    check = checker(problems := [])
    d = driver("f", {"factor": {"uniform": {"min": 0.9, "max": 1.2}}, "applies_to": ["leg"], "source": "x"}, check, {"leg"})
    assert d.applies_to == ("leg",)
    r = risk("r", {"probability": 0.5, "delay": "1 month", "affects": {"tags": ["leg"]}, "source": "x",
                   "window": {"from": "2026-03", "to": "2026-06"}}, check, dt.date(2026, 1, 1), 730.0, MILESTONES,
             {"leg"})
    assert (r.affects, r.window_text) == (("a", "b"), "2026-03..2026-06")
    assert risk("q", {"probability": 2, "delay": "1 month", "affects": {"milestones": ["a"]}}, check,
                dt.date(2026, 1, 1), 730.0, MILESTONES, set()) is None
    found = correlations([{"between": ["driver:f", "risk:r:delay"], "rank": 0.5, "source": "x"}], check,
                         {"driver:f", "risk:r:delay"})
    assert found[0].rank == 0.5
    assert [p.path for p in problems] == ["risks.q.probability"]


def test_money_production_and_targets():
    check = checker(problems := [])
    fund_list = funds({"safe": {"title": "SAFE", "envelope": 10, "beneficiaries": {"PL": 1, "FR": 1}, "source": "x"}},
                      check, dt.date(2026, 1, 1), ["a"])
    assert resolve_pools("safe", ("cut",), check, fund_list) == ["safe/PL", "safe/FR"]
    line_list = lines({"shells": {"title": "Shells", "capacity": 100, "source": "x"}}, check, ["a"])
    names = observable_names(fund_list, ["shells"], MILESTONES, [], [])
    assert "safe.committed" in names
    assert "shells.output" in names
    found = targets({"t": {"title": "T", "indicator": "safe.committed", "at_least": 5, "deadline": "end-2027"}},
                    [Milestone("a", "A", deadline=dt.date(2026, 12, 31))], check, dt.date(2026, 1, 1), names)
    assert [(t.id, t.kind) for t in found] == [("a", "milestone"), ("t", "indicator")]
    assert (problems, line_list[0].id) == ([], "shells")


def test_status_marks_milestones_done():
    check = checker(problems := [])
    raw = {"as_of": "2026-03-01", "milestones": {"a": {"done": "2026-02-01", "source": "x"}}}
    milestones, status = apply_status(raw, check, dt.date(2026, 1, 1), 730.0, list(MILESTONES), {})
    assert milestones[0].done_on == dt.date(2026, 2, 1)
    assert (status.as_of, problems) == (dt.date(2026, 3, 1), [])


def test_shocks_are_checked_then_applied_in_file_order(write):
    scenario = load(write(BASE))
    check = checker(problems := [])
    context = Context(list(scenario.milestones), [], {"leg", "ind"}, [], [], scenario.start, scenario.horizon_days)
    valid = check_shocks([{"scale": {"tags": ["leg"]}, "factor": 2, "source": "x"}, {"scale": "b", "factor": 1.5},
                          {"risk": "nope", "occurs": True}], check, context)
    assert [v.record.kind for v in valid] == ["scale", "scale"]
    assert [p.path for p in problems] == ["shocks[2].risk"]
    shocked = apply(scenario, valid)
    assert [m.scale for m in shocked.milestones] == [2.0, 3.0]
    assert len(shocked.shocks) == 2
    assert set(SHOCK_KEYS) == {"delay", "scale", "risk", "freeze", "cut", "capacity"}


def test_build_reports_a_section_of_the_wrong_shape_alone():
    check = checker(problems := [])
    with pytest.raises(ScenarioError):
        build({"title": "x", "funds": "lots", "milestones": {"a": {"after": ["zz"]}}}, check)
    assert [p.path for p in problems] == ["funds"]


def test_load_with_warnings_returns_the_warnings(write):
    scenario, warnings = load_with_warnings(write(BASE.replace(", source: x}", "}")))
    assert len(scenario.milestones) == 2
    assert [w.path for w in warnings] == ["milestones.b"]  # a fixed duration needs no source


# ------------------------------------------------------------------------------------------------ two parsers

SHIPPED_FILES = sorted((Path(__file__).resolve().parents[1] / "scenarios").rglob("*.yaml"))
BAD_YAML = ["title: T\nmilestones: {a: 1\n", "title: T\n  bad: x\n", "a: b: c\n", "a: [1, 2\n", "a: 'x\n",
            "a:\n\t- x\n", "a: *nope\n", "- a\nb: 1\n", "a: 1\na: 2\n", "a: !!python/object:os.system x\n",
            "a: " + "[" * 2000 + "]" * 2000 + "\n"]


def _read_with(parser: str, path: Path):
    reader = Reader(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["sim.load.yaml_reader"], "_LIBYAML", parser == "libyaml")
        data = reader.read()
    return data, reader.locs, [(p.line, p.path) for p in reader.problems], [p.message for p in reader.problems]


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.name)
def test_libyaml_and_pure_python_parsers_read_every_shipped_file_alike(path):
    fast, slow = _read_with("libyaml", path), _read_with("python", path)
    assert fast[:3] == slow[:3]
    assert fast[0] is not None


@pytest.mark.parametrize("text", BAD_YAML)
def test_both_parsers_refuse_bad_yaml_on_the_same_line(write, text):
    path = write(text)
    fast, slow = _read_with("libyaml", path), _read_with("python", path)
    assert fast[0] == slow[0]
    assert fast[2] == slow[2]  # line and key path of every problem (the parsers word some messages differently)
    assert fast[2]


def test_a_tab_in_the_indentation_is_named(write):
    for parser in ("libyaml", "python"):
        messages = _read_with(parser, write("title: T\nmilestones:\n\t- a\n"))[3]
        assert messages == ["not valid YAML: found a tab; YAML indents with spaces, never tabs"], parser
