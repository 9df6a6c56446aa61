"""Money tables of a run: quantile bands of the money observables over time, and waiting for funds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..engine import BatchOutcome, Network
from ..engine.compiled import compiled
from ..sampling import Inputs
from .columns import FUNDING_COLUMNS, SERIES_COLUMNS
from .stats import nan_quantiles


def series_bands(net: Network, outcome: BatchOutcome | Sequence[np.ndarray]) -> pd.DataFrame:
    """Quantile bands of every money observable on the monthly grid (NaN ratios are left out of a month).

    Parameters
    ----------
    net : Network
    outcome : BatchOutcome or sequence of numpy.ndarray
        The outcome whose ``series`` ``(replications, observables, months)`` (float32) is summarised, or those
        series in parts: consecutive replications (the batches of a run), never joined into one array.

    Returns
    -------
    pandas.DataFrame
        :data:`SERIES_COLUMNS`: per observable and month, P10, P50, P90 and the mean over replications, in the
        observable's unit (euros or shares); empty without funds.
    """
    parts = [outcome.series] if isinstance(outcome, BatchOutcome) else list(outcome)
    if not any(p.size for p in parts):
        return pd.DataFrame(columns=SERIES_COLUMNS)
    q = nan_quantiles(parts, [0.1, 0.5, 0.9])
    total, valid = nan_sum_count(parts)
    with np.errstate(all="ignore"):
        mean = np.where(valid > 0, total / np.maximum(valid, 1), np.nan)
    rows = len(net.observables) * len(net.monthly_dates)
    return pd.DataFrame({
        "observable": np.repeat(net.observables, len(net.monthly_dates)),
        "date": np.tile(net.monthly_dates, len(net.observables)),
        "p10": q[0].reshape(rows), "p50": q[1].reshape(rows), "p90": q[2].reshape(rows), "mean": mean.reshape(rows),
    }, columns=SERIES_COLUMNS)


def nan_sum_count(parts: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The sum of the values that are not NaN over the rows of ``parts``, and their count, per column.

    ``parts`` are consecutive rows of one sample.

    The sum is ``numpy.nansum(values, axis=0, dtype=float)`` bit for bit: numpy adds the rows of a C-ordered
    array one after the other in double precision from 0.0, and so does this loop, in one compiled pass that
    neither copies the values nor builds a mask (``nansum`` did both: 0.7 s of a 10,000-replication baseline).
    """
    shape = parts[0].shape[1:]
    total = np.zeros(int(np.prod(shape, dtype=np.int64)))
    valid = np.zeros(total.shape, dtype=np.int64)
    for p in parts:
        _add_rows(np.ascontiguousarray(p).reshape(len(p), -1), total, valid)
    return total.reshape(shape), valid.reshape(shape)


@compiled(nogil=True)
def _add_rows(values, total, valid):  # pragma: no cover - compiled
    """Add each row of ``values`` to ``total`` in double precision (NaN as 0.0) and count its values in ``valid``."""
    rows, columns = values.shape
    for r in range(rows):
        for c in range(columns):
            v = np.float64(values[r, c])
            if v == v:  # nansum adds 0.0 for a NaN, which changes no sum started from +0.0
                total[c] += v
                valid[c] += 1


def funding_waits(net: Network, outcome: BatchOutcome, inputs: Inputs) -> pd.DataFrame:
    """How often and how long each programme waited for each pool's money.

    Columns: ``p_requested`` (share of replications in which the programme asked for the money before the
    horizon), ``p_waited`` (share in which it then waited more than a day, including never being served),
    ``mean_wait_days`` and ``p90_wait_days`` (among those that waited and got it), ``p_never`` (share in
    which it asked but was never served before the horizon), ``p_short`` (share in which it got less than it
    asked because the pool ran short) and ``mean_share_received`` (mean share of the amount asked that it got).
    """
    mnet = net.money
    if mnet is None or not mnet.parts:
        return pd.DataFrame(columns=FUNDING_COLUMNS)
    asked = np.isfinite(outcome.requested)
    got = np.isfinite(outcome.committed)
    asked_amount = mnet.amounts(inputs)
    with np.errstate(invalid="ignore"):
        wait = np.where(asked & got, outcome.committed - outcome.requested, np.nan)
    rows = []
    for j, (i, p) in enumerate(mnet.parts):
        waited = wait[:, j][wait[:, j] > 1.0]
        rows.append({
            "milestone": mnet.milestone_ids[i], "pool": mnet.pools[p],
            "p_requested": asked[:, j].mean(),
            "p_waited": ((wait[:, j] > 1.0) | (asked[:, j] & ~got[:, j])).mean(),
            "mean_wait_days": waited.mean() if waited.size else 0.0,
            "p90_wait_days": float(np.quantile(waited, 0.9)) if waited.size else 0.0,
            "p_never": (asked[:, j] & ~got[:, j]).mean(),
            "p_short": (got[:, j] & (outcome.committed_amount[:, j] < asked_amount[:, j] * (1 - 1e-9))).mean(),
            "mean_share_received": float(np.mean(outcome.committed_amount[got[:, j], j] / asked_amount[got[:, j], j]))
            if got[:, j].any() and (asked_amount[got[:, j], j] > 0).all() else np.nan,
        })
    return pd.DataFrame(rows, columns=FUNDING_COLUMNS)


WAIT_UNIT = 2.0 ** -20  # days: the fixed-point unit of summed waits for money
SHARE_UNIT = 2.0 ** -32  # the fixed-point unit of summed shares of the amount asked


def _fixed(values: np.ndarray, unit: float) -> np.ndarray:
    """``values`` rounded to whole multiples of ``unit``, as integers (sums of them are exact)."""
    return np.rint(values / unit).astype(np.int64)


class FundingCounts:
    """:func:`funding_waits` counted batch by batch: shares from counts, mean waits and shares from sums.

    The means are sums divided by counts. The sums are of fixed-point integers (waits in units of 2⁻²⁰ days,
    shares in units of 2⁻³² — exact integer sums, the same whatever the batches), so they agree with numpy's means
    to within a millionth of a day or a billionth of a share, and never depend on batch sizes or workers. The
    P90 of the waits needs the waits themselves and is read from the replications kept whole.
    """

    def __init__(self, net: Network):
        self.net = net
        parts = len(net.money.parts) if net.money is not None else 0
        self.n = 0
        self.asked, self.waited, self.never, self.short = (np.zeros(parts, dtype=np.int64) for _ in range(4))
        # fixed-point sums: at most ~4e9 units per wait (4,000 days) or share (1): no overflow below 2e9 replications
        self.wait_sum, self.wait_count = np.zeros(parts, dtype=np.int64), np.zeros(parts, dtype=np.int64)
        self.share_sum, self.share_count = np.zeros(parts, dtype=np.int64), np.zeros(parts, dtype=np.int64)
        self.share_defined = np.ones(parts, dtype=bool)  # no part served with an amount of 0 asked

    def add(self, outcome: BatchOutcome, inputs: Inputs) -> None:
        """Count a batch of replications."""
        self.n += len(outcome.done)
        mnet = self.net.money
        if mnet is None or not mnet.parts:
            return
        asked = np.isfinite(outcome.requested)
        got = np.isfinite(outcome.committed)
        asked_amount = mnet.amounts(inputs)
        with np.errstate(invalid="ignore"):
            wait = np.where(asked & got, outcome.committed - outcome.requested, np.nan)
        waited = wait > 1.0
        self.asked += asked.sum(axis=0)
        self.waited += (waited | (asked & ~got)).sum(axis=0)
        self.never += (asked & ~got).sum(axis=0)
        self.short += (got & (outcome.committed_amount < asked_amount * (1 - 1e-9))).sum(axis=0)
        self.wait_sum += _fixed(np.where(waited, wait, 0.0), WAIT_UNIT).sum(axis=0)
        self.wait_count += waited.sum(axis=0)
        self.share_defined &= ~(got & (asked_amount <= 0)).any(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(got & (asked_amount > 0), outcome.committed_amount / asked_amount, 0.0)
        self.share_sum += _fixed(share, SHARE_UNIT).sum(axis=0)
        self.share_count += got.sum(axis=0)

    def table(self, p90_wait_days: np.ndarray) -> pd.DataFrame:
        """:data:`FUNDING_COLUMNS` from the counts, with the P90 of the waits (days) per part given."""
        mnet = self.net.money
        if mnet is None or not mnet.parts:
            return pd.DataFrame(columns=FUNDING_COLUMNS)
        n = self.n
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_wait = np.where(self.wait_count > 0, self.wait_sum * WAIT_UNIT / self.wait_count, 0.0)
            share = np.where((self.share_count > 0) & self.share_defined,
                             self.share_sum * SHARE_UNIT / self.share_count, np.nan)
        return pd.DataFrame({
            "milestone": [mnet.milestone_ids[i] for i, _ in mnet.parts], "pool": [mnet.pools[p] for _, p in mnet.parts],
            "p_requested": self.asked / n, "p_waited": self.waited / n, "mean_wait_days": mean_wait,
            "p90_wait_days": p90_wait_days, "p_never": self.never / n, "p_short": self.short / n,
            "mean_share_received": share,
        }, columns=FUNDING_COLUMNS)


__all__ = ["FUNDING_COLUMNS", "SERIES_COLUMNS", "FundingCounts", "funding_waits", "nan_sum_count", "series_bands"]
