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
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special

from .distributions import Distribution, Fixed
from .scenario import Scenario


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
        return self.values[:, self.names.index(name)]

    def draws(self, dist, name: str, default: float = 0.0) -> np.ndarray:
        """Per replication, the sampled input ``name``; for a fixed quantity its value; ``default`` if none."""
        if dist is None:
            return np.full(self.values.shape[0], default)
        if isinstance(dist, Fixed):
            return np.full(self.values.shape[0], dist.value)
        return self.column(name)


def input_specs(scenario: Scenario) -> list[InputSpec]:
    """Every uncertain input of ``scenario`` with its distribution, in a fixed documented order."""
    return [InputSpec(name, dist) for name, dist in scenario.inputs()]


def _stream(seed: int, name: str, purpose: str = "u") -> np.random.Generator:
    """A generator keyed by ``(seed, name)``: stable across runs, platforms and scenario layouts."""
    digest = hashlib.sha256(f"{purpose}\x00{name}".encode()).digest()
    key = tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=key)))


def uniforms(seed: int, name: str, first: int, count: int) -> np.ndarray:
    """Uniforms on [0, 1) for replications ``first .. first + count - 1`` of the stream ``(seed, name)``."""
    gen = _stream(seed, name)
    gen.bit_generator.advance(first)  # one 64-bit output per double: position i is the i-th draw
    return gen.random(count)


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
        if np.linalg.norm(y_new - y) <= tol * max(np.linalg.norm(y), 1.0):
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
    def of(cls, scenario: Scenario) -> "Copula | None":
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


def sample(scenario: Scenario, seed: int, first: int, count: int, lhs_total: int | None = None) -> Inputs:
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
    """
    specs = input_specs(scenario)
    names = tuple(s.name for s in specs)
    u = np.empty((count, len(specs)))
    for j, spec in enumerate(specs):
        if lhs_total:
            u[:, j] = latin_hypercube(seed, spec.name, first, count, lhs_total)
        else:
            u[:, j] = uniforms(seed, spec.name, first, count)
    copula = Copula.of(scenario)
    if copula is not None:
        cols = [names.index(n) for n in copula.names]
        u[:, cols] = copula.apply(u[:, cols])
    values = np.empty((count, len(specs)), order="F")  # a column per input: each ppf writes contiguously

    def transform(j: int) -> None:
        values[:, j] = specs[j].dist.ppf(u[:, j])

    # Inverse CDFs (scipy's beta inverse for PERT above all) release the GIL: columns in threads. Each column
    # is computed alike whatever the thread, so the values do not depend on the number of threads.
    threads = min(_cpus(), len(specs)) if count * len(specs) >= 100_000 else 1
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(transform, range(len(specs))))
    else:
        for j in range(len(specs)):
            transform(j)
    return Inputs(names, np.ascontiguousarray(values), first)


def _cpus() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:  # not on Linux
        return max(1, min(os.cpu_count() or 1, 8))
