"""Sampling (sim.sampling): named streams, Latin hypercube strata, the Gaussian copula and conditioning on a
status date, each checked against what it promises (docs/design.md, "Named streams")."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import sim
from sim.distributions import Bernoulli, Discrete, Fixed, LogNormal, Normal, Pert, Triangular, Uniform
from sim.sampling import (
    Copula,
    cdf,
    conditioned_past,
    input_specs,
    latin_hypercube,
    nearest_correlation,
    risk_posterior,
    sample,
    uniforms,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def baseline():
    return sim.load(ROOT / "scenarios/baseline.yaml")


# ---------------------------------------------------------------------------------------------- named streams


@pytest.mark.parametrize(("first", "count"), [(0, 1), (0, 37), (5, 11), (36, 1), (17, 20)])
def test_replication_i_gets_the_same_uniform_whatever_the_batch(first, count):
    whole = uniforms(7, "milestone:a:duration", 0, 40)
    np.testing.assert_array_equal(uniforms(7, "milestone:a:duration", first, count), whole[first:first + count])


def test_sampled_rows_do_not_depend_on_batch_size_or_first(baseline):
    whole = sample(baseline, 11, 0, 60)
    for first, count in [(0, 25), (25, 35), (13, 1), (59, 1)]:
        part = sample(baseline, 11, first, count)
        assert part.names == whole.names
        assert part.first == first
        np.testing.assert_array_equal(part.values, whole.values[first:first + count])


def test_streams_differ_by_name_and_seed_and_lie_in_the_unit_interval():
    a, b, c = uniforms(7, "x", 0, 1000), uniforms(7, "y", 0, 1000), uniforms(8, "x", 0, 1000)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert ((a >= 0) & (a < 1)).all()


def test_every_input_has_one_named_column(baseline):
    inputs = sample(baseline, 3, 0, 4)
    assert inputs.names == tuple(spec.name for spec in input_specs(baseline))
    assert len(set(inputs.names)) == len(inputs.names)
    assert inputs.values.shape == (4, len(inputs.names))
    name = inputs.names[0]
    np.testing.assert_array_equal(inputs.column(name), inputs.values[:, 0])


# ---------------------------------------------------------------------------------------------- Latin hypercube


@pytest.mark.parametrize("total", [1, 10, 97])
def test_latin_hypercube_puts_one_replication_in_each_stratum(total):
    u = latin_hypercube(3, "risk:r:time", 0, total, total)
    assert sorted(np.floor(u * total).astype(int).tolist()) == list(range(total))


def test_latin_hypercube_batches_are_slices_of_the_whole():
    whole = latin_hypercube(3, "n", 0, 50, 50)
    np.testing.assert_array_equal(np.concatenate([latin_hypercube(3, "n", 0, 20, 50), latin_hypercube(3, "n", 20, 30, 50)]),
                                  whole)


# ---------------------------------------------------------------------------------------------- copula


@pytest.mark.parametrize("rank", [-0.8, 0.0, 0.5, 0.9])
def test_copula_gives_the_requested_rank_correlation_and_keeps_uniform_marginals(rank):
    n = 20_000
    rho = 2 * math.sin(math.pi * rank / 6)
    copula = Copula(("a", "b"), np.array([[1.0, rho], [rho, 1.0]]), repaired=False)
    u = copula.apply(np.column_stack([uniforms(5, "a", 0, n), uniforms(5, "b", 0, n)]))
    r = stats.spearmanr(u[:, 0], u[:, 1]).statistic
    tolerance = 4 / math.sqrt(n)  # four standard errors of a rank correlation (at most 1/√n)
    assert abs(r - rank) < tolerance, f"Spearman {r:.4f}, asked {rank}: beyond 4 standard errors ({tolerance:.4f})"
    for column in u.T:  # marginals stay uniform
        assert stats.kstest(column, "uniform").pvalue > 1e-4


def test_copula_of_a_scenario_and_its_perfect_correlations():
    scenario = sim.load(ROOT / "scenarios/analytic/correlated-pair.yaml")
    copula = Copula.of(scenario)
    assert copula is not None
    assert not copula.repaired
    assert copula.names[:2] == ("milestone:a:duration", "milestone:b:duration")
    inputs = sample(scenario, 2, 0, 500)
    a, b = inputs.column("milestone:a:duration"), inputs.column("milestone:b:duration")
    c, d = inputs.column("milestone:c:duration"), inputs.column("milestone:d:duration")
    assert stats.spearmanr(a, b).statistic == pytest.approx(1.0)  # rank 1: comonotone
    assert stats.spearmanr(c, d).statistic == pytest.approx(-1.0)  # rank -1: countermonotone


def test_nearest_correlation_repairs_an_impossible_matrix():
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(bad).min() < 0
    fixed = nearest_correlation(bad)
    assert np.linalg.eigvalsh(fixed).min() > -1e-9
    np.testing.assert_allclose(np.diag(fixed), 1.0)
    np.testing.assert_allclose(fixed, fixed.T)


# ---------------------------------------------------------------------------------------------- status date

FAMILIES = [Fixed(3.0), Uniform(10, 50), Triangular(1, 2, 6), Pert(0, 9, 10, 2), Normal(3, 2), Normal(1, 2, 0.0),
            LogNormal(1, 0.5), Discrete((1, 3, 7), (0.2, 0.5, 0.3)), Bernoulli(0.3)]


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda d: type(d).__name__)
def test_cdf_is_the_distributions_own(dist):
    x = np.linspace(-5, 60, 131)
    np.testing.assert_array_equal(cdf(dist, x), dist.cdf(x))
    assert (np.diff(dist.cdf(x)) >= 0).all()  # non-decreasing, from 0 to 1
    assert dist.cdf(-1e9) == 0.0
    assert dist.cdf(1e9) == 1.0


def test_cdf_of_something_else_is_refused():
    with pytest.raises(TypeError, match="no CDF for str"):
        cdf("pert", 1.0)


@pytest.mark.parametrize("elapsed", [20.0, 40.0, 70.0])
def test_conditioned_uniform_matches_exact_conditional_probabilities(elapsed):
    dist, n = Uniform(0, 100), 40_000
    x = conditioned_past(dist, uniforms(9, "u", 0, n), elapsed)
    assert x.min() >= elapsed
    for q in np.linspace(elapsed + 5, 95, 6):
        exact = (q - elapsed) / (100 - elapsed)  # P(X ≤ q | X > e) for X ~ U(0, 100)
        share = float((x <= q).mean())
        tolerance = 4 * math.sqrt(exact * (1 - exact) / n)  # four standard errors of a share of n draws
        assert abs(share - exact) <= tolerance, (f"P(X ≤ {q:.1f} | X > {elapsed}) = {share:.4f}, exact {exact:.4f}: "
                                                 f"beyond 4 standard errors ({tolerance:.4f})")


def test_conditioning_keeps_the_uniform_and_clamps_past_the_end():
    dist, u = Uniform(0, 100), np.array([0.0, 0.25, 0.5, 0.999])
    # the same uniform: X' = F⁻¹(F(e) + u (1 − F(e))) = e + u (100 − e)
    np.testing.assert_allclose(conditioned_past(dist, u, 40.0), 40.0 + 60.0 * u)
    np.testing.assert_array_equal(conditioned_past(dist, u, -5.0), dist.ppf(u))  # F(e) = 0: unchanged
    np.testing.assert_array_equal(conditioned_past(dist, u, 150.0), np.full(4, 150.0))  # should be done: e


@pytest.mark.parametrize(("p", "share", "expected"), [(0.5, 0.0, 0.5), (0.5, 0.5, 1 / 3), (0.5, 1.0, 0.0), (1.0, 1.0, 0.0)])
def test_risk_posterior_is_bayes(p, share, expected):
    assert risk_posterior(p, share) == pytest.approx(expected)
