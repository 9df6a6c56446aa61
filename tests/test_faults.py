"""Issue 11: faults — a mistyped --out, signals, killed processes, too many jobs, broken results folders.

Every fault must leave the previous results intact, no stray processes and no stray folders, and end with a
message and an exit code, never a traceback. Signal tests wait for a sign that the process reached the
state under test (worker processes exist, a line on stderr) instead of sleeping a fixed time.
"""

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim
from sim import workers
from sim.cli import main
from sim.results import MARKER, OutError, ResultsError, check_out, clean_stale
from tests.conftest import ROOT

SCENARIO = """\
title: Faults
start: 2026-01-01
horizon: end-2028
milestones:
  a: {title: A, duration: {triangular: {min: 1, mode: 2, max: 4}, unit: months}, deadline: 2026-Q2, source: "assumption: test"}
  b: {title: B, after: [a], duration: {uniform: {min: 1, max: 6}, unit: months}, deadline: end-2026, source: "assumption: test"}
"""
LINUX = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")


def run_cli(*args, capsys=None):
    code = main(["run", *map(str, args), "--no-progress"])
    captured = capsys.readouterr() if capsys else None
    return code, captured


@pytest.fixture
def scenario_file(write):
    return write(SCENARIO)


@pytest.fixture
def results(scenario_file):
    return sim.run(sim.load(scenario_file), n=50, seed=1)


def deadline(seconds):
    end = time.monotonic() + seconds
    return lambda: time.monotonic() < end


def children(pid):
    """Process ids of the children of ``pid`` (Linux)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) is not running
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


_STARTED: list[int] = []  # every process a test started, so that a failing test leaves none behind


@pytest.fixture(autouse=True)
def reap():
    yield
    while _STARTED:
        pid = _STARTED.pop()
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def start_run(scenario_file, out, *extra):
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario_file), "-n", "10000000", "--jobs", "2",
                             "--out", str(out), "--no-progress", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    _STARTED.append(proc.pid)
    return proc


def wait_for_workers(proc, count=2):
    more = deadline(60)
    while more() and proc.poll() is None:
        kids = [c for c in children(proc.pid) if alive(c)]
        _STARTED.extend(k for k in kids if k not in _STARTED)
        if len(kids) >= count:
            return kids
        time.sleep(0.05)  # polling interval, not a guess at how long start-up takes
    pytest.fail(f"no {count} worker processes appeared: {proc.communicate(timeout=30)}")


def wait_until_gone(pids, seconds=15):
    more = deadline(seconds)
    while more() and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def no_stray_folders(parent, name):
    return [p.name for p in Path(parent).iterdir() if p.name.startswith(f".{name}.")]


# ------------------------------------------------------------------------------------------------ --out


def test_out_refuses_a_folder_it_did_not_write(scenario_file, tmp_path, capsys):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("years of work")
    code, captured = run_cli(scenario_file, "-n", "50", "--out", mine, capsys=capsys)
    assert code == 2
    assert "is not a results folder written by readiness" in captured.err
    assert "Traceback" not in captured.err
    assert "P(met)" not in captured.out
    assert sorted(p.name for p in mine.iterdir()) == ["chapter1.tex"]
    assert (mine / "chapter1.tex").read_text() == "years of work"


def test_out_refuses_a_results_folder_with_added_files(scenario_file, tmp_path, capsys):
    out = tmp_path / "res"
    assert run_cli(scenario_file, "-n", "50", "--out", out, capsys=capsys)[0] == 0
    (out / "my-notes.md").write_text("keep me")
    before = (out / "targets.csv").read_text()
    code, captured = run_cli(scenario_file, "-n", "60", "--seed", "9", "--out", out, capsys=capsys)
    assert code == 2
    assert "holds files readiness did not write (my-notes.md)" in captured.err
    assert (out / "my-notes.md").read_text() == "keep me"
    assert (out / "targets.csv").read_text() == before


def test_out_replaces_its_own_results_folder(scenario_file, tmp_path, capsys):
    out = tmp_path / "res"
    assert run_cli(scenario_file, "-n", "50", "--out", out, capsys=capsys)[0] == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["written_by"] == "readiness-sim"
    assert "targets.csv" in marker["entries"]
    assert run_cli(scenario_file, "-n", "60", "--out", out, capsys=capsys)[0] == 0
    assert json.loads((out / "run.json").read_text())["iterations"] == 60
    assert no_stray_folders(tmp_path, "res") == []


def test_out_accepts_a_results_folder_from_before_the_marker(results, tmp_path):
    out = results.save(tmp_path / "old")
    (out / MARKER).unlink()
    (out / "series.csv").write_text("observable,date,p10,p50,p90,mean\n")  # a file older versions wrote too
    check_out(out)
    (out / "mine.txt").write_text("x")
    with pytest.raises(OutError):
        check_out(out)


def test_out_dot_is_refused(scenario_file, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("x")
    for out in (".", str(tmp_path), ".."):
        code, captured = run_cli(scenario_file, "-n", "50", "--out", out, capsys=capsys)
        assert code == 2, captured.err
        assert "is the current folder or contains it" in captured.err, captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", "s.yaml"]


def test_out_that_cannot_be_written_fails_before_simulating(scenario_file, tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    code, captured = run_cli(scenario_file, "-n", "50", "--out", tmp_path / "a-file" / "res", capsys=capsys)
    assert code == 2
    assert "cannot write results to" in captured.err
    assert "P(met)" not in captured.out
    code, captured = run_cli(scenario_file, "-n", "50", "--out", tmp_path / "a-file", capsys=capsys)
    assert code == 2
    assert "is a file" in captured.err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_default_output_fails_before_simulating(scenario_file, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir(mode=0o555)
    code, captured = run_cli(scenario_file, "-n", "50", capsys=capsys)
    assert code == 2
    assert "cannot write results to 'results/s'" in captured.err
    assert "P(met)" not in captured.out


def test_stale_partial_folders_of_its_own_are_removed(results, tmp_path):
    dead = 2**22 + 12345  # above the default pid_max: no such process
    ours = tmp_path / f".res.{dead}.abc123.partial"
    ours.mkdir()
    (ours / MARKER).write_text(json.dumps({"written_by": "readiness-sim", "entries": []}))
    (ours / "targets.csv").write_text("half")
    empty = tmp_path / f".res.{dead}.def456.partial"
    empty.mkdir()
    foreign = tmp_path / f".res.{dead}.zzz.partial"  # not marked: not ours to delete
    foreign.mkdir()
    (foreign / "data").write_text("x")
    live = tmp_path / f".res.{os.getppid()}.live.partial"  # a run in progress
    live.mkdir()
    (live / MARKER).write_text(json.dumps({"written_by": "readiness-sim", "entries": []}))
    other_name = tmp_path / f".other.{dead}.abc.partial"
    other_name.mkdir()
    (other_name / MARKER).write_text(json.dumps({"written_by": "readiness-sim", "entries": []}))
    results.save(tmp_path / "res")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["res", "s.yaml", foreign.name, live.name, other_name.name])


def test_previous_results_moved_aside_by_a_killed_run_are_restored(results, tmp_path):
    results.save(tmp_path / "res")
    dead = 2**22 + 12346
    os.replace(tmp_path / "res", tmp_path / f".res.old-{dead}")  # killed between the two renames
    assert clean_stale(tmp_path / "res") == []
    assert (tmp_path / "res" / "targets.csv").exists()
    assert no_stray_folders(tmp_path, "res") == []


# ------------------------------------------------------------------------------------------------ processes


def test_jobs_are_capped_at_the_cpus(scenario_file, tmp_path, capsys):
    out = tmp_path / "res"
    code, captured = run_cli(scenario_file, "-n", "50", "--jobs", "999", "--out", out, capsys=capsys)
    cpus = workers.cpu_count()
    assert code == 0
    assert f"note: --jobs 999 is more than the {cpus} CPUs available; using {cpus}" in captured.err
    assert json.loads((out / "run.json").read_text())["jobs"] == cpus
    assert workers.cap_jobs(1) == (1, "")


@LINUX
def test_workers_die_when_the_main_process_is_killed(scenario_file, tmp_path):
    proc = start_run(scenario_file, tmp_path / "never")
    kids = wait_for_workers(proc)
    proc.kill()  # SIGKILL: nothing in the process can react
    proc.communicate(timeout=30)
    assert wait_until_gone(kids) == [], "worker processes outlived their parent"
    assert not (tmp_path / "never").exists()


@LINUX
def test_sigterm_during_simulation_stops_cleanly(scenario_file, tmp_path):
    proc = start_run(scenario_file, tmp_path / "never")
    kids = wait_for_workers(proc)
    proc.terminate()
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "no results were written" in stderr
    assert "Traceback" not in stderr
    assert wait_until_gone(kids) == []
    assert not (tmp_path / "never").exists()
    assert no_stray_folders(tmp_path, "never") == []


# Blocks inside Results.save, after the tables are written (the charts, if any, still drawing in their processes)
# and before the folder is moved into place, and says so on stderr: the test signals exactly then.
SAVE_DRIVER = """
import contextlib, sys, threading
import sim.results
from sim.cli import main
save = sim.results.Results.save
def slow_save(self, out, extra=None):
    @contextlib.contextmanager
    def blocked(directory):
        added = extra(directory) if extra is not None else None
        with added if added is not None else contextlib.nullcontext():
            yield  # the tables are written here
            print("saving: files written", file=sys.stderr, flush=True)
            threading.Event().wait()  # until a signal arrives
    return save(self, out, extra=blocked)
sim.results.Results.save = slow_save
sys.argv[0] = "readiness"
raise SystemExit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("sig", "code", "charts"), [(signal.SIGTERM, 143, False), (signal.SIGINT, 130, False),
                                                     (signal.SIGKILL, -9, False), (signal.SIGTERM, 143, True)])
def test_signal_during_save_keeps_previous_results(scenario_file, tmp_path, sig, code, charts):
    out = tmp_path / "res"
    assert main(["run", str(scenario_file), "-n", "50", "--out", str(out), "--no-progress"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.Popen([sys.executable, "-c", SAVE_DRIVER, "run", str(scenario_file), "-n", "60", "--out",
                             str(out), "--no-progress", *(["--charts"] if charts else [])], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    _STARTED.append(proc.pid)
    for line in proc.stderr:
        if line.startswith("saving"):
            break
    kids = [c for c in children(proc.pid) if alive(c)]  # with --charts: the processes drawing them
    _STARTED.extend(kids)
    if charts and sys.platform.startswith("linux"):  # children() reads Linux's /proc
        assert kids, "no process was drawing the charts"
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    if sig == signal.SIGKILL:  # nothing can clean up at once; the next run removes what the killed one left
        assert len(no_stray_folders(tmp_path, "res")) == 1
        assert main(["run", str(scenario_file), "-n", "70", "--out", str(out), "--no-progress"]) == 0
        assert json.loads((out / "run.json").read_text())["iterations"] == 70
    else:
        assert "no results were written" in stderr
        assert "Traceback" not in stderr
    assert no_stray_folders(tmp_path, "res") == []
    assert wait_until_gone(kids) == [], "chart processes outlived the run"


def test_ctrl_c_during_imports_exits_130_without_traceback(tmp_path):
    # -X importtime reports each import as it finishes: the signal arrives while sim's imports are under way.
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "sim", "validate", "x.yaml"],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    _STARTED.append(proc.pid)
    signalled = False
    for line in proc.stderr:
        if line.split("|")[-1].strip() == "numpy":
            proc.send_signal(signal.SIGINT)
            signalled = True
            break
    assert signalled, "numpy's import was not seen"
    # A library may swallow a KeyboardInterrupt raised inside its own import; a user presses Ctrl-C again.
    # communicate() keeps reading the pipe (-X importtime writes a lot: a full pipe would block the child).
    for _ in range(120):
        try:
            rest = proc.communicate(timeout=0.5)[1]
            break
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
    else:
        pytest.fail("the interrupted command did not end within a minute")
    assert proc.returncode == 130, rest[-2000:]
    assert "Traceback" not in rest, rest[-2000:]


# ------------------------------------------------------------------------------------------------ reading results


def _truncate(path, keep):
    data = path.read_bytes()
    path.write_bytes(data[:keep(len(data))])


BROKEN = {
    "targets.csv cut mid-row": ("targets.csv", lambda p: _truncate(p, lambda n: n - 40)),
    "targets.csv empty": ("targets.csv", lambda p: p.write_text("")),
    "targets.csv missing": ("targets.csv", lambda p: p.unlink()),
    "milestones.csv cut in the header": ("milestones.csv", lambda p: _truncate(p, lambda n: 30)),
    "run.json is []": ("run.json", lambda p: p.write_text("[]")),
    "run.json is {}": ("run.json", lambda p: p.write_text("{}")),
    "run.json cut": ("run.json", lambda p: _truncate(p, lambda n: n // 2)),
    "run.json not UTF-8": ("run.json", lambda p: p.write_bytes(b"\xff\xfe{")),
    "outcomes.csv.gz truncated": ("outcomes.csv.gz", lambda p: _truncate(p, lambda n: n // 2)),
    "outcomes.csv.gz not gzip": ("outcomes.csv.gz", lambda p: p.write_bytes(b"not gzip at all")),
    "outcomes.csv.gz rows missing": ("outcomes.csv.gz", lambda p: p.write_bytes(
        b"".join(gzip.open(p).readlines()[:10]) and gzip.compress(b"".join(gzip.open(p).readlines()[:10])))),
    "inputs.csv.gz empty gzip": ("inputs.csv.gz", lambda p: p.write_bytes(gzip.compress(b""))),
    "criticality.csv missing": ("criticality.csv", lambda p: p.unlink()),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_results_load_names_the_broken_file(results, tmp_path, case):
    name, damage = BROKEN[case]
    out = results.save(tmp_path / "res")
    damage(out / name)
    with pytest.raises(ResultsError) as exc:
        sim.Results.load(out)
    assert str(exc.value).startswith(str(out / name)), exc.value


@pytest.mark.parametrize("case", ["targets.csv cut mid-row", "run.json is []", "outcomes.csv.gz truncated"])
def test_report_on_a_broken_results_folder_exits_2(results, tmp_path, capsys, case):
    name, damage = BROKEN[case]
    out = results.save(tmp_path / "res")
    damage(out / name)
    code = main(["report", str(out), "--format", "md", "--out", str(tmp_path / "b.md")])
    err = capsys.readouterr().err
    assert code == 2
    assert str(out / name) in err
    assert "Traceback" not in err
    assert not (tmp_path / "b.md").exists()


def test_results_round_trip_still_loads(results, tmp_path):
    loaded = sim.Results.load(results.save(tmp_path / "res"))
    assert loaded.n == 50
    assert list(loaded.targets.target) == ["a", "b"]
