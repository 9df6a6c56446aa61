"""Distributions: inverse CDFs against scipy, moments against closed forms, parameter validation."""

import math
import re

import numpy as np
import pytest
from scipy import stats

import sim.distributions
from sim import calendar as cal
from sim.distributions import (
    Bernoulli,
    Discrete,
    Fixed,
    LogNormal,
    Normal,
    Pert,
    SpecError,
    Triangular,
    Uniform,
    families,
    from_spec,
    spec,
)

U = np.linspace(0.0005, 0.9995, 999)


def days(value, unit):
    if unit is not None:
        return float(value) * cal.unit_days(unit)
    try:
        return cal.parse_duration(value)
    except cal.CalendarError as exc:
        raise ValueError(str(exc)) from None


def plain(value, unit):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"found {value!r}; expected a number")
    return float(value)


def test_ppf_matches_scipy():
    np.testing.assert_allclose(Uniform(2, 5).ppf(U), stats.uniform(2, 3).ppf(U))
    np.testing.assert_allclose(Triangular(1, 2, 6).ppf(U), stats.triang(0.2, loc=1, scale=5).ppf(U), rtol=1e-10)
    a, b = 1 + 4 * (2 - 1) / 5, 1 + 4 * (6 - 2) / 5
    np.testing.assert_allclose(Pert(1, 2, 6).ppf(U), stats.beta(a, b, loc=1, scale=5).ppf(U), rtol=1e-9)
    np.testing.assert_allclose(Normal(3, 2).ppf(U), stats.norm(3, 2).ppf(U), rtol=1e-9)
    np.testing.assert_allclose(Normal(3, 2, 0.0).ppf(U), stats.truncnorm(-1.5, np.inf, 3, 2).ppf(U), rtol=1e-9)
    np.testing.assert_allclose(LogNormal(1, 0.5).ppf(U), stats.lognorm(0.5, scale=math.e).ppf(U), rtol=1e-9)


@pytest.mark.parametrize("dist", [Uniform(2, 5), Triangular(1, 2, 6), Triangular(0, 0, 3), Pert(1, 2, 6),
                                  Pert(0, 9, 10, 2), Normal(3, 2), Normal(1, 2, 0.0), LogNormal(1, 0.5),
                                  Discrete((1, 3, 7), (0.2, 0.5, 0.3)), Bernoulli(0.3), Fixed(4)])
def test_moments_by_quadrature(dist):
    # The mean and variance of X = ppf(U) are integrals over u; a fine midpoint rule checks the closed forms.
    u = (np.arange(400_000) + 0.5) / 400_000
    x = dist.ppf(u)
    assert x.mean() == pytest.approx(dist.mean, rel=2e-3, abs=1e-6)
    assert x.var() == pytest.approx(dist.variance, rel=5e-3, abs=1e-6)


def test_pert_mean_formula():
    assert Pert(1, 2, 6).mean == pytest.approx((1 + 4 * 2 + 6) / 6)


def test_lognormal_from_median_p90():
    d = from_spec({"lognormal": {"median": "12 months", "p90": "24 months"}}, days, duration=True)
    assert d.ppf(np.array([0.5]))[0] == pytest.approx(cal.parse_duration("12 months"))
    assert d.ppf(np.array([0.9]))[0] == pytest.approx(cal.parse_duration("24 months"))


def test_lognormal_from_mean_sd():
    d = from_spec({"lognormal": {"mean": 10, "sd": 4}, "unit": "days"}, days, duration=True)
    assert (d.mean, math.sqrt(d.variance)) == pytest.approx((10, 4))


def test_discrete_frequencies_and_empirical():
    d = from_spec({"discrete": {"values": ["1 month", "3 months"], "weights": [0.7, 0.3]}}, days, duration=True)
    x = d.ppf((np.arange(10_000) + 0.5) / 10_000)
    assert np.mean(x == cal.parse_duration("1 month")) == pytest.approx(0.7)
    e = from_spec({"empirical": {"values": [5, 1, 3]}, "unit": "days"}, days, duration=True)
    assert sorted(set(e.ppf(U))) == [1, 3, 5]


def test_bernoulli_is_monotone():
    assert Bernoulli(0.25).ppf(np.array([0.0, 0.74, 0.75, 0.99])).tolist() == [0, 0, 1, 1]


def test_fixed_forms():
    assert from_spec("3 months", days, duration=True) == Fixed(cal.parse_duration("3 months"))
    assert from_spec({"fixed": "2 weeks"}, days, duration=True) == Fixed(14.0)


def test_unit_key():
    d = from_spec({"pert": {"min": 1, "mode": 2, "max": 6, "lambda": 3}, "unit": "months"}, days, duration=True)
    assert d == Pert(*(cal.parse_duration(f"{v} months") for v in (1, 2, 6)), 3.0)


@pytest.mark.parametrize(("spec", "fragment"), [
    ({"pert": {"min": 5, "mode": 2, "max": 6}, "unit": "days"}, "min ≤ mode ≤ max"),
    ({"triangular": {"min": 1, "mode": 2}, "unit": "days"}, "missing 'max'"),
    ({"uniform": {"min": 3, "max": 3}, "unit": "days"}, "min < max"),
    ({"normal": {"mean": 3, "sd": 0}, "unit": "days"}, "sd must be > 0"),
    ({"lognormal": {"median": 10, "p90": 5}, "unit": "days"}, "greater than the median"),
    ({"lognormal": {"median": 10}, "unit": "days"}, "median and p90"),
    ({"gamma": {"k": 2}}, "expected exactly one of"),
    ({"pert": {"min": 1, "mode": 2, "max": 6, "shape": 2}, "unit": "days"}, "unknown parameter 'shape'"),
    ({"pert": {"min": 1, "mode": 2, "max": 6}}, "without a unit"),
    ({"uniform": {"min": -2, "max": 3}, "unit": "days"}, "cannot be negative"),
    ({"discrete": {"values": [1, 2], "weights": [1]}, "unit": "days"}, "expected a list of 2 numbers"),
    ("3", "expected a number and a unit"),
])
def test_bad_specs(spec, fragment):
    with pytest.raises(SpecError) as exc:
        from_spec(spec, days, duration=True)
    assert fragment in str(exc.value)


def test_bernoulli_p_range():
    with pytest.raises(SpecError, match="0 ≤ p ≤ 1"):
        from_spec({"bernoulli": {"p": 1.5}}, plain, duration=False)


def test_package_names_are_those_of_its_modules():
    assert from_spec is spec.from_spec
    assert sim.distributions.plain is spec.plain
    assert SpecError is spec.SpecError
    assert Pert is families.Pert
    assert set(spec.FAMILIES) == {"fixed", "uniform", "triangular", "pert", "normal", "lognormal", "discrete",
                                  "empirical", "bernoulli"}


@pytest.mark.parametrize(("value", "expected"), [(3, 3.0), (-2.5, -2.5), ("1.6e6", 1.6e6), (" 2E-3 ", 0.002), (10**15, 1e15)])
def test_plain_numbers(value, expected):
    assert spec.plain(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    (True, "found True; expected a number"),
    ("3 days", "found '3 days'; expected a number"),
    (None, "found None; expected a number"),
    (float("inf"), "found inf; expected a finite number"),
    (10**400, "found a number with 401 digits; expected at most 1e+15"),
    (2e15, "found 2e+15; expected a number between -1e+15 and 1e+15"),
])
def test_plain_refuses_with_a_message(value, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        spec.plain(value)


def test_every_problem_of_a_spec_is_reported_at_once_in_key_order():
    with pytest.raises(SpecError) as exc:
        from_spec({"normal": {"mean": "soon", "sd": -1}, "unit": "days"}, days, duration=True)
    assert [path for path, _ in exc.value.problems] == ["normal.mean", "normal.sd"]
    with pytest.raises(SpecError) as exc:
        from_spec({"discrete": {"values": [1, "x"], "weights": [-1, 2]}}, plain_value, duration=False)
    assert exc.value.problems == [("discrete.values[1]", "found 'x'; expected a number"),
                                  ("discrete.weights", "weights must be ≥ 0")]


def plain_value(value, unit):
    return spec.plain(value)


@pytest.mark.parametrize(("body", "expected"), [
    ({"uniform": {"min": 1, "max": 3}}, Uniform(1.0, 3.0)),
    ({"triangular": {"min": 1, "mode": 1, "max": 3}}, Triangular(1.0, 1.0, 3.0)),
    ({"pert": {"min": 1, "mode": 2, "max": 3, "lambda": 2}}, Pert(1.0, 2.0, 3.0, 2.0)),
    ({"normal": {"mean": 1, "sd": 2}}, Normal(1.0, 2.0)),
    ({"lognormal": {"mean": 1, "sd": 1}}, LogNormal(math.log(1) - math.log(2) / 2, math.sqrt(math.log(2)))),
    ({"empirical": {"values": [3, 1, 3]}}, Discrete((1.0, 3.0, 3.0), (1.0, 1.0, 1.0))),
    ({"bernoulli": {"p": 0.25}}, Bernoulli(0.25)),
    ({"fixed": 2}, Fixed(2.0)),
])
def test_every_family_is_built_from_its_tagged_form(body, expected):
    assert from_spec(body, plain_value, duration=False) == expected

