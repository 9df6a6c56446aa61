"""Monte Carlo runner: replications in batches, seeds, worker processes, progress, convergence stopping.

Replication *i* always gets the same sampled inputs (see :mod:`sim.sampling`) and the engine is a pure
function of them, so results are identical whatever the number of workers or the batch size. Batches are counted
into a :class:`sim.results.streaming.RunAggregator` as they arrive and then dropped, so memory does not grow with
the number of replications beyond the first ones kept whole (20,000 by default).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
import signal
import sys
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__, precompile, workers
from . import calendar as cal
from .engine import ENGINES, BatchOutcome, Network, simulate_batch
from .labels import input_labels
from .load import load
from .results import Results, streaming
from .results.spool import OutcomeSpool
from .results.streaming import SUBSAMPLE, RunAggregator
from .sampling import Copula, Inputs, sample
from .scenario import Scenario

DEFAULT_SEED = 20251016
BATCH = 1000


class RunInterrupted(RuntimeError):
    """The run was stopped (Ctrl-C) before it finished; nothing was written."""


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the parent, which stops the pool cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _simulate_chunk(net: Network, inputs: Inputs, engine: str = "fast") -> BatchOutcome:
    return simulate_batch(net, inputs, engine=engine, threads=1)  # one thread per worker process


def _split(inputs: Inputs, parts: int) -> list[Inputs]:
    """``inputs`` cut into at most ``parts`` consecutive, nearly equal chunks of replications (none empty)."""
    bounds = np.linspace(0, len(inputs.values), parts + 1).astype(int)
    return [Inputs(inputs.names, inputs.values[a:b], inputs.first + a)
            for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def run(scenario: Scenario | str | Path, n: int = 2000, seed: int | None = None, jobs: int = 1,
        precision: float | None = None, lhs: bool = False, progress: bool | None = None,
        batch: int | None = None, engine: str = "fast", executor=None, keep_outcomes: bool | None = None,
        subsample: int | None = None, spool: str | Path | None = None) -> Results:
    """Run a scenario as a Monte Carlo experiment.

    Parameters
    ----------
    scenario : Scenario or path
        A loaded scenario or a scenario file.
    n : int, default 2000
        Number of replications; with ``precision``, the maximum.
    seed : int, optional
        Root seed; defaults to the scenario's ``seed``, else 20251016.
    jobs : int, default 1
        Worker processes. Results do not depend on it.
    precision : float, optional
        Stop once every target probability's 95 % interval half-width is ≤ this (checked after each batch).
    lhs : bool, default False
        Latin hypercube sampling over the ``n`` replications (not with ``precision``).
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.
    batch : int, optional
        Replications per batch (affects only memory, speed and how often precision is checked; never the
        results). Default: as many as keep a batch's arrays near 8 million values (at least 1,000, at most
        20,000): a plain network runs in one batch, the baseline in batches of 1,000; with ``precision``, 1,000.
    engine : {"fast", "simpy"}, default "fast"
        The compiled batch engine or the SimPy reference engine; results are identical.
    executor : optional
        Where chunks run instead of ``jobs`` worker processes, e.g. a :class:`sim.executors.DaskExecutor`;
        left open for the caller. Results do not depend on it.
    keep_outcomes : bool, optional
        Keep every replication's outcomes, inputs and monthly series (``True``: memory grows with ``n``), or only
        the first ``subsample`` (``False``). By default, every one when ``n`` ≤ ``subsample``, else the first
        ``subsample``. Targets, milestones, criticality and bottlenecks always count every replication, exactly
        (:mod:`sim.results.streaming`); outcomes, inputs, series bands, the P90 of waits for money and the
        drivers come from the replications kept.
    subsample : int, optional
        Replications kept when not all are; default :data:`sim.results.streaming.SUBSAMPLE` (20,000).
    spool : path, optional
        A folder where every replication's outcomes and inputs are written in chunks as batches arrive
        (:mod:`sim.results.spool`), while only ``subsample`` are kept in memory: :meth:`Results.save` then
        writes them all, and memory stays flat. The caller owns the folder (and removes it when done).

    Returns
    -------
    Results

    Raises
    ------
    RunInterrupted
        On Ctrl-C; no partial results are returned or written.
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)  # the one read of the file: everything after works on the Scenario
    if batch is None:  # precision is checked after each batch: keep its steps of 1,000
        batch = BATCH if precision is not None else default_batch(scenario)
    _check_arguments(n, jobs, batch, engine, lhs, precision)
    subsample = streaming.SUBSAMPLE if subsample is None else subsample  # read now: tests may lower it
    if subsample < 1:
        raise ValueError("subsample must be at least 1")
    seed = resolve_seed(scenario, seed)
    net = Network.of(scenario)
    plan = _Plan(scenario, net, n, seed, batch, lhs, precision, engine)
    started = time.perf_counter()
    aggregate = RunAggregator(scenario, net, sample_names(scenario), keep=n if keep_outcomes and spool is None else subsample,
                              spool=OutcomeSpool(spool) if spool is not None else None)
    with _compiling_ahead(scenario, engine, jobs, executor):
        _simulate([plan], [aggregate], jobs, executor, sys.stderr.isatty() if progress is None else progress)
        meta = run_metadata(scenario, seed, aggregate, n=n, precision=precision, lhs=lhs, jobs=jobs, engine=engine,
                            wall_time_s=time.perf_counter() - started)
        return Results.of(aggregate, meta)


def run_many(scenarios: Sequence[Scenario], n: int = 2000, seed: int | None = None, jobs: int = 1,
             progress: bool | None = None, engine: str = "fast", executor=None) -> list[Results]:
    """Run several scenarios with common random numbers, as one grid of (scenario, chunk) tasks.

    Each scenario gets exactly the :class:`Results` that :func:`run` gives it with the same ``n`` and ``seed``
    (replication *i* draws the same inputs wherever it runs). The difference is where the work goes: batch
    after batch, the chunks of every scenario are handed to the workers (``jobs`` processes or a Dask
    ``executor``) together, so a comparison or a sweep keeps a cluster busy instead of running one scenario at
    a time.

    Parameters
    ----------
    scenarios : sequence of Scenario
    n : int, default 2000
        Replications per scenario.
    seed : int, optional
        One root seed for all; default the first scenario's (else 20251016).
    jobs, progress, engine, executor
        As for :func:`run`.

    Returns
    -------
    list of Results
        In the order of ``scenarios``.
    """
    if not scenarios:
        return []
    batch = min(default_batch(s) for s in scenarios)
    _check_arguments(n, jobs, batch, engine, False, None)
    seed = resolve_seed(scenarios[0], seed)
    plans = [_Plan(s, Network.of(s), n, seed, batch, False, None, engine) for s in scenarios]
    aggregates = [RunAggregator(s, p.net, sample_names(s), keep=SUBSAMPLE) for s, p in zip(scenarios, plans, strict=True)]
    started = time.perf_counter()
    with _compiling_ahead(scenarios[0], engine, jobs, executor):
        _simulate(plans, aggregates, jobs, executor, sys.stderr.isatty() if progress is None else progress)
        wall = time.perf_counter() - started
        return [Results.of(a, run_metadata(s, seed, a, n=n, precision=None, lhs=False, jobs=jobs, engine=engine,
                                           wall_time_s=wall)) for s, a in zip(scenarios, aggregates, strict=True)]


def _compiling_ahead(scenario: Scenario, engine: str, jobs: int, executor) -> contextlib.AbstractContextManager:
    """On a machine's first run, the post-run code compiled by a second process while this one compiles the kernel.

    Only when this process runs the fast engine itself: worker processes and Dask workers compile on their own.
    """
    if engine != "fast" or jobs > 1 or executor is not None:
        return contextlib.nullcontext()
    return precompile.compiling_ahead(scenario.path)


def _check_arguments(n: int, jobs: int, batch: int, engine: str, lhs: bool, precision: float | None) -> None:
    """Refuse impossible settings before anything runs (ValueError)."""
    if n < 1 or jobs < 1 or batch < 1:
        raise ValueError("n, jobs and batch must be at least 1")
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if lhs and precision is not None:
        raise ValueError("Latin hypercube sampling needs a fixed number of replications; drop --precision or --lhs")


def resolve_seed(scenario: Scenario, seed: int | None) -> int:
    """The root seed of a run: ``seed`` if given, else the scenario's, else :data:`DEFAULT_SEED`."""
    seed = scenario.seed if seed is None else seed
    return DEFAULT_SEED if seed is None else seed


@dataclass(frozen=True)
class _Plan:
    """What a run simulates: ``n`` replications (at most, with ``precision``) in batches of ``batch``."""

    scenario: Scenario
    net: Network
    n: int
    seed: int
    batch: int
    lhs: bool
    precision: float | None
    engine: str


def _simulate(plans: list[_Plan], aggregates: list[RunAggregator], jobs: int, executor, progress: bool) -> None:
    """Run the batches of every plan in this process, ``jobs`` processes or the caller's ``executor``.

    Each plan's batches are counted into its aggregate.

    Raises
    ------
    RunInterrupted
        On Ctrl-C (or SIGTERM); worker processes this run started are stopped at once.
    """
    owned = executor is None  # a caller's executor (Dask) stays open for its next run
    try:
        pool = executor if not owned else workers.pool(jobs) if jobs > 1 else None  # workers die with this process
    except KeyboardInterrupt:  # stopped while the workers started: pool() has stopped them
        raise RunInterrupted("interrupted by the user; no results were written") from None
    bar = _progress_bar(sum(p.n for p in plans), progress)
    try:
        _batches(plans, aggregates, pool, getattr(pool, "workers", jobs), bar)
    except KeyboardInterrupt:
        if pool is not None and owned:
            workers.stop(pool)
            pool = None
        raise RunInterrupted("interrupted by the user; no results were written") from None
    finally:
        bar.close()
        if pool is not None and owned:
            pool.shutdown()


def _batches(plans: list[_Plan], aggregates: list[RunAggregator], pool, pool_workers: int, bar) -> None:
    """Sample and simulate batch after batch until ``n`` replications, or the precision is reached.

    With several plans (:func:`run_many`), each batch of every plan is sampled, and their chunks go to the pool
    in one grid. Each batch is counted into its aggregate as it arrives, in order, and then dropped: memory does
    not grow with ``n`` beyond the replications the aggregates keep.
    """
    n, batch, precision = plans[0].n, plans[0].batch, plans[0].precision
    bounds = [(first, min(batch, n - first)) for first in range(0, n, batch)]
    threads = min(workers.cpu_count(), 8)
    if pool is None and threads > 1 and len(bounds) > 1 and all(p.engine == "fast" for p in plans):
        steps = _batches_in_threads(plans, bounds, threads)
    else:
        steps = _batches_one_by_one(plans, bounds, pool, pool_workers)
    try:
        for (_, count), (inputs, outcomes) in zip(bounds, steps, strict=False):
            for aggregate, outcome, batch_inputs in zip(aggregates, outcomes, inputs, strict=True):
                aggregate.add(outcome, batch_inputs)
            bar.update(count * len(plans))
            workers.raise_if_terminated()  # a SIGTERM swallowed while the pool forked its workers
            if precision is not None and max(a.half_width() for a in aggregates) <= precision:
                break
    finally:
        steps.close()  # batches computed ahead and not needed are dropped


def _sample(plan: _Plan, first: int, count: int, threads: int | None = None) -> Inputs:
    return sample(plan.scenario, plan.seed, first, count, lhs_total=plan.n if plan.lhs else None, threads=threads)


def _batches_one_by_one(plans: list[_Plan], bounds: list[tuple[int, int]], pool, pool_workers: int):
    """The (inputs, outcomes) of each batch in order, sampled here and simulated here or on the pool."""
    for first, count in bounds:
        inputs = [_sample(p, first, count) for p in plans]
        yield inputs, _outcomes(plans, inputs, pool, pool_workers)


def _batches_in_threads(plans: list[_Plan], bounds: list[tuple[int, int]], threads: int):
    """The (inputs, outcomes) of each batch in order, ``threads`` batches at once, each on one thread.

    A batch's sampling and simulation run without the GIL most of the time (scipy's inverse CDFs, the
    compiled engine, numpy), so whole batches side by side keep every CPU busy; threads within one batch
    (columns, then rows) left them idle at each hand-over and in the work between. Each batch is computed
    alike on any thread: the results do not depend on it.
    """
    def one(first: int, count: int) -> tuple[list[Inputs], list[BatchOutcome]]:
        inputs = [_sample(p, first, count, threads=1) for p in plans]
        return inputs, [simulate_batch(p.net, x, engine=p.engine, threads=1) for p, x in zip(plans, inputs, strict=True)]

    executor = ThreadPoolExecutor(threads)
    ahead: deque[Future] = deque()
    try:
        for first, count in bounds:
            ahead.append(executor.submit(one, first, count))
            if len(ahead) >= threads:  # one batch per thread in flight: memory stays that of a few batches
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
    finally:
        executor.shutdown(wait=False, cancel_futures=True)  # on break or Ctrl-C: those not started never start


def _outcomes(plans: list[_Plan], inputs: list[Inputs], pool, pool_workers: int) -> list[BatchOutcome]:
    """One batch of every plan, simulated here or as one grid of (plan, chunk) tasks on the pool."""
    if pool is None:
        return [simulate_batch(p.net, x, engine=p.engine) for p, x in zip(plans, inputs, strict=True)]
    # four chunks per worker over the whole grid: the pool balances uneven chunks
    per_plan = max(1, -(-pool_workers * 4 // len(plans)))
    chunks = [_split(x, per_plan) for x in inputs]
    tasks = [(p, c) for p, plan_chunks in zip(plans, chunks, strict=True) for c in plan_chunks]
    done = list(pool.map(_simulate_chunk, [p.net for p, _ in tasks], [c for _, c in tasks], [p.engine for p, _ in tasks]))
    out, at = [], 0
    for plan_chunks in chunks:
        out.append(BatchOutcome.concat(done[at:at + len(plan_chunks)]))
        at += len(plan_chunks)
    return out


def run_metadata(scenario: Scenario, seed: int, aggregate: RunAggregator, *, n: int, precision: float | None,
                 lhs: bool, jobs: int, engine: str, wall_time_s: float) -> dict:
    """``run.json``: what was run, how, with which software, and how long it took (``wall_time_s``, seconds).

    ``kept_replications`` (the outcomes and inputs written) appears only when fewer than ``iterations`` were kept.
    """
    copula = Copula.of(scenario)
    kept = {} if aggregate.complete else {"kept_replications": aggregate.kept_count}
    return {
        "title": scenario.title,
        "scenario": scenario.path,
        "scenario_sha256": scenario.sha256,
        "seed": seed,
        "iterations": aggregate.n,
        **kept,
        "max_iterations": n,
        "precision": precision,
        "max_half_width": aggregate.half_width(),
        "sampling": "latin-hypercube" if lhs else "monte-carlo",
        "correlations_repaired": bool(copula and copula.repaired),
        "jobs": jobs,
        "engine": engine,
        "package_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "wall_time_s": round(wall_time_s, 3),
        "start": scenario.start.isoformat(),
        "as_of": scenario.status.as_of.isoformat() if scenario.status else None,  # the status date, if any
        "horizon": scenario.horizon.isoformat(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "conventions": CONVENTIONS,
        "labels": input_labels(scenario),
        "shocks": [{"kind": sh.kind, "what": sh.description, "source": sh.source} for sh in scenario.shocks],
    }


def _progress_bar(total: int, show: bool):
    """A tqdm bar on stderr; the notebook widget inside Jupyter when ipywidgets is there."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tqdm.auto warns when ipywidgets is missing, then falls back to text
        from tqdm.auto import tqdm
    return tqdm(total=total, disable=not show, unit="rep", file=sys.stderr, desc="replications")


def sample_names(scenario: Scenario) -> tuple[str, ...]:
    """The names of the sampled inputs, in the order of the columns of :attr:`sim.sampling.Inputs.values`."""
    return tuple(name for name, _ in scenario.inputs())


CONVENTIONS = (
    "Time: days since 00:00 of the start date; done at t means on date start + floor(t); a deadline D is met "
    "when t <= (D - start) + 1. PERT: beta-PERT, alpha = 1 + lambda(mode-min)/(max-min), beta = 1 + "
    "lambda(max-mode)/(max-min), lambda = 4 unless given. Normal durations truncated at 0. Correlations: "
    "Spearman rank r, Gaussian copula with rho = 2 sin(pi r / 6), repaired to the nearest valid matrix if "
    "needed. A risk that occurs draws one delay applied to every affected milestone not done at that time. "
    "Intervals: 95 % Wilson. P-dates: empirical quantiles without interpolation."
)


def trace(scenario: Scenario | str | Path, replication: int, seed: int | None = None) -> list[dict]:
    """Replay one replication and return its events in order.

    Returns
    -------
    list of dict
        ``{"time": days, "date": ISO date, "event": ..., "id": ..., "detail": ...}`` per event.
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    seed = resolve_seed(scenario, seed)
    net = Network.of(scenario)
    inputs = sample(scenario, seed, replication, 1)
    events: list[dict] = []

    def sink(t: float, event: str, ident: str, detail: str) -> None:
        date = cal.date_of(t, scenario.start)
        events.append({"time": t, "date": date.isoformat() if date else "", "event": event, "id": ident, "detail": detail})

    simulate_batch(net, inputs, trace_row=0, trace=sink)
    return sorted(events, key=lambda e: e["time"])  # stable: same-time events keep the engine's order


def default_batch(scenario: Scenario) -> int:
    """Replications per batch: about 8 million values of outcomes, inputs and monthly series at most."""
    months = 12 * (scenario.horizon.year - scenario.start.year + 1)
    per_replication = len(scenario.milestones) + len(scenario.inputs()) + len(scenario.observables()) * months + 1
    return int(min(max(8_000_000 // per_replication, BATCH), 20 * BATCH))


def default_jobs() -> int:
    """Worker processes of ``--jobs`` when not given: one per CPU this process may use, at most 8."""
    return min(workers.cpu_count(), 8)


__all__ = ["run", "trace", "RunInterrupted", "DEFAULT_SEED", "default_jobs"]
