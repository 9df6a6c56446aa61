"""Worker processes: the --jobs cap, SIGTERM as Ctrl-C, a pool that can be stopped mid-chunk."""

import os
import signal
import time

import pytest

import sim.workers as workers
from sim.workers import Terminated, handle_sigterm, pool, raise_if_terminated, restore_sigterm, stop, stop_signal
from tests.test_faults import alive


def test_jobs_are_capped_at_the_cpus():
    cpus = workers.cpu_count()
    assert cpus >= 1
    assert workers.cap_jobs(cpus) == (cpus, "")
    jobs, note = workers.cap_jobs(cpus + 5)
    assert jobs == cpus
    assert f"--jobs {cpus + 5} is more than the {cpus} CPUs" in note


def _signal_self_and_wait() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)  # the handler raises in the main thread before this ends


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM to oneself needs POSIX")
def test_sigterm_raises_terminated_and_sets_the_exit_code():
    previous = handle_sigterm()
    try:
        with pytest.raises(Terminated):
            _signal_self_and_wait()
        assert stop_signal() == signal.SIGTERM
        assert workers.exit_code() == 128 + signal.SIGTERM
        assert isinstance(Terminated(), KeyboardInterrupt)  # every Ctrl-C clean-up path applies
    finally:
        restore_sigterm(previous)
    assert signal.getsignal(signal.SIGTERM) == previous


def test_a_pool_runs_work_and_stops():
    executor = pool(1)
    assert list(executor.map(abs, [-1, -2])) == [1, 2]
    stop(executor)


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM handlers need POSIX")
def test_a_sigterm_whose_exception_was_swallowed_still_stops_the_run_and_the_save(tmp_path, write):
    # Python runs the handler wherever the main thread is; inside an at-fork hook or a finalizer its exception
    # is printed as "Exception ignored" and dropped (CI: SIGTERM while the pool forked, in logging's hook).
    import sim
    from sim.atomic import write_dir_atomic
    from sim.runner import RunInterrupted

    scenario = sim.load(write("title: T\nstart: 2026-01-01\nhorizon: end-2027\n"
                              "milestones:\n  a: {title: A, duration: 1 month, deadline: 2026-06}\n"))
    previous = handle_sigterm()
    try:
        try:
            signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)
        except Terminated:
            pass  # what an at-fork hook does with it
        with pytest.raises(Terminated):
            raise_if_terminated()
        with pytest.raises(RunInterrupted):
            sim.run(scenario, n=10)
        with pytest.raises(Terminated):
            write_dir_atomic(tmp_path / "out", lambda d: (d / "f.csv").write_text("x"))
        assert not (tmp_path / "out").exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    finally:
        restore_sigterm(previous)
    assert stop_signal() is None  # a later run in this process is not stopped by the old signal
    raise_if_terminated()
    assert sim.run(scenario, n=10).n == 10


@pytest.mark.skipif(os.name != "posix", reason="signals to oneself need POSIX")
@pytest.mark.parametrize(("signum", "raised"), [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)])
def test_a_signal_while_the_workers_start_is_raised_after_the_forks_and_stops_them(monkeypatch, signum, raised):
    from concurrent.futures import ProcessPoolExecutor

    started, dropped = [], []
    submit = ProcessPoolExecutor.submit

    def submit_then_signal(self, *args):
        future = submit(self, *args)
        started.extend(self._processes.values())
        try:  # like an at-fork hook, where Python prints an exception as "Exception ignored" and drops it
            os.kill(os.getpid(), signum)
            time.sleep(0.2)  # the handler runs here
        except KeyboardInterrupt:
            dropped.append(True)
        return future

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit_then_signal)
    previous = handle_sigterm()
    sigint = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(raised):
            pool(2)
    finally:
        restore_sigterm(previous)
    assert dropped == []  # held while the workers started: nothing printed, nothing lost
    assert signal.getsignal(signal.SIGINT) is sigint  # the handlers are back
    assert started
    assert not any(alive(p.pid) for p in started)  # the processes themselves (the OS says)
    assert not any(p.is_alive() for p in started)  # and multiprocessing's record


def test_processes_are_forked_on_linux_only(monkeypatch):
    # Python's documentation calls fork unsafe on macOS (its default there is spawn); Windows has none.
    for platform, expected in (("linux", True), ("darwin", False), ("win32", False)):
        monkeypatch.setattr(workers.sys, "platform", platform)
        assert workers.can_fork() is (expected and "fork" in workers.multiprocessing.get_all_start_methods())


def _busy() -> None:
    time.sleep(5)


def test_stopped_workers_are_recorded_as_ended():
    import multiprocessing

    # The pool's manager thread joins the workers too, and may reap one first; it records the exit code a moment
    # later. stop() waits for it: before, a stopped worker was still "alive" to multiprocessing in about one stop
    # in four, though it no longer existed.
    for _ in range(12):
        executor = pool(2)
        executor.submit(_busy)
        executor.submit(_busy)
        started = list(executor._processes.values())
        stop(executor)
        assert [p.exitcode is None for p in started] == [False] * len(started)
        assert not set(multiprocessing.active_children()) & set(started)
        assert not any(alive(p.pid) for p in started)
