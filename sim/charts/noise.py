"""How large an effect must be to stand out from the Monte Carlo noise, for tornado charts and the briefing."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from scipy import special

from .. import names

__all__ = ["noise_z", "impact_noise", "days_noise", "decile_groups"]

BOOTSTRAP_SEED = 20251016  # a fixed local seed keeps charts reproducible


def noise_z(results: Any, level: float = 0.95) -> float:
    """Standard errors that make a driver "stand out from the noise", for all inputs screened together.

    A drivers table screens every varying input (m of them, ~100 in the baseline); at 1.96 standard errors about
    one in twenty inputs with no effect at all would still look like a driver. With the Bonferroni bound the
    chance that *any* of the m inputs is flagged by noise alone is at most ``1 − level``: z = Φ⁻¹(1 − (1 − level)
    / (2m)), about 3.5 for 100 inputs.
    """
    values = results.inputs.to_numpy(dtype=float) if len(results.inputs.columns) else np.empty((0, 0))
    m = int((np.ptp(values, axis=0) > 0).sum()) if values.size else 0
    return float(special.ndtri(1 - (1 - level) / (2 * max(m, 1))))  # the normal quantile, as scipy.stats.norm.ppf


def decile_groups(name: str, x: np.ndarray, decile: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the replications with input ``name`` low and high.

    For a risk's ``occurs`` input: not occurring and occurring; for any other input its lower and upper
    ``decile`` (a share, 0.1 for the bottom and top 10 %).
    """
    if names.parse(name).part == "occurs":
        return x == 0, x == 1
    lo, hi = np.quantile(x, [decile, 1 - decile])
    return x <= lo, x >= hi


def impact_noise(results: Any, target: str, inputs: Iterable[str], decile: float = 0.1,
                 z: float | None = None) -> np.ndarray:
    """Monte Carlo noise of ``impact_pp`` per input: ``z`` standard errors, in percentage points.

    The impact compares the share of replications meeting the deadline in two groups (input in its upper vs lower
    ``decile``, or a risk occurring vs not); under "no effect" both shares equal the overall ``p``, so the
    difference has standard error ``sqrt(p (1 − p) (1/n_low + 1/n_high))``. ``z`` defaults to :func:`noise_z`
    (corrected for the number of inputs screened), so an impact within the noise is not distinguishable from
    chance at this number of replications.
    """
    z = noise_z(results) if z is None else z
    met = results.met(target)
    p = float(np.mean(met))
    out = []
    for name in inputs:
        low, high = decile_groups(name, results.inputs[name].to_numpy(), decile)
        n_low, n_high = int(low.sum()), int(high.sum())
        if n_low == 0 or n_high == 0:
            out.append(np.nan)
            continue
        out.append(100 * z * math.sqrt(p * (1 - p) * (1 / n_low + 1 / n_high)))
    return np.asarray(out, dtype=float)


def days_noise(results: Any, target: str, inputs: Iterable[str], decile: float = 0.1, draws: int = 200) -> np.ndarray:
    """Monte Carlo noise of ``impact_days`` per input, in days.

    :func:`noise_z` bootstrap standard errors of the difference of group medians (NaN when too many resampled
    medians lie beyond the horizon, or a group has fewer than two replications).
    """
    z = noise_z(results)
    times = np.asarray(results.times(target), dtype=float)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    out = []
    for name in inputs:
        low, high = decile_groups(name, results.inputs[name].to_numpy(), decile)
        a, b = times[low], times[high]
        if len(a) < 2 or len(b) < 2:
            out.append(np.nan)
            continue
        ma = np.quantile(a[rng.integers(0, len(a), (draws, len(a)))], 0.5, axis=1, method="inverted_cdf")
        mb = np.quantile(b[rng.integers(0, len(b), (draws, len(b)))], 0.5, axis=1, method="inverted_cdf")
        with np.errstate(invalid="ignore"):  # both medians beyond the horizon: inf − inf
            diff = mb - ma
        diff = diff[np.isfinite(diff)]
        out.append(z * float(np.std(diff, ddof=1)) if len(diff) >= 0.9 * draws else np.nan)
    return np.asarray(out, dtype=float)
