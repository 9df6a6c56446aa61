"""A machine's first run: the post-run code compiled in a second process while this one compiles the kernel.

:func:`sim.run` and :func:`sim.runner.run_many` do this for every command and notebook (:func:`compiling_ahead`).

numba compiles one function after another within a process, and caches each on disk. On an empty cache the
baseline's first run compiled the fast engine's kernel (10–20 s) and then the post-run curves and results code
(6–12 s), one after the other. A SimPy run of a few replications uses all of the latter but not the kernel, so a
second Python process doing one compiles them meanwhile; this process then loads them from the cache when it
gets there. Nothing is shared but the cache, whose files numba writes whole (to a temporary file, then renamed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .shipped import scenarios_dir

_running: subprocess.Popen | None = None  # the last process compile_ahead started
_compiled = False  # the kernel was found in numba's cache
_starting = threading.Lock()


def kernel_is_compiled() -> bool:
    """Whether numba's disk cache holds the fast engine's kernel (False on a machine's first run).

    Reads numba-internal attributes, stable since numba 0.49; if they are missing the answer is True (nothing is
    started ahead; the run compiles as it always did). Once True it is not asked of the disk again: every run
    asks, and a compiled kernel stays in the cache.
    """
    global _compiled
    if not _compiled:
        try:
            from .engine import kernel

            index = kernel.run_batch._cache._cache_file._index_path
        except (ImportError, AttributeError):
            return True
        _compiled = os.path.exists(index)
    return _compiled


def compile_ahead(scenario_path: str | Path | None) -> subprocess.Popen | None:
    """On a cold cache, start a process compiling the post-run code with a SimPy run of ``scenario_path``.

    Returns the process (pass it to :func:`stop` when the run is done), or None when the kernel is compiled
    already, there is no scenario file, or a process this one started is still compiling (a run inside a run,
    or runs in threads: one is enough). The process writes nothing but numba's cache; it is silent and ends by
    itself within seconds.
    """
    global _running
    if not scenario_path or kernel_is_compiled():
        return None
    code = f"import sim; sim.run({str(scenario_path)!r}, n=20, seed=1, progress=False, engine='simpy')"
    # The package this process runs, whatever the folder or the install: its cache is the one to fill. ``-P``
    # keeps the current folder off the path, where ``-c`` would put it first: run from a source checkout with
    # the package installed (the README's quick start), the process imported the checkout's copy instead and
    # filled that copy's cache, so the run compiled everything itself (first run 22.9-25.6 s; now 18.7-20.4 s).
    package_root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p))
    with _starting:  # runs in threads: one process for all of them
        if _running is not None and _running.poll() is None:
            return None
        _running = subprocess.Popen([sys.executable, "-P", "-c", code], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        return _running


@contextmanager
def compiling_ahead(scenario_path: str | Path | None) -> Iterator[None]:
    """On a machine's first run, the post-run code compiled in a second process while the body runs.

    The process (:func:`compile_ahead`) runs ``scenario_path``, or the shipped baseline — which uses all of that
    code — for a scenario not read from a file (built in Python); it is stopped when the body ends, however it
    ends. On a warm cache nothing is started.
    """
    if kernel_is_compiled():  # every run but a machine's first: nothing to look up
        yield
        return
    path = scenario_path if scenario_path and Path(scenario_path).is_file() else None
    if path is None and (folder := scenarios_dir()) is not None:
        path = folder / "baseline.yaml"
    process = compile_ahead(path)
    try:
        yield
    finally:
        stop(process)


def stop(process: subprocess.Popen | None) -> None:
    """End a process of :func:`compile_ahead` (it has usually ended already)."""
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
