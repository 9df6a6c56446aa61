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

import numba
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
        if _LINK_ONLY_INSTALLED:
            options["cache"] = False  # nothing to cache: its callers hold its machine code (below)

    def compile_it(function: Callable[..., Any]) -> Any:
        if not python:
            _LINK_ONLY.add((function.__module__, function.__qualname__))
        return _stamped_with_engine(_without_literals(njit(**options)(function)))

    return compile_it


# ------------------------------------------------------------------------------ machine code for callers only

_LINK_ONLY: set[tuple[str, str]] = set()  # (module, qualified name) of the functions only compiled code calls
_LINK_ONLY_NUMBA = ("0.68.",)  # numba versions whose CPUCodeLibrary.finalize the replacement below was read from


def _install_link_only() -> bool:
    """Make numba generate no machine code of their own for functions only compiled code calls.

    numba finalises every compiled function's library on its own: it links in its callees' optimised IR,
    optimises the whole module and generates machine code for it. Every caller then links that IR again and does
    the same, so the kernel's inner functions (``compiled(python=False)``) were optimised and compiled once
    for every level of the call tree above them, and their own machine code was never run: the entry point
    (``run_batch``) holds a copy of all of it. Here their libraries are only linked, and the entry point's
    library optimises and compiles everything once. Measured back to back on the baseline's first run on an
    empty cache: the kernel's compile 23.2-24.5 s -> 13.9-18.2 s. The kernel runs 10-30 % slower (0.31 ->
    0.34-0.41 s for 4,000 replications on one thread): the callers' optimiser now sees their callees
    unoptimised. Without machine code an inner function cannot be cached either (``cache=False``); a warm run
    loads the entry point, which holds it.

    numba-internal (``CPUCodeLibrary.finalize``, ``CPUContext.get_executable``); installed for the numba
    versions of :data:`_LINK_ONLY_NUMBA` only, whose ``finalize`` this mirrors; elsewhere numba works as it
    always does (a slower first run). Returns whether it is installed.
    """
    try:
        from numba.core import codegen, cpu
    except ImportError:
        return False
    installed = getattr(codegen.CPUCodeLibrary.finalize, "link_only", False)  # by an earlier import (a reload)
    if installed or not numba.__version__.startswith(_LINK_ONLY_NUMBA) or not hasattr(cpu, "_dynfunc"):
        return installed
    finalize, get_executable = codegen.CPUCodeLibrary.finalize, cpu.CPUContext.get_executable

    def finalize_linking_only(library) -> None:
        if not getattr(library, "_link_only", False):
            return finalize(library)
        codegen.require_global_compiler_lock()
        library._raise_if_finalized()
        seen = set()
        for callee in library._linking_libraries:  # what finalize does before its optimisation and machine code
            if callee not in seen:
                seen.add(callee)
                library._reload_init.update(callee._reload_init)
                library._final_module.link_in(callee._get_module_for_linking(), preserve=True)
        library._final_module.verify()
        library._finalized = True
        return None

    def executable(context, library, fndesc, env):
        if (fndesc.modname, fndesc.qualname) not in _LINK_ONLY:
            return get_executable(context, library, fndesc, env)
        library._link_only = True
        library._ensure_finalized()
        # A function Python cannot call: no address (numba's own gives 0 without a CPython wrapper, too) and no
        # environment to set (it has none in machine code; a cached entry point leaves its callees' unset alike).
        return cpu._dynfunc.make_function(fndesc.lookup_module(), fndesc.qualname.split(".")[-1],
                                      f"compiled into its callers: {fndesc.qualname}", 0, env, (library,))

    finalize_linking_only.link_only = True  # type: ignore[attr-defined]
    codegen.CPUCodeLibrary.finalize = finalize_linking_only  # type: ignore[method-assign]
    cpu.CPUContext.get_executable = executable  # type: ignore[method-assign]
    return True


_LINK_ONLY_INSTALLED = _install_link_only()


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
