"""Statistics of a sample of replications: Wilson intervals and quantiles without and with interpolation.

Event times are days since the scenario's start, ``inf`` when censored (not done by the horizon).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..workers import cpu_count

Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile: two-sided 95 % intervals
QUANTILES = (0.10, 0.50, 0.80, 0.90)  # the P-dates of the results tables: P10, P50, P80, P90
TILE = 64  # rows of a batch transposed at once by nan_quantiles: half the time of the whole batch (measured)


def wilson_interval(successes: np.ndarray | int, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (default 95 %).

    Parameters
    ----------
    successes : int or numpy.ndarray
        Number of successes (per column).
    n : int
        Number of trials.
    z : float, default :data:`Z95`
        Standard normal quantile of the interval.

    Returns
    -------
    low, high : numpy.ndarray
        Bounds of the interval, as shares in [0, 1].
    """
    p = np.asarray(successes, dtype=float) / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def quantile_times(times: np.ndarray, qs: Sequence[float] = QUANTILES) -> np.ndarray:
    """Quantiles ``(len(qs), columns)`` of event times, ``inf`` where censored (no interpolation).

    numpy's ``inverted_cdf``: the smallest time t with at least a share q of replications done by t, read from
    one sort of each column (as contiguous rows; faster than numpy's partition per column and quantile).
    """
    times = np.asarray(times, dtype=float)
    if times.size == 0:
        return np.quantile(times, qs, axis=0, method="inverted_cdf") if times.ndim == 2 else np.empty((len(qs), 0))
    ordered = np.sort(np.ascontiguousarray(times.T), axis=1)
    n = times.shape[0]
    index = np.array([inverted_cdf_index(n, q) for q in qs])
    return ordered[:, index].T


@functools.lru_cache(maxsize=256)  # a pure function of (n, q), asked for by every table of a run
def inverted_cdf_index(n: int, q: float) -> int:
    """Position in the sorted sample of ``n`` values of numpy's ``inverted_cdf`` quantile q (its own arithmetic)."""
    return int(np.quantile(np.arange(n, dtype=float), q, method="inverted_cdf"))


def nan_quantiles(values: np.ndarray | Sequence[np.ndarray], qs: Sequence[float], block: int = 512) -> np.ndarray:
    """``numpy.nanquantile(values, qs, axis=0)`` with its default linear method and the same arithmetic, fast.

    ``values`` may also be a sequence of arrays, consecutive rows of one sample (the batches of a run, as they
    arrived): they are read block by block, never joined into one array.

    Columns are sorted as contiguous rows (NaN last) and grouped by their number n of valid values; each
    group is read at numpy's virtual indices q·(n − 1) and interpolated as numpy does. ``nanquantile`` itself
    loops over the columns in Python. (A full SIMD sort of contiguous rows beats ``partition`` here.) Blocks of
    ``block`` columns are sorted in threads (numpy's sort releases the GIL); each column is computed alike in
    any block, so the result does not depend on the block size or the number of threads.
    """
    parts = [values] if isinstance(values, np.ndarray) else list(values)
    shape = (sum(len(p) for p in parts),) + parts[0].shape[1:]
    flat = [p.reshape(len(p), -1) for p in parts]
    width = flat[0].shape[1]
    starts = range(0, width, block)
    levels = np.asarray(qs, dtype=float)

    def of_block(start: int) -> np.ndarray:
        stop = min(start + block, width)
        rows = np.empty((stop - start, shape[0]), dtype=flat[0].dtype)  # the columns as contiguous rows
        at = 0
        for p in flat:
            for i in range(0, len(p), TILE):  # in tiles: a whole batch's transpose strides through 2 MB
                j = min(i + TILE, len(p))
                rows[:, at + i:at + j] = p[i:j, start:stop].T
            at += len(p)
        return _sorted_quantiles(np.sort(rows, axis=1), levels)

    threads = min(cpu_count(), 8, len(starts))
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            out = list(pool.map(of_block, starts))
    else:
        out = [of_block(s) for s in starts]
    joined = np.concatenate(out, axis=1) if out else np.full((len(levels), 0), np.nan)
    return joined.reshape((len(qs),) + shape[1:])


def _sorted_quantiles(flat: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """Quantiles ``(len(qs), rows)`` of each row of ``flat``, sorted with NaN last, as ``numpy.nanquantile``."""
    # NaN sorts last, so a row without a NaN at its end has none: only those rows are counted (copying whole
    # rows to count them, or to read a few values, took most of the series bands' time after the sort)
    valid = np.full(len(flat), flat.shape[1])
    if flat.shape[1]:  # (no replications: every row has 0 valid values)
        partial = np.flatnonzero(np.isnan(flat[:, -1]))
        valid[partial] = (~np.isnan(flat[partial])).sum(axis=1)
    out = np.full((len(qs), len(flat)), np.nan)
    for n in np.unique(valid):
        if n == 0:
            continue
        cols = np.flatnonzero(valid == n)
        virtual = (n - 1) * qs
        previous = np.floor(virtual)
        lo = np.clip(previous, 0, n - 1).astype(int)
        hi = np.clip(previous + 1, 0, n - 1).astype(int)
        a, b = flat[cols[None, :], lo[:, None]].astype(float), flat[cols[None, :], hi[:, None]].astype(float)
        gamma = (virtual - previous)[:, None]
        diff = b - a
        out[:, cols] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)  # numpy's _lerp
    return out


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x`` along its first axis, ties given the average of their ranks.

    The values of ``scipy.stats.rankdata(x, axis=0)`` (its "average" method), exactly: every rank is a whole or
    half number. A column with a NaN ranks all NaN, as scipy's default does. Here because importing
    ``scipy.stats`` took 0.7-1.5 s of every run that ranks the drivers, for this one function.

    Parameters
    ----------
    x : numpy.ndarray
        Shape ``(n,)`` or ``(n, k)``: ``n`` values (replications) per column.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``x``.
    """
    values = np.asarray(x, dtype=float)
    columns = values[:, None] if values.ndim == 1 else values
    n = len(columns)
    order = np.argsort(columns, axis=0, kind="stable")
    ordered = np.take_along_axis(columns, order, axis=0)
    position = np.arange(n)[:, None]
    starts = np.ones(ordered.shape, bool)  # where a run of equal values starts in sorted order
    starts[1:] = ordered[1:] != ordered[:-1]
    ends = np.ones(ordered.shape, bool)  # and where it ends
    ends[:-1] = starts[1:]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=0)
    last = np.minimum.accumulate(np.where(ends, position, n)[::-1], axis=0)[::-1]
    ranks = np.empty(columns.shape)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=0)
    ranks[:, np.isnan(columns).any(axis=0)] = np.nan
    return ranks.reshape(values.shape)


__all__ = ["QUANTILES", "Z95", "average_ranks", "inverted_cdf_index", "nan_quantiles", "quantile_times", "wilson_interval"]
