"""Issue 11: every malformed or hostile scenario ends in a ScenarioError naming file, line and key path.

Each case here once gave a traceback, an unbounded computation or a silently wrong scenario.
"""

import pytest

import sim
from sim.cli import main
from sim.errors import MAX_MESSAGE, MAX_PATH
from sim.load import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, ScenarioError

SMALL = """\
title: Small
start: 2026-01-01
horizon: end-2028
funds:
  safe: {title: SAFE, envelope: 100, source: "assumption: test"}
lines:
  shells: {title: Shells, unit: rounds, capacity: 365.25, source: "assumption: test"}
milestones:
  a: {title: A, duration: 30 days, deadline: 2026-Q2, source: "assumption: test"}
  b: {title: B, after: [a], duration: {triangular: {min: 1, mode: 2, max: 4}, unit: months}, funding: {safe: 10}, source: "test"}
  c: {title: C, after: [b], orders: {shells: 100}, deadline: end-2027, source: "assumption: test"}
risks:
  r: {title: R, probability: 0.3, delay: 2 months, affects: {milestones: [b]}, source: "assumption: test"}
"""


def problems(path):
    """The problems ``sim.load(path)`` reports, as printed."""
    with pytest.raises(ScenarioError) as exc:
        sim.load(path)
    return [str(p) for p in exc.value.problems]


def test_small_scenario_loads_and_runs(write):
    assert sim.run(sim.load(write(SMALL)), n=20, seed=1).n == 20


# ------------------------------------------------------------------------------------------- tracebacks


@pytest.mark.parametrize(("line", "value"), [("start: 2026-01-01", "start: 2026-13-01"),
                                         ("deadline: 2026-Q2", "deadline: 2026-02-31"),
                                         ("deadline: end-2027", "deadline: 2027-02-29")])
def test_impossible_unquoted_dates(write, line, value):
    path = write(SMALL.replace(line, value))
    found = problems(path)
    key = line.split(":")[0]
    assert len(found) == 1, found
    assert "not a real date" in found[0], found
    assert f"{key}: found" in found[0], found
    assert found[0].startswith(f"{path}:{SMALL.splitlines().index(next(x for x in SMALL.splitlines() if line in x)) + 1}:")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\ufffe"])
def test_control_characters_and_nul(write, char):
    text = SMALL.replace("title: Small", f"title: Sm{char}all")
    found = problems(write(text))
    assert found == [f"{write(text)}:1: contains the control character U+{ord(char):04X}; scenario files are plain text"]


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(SMALL.replace("title: Small", "title: Caf\xe9").encode("latin-1"))
    assert problems(path) == [f"{path}:1: is not UTF-8 text (byte 0xe9); save the file as UTF-8"]


def test_alias_bomb_is_refused_cheaply(write):
    # Nine levels of nine aliases: 9**9 = 387 million values once expanded (it used to take ~100 s and GBs).
    lines = ["title: Bomb", "start: 2026-01-01", "horizon: end-2027", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("milestones: {m: {title: M, tags: *a9}}")
    found = problems(write("\n".join(lines) + "\n"))
    assert len(found) == 1, found
    assert f"refused: more than {MAX_NODES:,} values once aliases are expanded" in found[0], found


def test_too_many_aliases(write):
    text = "title: T\nstart: 2026-01-01\nhorizon: end-2027\nx: &x 1\ny: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    found = problems(write(text))
    assert len(found) == 1, found
    assert f"more than {MAX_ALIASES} aliases" in found[0], found


def test_alias_to_its_own_anchor(write):
    found = problems(write("title: T\nstart: 2026-01-01\nhorizon: end-2027\nmilestones: &m {a: *m}\n"))
    assert len(found) == 1, found
    assert "refused: an alias (*name) refers to the value it is part of" in found[0], found


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deep_nesting_flow(write, depth):
    found = problems(write("title: T\nmilestones: " + "[" * depth + "]" * depth + "\n"))
    assert len(found) == 1, found
    assert f"nested more than {MAX_DEPTH} levels deep" in found[0], found


def test_deep_nesting_block(write):
    text = "title: T\nmilestones:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 2000))
    found = problems(write(text))
    assert len(found) == 1, found
    assert f"nested more than {MAX_DEPTH} levels deep" in found[0], found


def test_file_size_limit(write):
    text = SMALL + "# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    found = problems(write(text))
    assert len(found) == 1, found
    assert "MB; a scenario file may be at most 4 MB" in found[0], found


@pytest.mark.parametrize(("extra", "where"), [
    ("risks:\n  f: {title: F, probability: 0.5, freeze: [[safe]], source: x}\n", "risks.f.freeze[0]: found ['safe']"),
    ("shocks:\n  - {freeze: [[safe]], from: 2026-01, to: 2026-06, source: x}\n", "shocks[0].freeze[0]: found ['safe']"),
    ("shocks:\n  - {risk: [r], occurs: true, source: x}\n", "shocks[0].risk: unknown risk ['r']"),
    ("shocks:\n  - {risk: {r: 1}, occurs: true, source: x}\n", "shocks[0].risk: unknown risk {'r': 1}"),
    ("shocks:\n  - {capacity: [shells], factor: 0.5, source: x}\n", "shocks[0].capacity: unknown line ['shells']"),
    ("shocks:\n  - {cut: [[safe]], share: 0.2, source: x}\n", "shocks[0].cut[0]: found ['safe']"),
])
def test_lists_where_ids_are_expected(write, extra, where):
    # SMALL ends with its risks section, so a risk is appended as is and a shocks section after it.
    text = SMALL + (extra.replace("risks:\n", "") if extra.startswith("risks") else extra)
    found = problems(write(text))
    assert any(where in p for p in found), found


def test_horizon_far_in_the_future(write):
    found = problems(write(SMALL.replace("horizon: end-2028", "horizon: end-9999")))
    assert found == [f"{write(SMALL)}:3: horizon: found end-9999, 7973 years after the start; expected a horizon "
                     "at most 100 years after it"]
    found = problems(write(SMALL.replace("start: 2026-01-01", "start: 0001-01-01")))
    assert any("start: found 0001-01-01; expected a start between 1900 and 2200" in p for p in found), found


# ------------------------------------------------------------------------------------------- accepted before


@pytest.mark.parametrize(("duration", "message"), [
    ("{fixed: .nan, unit: days}", "fixed: found nan; expected a finite number"),
    ("{fixed: .inf, unit: days}", "fixed: found inf; expected a finite number"),
    ("{fixed: -.inf, unit: days}", "fixed: found -inf; expected a finite number"),
    ("1.0e+308 years", "found '1.0e+308 years'; expected a number and a unit"),
    ("{fixed: 1.0e+308, unit: years}", "found 1e+308; expected a number between -1e+15 and 1e+15"),
    ("{fixed: 2000, unit: years}", "found 2000 years; expected a duration of at most 1000 years"),
    ("{uniform: {min: 0, max: 1.0e+308}, unit: days}", "uniform.max: found 1e+308; expected a number between"),
    ("{uniform: {min: 0, max: 9" + "9" * 400 + "}, unit: days}", "uniform.max: found a number with 401 digits"),
    ("{uniform: {min: 0 days, max: .nan}}", "uniform.max: found nan without a unit"),
    ("99999999999999999999 days", "found 1e+20 days; expected a duration of at most 1000 years"),
])
def test_non_finite_and_overflowing_durations(write, duration, message):
    found = problems(write(SMALL.replace("duration: 30 days", f"duration: {duration}")))
    assert len(found) == 1, found
    assert "milestones.a.duration" in found[0], found
    assert message in found[0], found


@pytest.mark.parametrize(("field", "value", "message"), [
    ("envelope: 100", "envelope: .nan", "found nan; expected a finite number"),
    ("envelope: 100", "envelope: 1.0e+300", "expected a number between"),
    ("capacity: 365.25", "capacity: .inf", "found inf; expected a finite number"),
    ("probability: 0.3", "probability: .nan", "found nan; expected a finite number"),
    ("funding: {safe: 10}", "funding: {safe: 1.0e+20}", "expected a number between"),
    ("orders: {shells: 100}", "orders: {shells: \"1e400\"}", "expected a finite number"),
])
def test_non_finite_numbers_on_every_path(write, field, value, message):
    found = problems(write(SMALL.replace(field, value)))
    assert found, found
    assert all(message in p or "source" in p for p in found), found
    assert any(message in p for p in found), found


def test_reversed_capacity_shock_window(write):
    text = SMALL + "shocks:\n  - {capacity: shells, factor: 0.5, from: 2026-06-01, to: 2026-01-31, source: x}\n"
    found = problems(write(text))
    assert found == [f"{write(text)}:15: shocks[0]: found from 2026-06-01 to 2026-01-31: 'from' is after 'to'; "
                     "expected from ≤ to"]


def test_reversed_risk_window_says_so(write):
    text = SMALL.replace("affects: {milestones: [b]}", "affects: {milestones: [b]}, window: {from: 2027-06, to: 2026-06}")
    found = problems(write(text))
    assert found == [f"{write(text)}:13: risks.r.window: found from 2027-06 to 2026-06: 'from' is after 'to'; "
                     "expected from ≤ to"]


def test_yaml_11_booleans_are_text(write):
    text = SMALL.replace("  a: {title: A", "  on: {title: On").replace("after: [a]", "after: [on]").replace(
        "milestones: [b]", "milestones: [b, on]")
    scenario = sim.load(write(text))
    assert [m.id for m in scenario.milestones] == ["on", "b", "c"]
    assert scenario.milestone("b").after.ids == ("on",)
    found = problems(write(SMALL + "shocks:\n  - {risk: r, occurs: yes, source: x}\n"))
    assert any("occurs: found 'yes'; expected true" in p for p in found), found


@pytest.mark.parametrize("status", ["done on 20250319", "done on 2025-W12-3", "done on 2025-3-19"])
def test_status_dates_are_strict(write, status):
    found = problems(write(SMALL.replace("title: A, duration: 30 days,", f"title: A, status: {status},")))
    assert any("expected an ISO date such as 2025-10-16 after 'done on'" in p for p in found), found


@pytest.mark.parametrize("value", ["2026-3-1", "2026-03-01T10:00:00", "2026-03-01 10:00"])
def test_lenient_unquoted_dates_are_refused(write, value):
    found = problems(write(SMALL.replace("deadline: 2026-Q2", f"deadline: {value}")))
    assert len(found) == 1, found
    assert f"deadline: found '{value}'; expected ISO date 2026-03-31" in found[0], found


# ------------------------------------------------------------------------------------------- message quality


def test_extends_a_folder_is_one_problem(write, tmp_path):
    found = problems(write("extends: .\ntitle: Child\n", "child.yaml"))
    assert found == [f"{tmp_path / 'child.yaml'}:1: extends: found '.', which is the folder {tmp_path}; "
                     "expected a scenario file such as ../baseline.yaml"]


@pytest.mark.parametrize("value", ["missing.yaml", "[a, b]", "''"])
def test_broken_extends_has_no_follow_on_errors(write, value):
    found = problems(write(f"extends: {value}\ntitle: Child\n", "child.yaml"))
    assert len(found) == 1, found
    assert "extends" in found[0], found


def test_funds_as_a_list_is_one_line(write):
    text = SMALL.replace("funds:\n  safe: {", "funds:\n  - {")
    found = problems(write(text))
    assert found == [f"{write(text)}:5: funds[0]: found a list whose element 0 has no 'id'; expected a mapping of "
                     "id → fund or a list of elements each with an 'id'"]


def test_long_values_are_shortened(write):
    long_id = "x" * 10_000
    found = problems(write(SMALL.replace("after: [a]", f"after: [{long_id}]").replace("  c: {", f"  {'y' * 1000}: {{")))
    assert found, found
    assert all(len(p) < len(str(write(SMALL))) + MAX_PATH + MAX_MESSAGE + 10 for p in found), found
    assert any("[10000 characters]" in p for p in found)


def test_cli_exit_2_without_traceback(write, capsys):
    assert main(["validate", str(write(SMALL.replace("start: 2026-01-01", "start: 2026-02-30")))]) == 2
    err = capsys.readouterr().err
    assert "not a real date" in err
    assert "Traceback" not in err


def test_list_survives_hostile_files(tmp_path, capsys):
    (tmp_path / "deep.yaml").write_text("title: x\nm: " + "[" * 5000 + "]" * 5000 + "\n")  # RecursionError before
    (tmp_path / "nul.yaml").write_text("title: x\x00\n")
    (tmp_path / "good.yaml").write_text(SMALL)
    assert main(["list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[-1] for line in out] == ["(unreadable)", "Small", "(unreadable)"]


@pytest.mark.parametrize("tags", ["5", "{a: 1}", "[[x]]"])
def test_tags_that_are_not_a_list_of_text(write, tags):
    found = problems(write(SMALL.replace("  a: {title: A,", f"  a: {{title: A, tags: {tags},")))
    assert any("milestones.a.tags" in p for p in found), found


def test_malformed_scenario_writes_nothing(write, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = write(SMALL.replace("start: 2026-01-01", "start: 2026-02-30"))
    assert main(["run", str(path), "-n", "20", "--no-progress"]) == 2
    assert main(["run", str(path), "-n", "20", "--out", str(tmp_path / "deep" / "res"), "--no-progress"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_long_extends_chain_is_refused(write, tmp_path):
    write(SMALL, "s0.yaml")
    for i in range(1, 1200):  # 1200 levels of recursion overflowed the stack before
        write(f"extends: s{i - 1}.yaml\ntitle: Level {i}\n", f"s{i}.yaml")
    found = problems(tmp_path / "s1199.yaml")
    assert len(found) == 1, found
    assert "more than 20 files extend each other in a chain" in found[0], found
    assert sim.load(tmp_path / "s20.yaml").title == "Level 20"
