"""Distributions from their tagged form in a scenario (``{"pert": {"min": 1, "mode": 2, "max": 6}}``) — never ``eval``.

:func:`from_spec` finds the family, checks its keys and hands the parameters to that family's builder; a
:class:`_Reader` converts each parameter (to days for durations) and collects every problem with its key path,
so a scenario author sees them all at once. :func:`plain` is the one check for a number without a unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from scipy import special

from .families import Bernoulli, Discrete, Distribution, Fixed, LogNormal, Normal, Pert, Triangular, Uniform

FAMILIES = ("fixed", "uniform", "triangular", "pert", "normal", "lognormal", "discrete", "empirical", "bernoulli")
_PARAMS = {  # family → (required keys, optional keys); "fixed" takes one value, not a mapping
    "uniform": ({"min", "max"}, set()),
    "triangular": ({"min", "mode", "max"}, set()),
    "pert": ({"min", "mode", "max"}, {"lambda"}),
    "normal": ({"mean", "sd"}, set()),
    "lognormal": (set(), {"median", "p90", "mean", "sd"}),
    "discrete": ({"values"}, {"weights"}),
    "empirical": ({"values"}, set()),
    "bernoulli": ({"p"}, set()),
}
_Z90 = float(special.ndtri(0.9))  # a lognormal's p90 is exp(μ + σ·z₀.₉)

Number = Callable[[object, str | None], float]


class SpecError(ValueError):
    """Problems in a distribution spec: a list of ``(key path below the spec, message)``."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in problems))
        self.problems = problems


def from_spec(spec: object, number: Number, duration: bool) -> Distribution:
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
    if not isinstance(spec, Mapping):
        return _fixed_value(spec, number, duration)
    family = _family(spec)
    body = spec[family]
    reader = _Reader(family, number, spec.get("unit"), duration)
    if family == "fixed":
        return _fixed(body, reader)
    _check_keys(family, body)
    return _BUILDERS[family](body, reader)


class _Reader:
    """Reads one family's parameters into model units, collecting every problem (key path, message)."""

    def __init__(self, family: str, number: Number, unit: Any, duration: bool):
        self.family = family
        self.number = number
        self.unit = unit
        self.duration = duration
        self.problems: list[tuple[str, str]] = []

    def read(self, key: str, value: object, convert: bool = True) -> float | None:
        """Parameter ``key`` in model units (``convert=False``: a plain number, e.g. a weight); None if invalid."""
        try:
            out = self.number(value, self.unit) if convert else plain(value)
        except ValueError as exc:
            self.problem(key, str(exc))
            return None
        if self.duration and convert and out < 0:
            self.problem(key, f"found {value!r}; a duration cannot be negative")
            return None
        return out

    def problem(self, key: str, message: str) -> None:
        """Record a problem with parameter ``key``."""
        self.problems.append((f"{self.family}.{key}", message))

    def checked(self, *values: float | None) -> tuple[float, ...]:
        """``values`` once no problem was found (a value is None only with a problem recorded).

        Raises
        ------
        SpecError
            Listing every problem found so far.
        """
        if self.problems:
            raise SpecError(self.problems)
        return cast(tuple[float, ...], values)


def _fixed_value(spec: object, number: Number, duration: bool) -> Fixed:
    """A scalar spec: a fixed value, e.g. ``3 months``."""
    try:
        value = number(spec, None)
    except ValueError as exc:
        raise SpecError([("", str(exc))]) from None
    if duration and value < 0:
        raise SpecError([("", f"found {spec!r}; a duration cannot be negative")])
    return Fixed(value)


def _family(spec: Mapping) -> str:
    """The one family key of a mapping spec (beside an optional ``unit``)."""
    families = [k for k in spec if k != "unit"]
    if len(families) != 1 or families[0] not in FAMILIES:
        found = ", ".join(map(str, families)) or "no family"
        raise SpecError([("", f"found {found}; expected exactly one of {', '.join(FAMILIES)} (and optional 'unit')")])
    return families[0]


def _fixed(body: object, reader: _Reader) -> Fixed:
    """``{fixed: VALUE}``."""
    if isinstance(body, Mapping):
        raise SpecError([("fixed", "found a mapping; expected one value, e.g. {fixed: 3 months}")])
    value = reader.read("", body)
    if value is None:
        raise SpecError([("fixed", reader.problems[0][1])])
    return Fixed(value)


def _check_keys(family: str, body: object) -> None:
    """The body of a family other than ``fixed`` is a mapping with its required keys and no unknown key."""
    required, optional = _PARAMS[family]
    if not isinstance(body, Mapping):
        raise SpecError([(family, f"found {body!r}; expected a mapping with keys {', '.join(sorted(required))}")])
    problems = []
    for key in sorted(set(required) - set(body)):
        problems.append((family, f"missing '{key}'; {family} needs {', '.join(sorted(required))}"))
    for key in sorted(set(body) - required - optional):
        allowed = ", ".join(sorted(required | optional))
        problems.append((f"{family}.{key}", f"unknown parameter '{key}'; {family} takes {allowed}"))
    if problems:
        raise SpecError(problems)


def _uniform(body: Mapping, reader: _Reader) -> Uniform:
    """``{uniform: {min, max}}`` with min < max."""
    lo, hi = reader.checked(reader.read("min", body["min"]), reader.read("max", body["max"]))
    if not lo < hi:
        raise SpecError([("uniform", f"found min {body['min']!r} ≥ max {body['max']!r}; need min < max")])
    return Uniform(lo, hi)


def _peaked(body: Mapping, reader: _Reader) -> Triangular | Pert:
    """``{triangular: {min, mode, max}}`` or ``{pert: {min, mode, max, lambda}}`` with min ≤ mode ≤ max, λ > 0."""
    family = reader.family
    lo, hi, mode = reader.read("min", body["min"]), reader.read("max", body["max"]), reader.read("mode", body["mode"])
    lam = reader.read("lambda", body["lambda"], convert=False) if "lambda" in body else 4.0
    lo, hi, mode, lam = reader.checked(lo, hi, mode, lam)
    if not lo <= mode <= hi:
        found = f"min {body['min']!r}, mode {body['mode']!r}, max {body['max']!r}"
        raise SpecError([(family, f"found {found}; need min ≤ mode ≤ max")])
    if family == "pert":
        if lam <= 0:
            raise SpecError([(f"{family}.lambda", f"found {body.get('lambda')!r}; lambda must be > 0")])
        return Pert(lo, mode, hi, lam)
    return Triangular(lo, mode, hi)


def _normal(body: Mapping, reader: _Reader) -> Normal:
    """``{normal: {mean, sd}}`` with sd > 0; truncated at 0 for a duration."""
    mean, sd = reader.read("mean", body["mean"]), reader.read("sd", body["sd"])
    if sd is not None and sd <= 0:
        reader.problem("sd", f"found {body['sd']!r}; sd must be > 0")
    mu, sigma = reader.checked(mean, sd)
    return Normal(mu, sigma, 0.0 if reader.duration else -math.inf)


def _lognormal(body: Mapping, reader: _Reader) -> LogNormal:
    """``{lognormal: {median, p90}}`` or ``{lognormal: {mean, sd}}`` (moment-matched)."""
    keys = set(body)
    if keys == {"median", "p90"}:
        return _lognormal_from_quantiles(body, reader)
    if keys == {"mean", "sd"}:
        return _lognormal_from_moments(body, reader)
    found = ", ".join(map(str, body)) or "nothing"
    raise SpecError([("lognormal", f"found {found}; expected either median and p90, or mean and sd")])


def _lognormal_from_quantiles(body: Mapping, reader: _Reader) -> LogNormal:
    """μ = ln(median), σ = (ln p90 − μ)/z₀.₉, with 0 < median < p90."""
    median, p90 = reader.read("median", body["median"]), reader.read("p90", body["p90"])
    if median is not None and median <= 0:
        reader.problem("median", f"found {body['median']!r}; median must be > 0")
    elif median is not None and p90 is not None and p90 <= median:
        reader.problem("p90", f"found {body['p90']!r}; p90 must be greater than the median")
    median, p90 = reader.checked(median, p90)
    mu = math.log(median)
    return LogNormal(mu, (math.log(p90) - mu) / _Z90)


def _lognormal_from_moments(body: Mapping, reader: _Reader) -> LogNormal:
    """The lognormal with mean ``mean`` and standard deviation ``sd`` (both > 0)."""
    mean, sd = reader.read("mean", body["mean"]), reader.read("sd", body["sd"])
    if mean is not None and mean <= 0:
        reader.problem("mean", f"found {body['mean']!r}; mean must be > 0")
    if sd is not None and sd <= 0:
        reader.problem("sd", f"found {body['sd']!r}; sd must be > 0")
    m, s = reader.checked(mean, sd)
    sigma2 = math.log(1 + (s / m) ** 2)
    return LogNormal(math.log(m) - sigma2 / 2, math.sqrt(sigma2))


def _discrete(body: Mapping, reader: _Reader) -> Discrete:
    """``{discrete: {values, weights}}`` (weights ≥ 0, summing to more than 0) or ``{empirical: {values}}``."""
    family = reader.family
    values = body["values"]
    if not isinstance(values, list) or not values:
        raise SpecError([(f"{family}.values", f"found {values!r}; expected a non-empty list")])
    nums = [reader.read(f"values[{i}]", v) for i, v in enumerate(values)]
    weights = body.get("weights", [1.0] * len(values))
    if not isinstance(weights, list) or len(weights) != len(values):
        reader.problem("weights", f"found {weights!r}; expected a list of {len(values)} numbers")
        weights = [1.0] * len(values)
    ws = [reader.read(f"weights[{i}]", w, convert=False) for i, w in enumerate(weights)]
    known = [w for w in ws if w is not None]
    if any(w < 0 for w in known):
        reader.problem("weights", "weights must be ≥ 0")
    elif len(known) == len(ws) and sum(known) <= 0:
        reader.problem("weights", "weights must sum to more than 0")
    checked = reader.checked(*nums, *ws)
    return Discrete(checked[:len(nums)], checked[len(nums):])


def _bernoulli(body: Mapping, reader: _Reader) -> Bernoulli:
    """``{bernoulli: {p}}`` with 0 ≤ p ≤ 1."""
    p = reader.read("p", body["p"], convert=False)
    if p is not None and not 0 <= p <= 1:
        reader.problem("p", f"found {p}; expected a probability 0 ≤ p ≤ 1")
    (probability,) = reader.checked(p)
    return Bernoulli(probability)


_BUILDERS: dict[str, Callable[[Mapping, _Reader], Distribution]] = {
    "uniform": _uniform, "triangular": _peaked, "pert": _peaked, "normal": _normal, "lognormal": _lognormal,
    "discrete": _discrete, "empirical": _discrete, "bernoulli": _bernoulli,
}


_NUMBER_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")


# The one range check for every number a scenario gives, however it is written (plain, text such as 1.6e6,
# or with a unit): finite and at most 1e15 in size. The largest real quantity is money in euros (~1e12);
# anything beyond is a typo, and 1e308 overflowed to inf inside the engine and censored silently.
MAX_MAGNITUDE = 1e15


def plain(value: object) -> float:
    """A plain number (no unit). ``1.6e6`` is accepted although YAML 1.1 reads it as text.

    The one check for every number of a scenario that has no unit (probabilities, weights, shares, priorities,
    counts), used by the loader and the checker.

    Parameters
    ----------
    value : object
        What the scenario gives: an int, a float or a number written as text with an exponent.

    Returns
    -------
    float
        The number.

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
