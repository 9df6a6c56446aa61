"""Loading and validation: every problem at once, each with file, line, key path, found and allowed."""

import datetime as dt
import textwrap

import pytest

import sim
from sim.cli import main
from sim.load import ScenarioError, load_with_warnings

GOOD = """\
title: Small
start: 2026-01-01
horizon: end-2027
drivers:
  politics: {title: Politics, factor: {pert: {min: 0.9, mode: 1, max: 1.5}}, applies_to: [political], source: "assumption: test"}
milestones:
  endorsed: {title: Endorsed, tags: [political], status: done on 2025-12-18, source: "roadmap §4"}
  launched:
    title: Launched
    tags: [political]
    after: [endorsed]
    deadline: 2026-Q1
    duration: {triangular: {min: 1 month, mode: 2 months, max: 4 months}}
    source: "assumption: test"
  funded:
    title: Funded
    after: {k: 1, of: [endorsed, launched]}
    duration: {lognormal: {median: 3 months, p90: 6 months}}
    deadline: mid-2026
    source: "assumption: test"
risks:
  veto: {probability: 0.2, delay: 2 months, affects: {tags: [political]}, window: {from: 2026-01, to: 2026-Q2}, source: "test"}
correlations:
  - {between: [milestone:launched:duration, milestone:funded:duration], rank: 0.5, source: "assumption: test"}
targets:
  both: {title: Both, all_of: [launched, funded], deadline: end-2026}
"""
HEAD = "title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n"  # a scenario up to its milestones

def problems_of(path):
    with pytest.raises(ScenarioError) as exc:
        sim.load(path)
    return [str(p) for p in exc.value.problems]


def test_good_scenario_loads(write):
    scenario, warnings = load_with_warnings(write(GOOD))
    assert warnings == []
    assert [m.id for m in scenario.milestones] == ["endorsed", "launched", "funded"]
    assert scenario.milestone("launched").deadline == dt.date(2026, 3, 31)
    assert scenario.milestone("funded").deadline == dt.date(2026, 6, 30)
    assert scenario.milestone("endorsed").done_on == dt.date(2025, 12, 18)
    assert scenario.milestone("funded").after.mode == "k"
    assert scenario.milestone("funded").after.k == 1
    assert scenario.risks[0].affects == ("launched",)  # observed milestones are not delayed
    assert [t.id for t in scenario.targets] == ["launched", "funded", "both"]
    assert scenario.horizon == dt.date(2027, 12, 31)


def test_all_problems_reported_at_once_with_lines(write):
    text = textwrap.dedent("""\
        title: Broken
        start: 2026-01-01
        horizon: end-2027
        milestones:
          eddi-endorsed: {title: Endorsed, duration: 2 months, source: x}
          eddi-launch:
            title: Launch
            after: [eddi-endorsed, edi-endorsed]
            deadline: spring 2026
            duration: {pert: {min: 3 months, mode: 1 month, max: 6 months}}
            source: x
          other: {title: Other, duration: 3 fortnights, kynd: political}
        risks:
          r1: {title: R, probability: 1.4, delay: 1 month, affects: {milestones: [eddi-lanch]}}
        """)
    path = write(text)
    problems = problems_of(path)
    name = str(path)
    expected = [
        f"{name}:8: milestones.eddi-launch.after[1]: unknown milestone 'edi-endorsed'; did you mean 'eddi-endorsed'?",
        f"{name}:9: milestones.eddi-launch.deadline: found 'spring 2026'; expected ISO date",
        f"{name}:10: milestones.eddi-launch.duration.pert: found min '3 months', mode '1 month', max '6 months'; "
        "need min ≤ mode ≤ max",
        f"{name}:12: milestones.other.kynd: unknown key 'kynd' in a milestone; did you mean 'kind'?",
        f"{name}:12: milestones.other.duration: found '3 fortnights'; expected a number and a unit",
        f"{name}:14: risks.r1.probability: found 1.4; expected a probability 0 ≤ p ≤ 1",
        f"{name}:14: risks.r1.affects.milestones[0]: unknown milestone 'eddi-lanch'; did you mean 'eddi-launch'?",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in problems), f"missing: {line}\ngot:\n" + "\n".join(problems)
    assert len(problems) == len(expected), "\n".join(problems)


def test_cycle_is_named(write):
    path = write(textwrap.dedent("""\
        title: Cycle
        start: 2026-01-01
        horizon: end-2027
        milestones:
          a: {title: A, after: [c]}
          b: {title: B, after: [a]}
          c: {title: C, after: [b]}
          d: {title: D, after: [a]}
        """))
    problems = problems_of(path)
    assert len(problems) == 1
    assert "dependency cycle: " in problems[0]
    cycle = problems[0].split("dependency cycle: ")[1]
    nodes = cycle.split(" → ")
    assert nodes[0] == nodes[-1]
    assert sorted(nodes[:-1]) == ["a", "b", "c"]
    # each step goes from a milestone to one that waits for it
    waits = {"a": "c", "b": "a", "c": "b"}
    assert all(waits[nxt] == cur for cur, nxt in zip(nodes, nodes[1:], strict=False))


@pytest.mark.parametrize(("text", "fragment"), [
    ("title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n  a: {title: A\n", "not valid YAML"),
    ("", "the file is empty"),
    ("- a\n- b\n", "must be a mapping"),
    ("title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n  a: {title: A}\n  a: {title: B}\n", "duplicate key 'a'"),
    ("title: x\nstart: 2026-01-01\nhorizon: 2025-12\nmilestones:\n  a: {title: A}\n", "not after start"),
    ("title: x\nstart: 2026-01-01\nhorizon: end-2027\n", "milestones: missing"),
    ("title: x\nstart: mid-2026\nhorizon: end-2027\nmilestones:\n  a: {title: A}\n", "expected an ISO date"),
    ("title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n  A B: {title: A}\n", "invalid id 'A B'"),
    (HEAD + "  a: {title: A, after: {k: 3, of: [b]}}\n  b: {title: B}\n", "expected a whole number from 1 to 1"),
    (HEAD + "  a: {title: A, status: finished}\n", "expected 'done on YYYY-MM-DD'"),
    (HEAD + "  a: {title: A}\ntargets:\n  t: {title: T, all_of: [a, zz], deadline: 2026-Q1}\n",
     "unknown milestone or target 'zz'"),
    (HEAD + "  a: {title: A}\ntargets:\n  t: {title: T, all_of: [a]}\n", "targets.t.deadline: missing"),
    (HEAD + "  a: {title: A, duration: 2 days}\ncorrelations:\n"
     "  - {between: [milestone:a:duration, milestone:b:duration], rank: 0.5}\n", "is not an uncertain input"),
    (HEAD + "  a: {title: A, tags: [x]}\ndrivers:\n  d: {title: D, factor: 1.1, applies_to: [y]}\n",
     "no milestone has the tag 'y'"),
    (HEAD + "  a: {title: A}\nrisks:\n  r: {title: R, probability: 0.5, delay: 1 month, affects: {milestones: [a]}, "
     "window: {from: 2020-01, to: 2021-01}}\n", "leaves no time"),
    (HEAD + "  a: {title: A}\nfoo: 1\n", "unknown key 'foo' in the scenario"),
    ("title: !!python/object/apply:os.system ['echo hacked']\nstart: 2026-01-01\n", "tags are not allowed"),
])
def test_malformed(write, text, fragment):
    problems = problems_of(write(text))
    assert any(fragment in p for p in problems), "\n".join(problems)


def test_missing_source_is_a_warning(write):
    _, warnings = load_with_warnings(write(GOOD.replace('source: "assumption: test"', "title2: x", 0)
                                           .replace("title2: x", "source: ok")))
    assert warnings == []
    text = GOOD.replace('    source: "assumption: test"\n  funded:', "  funded:")
    _, warnings = load_with_warnings(write(text))
    assert [w.path for w in warnings] == ["milestones.launched"]
    assert "no 'source'" in warnings[0].message


def test_extends_merges_and_reports_child_lines(write, tmp_path):
    write(GOOD, "base.yaml")
    child = write(textwrap.dedent("""\
        extends: base.yaml
        title: Child
        milestones:
          launched:
            duration: 5 months
          extra: {title: Extra, after: [launched, nope]}
        """), "child.yaml")
    problems = problems_of(child)
    # The fixed duration removes an input the parent correlates: reported at the parent's line.
    assert problems == [f"{child}:6: milestones.extra.after[1]: unknown milestone 'nope'",
                        f"{child.parent / 'base.yaml'}:24: correlations[0].between[0]: 'milestone:launched:duration' "
                        "is not an uncertain input of this scenario; did you mean 'milestone:funded:duration'?"]
    child.write_text("extends: base.yaml\ntitle: Child\nmilestones:\n  launched:\n"
                     "    duration: {uniform: {min: 4 months, max: 6 months}}\n")
    scenario = sim.load(child)
    assert scenario.title == "Child"
    launched = scenario.milestone("launched")
    assert launched.duration.mean == pytest.approx(5 * 365.25 / 12)
    assert launched.deadline == dt.date(2026, 3, 31)
    assert launched.after.ids == ("endorsed",)
    assert len(scenario.correlations) == 1


def test_extends_loop(write):
    write("extends: b.yaml\ntitle: A\n", "a.yaml")
    b = write("extends: a.yaml\ntitle: B\n", "b.yaml")
    assert any("extends loops back" in p for p in problems_of(b))


def test_cli_validate_exit_codes(write, capsys):
    good = write(GOOD, "good.yaml")
    assert main(["validate", str(good)]) == 0
    bad = write("title: x\nstart: 2026-01-01\nhorizon: someday\nmilestones:\n  a: {title: A, after: [b]}\n", "bad.yaml")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3: horizon: found 'someday'" in err
    assert f"{bad}:5: milestones.a.after[0]: unknown milestone 'b'" in err
    assert "2 problems found" in err
    assert "Traceback" not in err
    assert main(["run", str(bad), "--out", str(bad.parent / "out")]) == 2
    assert not (bad.parent / "out").exists()
    assert main(["validate", str(bad.parent / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_list_form_and_upper_case_ids(write):
    path = write("""\
title: List form, as in the roadmap's YAML
start: 2026-01-01
horizon: end-2027
milestones:
  - {id: CAP-0, title: First, duration: 10 days, source: x}
  - id: CAP-1
    title: Second
    after: [CAP-0, CAP-9]
  - {id: CAP-0, title: Again}
""")
    problems = [str(p) for p in pytest.raises(sim.ScenarioError, sim.load, path).value.problems]
    assert problems == [f"{path}:9: milestones[2].id: duplicate id 'CAP-0'; each id may appear once",
                        f"{path}:8: milestones.CAP-1.after[1]: unknown milestone 'CAP-9'; did you mean 'CAP-0'?"]
    path.write_text(path.read_text().replace(", CAP-9", "").replace("  - {id: CAP-0, title: Again}\n", ""))
    scenario = sim.load(path)
    assert [m.id for m in scenario.milestones] == ["CAP-0", "CAP-1"]
    assert scenario.milestone("CAP-1").after.ids == ("CAP-0",)


def test_self_dependency(write):
    with pytest.raises(sim.ScenarioError, match="'a' cannot wait for itself"):
        sim.load(write("title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n  a: {title: A, after: [a]}\n"))
