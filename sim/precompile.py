"""A machine's first run: the post-run code compiled in a second process while this one compiles the kernel.

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
from pathlib import Path


def kernel_is_compiled() -> bool:
    """Whether numba's disk cache holds the fast engine's kernel (False on a machine's first run).

    Reads numba-internal attributes, stable since numba 0.49; if they are missing the answer is True (nothing is
    started ahead; the run compiles as it always did).
    """
    try:
        from .engine import kernel

        index = kernel.run_batch._cache._cache_file._index_path
    except (ImportError, AttributeError):
        return True
    return os.path.exists(index)


def compile_ahead(scenario_path: str | Path | None) -> subprocess.Popen | None:
    """On a cold cache, start a process compiling the post-run code with a SimPy run of ``scenario_path``.

    Returns the process (pass it to :func:`stop` when the run is done), or None when the kernel is compiled
    already or there is no scenario file. The process writes nothing but numba's cache; it is silent and
    ends by itself within seconds.
    """
    if not scenario_path or kernel_is_compiled():
        return None
    code = f"import sim; sim.run({str(scenario_path)!r}, n=20, seed=1, progress=False, engine='simpy')"
    # The package this process runs, whatever the folder or the install: its cache is the one to fill. ``-P``
    # keeps the current folder off the path, where ``-c`` would put it first: run from a source checkout with
    # the package installed (the README's quick start), the process imported the checkout's copy instead and
    # filled that copy's cache, so the run compiled everything itself (22.6 s instead of 15.1 s, measured).
    package_root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p))
    return subprocess.Popen([sys.executable, "-P", "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)


def stop(process: subprocess.Popen | None) -> None:
    """End a process of :func:`compile_ahead` (it has usually ended already)."""
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
