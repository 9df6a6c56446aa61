"""A machine's first run: the post-run code compiled ahead in a second process (sim.precompile)."""

import pytest

import sim.precompile as precompile

SMALL = """\
title: Small
start: 2026-01-01
horizon: end-2027
funds:
  pot: {title: Pot, envelope: 10, source: "assumption: test"}
milestones:
  a: {title: A, duration: 30 days, funding: {pot: 4}, source: "assumption: test"}
targets:
  spent: {title: Spent, indicator: pot.committed, at_least: 4, deadline: 2026-06-30}
"""


def test_nothing_is_started_when_the_kernel_is_compiled_or_there_is_no_file(write, monkeypatch):
    monkeypatch.setattr(precompile, "kernel_is_compiled", lambda: True)
    assert precompile.compile_ahead(write(SMALL)) is None
    monkeypatch.setattr(precompile, "kernel_is_compiled", lambda: False)
    assert precompile.compile_ahead("") is None
    assert precompile.compile_ahead(None) is None
    precompile.stop(None)


def test_on_a_cold_cache_a_silent_simpy_run_compiles_ahead_and_ends(write, monkeypatch):
    monkeypatch.setattr(precompile, "kernel_is_compiled", lambda: False)
    process = precompile.compile_ahead(write(SMALL))
    assert process is not None
    assert process.wait(timeout=120) == 0  # the scenario ran with the SimPy engine (nothing written but the cache)
    precompile.stop(process)  # already ended: nothing to do


def test_the_process_compiles_the_package_of_this_run_whatever_the_folder(write, monkeypatch, tmp_path):
    # Run from a source checkout while the package is installed (the README's quick start), the folder holds
    # another copy of the package; compiling that copy would fill a cache the run never reads.
    folder = tmp_path / "checkout"
    (folder / "sim").mkdir(parents=True)
    (folder / "sim" / "__init__.py").write_text("raise SystemExit(3)  # another copy of the package\n")
    monkeypatch.chdir(folder)
    monkeypatch.setattr(precompile, "kernel_is_compiled", lambda: False)
    process = precompile.compile_ahead(write(SMALL))
    assert process is not None
    assert process.wait(timeout=120) == 0  # 3: it imported the folder's copy


def test_a_warm_cache_starts_nothing_and_looks_nothing_up(monkeypatch):
    started = _Started(monkeypatch)
    monkeypatch.setattr(precompile, "kernel_is_compiled", lambda: True)
    monkeypatch.setattr(precompile, "scenarios_dir", lambda: pytest.fail("looked up on a warm cache"))
    with precompile.compiling_ahead(None):
        pass
    assert started.paths == []


def test_one_process_compiles_ahead_at_a_time(write, monkeypatch):
    monkeypatch.setattr(precompile, "kernel_is_compiled", lambda: False)
    first = precompile.compile_ahead(write(SMALL))
    assert precompile.compile_ahead(write(SMALL)) is None  # a run inside a run (the test suite's warm-up)
    precompile.stop(first)
    second = precompile.compile_ahead(write(SMALL))  # the first has ended
    assert second is not None
    precompile.stop(second)


def test_stop_ends_a_process_still_running(write, monkeypatch):
    monkeypatch.setattr(precompile, "kernel_is_compiled", lambda: False)
    process = precompile.compile_ahead(write(SMALL))
    precompile.stop(process)
    assert process.poll() is not None


def test_the_kernel_is_compiled_in_a_test_session():
    import sim
    from sim.engine import Network, simulate_batch
    from sim.sampling import sample

    scenario = sim.load(__import__("pathlib").Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    simulate_batch(Network.of(scenario), sample(scenario, 1, 0, 2))  # compiles or loads the kernel
    assert precompile.kernel_is_compiled()


class _Started:
    """On a cold cache, what compile_ahead was asked to run, and whether it was stopped (no process is started)."""

    def __init__(self, monkeypatch):
        self.paths, self.stopped = [], 0
        monkeypatch.setattr(precompile, "kernel_is_compiled", lambda: False)  # a machine's first run
        monkeypatch.setattr(precompile, "compile_ahead", lambda path: self.paths.append(path) or self)
        monkeypatch.setattr(precompile, "stop", lambda process: setattr(self, "stopped", self.stopped + (process is self)))


def test_a_run_compiles_ahead_its_own_scenario_and_stops_the_process_when_done(write, monkeypatch):
    import sim

    started = _Started(monkeypatch)
    path = write(SMALL)
    sim.run(path, n=20, seed=1, progress=False)
    assert started.paths == [str(path)]
    assert started.stopped == 1
    sim.runner.run_many([sim.load(path)] * 2, n=20, seed=1, progress=False)  # compare and sweep
    assert started.paths == [str(path)] * 2
    assert started.stopped == 2


def test_a_scenario_built_in_python_compiles_ahead_with_the_shipped_baseline(monkeypatch):
    import dataclasses

    import sim
    from sim.shipped import scenarios_dir

    started = _Started(monkeypatch)
    scenario = dataclasses.replace(sim.load(scenarios_dir() / "delays" / "crm-shock.yaml"), path="")
    sim.run(scenario, n=20, seed=1, progress=False)
    assert started.paths == [scenarios_dir() / "baseline.yaml"]
    assert started.stopped == 1


def test_nothing_is_compiled_ahead_when_this_process_does_not_compile_the_kernel(write, monkeypatch):
    import sim

    started = _Started(monkeypatch)
    path = write(SMALL)
    sim.run(path, n=20, seed=1, progress=False, engine="simpy")  # no kernel to compile
    sim.run(path, n=20, seed=1, progress=False, jobs=2)  # the worker processes compile
    assert started.paths == []


def test_the_process_is_stopped_when_the_run_fails(monkeypatch):
    started = _Started(monkeypatch)
    try:
        with precompile.compiling_ahead(None):
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert started.stopped == 1
