"""Monte Carlo noise of driver effects (sim.charts.noise): the standard error of a difference of shares, a
bootstrap of medians, and the Bonferroni z for all inputs screened."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.charts.noise import days_noise, decile_groups, impact_noise, noise_z


@pytest.fixture
def fake():
    rng = np.random.default_rng(0)
    n = 400
    inputs = pd.DataFrame({"risk:r:occurs": (rng.random(n) < 0.3).astype(float),
                           "milestone:m:duration": rng.uniform(10, 100, n),
                           "driver:fixed": np.ones(n)})
    times = inputs["milestone:m:duration"].to_numpy() + rng.normal(0, 5, n)
    met = times < 60
    return SimpleNamespace(inputs=inputs, met=lambda target: met, times=lambda target: times)


def test_noise_z_counts_only_inputs_that_vary(fake):
    assert noise_z(fake) == pytest.approx(stats.norm.ppf(1 - 0.05 / 4))  # two of three inputs vary
    assert noise_z(fake, level=0.9) < noise_z(fake)


def test_decile_groups():
    low, high = decile_groups("risk:r:occurs", np.array([0.0, 1.0, 1.0]), 0.1)
    assert list(low) == [True, False, False]
    assert list(high) == [False, True, True]
    x = np.arange(100.0)
    low, high = decile_groups("milestone:m:duration", x, 0.1)
    assert low.sum() == 10
    assert high.sum() == 10


def test_impact_noise_is_the_standard_error_of_a_difference_of_shares(fake):
    z = 2.0
    noise = impact_noise(fake, "t", ["risk:r:occurs", "milestone:m:duration"], z=z)
    p = fake.met("t").mean()
    occurs = fake.inputs["risk:r:occurs"]
    n0, n1 = int((occurs == 0).sum()), int((occurs == 1).sum())
    assert noise[0] == pytest.approx(100 * z * np.sqrt(p * (1 - p) * (1 / n0 + 1 / n1)))
    assert noise[1] > noise[0]  # two deciles of 40 replications each: fewer than either risk group


def test_days_noise_is_reproducible_and_nan_without_groups(fake):
    first = days_noise(fake, "t", ["milestone:m:duration", "risk:r:occurs"])
    assert np.all(np.isfinite(first))
    assert np.array_equal(first, days_noise(fake, "t", ["milestone:m:duration", "risk:r:occurs"]))
    never = SimpleNamespace(inputs=pd.DataFrame({"risk:r:occurs": np.zeros(50), "x:y:z": np.arange(50.0)}),
                            times=lambda target: np.arange(50.0))
    assert np.isnan(days_noise(never, "t", ["risk:r:occurs"])[0])
