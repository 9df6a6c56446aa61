"""Worker processes that die with their parent, and SIGTERM handled like Ctrl-C.

A run with ``jobs > 1`` hands chunks of replications to a process pool. Three faults used to leave processes
or files behind (issue 11):

* the main process killed (SIGTERM, SIGKILL): the workers were orphaned and kept computing;
* SIGTERM: Python's default action ends the process at once, skipping the clean-up that Ctrl-C gets;
* ``--jobs 999``: 999 processes on a 2-core machine.

Here each worker asks the kernel to kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``) and, on every
platform, a watchdog thread ends it when the parent is gone; :func:`handle_sigterm` turns SIGTERM into
:class:`Terminated`, a ``KeyboardInterrupt``, so every path that cleans up after Ctrl-C (no partial results,
temporary folders removed, pool stopped) also runs for it; :func:`cap_jobs` limits workers to the CPUs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.5
_stop_signal: int | None = None


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM; raised in the main thread like Ctrl-C's ``KeyboardInterrupt``."""


def handle_sigterm():
    """From now on, SIGTERM raises :class:`Terminated` in the main thread.

    Returns the previous handler for :func:`restore_sigterm` (None outside the main thread, where Python
    does not allow signal handlers; SIGTERM then keeps its default action).
    """
    global _stop_signal
    _stop_signal = None

    owner = os.getpid()

    def on_sigterm(signum, frame):
        global _stop_signal
        if os.getpid() != owner:  # a forked worker that has not yet reset the handler it inherited: just end
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        _stop_signal = signum
        raise Terminated(f"terminated by signal {signum}")

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, on_sigterm)


def restore_sigterm(previous) -> None:
    """Put back the SIGTERM handler :func:`handle_sigterm` replaced (so that library callers keep theirs)."""
    global _stop_signal
    _stop_signal = None
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)


def raise_if_terminated() -> None:
    """Raise :class:`Terminated` if SIGTERM arrived, even if its exception was swallowed where it landed.

    Python runs a signal handler wherever the main thread happens to be, and an exception raised inside a
    finalizer or an at-fork hook is printed as "Exception ignored" and dropped: SIGTERM sent while the
    process pool forks a worker (it lands in logging's after-fork hook) used to be lost, and the run went on
    to write its results. Loops call this between steps, so a lost SIGTERM still stops the run.
    """
    if _stop_signal is not None:
        raise Terminated(f"terminated by signal {_stop_signal}")


def stop_signal() -> int | None:
    """The signal that stopped this process (``signal.SIGTERM``), or None (Ctrl-C or not stopped)."""
    return _stop_signal


def exit_code() -> int:
    """Shell convention for a run stopped by a signal: 128 + its number (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + (_stop_signal or signal.SIGINT)


def cpu_count() -> int:
    """CPUs this process may use (its affinity mask where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def cap_jobs(jobs: int) -> tuple[int, str]:
    """``jobs`` capped at the number of CPUs, and a note saying so (empty when not capped).

    More processes than CPUs only add memory and start-up time: the work is CPU-bound.
    """
    cpus = cpu_count()
    if jobs <= cpus:
        return jobs, ""
    return cpus, f"note: --jobs {jobs} is more than the {cpus} CPUs available; using {cpus} worker processes"


def can_fork() -> bool:
    """Whether processes may be forked here: on Linux only.

    Windows cannot fork, and Python's documentation calls fork unsafe on macOS (system libraries may crash in
    the child), which is why Python starts processes there by spawning them.
    """
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def pool(jobs: int, fork: bool = False) -> ProcessPoolExecutor:
    """A process pool of at most :func:`cpu_count` workers that die with this process, started now.

    The workers are started here with Ctrl-C and SIGTERM held back (:func:`_signals_held`), and the pool is
    stopped if one came meanwhile. With ``fork``, they are forked (see :func:`can_fork`) whatever the
    platform's default start method, so they hold a copy of everything this process has now.
    """
    context = multiprocessing.get_context("fork") if fork else None
    executor = ProcessPoolExecutor(max_workers=min(jobs, cpu_count()), mp_context=context, initializer=_init_worker,
                                   initargs=(os.getpid(),))
    try:
        with _signals_held():
            executor.submit(int)  # the first task starts the workers (all of them with the fork start method)
    except KeyboardInterrupt:
        stop(executor)
        raise
    return executor


@contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM that arrive in the body are recorded, then sent again to their own handlers after it.

    Python runs a signal's handler wherever the main thread is. While the pool forks, that is inside an
    at-fork hook (logging's), where Python prints the handler's exception as "Exception ignored" and drops
    it: the run went on and wrote its results (seen in CI, for SIGTERM and for Ctrl-C).
    """
    held = (signal.SIGINT, signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or None in map(signal.getsignal, held):
        yield  # handlers can be swapped in the main thread only (None: a handler not set from Python)
        return
    arrived: list[int] = []
    owner = os.getpid()

    def record(signum, frame):
        if os.getpid() != owner:  # a forked worker that has not yet set its own handlers: just end
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        arrived.append(signum)

    previous = {s: signal.signal(s, record) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for s in dict.fromkeys(arrived):
            signal.raise_signal(s)  # its own handler runs now, outside any hook


def stop(executor: ProcessPoolExecutor) -> None:
    """Stop ``executor`` now: cancel what is queued and end the workers in the middle of their chunk.

    ``shutdown(cancel_futures=True)`` alone lets running chunks finish, and the interpreter waits for them
    at exit, so Ctrl-C or SIGTERM took as long as a chunk.
    """
    # Private attributes, stable since Python 3.9: the pool keeps no public handle on its processes or its thread.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)  # shutdown() drops the pool's reference
    call_queue = getattr(executor, "_call_queue", None)
    if call_queue is not None:
        # Chunks still in the pipe to dead workers would block the queue's feeder thread, and exit waits for it.
        call_queue.cancel_join_thread()
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=2)
        if process.is_alive():  # e.g. forked while a lock was held, before it could set its SIGTERM handler
            process.kill()
            process.join(timeout=5)
    # The pool's manager thread joins the workers too, and may reap one first: it records the exit code a moment
    # later (once it holds the GIL again), and until then multiprocessing calls that worker alive. Waiting for the
    # thread (quick: every worker has ended) leaves no worker reported alive that is gone.
    if manager is not None:
        manager.join(timeout=5)


def _init_worker(parent: int) -> None:
    # A forked worker inherits the parent's SIGTERM handler; terminate() must simply end it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # The parent stops the pool on Ctrl-C; the worker must not raise KeyboardInterrupt mid-chunk itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, even by SIGKILL."""
    direct = os.getppid() == parent
    if direct and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still applies
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
    threading.Thread(target=_watch, args=(parent, direct), name="die-with-parent", daemon=True).start()


def _watch(parent: int, direct: bool) -> None:
    while True:
        time.sleep(_WATCH_SECONDS)
        if (os.getppid() != parent) if direct else not _alive(parent):
            os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else (pid reused): treat the parent as gone
        return False
    return True


__all__ = ["Terminated", "cap_jobs", "cpu_count", "exit_code", "handle_sigterm", "pool", "raise_if_terminated",
           "restore_sigterm", "stop", "stop_signal"]
