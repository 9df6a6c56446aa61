"""Global sensitivity: which uncertain inputs (or groups of them) decide each target — Sobol' or Morris, by SALib.

The design is built on uniforms and turned into model inputs exactly as a run's are (the scenario's copula, then
each input's ``ppf``), and evaluated by the batch engine — no new engine code:

* **Sobol'** (Saltelli 2010 estimators, SALib's ``sobol.analyze``): the base matrices A and B are replications
  ``0 .. N-1`` and ``N .. 2N-1`` of every input's named stream (:func:`sim.sampling.uniforms`), so the same seed
  gives the same analysis, and A holds the very draws of a ``readiness run`` of the first N replications. Row
  order is SALib's (A, AB₁ … AB_D, B per base row), so ``N·(D + 2)`` runs for D factors.
* **Morris** (elementary effects, SALib's ``morris.sample`` / ``morris.analyze``): N trajectories on a 4-level
  grid, seeded from the run seed through a named stream. Grid values {0, ⅓, ⅔, 1} are taken at the centres of
  four equal-probability strata, {⅛, ⅜, ⅝, ⅞}, since ``ppf(0)`` and ``ppf(1)`` are infinite for unbounded inputs.

Outputs: for every target, its **met** indicator (0/1: done by the deadline) and its **date** (days since start;
not by the horizon counts as the horizon). Sobol' indices assume independent factors, so inputs linked by the
scenario's rank correlations always form one factor (their groups merged); the copula is applied within it.
Confidence intervals are SALib's bootstrap 95 % intervals (100 resamples, seeded from the run seed).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import calendar as cal
from .engine import Network, simulate_batch
from .results import target_times
from .sampling import Copula, Inputs, input_specs, uniforms
from .scenario import Scenario

__all__ = ["GROUP_KINDS", "METHODS", "COLUMNS", "factors", "headline", "read_table", "sensitivity"]

METHODS = ("sobol", "morris")
GROUP_KINDS = ("drivers", "risks", "durations-by-section", "funds", "lines")
LEVELS = 4  # Morris grid levels
RESAMPLES = 100  # bootstrap resamples for the intervals
CHUNK = 2000  # design rows per engine call: bounds memory (an outcome holds monthly series)
COLUMNS = ["method", "target", "title", "outcome", "factor", "inputs", "S1", "S1_low", "S1_high", "ST", "ST_low",
           "ST_high", "mu_star", "mu_star_low", "mu_star_high", "mu", "sigma"]


def _kind_factor(name: str, kinds: set[str], section_of: dict[str, str]) -> str:
    """The factor an input belongs to under the grouping ``kinds`` (the input itself when not grouped)."""
    head, _, rest = name.partition(":")
    if head == "driver" and "drivers" in kinds:
        return "drivers"
    if head == "risk" and "risks" in kinds:
        return "risks"
    if head == "milestone" and "durations-by-section" in kinds:
        return f"durations:{section_of.get(rest.rsplit(':', 1)[0], 'other')}"
    if head in ("fund", "funding") and "funds" in kinds:
        return "funds"
    if head in ("line", "order") and "lines" in kinds:
        return "lines"
    return name


def factors(scenario: Scenario, groups: Sequence[str] | None = None) -> list[str]:
    """The factor of every uncertain input (in :func:`sim.sampling.input_specs` order).

    Parameters
    ----------
    groups : sequence of str, optional
        Kinds of input to analyse together, from :data:`GROUP_KINDS`: ``drivers`` (all drivers, one factor),
        ``risks`` (every input of every risk), ``durations-by-section`` (one factor per section of the
        scenario), ``funds`` (envelopes, amounts and payment lags), ``lines`` (capacities and order quantities).
        Inputs of other kinds stay factors of their own.

    Raises
    ------
    ValueError
        For an unknown group kind.
    """
    kinds = set(groups or ())
    unknown = kinds - set(GROUP_KINDS)
    if unknown:
        raise ValueError(f"unknown group {', '.join(sorted(unknown))!r}; expected some of {', '.join(GROUP_KINDS)}")
    section_of = {m.id: m.section for m in scenario.milestones}
    names = [s.name for s in input_specs(scenario)]
    label = [_kind_factor(n, kinds, section_of) for n in names]
    # Correlated inputs are not independent factors: merge the factors the scenario's correlations connect.
    parent = {f: f for f in label}

    def root(f: str) -> str:
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    index = {n: i for i, n in enumerate(names)}
    for c in scenario.correlations:
        if all(x in index for x in c.between):
            a, b = (label[index[x]] for x in c.between)
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[rb] = ra
    members: dict[str, list[str]] = {}
    for f in label:
        members.setdefault(root(f), [])
        if f not in members[root(f)]:
            members[root(f)].append(f)
    merged = {r: " + ".join(fs) for r, fs in members.items()}
    return [merged[root(f)] for f in label]


def _derived_seed(seed: int, purpose: str) -> int:
    """A positive integer seed for SALib, from the named stream ``(seed, purpose)``."""
    return 1 + int(uniforms(seed, f"sensitivity:{purpose}", 0, 1)[0] * (2**31 - 2))


def _unique(seq: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(seq))


def _base(names: Sequence[str], n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Saltelli's base matrices: A = replications 0 .. n-1 and B = n .. 2n-1 of every input's named stream."""
    a = np.column_stack([uniforms(seed, name, 0, n) for name in names])
    b = np.column_stack([uniforms(seed, name, n, n) for name in names])
    return a, b


def _saltelli_rows(a: np.ndarray, b: np.ndarray, factor: Sequence[str]) -> np.ndarray:
    """Saltelli's design without second order, in SALib's row order: per base row A, AB_1 … AB_D, B."""
    levels = _unique(factor)
    design = np.repeat(a[:, None, :], len(levels) + 2, axis=1)
    design[:, -1, :] = b
    for g, level in enumerate(levels):
        cols = [j for j, f in enumerate(factor) if f == level]
        design[:, g + 1, cols] = b[:, cols]
    return design.reshape(-1, a.shape[1])


def _sobol_design(names: Sequence[str], factor: Sequence[str], n: int, seed: int) -> np.ndarray:
    """The whole Saltelli design on uniforms (``n·(D + 2)`` rows)."""
    return _saltelli_rows(*_base(names, n, seed), factor)


def _targets_chunk(scenario: Scenario, net: Network, u: np.ndarray, first: int, engine: str) -> np.ndarray:
    """Event time of every target for a chunk of design rows given as uniforms.

    Runs where the chunk is sent (a worker): the copula and inverse CDFs, then the engine; only the target times
    come back (an outcome's monthly series would be most of the memory and of the traffic).
    """
    names, values = _to_values(scenario, u)
    outcome = simulate_batch(net, Inputs(names, values, first), engine=engine, threads=1)
    return target_times(scenario, outcome.done, outcome.indicator_times)


def _evaluate(scenario: Scenario, net: Network, chunks: Iterable[np.ndarray], engine: str, executor) -> np.ndarray:
    """Target times (days since the start) of every design row.

    ``chunks`` yields uniform blocks in order, built as they are needed, so the client holds at most a wave of
    them: a large ungrouped design does not fit in memory at once.
    """
    parts: list[np.ndarray] = []
    wave: list[tuple[np.ndarray, int]] = []
    first = 0
    workers = getattr(executor, "workers", None) or getattr(executor, "_max_workers", None)  # Dask, or a process pool
    size = 4 * max(1, int(workers or 2))

    def flush() -> None:
        if executor is None:
            parts.extend(_targets_chunk(scenario, net, u, f, engine) for u, f in wave)
        else:
            k = len(wave)
            parts.extend(executor.map(_targets_chunk, [scenario] * k, [net] * k, [u for u, _ in wave],
                                      [f for _, f in wave], [engine] * k))
        wave.clear()

    for u in chunks:
        wave.append((u, first))
        first += len(u)
        if len(wave) >= size:
            flush()
    flush()
    return np.concatenate(parts) if parts else np.empty((0, len(scenario.targets)))


def _to_values(scenario: Scenario, u: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """Uniform design → model inputs: the scenario's copula, then each input's inverse CDF (as in a run)."""
    specs = input_specs(scenario)
    names = tuple(s.name for s in specs)
    u = u.copy()
    copula = Copula.of(scenario)
    if copula is not None:
        cols = [names.index(c) for c in copula.names]
        u[:, cols] = copula.apply(u[:, cols])
    values = np.column_stack([s.dist.ppf(u[:, j]) for j, s in enumerate(specs)]) if specs else np.empty((len(u), 0))
    return names, np.ascontiguousarray(values, dtype=float)


def sensitivity(scenario: Scenario, method: str = "sobol", n: int = 256, seed: int | None = None,
                groups: Sequence[str] | None = None, targets: Sequence[str] | None = None, engine: str = "fast",
                executor=None) -> pd.DataFrame:
    """Global sensitivity of every target's met indicator and date to every uncertain input (or group).

    Parameters
    ----------
    scenario : Scenario
    method : {"sobol", "morris"}, default "sobol"
        Sobol' first-order and total indices, or Morris elementary effects (μ*, σ; a cheap screening).
    n : int, default 256
        Sobol': base sample size N (runs: N·(D + 2) for D factors; a power of 2 is customary but not needed).
        Morris: number of trajectories (runs: N·(D + 1)).
    seed : int, optional
        Root seed; defaults to the scenario's, else 20251016. The same seed gives the same table.
    groups : sequence of str, optional
        Kinds of input analysed as one factor each (see :func:`factors`).
    targets : sequence of str, optional
        Only these targets (ids); default all.
    engine : {"fast", "simpy"}, default "fast"
    executor : optional
        Where design chunks run (a :class:`sim.executors.DaskExecutor` or a process pool); default this process.

    Returns
    -------
    pandas.DataFrame
        One row per (target, outcome, factor), columns :data:`COLUMNS`: ``outcome`` is ``met`` (0/1) or
        ``date`` (days since start, censored at the horizon); ``inputs`` counts the inputs of the factor; Sobol'
        fills ``S1``/``ST`` with their 95 % bootstrap intervals ``*_low``/``*_high``, Morris fills ``mu_star``
        (with its interval), ``mu`` and ``sigma`` (in the outcome's units per unit of the uniform grid). Indices
        of an outcome that never varies are NaN. ``attrs`` holds ``method, n, seed, runs, factors,
        wall_time_s``.
    """
    from .runner import resolve_seed  # imported here: the runner is the heavier module, needed only for this

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if n < 2:
        raise ValueError("n must be at least 2")
    seed = resolve_seed(scenario, seed)
    started = time.perf_counter()
    specs = input_specs(scenario)
    if not specs:
        raise ValueError("the scenario has no uncertain inputs: there is nothing to analyse")
    names = [s.name for s in specs]
    factor = factors(scenario, groups)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": factor}
    chosen = _chosen_targets(scenario, targets)
    grid, chunks, runs = _design(method, problem, n, seed)
    times = _evaluate(scenario, Network.of(scenario), chunks, engine, executor)
    table = _indices_table(scenario, method, problem, grid, times, chosen, seed)
    table.attrs.update(method=method, n=n, seed=seed, runs=int(runs), factors=len(_unique(factor)),
                       wall_time_s=round(time.perf_counter() - started, 3))
    return table


def _chosen_targets(scenario: Scenario, targets: Sequence[str] | None) -> list[str]:
    """The ids of the targets to analyse (default all); a ValueError names unknown ones."""
    chosen = list(targets) if targets else [t.id for t in scenario.targets]
    known = {t.id for t in scenario.targets}
    missing = [t for t in chosen if t not in known]
    if missing:
        raise ValueError(f"unknown target(s): {', '.join(missing)}")
    return chosen


def _design(method: str, problem: dict, n: int, seed: int) -> tuple[np.ndarray | None, Iterator[np.ndarray], int]:
    """The design on uniforms, in chunks of rows: (Morris grid or None for Sobol', chunks, number of runs)."""
    names, factor = problem["names"], problem["groups"]
    levels = _unique(factor)
    if method == "sobol":  # SALib's Sobol' analysis needs only the outputs, no grid
        a, b = _base(names, n, seed)
        per = max(1, CHUNK // (len(levels) + 2))  # base rows per chunk
        chunks = (_saltelli_rows(a[i:i + per], b[i:i + per], factor) for i in range(0, n, per))
        return None, chunks, n * (len(levels) + 2)
    from SALib.sample import morris as morris_sample

    grid = morris_sample.sample(problem, n, num_levels=LEVELS, seed=_derived_seed(seed, "morris"))
    u = 1 / (2 * LEVELS) + grid * (LEVELS - 1) / LEVELS
    return grid, (u[i:i + CHUNK] for i in range(0, len(u), CHUNK)), len(u)


def _indices_table(scenario: Scenario, method: str, problem: dict, grid: np.ndarray | None, times: np.ndarray,
                   chosen: Sequence[str], seed: int) -> pd.DataFrame:
    """One row per (target, outcome, factor) with the indices of the outcomes ``met`` and ``date``."""
    net_horizon = cal.deadline_time(scenario.horizon, scenario.start)
    column = {t.id: k for k, t in enumerate(scenario.targets)}
    known = {t.id: t for t in scenario.targets}
    levels = _unique(problem["groups"])
    count = {f: problem["groups"].count(f) for f in levels}
    rows = []
    for tid in chosen:
        t = known[tid]
        tt = times[:, column[tid]]
        outputs = {"met": (tt <= cal.deadline_time(t.deadline, scenario.start)).astype(float),
                   "date": np.where(np.isfinite(tt), tt, net_horizon)}
        for outcome, y in outputs.items():
            stats = _analyse(method, problem, grid, y, seed)
            for g, level in enumerate(levels):
                row = {"method": method, "target": tid, "title": t.title, "outcome": outcome, "factor": level,
                       "inputs": count[level]}
                row.update({k: v[g] for k, v in stats.items()})
                rows.append(row)
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def read_table(path: str | Path) -> pd.DataFrame:
    """A ``sensitivity.csv`` written by ``readiness sensitivity``, checked.

    Raises
    ------
    ValueError
        When the file cannot be read as CSV, lacks the columns of :data:`COLUMNS`, or mixes methods; the
        message says which.
    """
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot be read as a sensitivity table ({exc})") from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: not a sensitivity table written by `readiness sensitivity`: missing the columns "
                         f"{', '.join(missing)}")
    methods = set(table["method"].dropna())
    if len(methods) > 1 or not methods <= set(METHODS):
        raise ValueError(f"{path}: method: found {', '.join(sorted(map(str, methods))) or 'none'}; expected one of "
                         f"{', '.join(METHODS)}")
    return table[COLUMNS]


def _analyse(method: str, problem: dict, grid: np.ndarray | None, y: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """SALib's indices of one output, with 95 % intervals as low/high columns; NaN for a constant output."""
    d = len(_unique(problem["groups"]))
    nan = np.full(d, np.nan)
    if not np.ptp(y) > 0:
        keys = ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high") if method == "sobol" else \
            ("mu_star", "mu_star_low", "mu_star_high", "mu", "sigma")
        return {k: nan for k in keys}
    boot = _derived_seed(seed, "bootstrap")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns on groups (σ undefined) and on near-constant outputs
        if method == "sobol":
            from SALib.analyze import sobol

            s = sobol.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES, conf_level=0.95,
                              seed=boot)
            s1, s1c, st, stc = (np.asarray(s[k], float) for k in ("S1", "S1_conf", "ST", "ST_conf"))
            return {"S1": s1, "S1_low": s1 - s1c, "S1_high": s1 + s1c, "ST": st, "ST_low": st - stc,
                    "ST_high": st + stc}
        from SALib.analyze import morris

        s = morris.analyze(problem, grid, y, num_resamples=RESAMPLES, conf_level=0.95, num_levels=LEVELS, seed=boot)
        ms, msc = np.asarray(s["mu_star"], float), np.asarray(s["mu_star_conf"], float)
        return {"mu_star": ms, "mu_star_low": ms - msc, "mu_star_high": ms + msc,
                "mu": np.asarray(s["mu"], float), "sigma": np.asarray(s["sigma"], float)}


def headline(scenario: Scenario, limit: int = 6) -> list[str]:
    """The headline targets for the chart, at most ``limit``.

    Declared combined or indicator targets that no other declared target contains (as the briefing's page one);
    else the earliest deadlines.
    """
    members = {m for t in scenario.targets if t.kind in ("all_of", "any_of") for m in t.members}
    declared = [t.id for t in scenario.targets if t.kind != "milestone" and t.id not in members]
    if not declared:
        declared = [t.id for t in sorted(scenario.targets, key=lambda t: t.deadline)]
    return declared[:limit]
