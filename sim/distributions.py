"""Probability distributions as small immutable objects with ``ppf``, ``mean`` and ``variance``.

Every random input of a scenario is one of these, evaluated by inverse transform: ``dist.ppf(u)`` turns
uniforms into values, so sampling strategies (plain, Latin hypercube, copulas) only ever act on uniforms.

Built from tagged dicts (``{"pert": {"min": 1, "mode": 2, "max": 6}}``) by :func:`from_spec` — never ``eval``.
Conventions: ``pert`` is beta-PERT with α = 1 + λ(mode − min)/(max − min), β = 1 + λ(max − mode)/(max − min)
(λ = 4 by default); a ``normal`` duration is truncated at 0 (conditioned, not clipped); ``lognormal`` from
``{median, p90}`` has μ = ln(median), σ = (ln p90 − μ)/z₀.₉; from ``{mean, sd}`` it is moment-matched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

# Uniforms are clipped this far from 0 and 1 before unbounded inverse CDFs, so that a draw of exactly 0.0
# (probability 2^-53) cannot produce -inf.
_U_EPS = 1e-12
_Z90 = float(stats.norm.ppf(0.9))


def _clip(u: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(u, dtype=float), _U_EPS, 1.0 - _U_EPS)


@dataclass(frozen=True)
class Fixed:
    """A constant."""

    value: float

    def ppf(self, u):
        return np.full(np.shape(u), self.value, dtype=float)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0


@dataclass(frozen=True)
class Uniform:
    """Uniform on ``[min, max]``."""

    min: float
    max: float

    def ppf(self, u):
        return self.min + (self.max - self.min) * np.asarray(u, dtype=float)

    @property
    def mean(self) -> float:
        return (self.min + self.max) / 2

    @property
    def variance(self) -> float:
        return (self.max - self.min) ** 2 / 12


@dataclass(frozen=True)
class Triangular:
    """Triangular on ``[min, max]`` with peak at ``mode``."""

    min: float
    mode: float
    max: float

    def ppf(self, u):
        u = np.asarray(u, dtype=float)
        a, c, b = self.min, self.mode, self.max
        if b == a:
            return np.full(u.shape, a)
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < split, left, right)

    @property
    def mean(self) -> float:
        return (self.min + self.mode + self.max) / 3

    @property
    def variance(self) -> float:
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
        u = np.asarray(u, dtype=float)
        if self.max == self.min:
            return np.full(u.shape, self.min)
        a, b = self._ab
        return self.min + (self.max - self.min) * special.betaincinv(a, b, u)

    @property
    def mean(self) -> float:
        return (self.min + self.lam * self.mode + self.max) / (self.lam + 2)

    @property
    def variance(self) -> float:
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
        a = (self.lower - self.mu) / self.sd
        return stats.truncnorm(a, math.inf, loc=self.mu, scale=self.sd)

    def ppf(self, u):
        if self.lower == -math.inf:
            return self.mu + self.sd * special.ndtri(_clip(u))
        return self._dist.ppf(_clip(u))

    @property
    def mean(self) -> float:
        return self.mu if self.lower == -math.inf else float(self._dist.mean())

    @property
    def variance(self) -> float:
        return self.sd**2 if self.lower == -math.inf else float(self._dist.var())


@dataclass(frozen=True)
class LogNormal:
    """Log-normal: ``ln X ~ Normal(mu, sigma)``."""

    mu: float
    sigma: float

    def ppf(self, u):
        return np.exp(self.mu + self.sigma * special.ndtri(_clip(u)))

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    @property
    def variance(self) -> float:
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
        index = np.searchsorted(self._cum, np.asarray(u, dtype=float), side="left")
        return np.asarray(self.values)[np.minimum(index, len(self.values) - 1)]

    @property
    def mean(self) -> float:
        return float(np.dot(self.values, self.weights))

    @property
    def variance(self) -> float:
        v = np.asarray(self.values)
        return float(np.dot(self.weights, (v - self.mean) ** 2))


@dataclass(frozen=True)
class Bernoulli:
    """1 with probability ``p``, else 0; ``ppf(u) = 1`` for ``u ≥ 1 − p`` (monotone in ``u``)."""

    p: float

    def ppf(self, u):
        return (np.asarray(u, dtype=float) >= 1.0 - self.p).astype(float)

    @property
    def mean(self) -> float:
        return self.p

    @property
    def variance(self) -> float:
        return self.p * (1 - self.p)


Distribution = Fixed | Uniform | Triangular | Pert | Normal | LogNormal | Discrete | Bernoulli

FAMILIES = ("fixed", "uniform", "triangular", "pert", "normal", "lognormal", "discrete", "empirical", "bernoulli")
_PARAMS = {
    "uniform": ({"min", "max"}, set()),
    "triangular": ({"min", "mode", "max"}, set()),
    "pert": ({"min", "mode", "max"}, {"lambda"}),
    "normal": ({"mean", "sd"}, set()),
    "lognormal": (set(), {"median", "p90", "mean", "sd"}),
    "discrete": ({"values"}, {"weights"}),
    "empirical": ({"values"}, set()),
    "bernoulli": ({"p"}, set()),
}


class SpecError(ValueError):
    """Problems in a distribution spec: a list of ``(key path below the spec, message)``."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in problems))
        self.problems = problems


def from_spec(spec: object, number: Callable[[object, str | None], float], duration: bool) -> Distribution:
    """Build a distribution from its tagged form.

    Parameters
    ----------
    spec : object
        A scalar (fixed value) or a mapping with one family key, e.g. ``{"pert": {...}}``, optionally with
        ``unit`` beside it.
    number : callable
        ``number(value, unit) -> float`` converts one parameter value (e.g. ``'3 months'``, or ``3`` with
        unit ``'months'``) into a float in model units (days for durations); raises ``ValueError`` with a
        readable message.
    duration : bool
        Whether values are durations: they must be ≥ 0 and a ``normal`` is truncated at 0.

    Raises
    ------
    SpecError
        Listing every problem with its key path below ``spec``.
    """
    problems: list[tuple[str, str]] = []
    if not isinstance(spec, Mapping):
        try:
            value = number(spec, None)
        except ValueError as exc:
            raise SpecError([("", str(exc))]) from None
        if duration and value < 0:
            raise SpecError([("", f"found {spec!r}; a duration cannot be negative")])
        return Fixed(value)

    families = [k for k in spec if k != "unit"]
    unit = spec.get("unit")
    if len(families) != 1 or families[0] not in FAMILIES:
        found = ", ".join(map(str, families)) or "no family"
        raise SpecError([("", f"found {found}; expected exactly one of {', '.join(FAMILIES)} (and optional 'unit')")])
    family = families[0]
    body = spec[family]

    def num(key: str, value: object, convert: bool = True) -> float | None:
        try:
            out = number(value, unit) if convert else _plain(value)
        except ValueError as exc:
            problems.append((f"{family}.{key}", str(exc)))
            return None
        if duration and convert and out < 0:
            problems.append((f"{family}.{key}", f"found {value!r}; a duration cannot be negative"))
            return None
        return out

    if family == "fixed":
        if isinstance(body, Mapping):
            raise SpecError([(family, "found a mapping; expected one value, e.g. {fixed: 3 months}")])
        value = num("", body)
        if value is None:
            raise SpecError([(family, problems[0][1])])
        return Fixed(value)

    required, optional = _PARAMS[family]
    if not isinstance(body, Mapping):
        raise SpecError([(family, f"found {body!r}; expected a mapping with keys {', '.join(sorted(required))}")])
    for key in sorted(set(required) - set(body)):
        problems.append((family, f"missing '{key}'; {family} needs {', '.join(sorted(required))}"))
    for key in sorted(set(body) - required - optional):
        allowed = ", ".join(sorted(required | optional))
        problems.append((f"{family}.{key}", f"unknown parameter '{key}'; {family} takes {allowed}"))
    if problems:
        raise SpecError(problems)

    if family in ("discrete", "empirical"):
        values = body["values"]
        if not isinstance(values, list) or not values:
            raise SpecError([(f"{family}.values", f"found {values!r}; expected a non-empty list")])
        nums = [num(f"values[{i}]", v) for i, v in enumerate(values)]
        weights = body.get("weights", [1.0] * len(values))
        if not isinstance(weights, list) or len(weights) != len(values):
            problems.append((f"{family}.weights", f"found {weights!r}; expected a list of {len(values)} numbers"))
            weights = [1.0] * len(values)
        ws = [num(f"weights[{i}]", w, convert=False) for i, w in enumerate(weights)]
        if any(w is not None and w < 0 for w in ws):
            problems.append((f"{family}.weights", "weights must be ≥ 0"))
        elif None not in ws and sum(ws) <= 0:
            problems.append((f"{family}.weights", "weights must sum to more than 0"))
        if problems:
            raise SpecError(problems)
        return Discrete(tuple(nums), tuple(ws))

    if family == "bernoulli":
        p = num("p", body["p"], convert=False)
        if p is not None and not 0 <= p <= 1:
            problems.append((f"{family}.p", f"found {p}; expected a probability 0 ≤ p ≤ 1"))
        if problems:
            raise SpecError(problems)
        return Bernoulli(p)

    if family == "normal":
        mean, sd = num("mean", body["mean"]), num("sd", body["sd"])
        if sd is not None and sd <= 0:
            problems.append((f"{family}.sd", f"found {body['sd']!r}; sd must be > 0"))
        if problems:
            raise SpecError(problems)
        return Normal(mean, sd, 0.0 if duration else -math.inf)

    if family == "lognormal":
        keys = set(body)
        if keys == {"median", "p90"}:
            median, p90 = num("median", body["median"]), num("p90", body["p90"])
            if median is not None and median <= 0:
                problems.append((f"{family}.median", f"found {body['median']!r}; median must be > 0"))
            elif median is not None and p90 is not None and p90 <= median:
                problems.append((f"{family}.p90", f"found {body['p90']!r}; p90 must be greater than the median"))
            if problems:
                raise SpecError(problems)
            mu = math.log(median)
            return LogNormal(mu, (math.log(p90) - mu) / _Z90)
        if keys == {"mean", "sd"}:
            mean, sd = num("mean", body["mean"]), num("sd", body["sd"])
            if mean is not None and mean <= 0:
                problems.append((f"{family}.mean", f"found {body['mean']!r}; mean must be > 0"))
            if sd is not None and sd <= 0:
                problems.append((f"{family}.sd", f"found {body['sd']!r}; sd must be > 0"))
            if problems:
                raise SpecError(problems)
            sigma2 = math.log(1 + (sd / mean) ** 2)
            return LogNormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
        found = ", ".join(map(str, body)) or "nothing"
        raise SpecError([(family, f"found {found}; expected either median and p90, or mean and sd")])

    lo, hi = num("min", body["min"]), num("max", body["max"])
    mode = num("mode", body["mode"]) if "mode" in body else None
    lam = num("lambda", body["lambda"], convert=False) if "lambda" in body else 4.0
    if problems:
        raise SpecError(problems)
    if family == "uniform":
        if not lo < hi:
            raise SpecError([(family, f"found min {body['min']!r} ≥ max {body['max']!r}; need min < max")])
        return Uniform(lo, hi)
    if not lo <= mode <= hi:
        found = f"min {body['min']!r}, mode {body['mode']!r}, max {body['max']!r}"
        raise SpecError([(family, f"found {found}; need min ≤ mode ≤ max")])
    if family == "pert":
        if lam is None or lam <= 0:
            raise SpecError([(f"{family}.lambda", f"found {body.get('lambda')!r}; lambda must be > 0")])
        return Pert(lo, mode, hi, lam)
    return Triangular(lo, mode, hi)


_NUMBER_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")


# The one range check for every number a scenario gives, however it is written (plain, text such as 1.6e6,
# or with a unit): finite and at most 1e15 in size. The largest real quantity is money in euros (~1e12);
# anything beyond is a typo, and 1e308 overflowed to inf inside the engine and censored silently.
MAX_MAGNITUDE = 1e15


def _plain(value: object) -> float:
    """A plain number (no unit). ``1.6e6`` is accepted although YAML 1.1 reads it as text.

    Raises
    ------
    ValueError
        For anything that is not a finite number of at most :data:`MAX_MAGNITUDE` in size.
    """
    if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"found {value!r}; expected a number")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"found {value!r}; expected a finite number" if isinstance(value, float)
                         else f"found a number with {len(str(abs(value)))} digits; expected at most {MAX_MAGNITUDE:.0e}")
    if abs(number) > MAX_MAGNITUDE:
        raise ValueError(f"found {number:g}; expected a number between {-MAX_MAGNITUDE:.0e} and {MAX_MAGNITUDE:.0e}")
    return number
