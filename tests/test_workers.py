"""Worker processes: the --jobs cap, SIGTERM as Ctrl-C, a pool that can be stopped mid-chunk."""

import os
import signal
import time

import pytest

from sim.workers import Terminated, cap_jobs, cpu_count, exit_code, handle_sigterm, pool, restore_sigterm, stop, stop_signal


def test_jobs_are_capped_at_the_cpus():
    cpus = cpu_count()
    assert cpus >= 1
    assert cap_jobs(cpus) == (cpus, "")
    jobs, note = cap_jobs(cpus + 5)
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
        assert exit_code() == 128 + signal.SIGTERM
        assert isinstance(Terminated(), KeyboardInterrupt)  # every Ctrl-C clean-up path applies
    finally:
        restore_sigterm(previous)
    assert signal.getsignal(signal.SIGTERM) == previous


def test_a_pool_runs_work_and_stops():
    executor = pool(1)
    assert list(executor.map(abs, [-1, -2])) == [1, 2]
    stop(executor)
