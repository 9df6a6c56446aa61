"""Direct tests of the fast engine's pieces: the flat arrays it is given and the pool rules it compiles."""

from collections import namedtuple

import numpy as np
import pytest

from sim.engine import Network, fast, kernel_resources
from sim.load import load

# The rules' Python bodies: compiling them for a state type defined here would write a cache entry (beside the
# engine, shared by every later run) that only a process able to import ``tests`` can read.
pool_available = kernel_resources.pool_available.py_func
pool_can_commit = kernel_resources.pool_can_commit.py_func

PoolState = namedtuple("PoolState", "open_at net_pool_rate envelope committed_total net_commit_by n_frozen "
                                    "frozen_lo frozen_hi")


def pool(rate: float = np.nan) -> PoolState:
    """One pool: opens on day 10, €5 bn envelope, €1 bn committed, commits until day 100, frozen days 20–30."""
    return PoolState(np.array([10.0]), np.array([rate]), np.array([5.0]), np.array([1.0]), np.array([100.0]),
                     np.array([1]), np.array([[20.0]]), np.array([[30.0]]))


def test_pool_has_nothing_before_it_opens_then_what_is_left():
    assert pool_available(pool(), 0, 5.0) == 0.0
    assert pool_available(pool(), 0, 15.0) == pytest.approx(4.0)


def test_pool_with_an_inflow_has_what_has_flowed_in_minus_commitments():
    # €0.1 bn a day from day 10: by day 40, €3 bn in, €1 bn committed → €2 bn; capped by the envelope later
    assert pool_available(pool(0.1), 0, 40.0) == pytest.approx(2.0)
    assert pool_available(pool(0.1), 0, 90.0) == pytest.approx(4.0)


@pytest.mark.parametrize(("day", "can"), [(5.0, False), (15.0, True), (25.0, False), (30.0, True), (100.0, True),
                                          (100.5, False)])
def test_pool_commits_only_while_open_unfrozen_and_before_its_deadline(day, can):
    assert bool(pool_can_commit(pool(), 0, day)) is can


def test_static_arrays_are_built_once_per_network(root):
    net = Network.of(load(root / "scenarios" / "baseline.yaml"))
    first = fast.static_arrays(net)
    assert fast.static_arrays(net) is first
    assert first["n_ms"] == len(net.ids)
    assert first["with_money"]
    assert first["with_lines"]


def test_fast_simulate_of_a_fixed_chain_is_the_sum_of_its_durations(write):
    path = write("title: chain\nstart: 2026-01-01\nhorizon: end-2030\nmilestones:\n"
                 "  a: {title: A, duration: {fixed: 10, unit: days}, source: 'assumption: test'}\n"
                 "  b: {title: B, after: [a], duration: {fixed: 20, unit: days}, source: 'assumption: test'}\n"
                 "targets:\n  t: {title: T, milestone: b, deadline: end-2026}\n")
    net = Network.of(load(path))
    count = 3
    durations = np.tile([10.0, 20.0], (count, 1))
    zeros = np.zeros((count, 0))
    out = fast.simulate(net, durations, np.zeros((count, 2)), zeros, zeros, zeros)
    assert np.array_equal(out["done"], np.tile([10.0, 30.0], (count, 1)))


def test_compiled_functions_run_without_reference_counting_unless_asked():
    from sim.engine.compiled import compiled

    @compiled(refcount=True)
    def allocate(n):
        return np.zeros(n)

    @compiled()
    def add_into(out, x):
        out[0] += x

    out = np.zeros(1)
    add_into(out, 2.5)
    assert out[0] == 2.5
    assert allocate(3).shape == (3,)
    assert add_into.targetoptions.get("_nrt") is False
    assert "_nrt" not in allocate.targetoptions


def test_a_compiled_function_is_compiled_once_whatever_constants_it_is_passed():
    from sim.engine.compiled import compiled

    @compiled(python=False)
    def scaled(x, k):
        return x * k

    @compiled()
    def total(x):
        return scaled(x, 1) + scaled(x, 2) + scaled(x, 3)

    assert total(1.5) == 1.5 + 3.0 + 4.5
    assert len(scaled.signatures) == 1  # numba alone: once per Literal[int](1), (2), (3)


def test_an_inner_function_is_compiled_into_its_callers_only():
    import numba

    from sim.engine import compiled as options

    if not numba.__version__.startswith(options._LINK_ONLY_NUMBA):
        assert not options._LINK_ONLY_INSTALLED  # another numba: it works as it always does
        pytest.skip(f"numba {numba.__version__}: inner functions get machine code of their own")

    @options.compiled(python=False)
    def halved(x):
        return x / 2.0

    @options.compiled()
    def outer(x):
        return halved(x) + 1.0

    assert outer(3.0) == 2.5  # the caller holds the inner function's code and runs it
    inner = halved.overloads[halved.signatures[0]]
    assert inner.library._link_only  # linked into callers only ...
    assert inner.library.codegen._engine._ee.get_function_address(inner.fndesc.mangled_name) == 0  # ... no code
    assert halved._cache.__class__.__name__ == "NullCache"  # and nothing to cache
    caller = outer.overloads[outer.signatures[0]]
    assert not getattr(caller.library, "_link_only", False)  # an entry point has machine code, and is cached
    assert outer._cache.__class__.__name__ != "NullCache"


def test_kernel_records_hold_every_array_once(root):
    net = Network.of(load(root / "scenarios" / "analytic" / "production-lines.yaml"))
    records = fast._state(fast.static_arrays(net), np.zeros(len(net.lines.lines), dtype=np.int64))
    names = [name for record in records for name in record._fields]
    assert len(names) == len(set(names)) == 85
    assert [type(r) for r in records] == list(fast.RECORDS)


def test_a_cache_index_that_cannot_be_unpickled_reads_as_empty(tmp_path, monkeypatch):
    # An index written by another version of the package names a record type that no longer exists: numba's
    # loader raised AttributeError at the first call of every run; now the index is stale and compiled again.
    import pickle
    import types

    from numba.core import caching

    import sim.engine.compiled  # noqa: F401  (installs the tolerant loader)

    gone = types.ModuleType("readiness_gone_module")
    gone.Record = type("Record", (), {"__module__": "readiness_gone_module"})
    monkeypatch.setitem(__import__("sys").modules, "readiness_gone_module", gone)
    index = caching.IndexDataCacheFile(cache_path=str(tmp_path), filename_base="f", source_stamp=(1.0, 10))
    with open(index._index_path, "wb") as fh:
        pickle.dump(index._version, fh, protocol=-1)
        fh.write(pickle.dumps(((1.0, 10), {"sig": gone.Record}), protocol=-1))
    assert index._load_index() == {"sig": gone.Record}  # readable while the type exists
    del gone.Record  # the package upgraded: the type is gone
    assert index._load_index() == {}


def test_a_cached_function_is_stale_when_any_engine_module_changes(tmp_path):
    # The kernel compiles solve_curve (kernel_curves.py) into itself: an edit of that file alone must make the
    # kernel's cache stale too, or the fast engine runs the old rule while the SimPy engine calls the new one.
    from sim.engine import compiled, kernel

    stamp = kernel.run_batch._cache._cache_file._source_stamp
    assert stamp[1] == compiled.engine_source_hash()
    for name in ("kernel.py", "kernel_curves.py"):
        (tmp_path / name).write_text("def f():\n    return 1\n")
    before = compiled.engine_source_hash(tmp_path)
    (tmp_path / "kernel_curves.py").write_text("def f():\n    return 2\n")
    assert compiled.engine_source_hash.__wrapped__(tmp_path) != before


def test_the_compiling_notice_is_said_once_when_threads_start_together(monkeypatch):
    # Batches run side by side on threads: each thread's first kernel call used to print its own notice.
    import io
    import sys
    import threading
    import time

    from sim.engine import fast

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(fast, "_compiled", set())
    monkeypatch.setattr(fast, "_announced", set())

    def first_call():
        with fast.compiling_notice(after=0.01):
            time.sleep(0.3)  # a long compile

    threads = [threading.Thread(target=first_call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert terminal.getvalue().count("compiling the fast engine") == 1
    with fast.compiling_notice(after=0.0):
        time.sleep(0.05)
    assert terminal.getvalue().count("compiling the fast engine") == 1  # compiled: never again
