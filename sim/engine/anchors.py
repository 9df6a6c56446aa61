"""Observed money anchors a fund's curve: the model's curve bent to pass through the observed amount.

A status fact "fund F had committed (or disbursed) ``v`` € bn by the end of day ``D``" is applied to the curve
``x(t)`` the model produced in each replication (docs/status-date.md):

    before D:  a(t) = min(x(t), v)                       money is cumulative: never more than observed by D
    from D on: a(t) = max(x(t) − max(x(D) − v, 0), v)

When the model is behind the fact (``x(D) < v``), the money observed is money the model commits later, brought
forward: the curve holds ``v`` until the model catches up, then follows it (nothing is counted twice). When it
is ahead (``x(D) > v``), what it had committed beyond the fact by ``D`` did not happen: its later increments are
kept on top of ``v``. Every replication holds exactly ``v`` at ``D``; nothing is resampled, so common random
numbers are untouched. The curve stays non-decreasing; its new kinks — ``D`` and where ``x`` reaches ``v`` — are
breakpoints for exact first-reach times.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def anchored(value: np.ndarray, t: np.ndarray, raw_at: np.ndarray, amount: float, at: float) -> np.ndarray:
    """The anchored curve at times ``t``.

    Parameters
    ----------
    value : numpy.ndarray
        ``(count, grid)`` the model's cumulative money at ``t`` (€ bn).
    t : numpy.ndarray
        ``(grid,)`` or ``(count, grid)`` times (days).
    raw_at : numpy.ndarray
        ``(count,)`` the model's money at ``at`` (€ bn).
    amount : float
        The observed money (€ bn) by ``at``.
    at : float
        End of the observed day (days).
    """
    t = t[None, :] if t.ndim == 1 else t
    excess = np.maximum(raw_at - amount, 0.0)[:, None]
    return np.where(t < at, np.minimum(value, amount), np.maximum(value - excess, amount))


def kinks(first_reach: Callable[[np.ndarray], np.ndarray], count: int, amount: float, at: float) -> np.ndarray:
    """``(count, 2)`` breakpoints the anchor adds: ``at``, and where the model first reaches ``amount``.

    ``first_reach(level)`` gives the model's first time at ``level`` (``(count,)`` levels → ``(count,)`` days).
    """
    return np.column_stack([np.full(count, at), first_reach(np.full(count, amount))])
