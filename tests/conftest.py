import os
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def write(tmp_path):
    """Write a scenario text to a file and return its path."""

    def _write(text: str, name: str = "s.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return _write


@pytest.fixture
def root() -> Path:
    return ROOT


sys.path.insert(0, str(ROOT))

# A test run started in the background of a non-interactive shell (`cmd &`) ignores SIGINT, and every process it
# starts inherits that: the Ctrl-C tests would signal commands that cannot hear it. Handled here, SIGINT is back
# to its default in the commands the tests start.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    """Close figures a test left in pyplot (plot functions called without ``ax`` make them, as in Jupyter)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# What the controller runs in a process of its own before the tests: the fast engine compiled (numba caches it on
# disk), and on an empty cache the post-run code in a second process meanwhile, as a first `readiness run` does.
_PRECOMPILE = """
import sys
import sim
from sim.precompile import compile_ahead
baseline, chain = sys.argv[1:3]
ahead = compile_ahead(baseline)  # None when the kernel is cached already; sim.run starts no second one
try:
    sim.run(baseline, n=20, seed=1, progress=False)  # the kernel and the results
finally:
    if ahead is not None:
        ahead.wait()
sim.run(chain, n=20, seed=1, progress=False)  # the sweep of a plain network
"""
_LOCK_VARIABLE = "READINESS_TESTS_COMPILING"  # names the lock file that the xdist workers wait on
_compiling = None


def pytest_configure(config):
    """Compile the fast engine once, while xdist starts its workers; they run tests once it is compiled.

    numba caches the compiled engine on disk; on a fresh checkout every worker process would otherwise compile
    it at the same time (about 30 s of CPU each), and tests that time a signal against a run in progress would
    race the compiler. The controller starts the compile in a process holding a lock on a file; the workers
    start and collect the tests meanwhile (8 s of CPU each), then wait for the lock (:func:`pytest_collection_finish`).
    The lock is the process's: however it ends, the workers go on. Without ``fcntl`` (Windows) the controller
    compiles before any worker exists.
    """
    global _compiling
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return  # an xdist worker (it waits), or no workers (tests compile what they use)
    import subprocess
    import tempfile

    command = [sys.executable, "-c", _PRECOMPILE, str(ROOT / "scenarios" / "baseline.yaml"),
               str(ROOT / "scenarios" / "analytic" / "serial-chain.yaml")]
    try:
        import fcntl
    except ImportError:
        subprocess.run(command, check=True)
        return
    lock_path = Path(tempfile.mkdtemp(prefix="readiness-tests-")) / "compiling.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held by the process below (it shares the open file) until it ends
        _compiling = subprocess.Popen(command, pass_fds=(lock.fileno(),), cwd=ROOT)
    os.environ[_LOCK_VARIABLE] = str(lock_path)  # the workers, started after this, inherit it


def pytest_collection_finish(session):
    """An xdist worker waits, after collecting, until the controller's compile has ended."""
    lock_path = os.environ.get(_LOCK_VARIABLE)
    if not hasattr(session.config, "workerinput") or not lock_path:
        return
    import fcntl

    with open(lock_path) as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)


def pytest_unconfigure(config):
    """The controller's compile process is stopped if it still runs (the session was interrupted)."""
    if _compiling is None:
        return
    if _compiling.poll() is None:
        _compiling.kill()
        _compiling.wait()
    lock_path = Path(os.environ.pop(_LOCK_VARIABLE))
    lock_path.unlink(missing_ok=True)
    lock_path.parent.rmdir()
