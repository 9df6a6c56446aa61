"""Pure statistics helpers of the results: Wilson interval, inverted-CDF quantiles, NaN quantiles."""

import math

import numpy as np
import pytest

from sim.results import wilson_interval as reexported
from sim.results.stats import QUANTILES, Z95, average_ranks, inverted_cdf_index, nan_quantiles, quantile_times, wilson_interval


def test_wilson_interval_against_a_hand_computed_value():
    # 8 successes in 10, z = 1.96: centre (0.8 + 1.96²/20) / (1 + 1.96²/10), half-width
    # 1.96·sqrt(0.8·0.2/10 + 1.96²/400) / (1 + 1.96²/10): [0.4902, 0.9433] (textbook value).
    low, high = wilson_interval(8, 10, z=1.96)
    assert float(low) == pytest.approx(0.4902, abs=1e-4)
    assert float(high) == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_stays_in_0_1_and_is_vectorised():
    low, high = wilson_interval(np.array([0, 50, 100]), 100)
    assert low[0] == pytest.approx(0.0, abs=1e-15)
    assert high[2] == pytest.approx(1.0)
    assert np.all(low <= np.array([0, 0.5, 1.0]) + 1e-12)
    assert np.all(high >= np.array([0, 0.5, 1.0]) - 1e-12)
    assert high[0] == pytest.approx(Z95**2 / (100 + Z95**2))  # k = 0: the upper bound is z²/(n + z²)


def test_reexported_from_the_package():
    assert reexported is wilson_interval


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 11, 100, 1001])
@pytest.mark.parametrize("q", [0.0, 0.1, 0.5, 0.8, 0.9, 0.999, 1.0])
def test_inverted_cdf_index_matches_numpy(n, q):
    values = np.arange(n, dtype=float) * 3.5 + 1
    assert values[inverted_cdf_index(n, q)] == np.quantile(values, q, method="inverted_cdf")
    assert inverted_cdf_index(n, q) == max(0, math.ceil(n * q) - 1)  # smallest k with (k + 1)/n ≥ q


def test_quantile_times_matches_numpy_inverted_cdf_with_censoring():
    rng = np.random.default_rng(3)
    times = rng.exponential(100, size=(257, 5))
    times[rng.random(times.shape) < 0.3] = np.inf  # censored: not done by the horizon
    times[:, 4] = np.inf
    expected = np.quantile(times, QUANTILES, axis=0, method="inverted_cdf")
    assert np.array_equal(quantile_times(times), expected)
    assert np.isinf(quantile_times(times)[:, 4]).all()


def test_quantile_times_of_no_columns():
    assert quantile_times(np.empty((10, 0))).shape == (len(QUANTILES), 0)


def test_nan_quantiles_matches_numpy_nanquantile():
    rng = np.random.default_rng(5)
    values = rng.normal(size=(101, 3, 4)).astype(np.float32)
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 0, 0] = np.nan  # a month without any valid value
    values[:, 1] = rng.normal(size=(101, 4))  # an observable without any NaN (its rows are never counted)
    qs = [0.1, 0.5, 0.9]
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanquantile(values.astype(float), qs, axis=0)
    assert np.array_equal(nan_quantiles(values, qs), expected, equal_nan=True)


def test_nan_quantiles_of_consecutive_parts_are_those_of_the_whole():
    rng = np.random.default_rng(6)
    values = rng.normal(size=(301, 4, 5)).astype(np.float32)
    values[rng.random(values.shape) < 0.2] = np.nan
    parts = [values[:1], values[1:150], values[150:]]  # the batches of a run, never joined
    for block in (3, 512):
        assert np.array_equal(nan_quantiles(parts, [0.1, 0.5, 0.9], block=block),
                              nan_quantiles(values, [0.1, 0.5, 0.9], block=block), equal_nan=True)


def test_nan_quantiles_do_not_depend_on_the_block_of_columns_sorted_together():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(300, 9, 13)).astype(np.float32)
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 2, 3] = np.nan  # a column with no valid value
    one = nan_quantiles(values, [0.1, 0.5, 0.9], block=1)
    assert np.array_equal(one, nan_quantiles(values, [0.1, 0.5, 0.9], block=7), equal_nan=True)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanquantile(values.astype(float), [0.1, 0.5, 0.9], axis=0)
    assert np.array_equal(one, expected, equal_nan=True)


def test_average_ranks_by_hand():
    # sorted: 1 (rank 1), 2 2 (ranks 2 and 3: 2.5 each), 5 (rank 4), inf inf inf (ranks 5, 6, 7: 6 each)
    x = np.array([5.0, 2.0, np.inf, 1.0, np.inf, 2.0, np.inf])
    assert average_ranks(x).tolist() == [4.0, 2.5, 6.0, 1.0, 6.0, 2.5, 6.0]
    assert average_ranks(np.zeros((4, 0))).shape == (4, 0)  # no inputs vary
    assert average_ranks(np.zeros(0)).shape == (0,)


@pytest.mark.parametrize("seed", range(20))
def test_average_ranks_are_scipys_exactly(seed):
    from scipy import stats

    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 60)), int(rng.integers(1, 6))
    x = rng.integers(0, int(rng.integers(1, 12)), size=(n, k)).astype(float)  # many ties
    x[rng.random((n, k)) < 0.1] = np.inf
    if seed % 4 == 0:
        x[rng.integers(n), 0] = np.nan
    np.testing.assert_array_equal(average_ranks(x), stats.rankdata(x, axis=0))
    np.testing.assert_array_equal(average_ranks(x[:, 0]), stats.rankdata(x[:, 0]))
