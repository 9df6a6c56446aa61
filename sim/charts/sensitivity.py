"""Chart of a global sensitivity analysis (:func:`sim.sensitivity.sensitivity`): total indices per target."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..labels import factor_label

__all__ = ["plot_total_indices"]


def plot_total_indices(table: pd.DataFrame, targets: Sequence[str] | None = None, outcome: str = "met",
                       top: int = 12, labels: dict[str, str] | None = None, ax=None):
    """A heat map of total Sobol' indices (or Morris μ*): factors down, targets across, the value in each cell.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`sim.sensitivity.sensitivity`.
    targets : sequence of str, optional
        Target ids, in column order (default: every target in the table, at most 8).
    outcome : {"met", "date"}, default "met"
        Which output's indices: the target met by its deadline, or its date.
    top : int, default 12
        Factors shown: those with the largest index in any of the targets.
    labels : dict, optional
        Readable names of factors (e.g. :func:`sim.labels.input_labels`); default the factor names.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    sobol = table["method"].iloc[0] == "sobol" if len(table) else True
    value = "ST" if sobol else "mu_star"
    rows = table[table["outcome"] == outcome]
    chosen = list(targets) if targets else list(dict.fromkeys(rows["target"]))[:8]
    rows = rows[rows["target"].isin(chosen)]
    wide = rows.pivot_table(index="factor", columns="target", values=value, aggfunc="first", dropna=False)
    wide = wide.reindex(columns=[t for t in chosen if t in wide.columns])
    largest = wide.max(axis=1).fillna(-np.inf).sort_values(ascending=False)
    # factors that decide none of these targets (index below 0.005 everywhere) are left out, one kept at least
    order = largest.index[:top][(largest.iloc[:top] >= 0.005).to_numpy() | (np.arange(min(top, len(largest))) == 0)]
    wide = wide.loc[order]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.1 * max(len(wide.columns), 1), 1.2 + 0.38 * max(len(wide), 1)))
    data = wide.to_numpy(dtype=float)
    vmax = 1.0 if sobol else (np.nanmax(data) if np.isfinite(data).any() else 1.0)
    ax.imshow(np.clip(np.nan_to_num(data, nan=0.0), 0, None), cmap="Blues", vmin=0, vmax=vmax, aspect="auto")
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = data[i, j]
            text = "–" if np.isnan(v) else f"{v:.2f}" if sobol else f"{v:.3g}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if np.isfinite(v) and v > 0.6 * vmax else "black")
    ax.set_yticks(range(len(wide)), [_cut(factor_label(str(f), labels), 48) for f in wide.index], fontsize=8)
    titles: Mapping[str, str] = ({str(k): str(v) for k, v in rows.drop_duplicates("target").set_index("target")["title"].items()}
                                 if "title" in rows else {})
    ax.set_xticks(range(len(wide.columns)), [_wrap(titles.get(t, t)) for t in wide.columns], fontsize=7)
    ax.xaxis.tick_top()
    what = "total Sobol' index" if sobol else "Morris μ* (elementary effect)"
    ax.set_xlabel(f"What decides each target ({'met by its deadline' if outcome == 'met' else 'its date'}): {what}"
                  f"{'; – = the outcome never varies' if np.isnan(data).any() else ''}", fontsize=9)
    return ax


def _wrap(text: str, width: int = 16, lines: int = 3) -> str:
    """``text`` on at most ``lines`` lines of ``width`` characters, the last one cut with an ellipsis."""
    parts = textwrap.wrap(str(text), width) or [""]
    return "\n".join(parts[:lines - 1] + [_cut(" ".join(parts[lines - 1:]), width)] if len(parts) >= lines else parts)


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (inside a word: heat-map labels are narrow)."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"
