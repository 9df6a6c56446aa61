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


def pytest_configure(config):
    """Compile the fast engine once, before xdist starts its workers.

    numba caches the compiled engine on disk; on a fresh checkout every worker process would otherwise compile
    it at the same time (about 30 s of CPU each), and tests that time a signal against a run in progress would
    race the compiler. The controller runs this before any worker exists; workers then load the cache.
    On an empty cache a second process compiles the post-run and results code meanwhile, as a first
    ``readiness run`` does (:func:`sim.precompile.compile_ahead`).
    """
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return  # an xdist worker (the controller did it), or no workers (tests compile what they use)
    import sim
    from sim.precompile import compile_ahead

    baseline = ROOT / "scenarios" / "baseline.yaml"
    ahead = compile_ahead(baseline)  # None when the kernel is cached already
    try:
        sim.run(baseline, n=20, seed=1, progress=False)  # the kernel and the results
    finally:
        if ahead is not None:
            ahead.wait()
    sim.run(ROOT / "scenarios" / "analytic" / "serial-chain.yaml", n=20, seed=1, progress=False)  # the sweep
