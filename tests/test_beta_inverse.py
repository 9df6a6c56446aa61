"""The beta inverse CDF (sim/distributions/beta.py): closed forms, agreement with scipy, monotonicity, edges.

Errors are in ulps of the reference value (``np.spacing``). The closed-form references are evaluated in x87
extended precision (64-bit significand, 11 bits more than a double), so their own error is a small fraction
of an ulp; those tests are skipped where ``np.longdouble`` is a plain double.
"""

import numpy as np
import pytest
from scipy import special

from sim.distributions import Pert
from sim.distributions.beta import SHAPE_MAX, beta_ppf

EXTENDED = np.finfo(np.longdouble).nmant >= 63
needs_extended = pytest.mark.skipif(not EXTENDED, reason="no extended-precision long double on this platform")

# PERT shapes: a + b = 2 + λ with a, b ≥ 1, for λ = 4 (the default), 2 and 6
PERT_SHAPES = [(a, 2 + lam - a) for lam in (4.0, 2.0, 6.0) for a in np.linspace(1.0, 1.0 + lam, 11)[1:-1]]
PERT_SHAPES += [(2.3333333333333335, 3.6666666666666665), (1.2666666666666666, 4.733333333333333), (2.0, 4.0),
                (3.0, 3.0), (1.0000001, 4.9999999), (4.9999999, 1.0000001)]
TAILS = np.logspace(-12, -3, 200)
U_GRID = np.unique(np.concatenate([TAILS, np.linspace(0.001, 0.999, 4001), 1 - TAILS]))


def ulps(found, expected):
    """|found − expected| in ulps of ``expected`` (its spacing as a double)."""
    expected = np.asarray(expected, dtype=np.longdouble)
    return np.asarray(np.abs(np.asarray(found, dtype=np.longdouble) - expected)
                      / np.spacing(np.abs(expected).astype(float)), dtype=float)


@needs_extended
@pytest.mark.parametrize("b", [1.0, 2.0, 3.5, 5.0, 7.0])
def test_beta_one_b_closed_form(b):
    # Beta(1, b): I_x = 1 − (1 − x)^b, so x = 1 − (1 − u)^(1/b) = −expm1(log1p(−u) / b), exact in extended precision.
    # a = 1 is handed to betaincinv's own closed form; its error is the last roundings of log1p, the division and
    # expm1 (≤ ~1.5 ulps each in relative terms near 0, less near 1): 3 ulps bounds it.
    u = U_GRID.astype(np.longdouble)
    expected = -np.expm1(np.log1p(-u) / np.longdouble(b))
    err = ulps(beta_ppf(1.0, b, U_GRID), expected)
    assert err.max() <= 3, f"Beta(1, {b}) off its closed form by {err.max():.2f} ulps (bound 3)"


@needs_extended
@pytest.mark.parametrize("a", [2.0, 3.5, 5.0, 7.0])
def test_beta_a_one_closed_form(a):
    # Beta(a, 1): x = u^(1/a). betaincinv computes it as pow(u, 1/a) with 1/a rounded to a double: a relative error
    # ε/2 in the exponent is |ln x| ε/2 relative in x, at most |ln x| ulps, plus 2 ulps of pow's own rounding.
    u = U_GRID.astype(np.longdouble)
    expected = np.exp(np.log(u) / np.longdouble(a))
    err = ulps(beta_ppf(a, 1.0, U_GRID), expected)
    bound = 2 + np.abs(np.log(expected.astype(float)))
    assert np.all(err <= bound), f"Beta({a}, 1) off u^(1/a) by up to {err.max():.2f} ulps (bound 2 + |ln x|)"


def test_uniform_is_identity():
    # Beta(1, 1) is the uniform: x = u exactly (both closed forms reduce to it without rounding)
    assert np.array_equal(beta_ppf(1.0, 1.0, U_GRID), U_GRID)


@needs_extended
def test_beta_two_two_closed_form():
    # Beta(2, 2): I_x = x²(3 − 2x), whose inverse is x = ½ + sin(asin(2u − 1) / 3). It runs through the table and the
    # Halley step (not the closed-form shortcut). Bound 4 ulps: 0.5 for the final rounding, the rest from betainc's
    # own error (≤ ~2 ε relative for these shapes) divided by the density, which for Beta(2, 2) is ≥ ~x·1.5 below
    # ½ — the step is well conditioned. u ∈ [1e-3, 1 − 1e-3] keeps 2u − 1 exact enough in extended precision.
    u = np.linspace(0.001, 0.999, 20001)
    ul = u.astype(np.longdouble)
    expected = 0.5 + np.sin(np.arcsin(2 * ul - 1) / 3)
    err = ulps(beta_ppf(2.0, 2.0, u), expected)
    assert err.max() <= 4, f"Beta(2, 2) off its closed form by {err.max():.2f} ulps (bound 4)"


@pytest.mark.parametrize(("a", "b"), PERT_SHAPES)
def test_agrees_with_betaincinv(a, b):
    # Against 50-digit mpmath (issue 9 note) betaincinv is off by up to 28 ulps on these shapes and beta_ppf by up
    # to 9.5: they may differ by the sum. 40 ulps bounds it; relative to x that is < 1e-14.
    rng = np.random.default_rng(int(a * 1000))
    u = np.concatenate([U_GRID, rng.random(20_000)])
    err = ulps(beta_ppf(a, b, u), special.betaincinv(a, b, u))
    assert err.max() <= 40, f"Beta({a:.4f}, {b:.4f}) differs from betaincinv by {err.max():.1f} ulps (bound 40)"


@pytest.mark.parametrize(("a", "b"), [(1.5, 4.5), (4.5, 1.5), (2.3333333333333335, 3.6666666666666665), (3.0, 3.0),
                                    (5.0, 11.0), (21.0, 1.5)])
def test_cdf_of_ppf_is_u(a, b):
    # The forward function at the result gives u back, in the lower half (u ≤ ½) as I_x(a, b), in the upper one as
    # its complement against 1 − u (exact there). What x can resolve is its own spacing times the density (near
    # x = 1 a spacing is large next to 1 − x), and betainc is good to a few ε relative: bound 1e-14 of the target
    # plus 8 spacings of x times the density, i.e. x within about 8 ulps of an exact inverse.
    u = U_GRID
    x = beta_ppf(a, b, u)
    low = u <= 0.5
    back = np.where(low, special.betainc(a, b, x), special.betaincc(a, b, x))
    target = np.where(low, u, 1 - u)
    density = np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - special.betaln(a, b))
    excess = np.abs(back - target) - (1e-14 * target + 8 * density * np.spacing(x))
    assert np.all(excess <= 0), f"Beta({a}, {b}): cdf(ppf(u)) off u at u = {u[excess > 0][:3]}"


@pytest.mark.parametrize(("a", "b"), [(1.2666666666666666, 4.733333333333333), (3.0, 3.0), (4.5, 1.5), (7.0, 15.0)])
def test_monotone_in_u(a, b):
    # Non-decreasing on a grid whose steps move x by far more than the few ulps of error; the switch between the
    # lower and upper halves at u = ½ is on it.
    tails = np.logspace(-300, -1, 3000)
    u = np.unique(np.concatenate([[0.0], tails, np.linspace(0.1, 0.9, 400_001), 1 - tails[tails > 1e-16], [1.0]]))
    x = beta_ppf(a, b, u)
    assert np.all(np.diff(x) >= 0), f"Beta({a}, {b}): ppf decreases at u = {u[1:][np.diff(x) < 0][:3]}"


@pytest.mark.parametrize(("a", "b"), PERT_SHAPES[:4] + [(2.0, 4.0), (1.0, 5.0), (5.0, 1.0), (0.5, 0.5), (2000.0, 3.0)])
def test_endpoints(a, b):
    assert beta_ppf(a, b, np.array([0.0, 1.0])).tolist() == [0.0, 1.0]


def test_nan_and_out_of_range_as_betaincinv():
    u = np.array([np.nan, -0.1, 1.1, -np.inf, np.inf, 0.3, 0.7, 5e-324])
    found, expected = beta_ppf(2.2, 3.8, u), special.betaincinv(2.2, 3.8, u)
    assert np.array_equal(np.isnan(found), np.isnan(expected))
    assert np.isnan(found[:5]).all()
    assert np.isfinite(found[5:7]).all()


def test_array_shapes():
    rng = np.random.default_rng(1)
    u = rng.random((30, 7, 3))
    x = beta_ppf(2.2, 3.8, u)
    assert x.shape == u.shape
    assert x.dtype == np.float64
    assert np.array_equal(x.ravel(), beta_ppf(2.2, 3.8, u.ravel()))
    assert np.array_equal(beta_ppf(2.2, 3.8, u.T), x.T)  # a non-contiguous view gives the same values
    assert beta_ppf(2.2, 3.8, 0.25).shape == ()
    assert beta_ppf(2.2, 3.8, [0.25, 0.5]).shape == (2,)
    assert beta_ppf(2.2, 3.8, np.empty((0, 3))).shape == (0, 3)


@pytest.mark.parametrize(("a", "b"), [(0.5, 0.5), (0.7, 3.0), (3.0, 0.7), (1.0, 5.0), (5.0, 1.0), (1.0, 1.0),
                                    (SHAPE_MAX * 2, 3.0), (3.0, SHAPE_MAX * 2)])
def test_shapes_left_to_betaincinv_are_its_values(a, b):
    # a or b = 1 (closed forms), a or b < 1 (densities infinite at an end) and very large shapes: betaincinv itself
    u = np.concatenate([U_GRID, [0.0, 1.0]])
    assert np.array_equal(beta_ppf(a, b, u), special.betaincinv(a, b, u))


@pytest.mark.parametrize("lam", [12.0, 20.0, 50.0, 200.0])
def test_large_lambda_still_agrees(lam):
    # Flat-topped to needle-like PERTs: the table's guess gets worse as λ grows (at 50 and more many values fall
    # back to betaincinv); whatever path a value takes, it agrees with betaincinv within both their errors. Against
    # mpmath betaincinv is off by up to 160 ulps on such shapes (issue 9 note), beta_ppf by 15: bound 200.
    for a in np.linspace(1.0, 1.0 + lam, 7)[1:-1]:
        b = 2 + lam - a
        err = ulps(beta_ppf(a, b, U_GRID), special.betaincinv(a, b, U_GRID))
        assert err.max() <= 200, f"Beta({a}, {b}) differs from betaincinv by {err.max():.1f} ulps (bound 200)"


def test_pert_ppf_uses_it():
    d = Pert(1.0, 2.0, 6.0)
    a, b = 1 + 4 * 1 / 5, 1 + 4 * 4 / 5
    assert np.array_equal(d.ppf(U_GRID), 1.0 + 5.0 * beta_ppf(a, b, U_GRID))
