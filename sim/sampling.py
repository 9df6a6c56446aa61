"""Draws every random input of a batch of replications before any simulation runs.

Each uncertain quantity has a stable name (``milestone:edip-adopted:duration``, ``risk:crm-shock:occurs``,
``driver:political-cohesion``). The uniform for replication *i* of input *name* is the *i*-th number of a
random stream keyed by ``(seed, name)`` — never by the input's position in the scenario. Hence:

* results do not depend on batch size or worker count (replication *i* always gets the same uniforms);
* two scenarios run with the same seed share the draws of every input they share (common random numbers).

Latin hypercube sampling and the Gaussian copula of rank correlations are transformations of those uniforms.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special

from . import names as naming
from .distributions import Bernoulli, Distribution, Normal, Pert
from .scenario import Scenario
from .workers import cpu_count


@dataclass(frozen=True)
class InputSpec:
    """One named uncertain input and its marginal distribution."""

    name: str
    dist: Distribution


@dataclass(frozen=True)
class Inputs:
    """Sampled inputs of replications ``first .. first + count - 1``.

    Attributes
    ----------
    names : tuple of str
        Input names, one per column.
    values : numpy.ndarray
        ``(count, len(names))`` values in model units (days for durations and delays, 0/1 for occurrences,
        plain factors for drivers).
    first : int
        Index of the first replication.
    """

    names: tuple[str, ...]
    values: np.ndarray
    first: int

    def column(self, name: str) -> np.ndarray:
        """The values ``(count,)`` of input ``name``.

        A lookup by name, for people and tests; the engine reads columns compiled once (:mod:`sim.engine.columns`).
        """
        return self.values[:, self.names.index(name)]


def input_specs(scenario: Scenario) -> list[InputSpec]:
    """Every uncertain input of ``scenario`` with its distribution, in a fixed documented order."""
    return [InputSpec(name, dist) for name, dist in scenario.inputs()]


def _bits(seed: int, name: str, purpose: str = "u") -> np.random.PCG64:
    """The bit generator keyed by ``(seed, name)``: stable across runs, platforms and scenario layouts."""
    digest = hashlib.sha256(f"{purpose}\x00{name}".encode()).digest()
    key = tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=key))


def _stream(seed: int, name: str, purpose: str = "u") -> np.random.Generator:
    """A generator keyed by ``(seed, name)``: stable across runs, platforms and scenario layouts."""
    return np.random.Generator(_bits(seed, name, purpose))


def uniforms(seed: int, name: str, first: int, count: int) -> np.ndarray:
    """Uniforms on [0, 1) for replications ``first .. first + count - 1`` of the stream ``(seed, name)``."""
    bits = _bits(seed, name)
    bits.advance(first)  # one 64-bit output per double: position i is the i-th draw
    return np.random.Generator(bits).random(count)


def latin_hypercube(seed: int, name: str, first: int, count: int, total: int) -> np.ndarray:
    """Latin-hypercube uniforms: over replications ``0 .. total - 1`` each of ``total`` strata gets one."""
    strata = _stream(seed, name, "lhs").permutation(total)[first:first + count]
    return (strata + uniforms(seed, name, first, count)) / total


def nearest_correlation(matrix: np.ndarray, iterations: int = 200, tol: float = 1e-10) -> np.ndarray:
    """Nearest correlation matrix in the Frobenius norm (Higham 2002, alternating projections)."""
    y = matrix.copy()
    correction = np.zeros_like(matrix)
    for _ in range(iterations):
        r = y - correction
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0.0)) @ v.T
        correction = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        if np.linalg.norm(y_new - y) <= tol * max(float(np.linalg.norm(y)), 1.0):
            y = y_new
            break
        y = y_new
    return y


@dataclass(frozen=True)
class Copula:
    """The Gaussian copula of a scenario's rank correlations.

    Attributes
    ----------
    names : tuple of str
        The correlated inputs.
    rho : numpy.ndarray
        Gaussian correlation matrix, ρ = 2·sin(π·r/6) from the Spearman r, repaired if needed.
    repaired : bool
        Whether the requested matrix was not a valid correlation matrix and was replaced by the nearest one.
    """

    names: tuple[str, ...]
    rho: np.ndarray
    repaired: bool

    @classmethod
    def of(cls, scenario: Scenario) -> Copula | None:
        """The copula of ``scenario``'s rank correlations (None without any), repaired if it is not valid."""
        if not scenario.correlations:
            return None
        names = tuple(dict.fromkeys(n for c in scenario.correlations for n in c.between))
        index = {n: i for i, n in enumerate(names)}
        rho = np.eye(len(names))
        for c in scenario.correlations:
            i, j = index[c.between[0]], index[c.between[1]]
            rho[i, j] = rho[j, i] = 2 * np.sin(np.pi * c.rank / 6)
        repaired = bool(np.linalg.eigvalsh(rho).min() < -1e-12)
        if repaired:
            rho = nearest_correlation(rho)
        return cls(names, rho, repaired)

    def apply(self, u: np.ndarray) -> np.ndarray:
        """Turn independent uniforms ``(count, len(names))`` into uniforms with this copula."""
        w, v = np.linalg.eigh(self.rho)
        root = v * np.sqrt(np.maximum(w, 0.0))  # rho = root @ root.T; works for singular (r = ±1) matrices
        z = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12)) @ root.T
        return special.ndtr(z)


def sample(scenario: Scenario, seed: int, first: int, count: int, lhs_total: int | None = None,
           threads: int | None = None) -> Inputs:
    """Sample every uncertain input for replications ``first .. first + count - 1``.

    Parameters
    ----------
    scenario : Scenario
    seed : int
        Root seed.
    first, count : int
        Which replications.
    lhs_total : int, optional
        With a total number of replications, use Latin hypercube sampling over that total.
    threads : int, optional
        Threads transforming the columns (default: one per CPU, at most 8, when the batch is large enough to
        pay for them); the values do not depend on it.
    """
    specs = input_specs(scenario)
    names = tuple(s.name for s in specs)
    # a column per input (Fortran order): each stream and each inverse CDF writes and reads contiguously
    u = np.empty((count, len(specs)), order="F")
    values = np.empty((count, len(specs)), order="F")
    dists = [s.dist for s in specs]
    copula = Copula.of(scenario)
    independent = copula is None and scenario.status is None  # each column from its own uniforms alone

    def draw(j: int) -> None:
        name = specs[j].name
        u[:, j] = latin_hypercube(seed, name, first, count, lhs_total) if lhs_total else uniforms(seed, name, first, count)
        if independent:  # transformed at once, while the column is in cache
            values[:, j] = dists[j].ppf(u[:, j])

    # Slow inverse CDFs (the beta inverse for PERT, about 0.4 µs a value; the truncated normal) release the
    # GIL: their columns pay for threads, which the cheap ones (a few numpy passes; a 10,000 x 100 triangular
    # network samples faster on one thread) do not. Each column is computed alike whatever the thread, so the
    # values do not depend on the number of threads.
    if threads is None:
        slow = sum(isinstance(d, Pert) or isinstance(d, Normal) and d.lower != -np.inf for d in dists)
        threads = min(cpu_count(), 8, len(specs)) if count * slow >= 50_000 else 1
    _each_column(draw, len(specs), threads)
    if independent:
        return Inputs(names, np.ascontiguousarray(values), first)
    if copula is not None:
        cols = [names.index(n) for n in copula.names]
        u[:, cols] = copula.apply(np.ascontiguousarray(u[:, cols]))  # rows in C order, as the product expects
    late = {}  # inputs conditioned on driver values: transformed after the others
    if scenario.status is not None:
        dists, late, pinned = status_conditions(scenario, names, dists, u)

    def transform(j: int) -> None:
        if j not in late:
            values[:, j] = dists[j].ppf(u[:, j])

    _each_column(transform, len(specs), threads)
    if scenario.status is not None:
        for j, (elapsed, factor_of) in late.items():
            values[:, j] = conditioned_past(dists[j], u[:, j], elapsed / factor_of(values))
        for j, value in pinned.items():
            values[:, j] = value
    return Inputs(names, np.ascontiguousarray(values), first)


def _each_column(work, columns: int, threads: int) -> None:
    """``work(j)`` for every column ``j``, on ``threads`` threads.

    The columns go to the threads in runs of consecutive ones, four runs per thread (a task per column cost
    a future and a handover of the GIL each: a tenth of the baseline's sampling time).
    """
    if threads > 1:
        runs = np.array_split(np.arange(columns), min(columns, 4 * threads))
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda run: [work(int(j)) for j in run], runs))
    else:
        for j in range(columns):
            work(j)


# ---------------------------------------------------------------------------------------------- status date


def cdf(dist: Distribution, x) -> np.ndarray:
    """``P(X ≤ x)`` of a distribution, elementwise (the inverse of its ``ppf``): ``dist.cdf(x)``.

    Raises
    ------
    TypeError
        For anything that is not one of the distribution families.
    """
    if not isinstance(dist, Distribution):
        raise TypeError(f"no CDF for {type(dist).__name__}")
    return dist.cdf(x)


def conditioned_past(dist: Distribution, u: np.ndarray, elapsed) -> np.ndarray:
    """Draws of ``dist`` conditioned on exceeding ``elapsed``, from the same uniforms ``u``.

    ``X | X > e`` has the inverse CDF ``F⁻¹(F(e) + u·(1 − F(e)))``: the same uniform keeps replication *i*
    paired with the unconditioned run (common random numbers). Where ``F(e) = 1`` (the work should have been
    finished already), the draw is clamped to ``e`` — it ends at the status date; the engines' floor then
    puts it just after.
    """
    e = np.broadcast_to(np.asarray(elapsed, dtype=float), u.shape)
    f = cdf(dist, e)
    v = f + u * (1.0 - f)
    out = dist.ppf(np.minimum(v, np.nextafter(1.0, 0.0)))
    # F(e) = 0 leaves the uniform as it is (u' = u exactly): nothing changes where no progress was possible
    return np.where(f >= 1.0, e, np.maximum(out, np.where(f > 0, e, -np.inf)))


def risk_posterior(p: float, share_before: float) -> float:
    """Probability that a risk occurs, given that it had not by the status date (Bayes).

    ``share_before`` is F(as_of): the share of its window (uniform time) before the status date, 1 for a risk
    without a window (present from the start). ``p' = p·(1 − F) / (1 − p·F)``; 0 where ``p·F = 1``.
    """
    denominator = 1.0 - p * share_before
    return 0.0 if denominator <= 0 else p * (1.0 - share_before) / denominator


def status_conditions(scenario: Scenario, names: tuple[str, ...], dists: list, u: np.ndarray):
    """How a status date changes the inputs (docs/status-date.md); ``u`` is changed in place.

    Returns
    -------
    dists : list
        Distributions per input: a risk not occurred by ``as_of`` gets its Bayes posterior probability, one that
        occurred probability 1.
    late : dict
        Input column → (elapsed days, function of the sampled values giving the duration's factor per
        replication): durations under way at ``as_of``, conditioned on lasting past the elapsed work.
    pinned : dict
        Input column → value: the observed times of risks that occurred.
    """
    status = scenario.status
    dists = list(dists)
    if status is None:  # nothing to condition on
        return dists, {}, {}
    index = {n: j for j, n in enumerate(names)}
    late, pinned = {}, {}
    for mid, elapsed in status.elapsed:
        j = index.get(naming.duration(mid))
        if j is None:
            continue  # a fixed duration: the engines' floor clamps it
        m = scenario.milestone(mid)
        cols = [index[naming.driver(d.id)] for d in scenario.drivers if set(d.applies_to) & set(m.tags)]

        def factor_of(values, cols=cols, scale=m.scale):
            f = np.full(values.shape[0], scale)
            for c in cols:
                f = f * values[:, c]
            return f

        late[j] = (elapsed, factor_of)
    risks = {r.id: r for r in scenario.risks}
    for rid in status.risks_not_occurred:
        r = risks[rid]
        share = 1.0
        if r.window is not None:
            lo, hi = r.window
            share = float(np.clip((status.as_of_days - lo) / (hi - lo), 0.0, 1.0)) if hi > lo \
                else float(status.as_of_days >= lo)
            j = index[naming.risk(rid, "time")]
            u[:, j] = share + u[:, j] * (1.0 - share)  # uniform time past as_of: the same uniform
        dists[index[naming.risk(rid, "occurs")]] = Bernoulli(risk_posterior(r.probability, share))
    for rid, when in status.risks_occurred:
        r = risks[rid]
        dists[index[naming.risk(rid, "occurs")]] = Bernoulli(1.0)
        if r.window is not None:
            pinned[index[naming.risk(rid, "time")]] = when
    return dists, late, pinned

