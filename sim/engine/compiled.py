"""How the engine compiles its numba functions: the options in one place.

``cache=True`` keeps the machine code on disk (``__pycache__``), so only the first run on a machine pays the
compile. Kernel functions run without numba's reference counting (``_nrt=False``): they allocate nothing and
with it every call paid atomic increments — 80 % of the kernel's time under ``perf`` (docs/design.md).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from numba import njit, types
from numba.core import caching


def _tolerant(load_index: Callable[[Any], dict]) -> Callable[[Any], dict]:
    """Numba's cache-index loader, reading an index it cannot unpickle as empty (compile again) instead of failing.

    An index names the argument types of every cached signature. Written by another version of this package
    (an upgrade; a renamed record type) or for a type from a module that cannot be imported here (a test's),
    unpickling it raised ``AttributeError``/``ModuleNotFoundError`` at the first call, and every run died with a
    traceback until the ``__pycache__`` folder was deleted by hand.
    """

    def load(self) -> dict:
        try:
            return load_index(self)
        except (AttributeError, ImportError, EOFError, pickle.UnpicklingError, TypeError, ValueError):
            return {}  # stale: numba compiles again and writes a fresh index

    load.tolerant = True  # type: ignore[attr-defined]
    return load


if not getattr(caching.IndexDataCacheFile._load_index, "tolerant", False):  # numba-internal, stable since 0.49
    caching.IndexDataCacheFile._load_index = _tolerant(caching.IndexDataCacheFile._load_index)  # type: ignore[method-assign]


def compiled(nogil: bool = False, refcount: bool = False, python: bool = True) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit`` with the engine's options.

    Parameters
    ----------
    nogil : bool, default False
        Release the GIL while the function runs (entry points called from threads).
    refcount : bool, default False
        Keep numba's reference counting, needed by functions that allocate arrays.
    python : bool, default True
        Whether Python may call the function. The kernel's inner functions say False: numba then builds no
        CPython wrapper for them, and a wrapper that unboxes the kernel's state (then one record of 83 arrays)
        was most of their compile time (measured: 0.9 → 0.2 s for a one-line function taking the state; the
        first run of the baseline on an empty cache took 52 s instead of 82 s, the kernel runs as fast).
    """
    # no C-callable wrapper (for ``cfunc``/ctypes callers; none here): it unpacks every argument again and was
    # a tenth of the event loop's compiled code
    options: dict[str, Any] = {"cache": True, "nogil": nogil, "no_cfunc_wrapper": True}
    if not refcount:
        options["_nrt"] = False  # numba's private option: no reference counting
    if not python:
        options["no_cpython_wrapper"] = True
    return lambda function: _stamped_with_engine(_without_literals(njit(**options)(function)))


ENGINE = Path(__file__).resolve().parent  # sim/engine: compiled functions elsewhere call only their own and these


@functools.cache
def engine_source_hash(folder: Path = ENGINE) -> bytes:
    """sha256 of the name and text of every module in ``folder`` (default: :data:`ENGINE`)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def _stamped_with_engine(dispatcher: Any) -> Any:
    """Make ``dispatcher``'s disk cache stale whenever any module of the engine changes, not only its own.

    numba keys a function's cache on its own file, but compiles the functions it calls into it: after an edit of
    ``kernel_curves.py``, the kernel (``kernel.py``) ran its old copy of ``solve_curve`` from the cache while the
    SimPy engine called the new one, and the two engines disagreed until ``__pycache__`` was deleted. An upgrade
    that leaves a file unchanged would do the same. Reads numba-internal attributes (stable since 0.49); without
    them the cache keeps numba's own key.
    """
    cache_file: Any = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    stamp = getattr(cache_file, "_source_stamp", None)
    if stamp is not None:
        cache_file._source_stamp = (stamp, engine_source_hash())
    return dispatcher


def _without_literals(dispatcher: Any) -> Any:
    """Compile ``dispatcher`` once per argument types, not once per constant passed to it.

    numba types a constant argument (``push(..., URGENT, K_INIT_MS, ...)``) as a literal and, called from compiled
    code, compiles the function again for every combination of constants (``push`` 14 times, ``_timeout``
    6 times). The constants are typed as plain ``int64``/``bool`` instead: callers inline the small functions
    anyway, so the machine code is as fast.
    """
    get_call_template = getattr(dispatcher, "get_call_template", None)
    if get_call_template is None:  # a numba without this hook: compiled per constant, as before (slower compile)
        return dispatcher

    def unliteral_call_template(args, kws):
        return get_call_template(tuple(types.unliteral(a) for a in args),
                                 {k: types.unliteral(v) for k, v in kws.items()})

    dispatcher.get_call_template = unliteral_call_template
    return dispatcher
