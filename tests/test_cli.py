"""The ``readiness`` command package: the parser table, the one error boundary, the command modules, Ctrl-C."""

import argparse
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from sim.cli import COMMANDS, ENGINES, EXIT_INTERRUPTED, EXIT_USAGE, Interrupted, UsageError, main
from sim.cli.boundary import main as boundary_main
from sim.cli.common import check_targets, expand_shipped, load_all, print_problems, say, shipped_or_given
from sim.cli.compare import command as compare_command
from sim.cli.listing import list_command, targets_command
from sim.cli.parser import SHARED, build_parser, half_width, positive_int, seed_number, shared
from sim.cli.report import export_command
from sim.cli.run import STARTED
from sim.cli.score import command as score_command
from sim.cli.sensitivity import command as sensitivity_command
from sim.cli.sweep import parse_shock
from sim.cli.validate import command as validate_command
from sim.errors import Problem, ScenarioError
from sim.load import load
from tests.conftest import ROOT

SCENARIO = """\
title: CLI test
start: 2026-01-01
horizon: end-2028
milestones:
  a: {title: A, tags: [industry], duration: {triangular: {min: 1, mode: 2, max: 6}, unit: months}, source: "assumption: test"}
  b: {title: B, after: [a], duration: {pert: {min: 2, mode: 3, max: 9}, unit: months}, deadline: 2026-Q4, source: "test"}
targets:
  both: {title: Both, all_of: [a, b], deadline: 2027-03}
"""


# ------------------------------------------------------------------------------------------------ the parser


def test_every_command_has_a_parser_and_a_function():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(COMMANDS)


@pytest.mark.parametrize(("command", "defaults"), [
    (["run", "s.yaml"], {"iterations": None, "seed": None, "jobs": 1, "engine": "fast", "dask": None, "out": None}),
    (["compare", "a.yaml", "b.yaml"], {"iterations": 2000, "jobs": 1, "out": "results/compare"}),
    (["sweep", "s.yaml", "--delay", "a=0..1months"], {"iterations": 1000, "out": "results/sweep", "steps": 7}),
    (["sensitivity", "s.yaml"], {"iterations": None, "out": "results/sensitivity", "method": "sobol"}),
    (["report", "s.yaml"], {"iterations": None, "out": None, "engine": "fast"}),
])
def test_shared_options_come_from_one_table_with_per_command_defaults(command, defaults):
    args = vars(build_parser().parse_args(command))
    assert {k: args[k] for k in defaults} == defaults
    if "no_progress" in args:
        assert args["no_progress"] is False


def test_the_shared_helper_overrides_only_what_it_is_given():
    parser = argparse.ArgumentParser()
    shared(parser, jobs=True, out={"default": "here"})
    args = parser.parse_args(["-j", "3"])
    assert (args.jobs, args.out) == (3, "here")
    assert SHARED["jobs"][1]["default"] == 1  # the table itself is unchanged


@pytest.mark.parametrize(("parse", "text", "expected"), [
    (positive_int, "0", "a whole number ≥ 1"), (positive_int, "x", "a whole number ≥ 1"),
    (seed_number, "-1", "a whole number ≥ 0"), (half_width, "0.7", "a half-width between 0 and 0.5"),
])
def test_number_options_say_what_they_expect(parse, text, expected):
    with pytest.raises(argparse.ArgumentTypeError, match=expected):
        parse(text)


def test_engines_are_a_literal_list():
    assert ENGINES == ("fast", "simpy")


# ------------------------------------------------------------------------------------------------ the boundary


@pytest.fixture
def fake_command(monkeypatch):
    """Run ``readiness list`` as a function that does what the test asks."""

    def install(action):
        monkeypatch.setitem(COMMANDS, "list", lambda args: action())

    return install


def test_a_usage_error_exits_2_with_one_line(fake_command, capsys):
    def fail():
        raise UsageError("--out: something is wrong")

    fake_command(fail)
    assert main(["list"]) == EXIT_USAGE
    assert capsys.readouterr().err == "readiness: --out: something is wrong\n"


def test_scenario_problems_exit_2_with_every_problem_and_the_count(fake_command, capsys):
    def fail():
        raise ScenarioError([Problem("s.yaml", 3, "horizon", "found 'x'"), Problem("s.yaml", 0, "", "bad")])

    fake_command(fail)
    assert main(["list"]) == EXIT_USAGE
    assert capsys.readouterr().err.splitlines() == ["s.yaml:3: horizon: found 'x'", "s.yaml: bad",
                                                    "2 problems found; nothing was run."]


@pytest.mark.parametrize(("error", "message"), [
    (KeyboardInterrupt(), "readiness: interrupted; no results were written"),
    (Interrupted("interrupted while writing; no briefing was written"),
     "readiness: interrupted while writing; no briefing was written"),
])
def test_ctrl_c_exits_130_without_traceback(fake_command, capsys, error, message):
    def fail():
        raise error

    fake_command(fail)
    assert boundary_main(["list"]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.strip() == message
    assert "Traceback" not in err


def test_sigterm_exits_143(fake_command, capsys):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers need the main thread")
    fake_command(lambda: (os.kill(os.getpid(), signal.SIGTERM), time.sleep(5)))
    assert main(["list"]) == 143
    assert "terminated; no results were written" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly(fake_command):
    def fail():
        raise BrokenPipeError

    fake_command(fail)
    assert main(["list"]) == 0


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == EXIT_USAGE
    assert "readiness list" in capsys.readouterr().out


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.yaml"), "--no-progress"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "file not found" in err
    assert "1 problem found; nothing was run." in err


# ------------------------------------------------------------------------------------------------ command modules


def test_common_helpers(write, capsys, tmp_path):
    scenario = load(write(SCENARIO))
    check_targets("--joint", ["both"], scenario)
    with pytest.raises(UsageError, match="--joint: unknown target 'bot'; did you mean 'both'"):
        check_targets("--joint", ["bot"], scenario)
    say("hello")
    print_problems(ScenarioError([Problem("f", 1, "", "x")]))
    assert capsys.readouterr().err == "readiness: hello\nf:1: x\n1 problem found; nothing was run.\n"
    assert shipped_or_given(str(tmp_path / "nowhere.yaml")) == str(tmp_path / "nowhere.yaml")
    assert expand_shipped(["a.yaml"]) == ["a.yaml"]


def test_load_all_reports_the_problems_of_every_file_at_once(write):
    one = write("title: x\n", "one.yaml")
    two = write("title: y\n", "two.yaml")
    with pytest.raises(ScenarioError) as exc:
        load_all([one, two])
    assert {p.file for p in exc.value.problems} == {str(one), str(two)}


def test_validate_checks_every_file(write, capsys):
    good = write(SCENARIO, "good.yaml")
    bad = write("title: x\n", "bad.yaml")
    assert validate_command(argparse.Namespace(scenarios=[str(bad), str(good)])) == EXIT_USAGE
    captured = capsys.readouterr()
    assert f"{good}: valid — 2 milestones" in captured.out
    assert "problems found" in captured.err


def test_list_and_targets(write, tmp_path, capsys):
    path = write(SCENARIO)
    (tmp_path / "broken.yaml").write_text("title: [unclosed\n")
    assert list_command(argparse.Namespace(dir=str(tmp_path))) == 0
    assert [line.split()[-1] for line in capsys.readouterr().out.splitlines()] == ["(unreadable)", "test"]
    assert targets_command(argparse.Namespace(scenario=str(path))) == 0
    assert "both" in capsys.readouterr().out
    with pytest.raises(UsageError, match="no folder"):
        list_command(argparse.Namespace(dir=str(tmp_path / "none")))


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("a=0..2months", "delay", ("a", [0.0, 2 * 30.4375], "months")),
    ("legislative=0.8..1.2", "scale", ("legislative", [0.8, 1.2], "")),
    ("safe=0..0.5", "cut", ("safe", [0.0, 0.5], "")),
])
def test_sweep_ranges(text, kind, expected):
    subject, values, unit = parse_shock(text, kind)
    assert (subject, unit) == (expected[0], expected[2])
    assert values == pytest.approx(expected[1])


@pytest.mark.parametrize(("text", "kind", "message"), [
    ("a=0..2", "delay", "without a unit"), ("safe=0..1.5", "cut", "a share from 0 to 1"),
    ("nothing", "scale", "expected SUBJECT=A..B"), ("x=1..2months", "scale", "expected plain numbers"),
])
def test_sweep_ranges_refused(text, kind, message):
    with pytest.raises(ValueError, match=message):
        parse_shock(text, kind)


def test_sweep_unknown_subject_exits_2(write, capsys):
    assert main(["sweep", str(write(SCENARIO)), "--delay", "nope=0..1months", "--no-progress"]) == EXIT_USAGE
    assert "--delay: 'nope' is neither a milestone nor a tag" in capsys.readouterr().err


def test_sensitivity_refuses_unknown_groups(write):
    args = argparse.Namespace(scenario=str(write(SCENARIO)), groups="drivers,nope", target=None, iterations=None,
                              method="sobol")
    with pytest.raises(UsageError, match="--groups: found 'nope'"):
        sensitivity_command(args)


def test_score_refuses_a_folder_without_results(tmp_path):
    args = argparse.Namespace(results=str(tmp_path), outcomes=str(tmp_path / "o.yaml"), out=None, chart=False)
    with pytest.raises(UsageError, match="is not a results directory"):
        score_command(args)


def test_export_wants_an_xlsx_name(tmp_path):
    with pytest.raises(UsageError, match="ending in .xlsx"):
        export_command(argparse.Namespace(out=str(tmp_path / "x.pdf")))


def test_compare_loads_every_scenario_first(write, tmp_path):
    args = argparse.Namespace(base=str(write(SCENARIO)), others=[str(tmp_path / "missing.yaml")])
    with pytest.raises(ScenarioError, match="file not found"):
        compare_command(args)


# ------------------------------------------------------------------------------------------------ Ctrl-C


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def test_ctrl_c_stops_cleanly_and_writes_nothing(write, tmp_path):
    path = write(SCENARIO)
    out = tmp_path / "never"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", str(path), "-n", "10000000", "--jobs", "2",
                             "--out", str(out), "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    try:
        # Signal once the simulation has started (a fixed sleep was flaky when the signal landed during imports;
        # the first run of a fresh checkout compiles the kernel for ~30 s).
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(proc.stderr, lines), daemon=True).start()
        seen, end = [], time.monotonic() + 120
        while time.monotonic() < end:
            line = lines.get(timeout=max(end - time.monotonic(), 0.1))
            if line is None or line.startswith(f"readiness: {STARTED}"):
                break
            seen.append(line)
        assert line is not None, "".join(seen)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
        rest = []
        while (line := lines.get(timeout=10)) is not None:
            rest.append(line)
        stderr = "".join(seen + rest)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".never")]
