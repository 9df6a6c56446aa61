"""The distribution families as small immutable objects with ``ppf``, ``cdf``, ``mean`` and ``variance``.

Every random input of a scenario is one of these, evaluated by inverse transform: ``dist.ppf(u)`` turns
uniforms into values, so sampling strategies (plain, Latin hypercube, copulas) only ever act on uniforms;
``cdf`` is its inverse (conditioning on a status date needs it).

Conventions: ``pert`` is beta-PERT with α = 1 + λ(mode − min)/(max − min), β = 1 + λ(max − mode)/(max − min)
(λ = 4 by default); a ``normal`` duration is truncated at 0 (conditioned, not clipped); ``lognormal`` from
``{median, p90}`` has μ = ln(median), σ = (ln p90 − μ)/z₀.₉; from ``{mean, sd}`` it is moment-matched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from .beta import beta_ppf

# Uniforms are clipped this far from 0 and 1 before unbounded inverse CDFs, so that a draw of exactly 0.0
# (probability 2^-53) cannot produce -inf.
_U_EPS = 1e-12


def _clip(u: np.ndarray) -> np.ndarray:
    """``u`` kept :data:`_U_EPS` away from 0 and 1."""
    return np.clip(np.asarray(u, dtype=float), _U_EPS, 1.0 - _U_EPS)


def _step(x, at: float) -> np.ndarray:
    """The CDF of a point mass at ``at``: 0 below it, 1 from it on."""
    return (np.asarray(x, dtype=float) >= at).astype(float)


@dataclass(frozen=True)
class Fixed:
    """A constant."""

    value: float

    def ppf(self, u):
        """The value, for every uniform in ``u``."""
        return np.full(np.shape(u), self.value, dtype=float)

    def cdf(self, x):
        """``P(X ≤ x)``: 0 below the value, 1 from it on."""
        return _step(x, self.value)

    @property
    def mean(self) -> float:
        """The value."""
        return self.value

    @property
    def variance(self) -> float:
        """0."""
        return 0.0


@dataclass(frozen=True)
class Uniform:
    """Uniform on ``[min, max]``."""

    min: float
    max: float

    def ppf(self, u):
        """Inverse CDF at the uniforms ``u``."""
        return self.min + (self.max - self.min) * np.asarray(u, dtype=float)

    def cdf(self, x):
        """``P(X ≤ x)``, elementwise (a step at ``min`` when ``min == max``)."""
        x = np.asarray(x, dtype=float)
        if self.max > self.min:
            return np.clip((x - self.min) / (self.max - self.min), 0.0, 1.0)
        return _step(x, self.min)

    @property
    def mean(self) -> float:
        """``(min + max) / 2``."""
        return (self.min + self.max) / 2

    @property
    def variance(self) -> float:
        """``(max − min)² / 12``."""
        return (self.max - self.min) ** 2 / 12


@dataclass(frozen=True)
class Triangular:
    """Triangular on ``[min, max]`` with peak at ``mode``."""

    min: float
    mode: float
    max: float

    def ppf(self, u):
        """Inverse CDF at the uniforms ``u``."""
        u = np.asarray(u, dtype=float)
        a, c, b = self.min, self.mode, self.max
        if b == a:
            return np.full(u.shape, a)
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < split, left, right)

    def cdf(self, x):
        """``P(X ≤ x)``, elementwise (a step at ``min`` when ``min == max``)."""
        x = np.asarray(x, dtype=float)
        a, c, b = self.min, self.mode, self.max
        if b == a:
            return _step(x, a)
        y = np.clip(x, a, b)
        # a mode at either end leaves one side empty: its formula would divide by 0 and is never selected
        with np.errstate(divide="ignore", invalid="ignore"):
            left = (y - a) ** 2 / ((b - a) * (c - a)) if c > a else np.zeros_like(y)
            right = 1 - (b - y) ** 2 / ((b - a) * (b - c)) if b > c else np.ones_like(y)
        return np.where(y < c, left, right)

    @property
    def mean(self) -> float:
        """``(min + mode + max) / 3``."""
        return (self.min + self.mode + self.max) / 3

    @property
    def variance(self) -> float:
        """``(a² + b² + c² − ab − ac − bc) / 18``."""
        a, c, b = self.min, self.mode, self.max
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


@dataclass(frozen=True)
class Pert:
    """Beta-PERT on ``[min, max]`` with mode ``mode`` and shape ``lam`` (λ, default 4)."""

    min: float
    mode: float
    max: float
    lam: float = 4.0

    @property
    def _ab(self) -> tuple[float, float]:
        width = self.max - self.min
        return (1 + self.lam * (self.mode - self.min) / width, 1 + self.lam * (self.max - self.mode) / width)

    def ppf(self, u):
        """Inverse CDF at the uniforms ``u`` (the beta inverse of :func:`~sim.distributions.beta.beta_ppf`)."""
        u = np.asarray(u, dtype=float)
        if self.max == self.min:
            return np.full(u.shape, self.min)
        a, b = self._ab
        return self.min + (self.max - self.min) * beta_ppf(a, b, u)

    def cdf(self, x):
        """``P(X ≤ x)``, elementwise (a step at ``min`` when ``min == max``)."""
        x = np.asarray(x, dtype=float)
        if self.max == self.min:
            return _step(x, self.min)
        a, b = self._ab
        return special.betainc(a, b, np.clip((x - self.min) / (self.max - self.min), 0.0, 1.0))

    @property
    def mean(self) -> float:
        """``(min + λ·mode + max) / (λ + 2)``."""
        return (self.min + self.lam * self.mode + self.max) / (self.lam + 2)

    @property
    def variance(self) -> float:
        """That of the scaled beta: ``(max − min)² αβ / ((α + β)² (α + β + 1))``."""
        if self.max == self.min:
            return 0.0
        a, b = self._ab
        return (self.max - self.min) ** 2 * a * b / ((a + b) ** 2 * (a + b + 1))


@dataclass(frozen=True)
class Normal:
    """Normal(``mean``, ``sd``); with ``lower=0`` truncated at 0 (conditioned on ≥ 0), as durations are."""

    mu: float
    sd: float
    lower: float = -math.inf

    @property
    def _dist(self):
        from scipy import stats  # here, not at the top: importing scipy.stats costs 0.9 s at every start

        a = (self.lower - self.mu) / self.sd
        return stats.truncnorm(a, math.inf, loc=self.mu, scale=self.sd)

    def ppf(self, u):
        """Inverse CDF at the uniforms ``u`` (clipped away from 0 and 1)."""
        if self.lower == -math.inf:
            return self.mu + self.sd * special.ndtri(_clip(u))
        return self._dist.ppf(_clip(u))

    def cdf(self, x):
        """``P(X ≤ x)``, elementwise."""
        x = np.asarray(x, dtype=float)
        if self.lower == -np.inf:
            return special.ndtr((x - self.mu) / self.sd)
        return self._dist.cdf(x)

    @property
    def mean(self) -> float:
        """``mean``, or that of the truncated normal."""
        return self.mu if self.lower == -math.inf else float(self._dist.mean())

    @property
    def variance(self) -> float:
        """``sd²``, or that of the truncated normal."""
        return self.sd**2 if self.lower == -math.inf else float(self._dist.var())


@dataclass(frozen=True)
class LogNormal:
    """Log-normal: ``ln X ~ Normal(mu, sigma)``."""

    mu: float
    sigma: float

    def ppf(self, u):
        """Inverse CDF at the uniforms ``u`` (clipped away from 0 and 1)."""
        return np.exp(self.mu + self.sigma * special.ndtri(_clip(u)))

    def cdf(self, x):
        """``P(X ≤ x)``, elementwise (0 for ``x ≤ 0``)."""
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            return np.where(x > 0, special.ndtr((np.log(np.maximum(x, 1e-300)) - self.mu) / self.sigma), 0.0)

    @property
    def mean(self) -> float:
        """``exp(μ + σ²/2)``."""
        return math.exp(self.mu + self.sigma**2 / 2)

    @property
    def variance(self) -> float:
        """``(exp(σ²) − 1) exp(2μ + σ²)``."""
        return (math.exp(self.sigma**2) - 1) * math.exp(2 * self.mu + self.sigma**2)


@dataclass(frozen=True)
class Discrete:
    """One of ``values`` with probabilities proportional to ``weights`` (inverse CDF on sorted values)."""

    values: tuple[float, ...]
    weights: tuple[float, ...]
    _cum: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        order = np.argsort(self.values, kind="stable")
        values = tuple(float(self.values[i]) for i in order)
        weights = np.array([self.weights[i] for i in order], dtype=float)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "weights", tuple(weights / weights.sum()))
        object.__setattr__(self, "_cum", np.cumsum(weights) / weights.sum())

    def ppf(self, u):
        """Inverse CDF at the uniforms ``u``: the first value whose cumulative probability reaches ``u``."""
        index = np.searchsorted(self._cum, np.asarray(u, dtype=float), side="left")
        return np.asarray(self.values)[np.minimum(index, len(self.values) - 1)]

    def cdf(self, x):
        """``P(X ≤ x)``, elementwise."""
        x = np.asarray(x, dtype=float)
        index = np.searchsorted(np.asarray(self.values), x, side="right")  # values ≤ x
        return np.concatenate([[0.0], self._cum])[index].clip(0.0, 1.0)

    @property
    def mean(self) -> float:
        """The weighted mean of the values."""
        return float(np.dot(self.values, self.weights))

    @property
    def variance(self) -> float:
        """The weighted variance of the values."""
        v = np.asarray(self.values)
        return float(np.dot(self.weights, (v - self.mean) ** 2))


@dataclass(frozen=True)
class Bernoulli:
    """1 with probability ``p``, else 0; ``ppf(u) = 1`` for ``u ≥ 1 − p`` (monotone in ``u``)."""

    p: float

    def ppf(self, u):
        """1 where ``u ≥ 1 − p``, else 0."""
        return (np.asarray(u, dtype=float) >= 1.0 - self.p).astype(float)

    def cdf(self, x):
        """``P(X ≤ x)``: 0 below 0, ``1 − p`` on ``[0, 1)``, 1 from 1 on."""
        x = np.asarray(x, dtype=float)
        return np.where(x >= 1, 1.0, np.where(x >= 0, 1.0 - self.p, 0.0))

    @property
    def mean(self) -> float:
        """``p``."""
        return self.p

    @property
    def variance(self) -> float:
        """``p (1 − p)``."""
        return self.p * (1 - self.p)


Distribution = Fixed | Uniform | Triangular | Pert | Normal | LogNormal | Discrete | Bernoulli
"""Any distribution family: each has ``ppf(u)``, ``cdf(x)``, ``mean`` and ``variance``."""
