"""Time series of a run (``results.series``) for fan charts: which observables, in what unit, with which targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes

from ..formatting import fmt_date, iso, pct
from ..labels import format_value, observable_unit
from ..results import SERIES_COLUMNS
from .style import PERCENT_AXIS

__all__ = ["SERIES_COLUMNS", "series_table", "series_observables", "observable_kind", "display_unit", "FanTarget",
           "fan_targets", "target_words", "value_axis", "indicator_targets", "fan_observables"]

FanTarget = tuple[float, dt.date, str | None, float | None, bool]  # value, date, label, p_met, held


def series_table(results: Any) -> pd.DataFrame:
    """``results.series``, checked to have rows and the columns of :data:`SERIES_COLUMNS`.

    Raises
    ------
    ValueError
        When the run recorded no time series, or the table lacks a column.
    """
    series = getattr(results, "series", None)
    if series is None or len(series) == 0:
        raise ValueError("results.series: this run has no time series (a scenario without funds or indicators, or "
                         "results from a version that did not record them); fan charts need them")
    missing = [c for c in SERIES_COLUMNS if c not in series.columns]
    if missing:
        raise ValueError(f"results.series: missing columns {', '.join(missing)}; expected {', '.join(SERIES_COLUMNS)}")
    return series


def series_observables(results: Any) -> list[str]:
    """Observables in ``results.series``, in order of first appearance (empty when there is none)."""
    series = getattr(results, "series", None)
    if series is None or len(series) == 0 or "observable" not in series.columns:
        return []
    return list(dict.fromkeys(series["observable"].astype(str)))


def observable_kind(observable: str, values: np.ndarray) -> str:
    """'share' (shown in %), 'money' (€ bn) or 'plain'."""
    if observable.endswith(("share", ".closed")) or (("." not in observable) and values.size
                                                     and np.nanmax(values) <= 1 + 1e-9 and np.nanmin(values) >= -1e-9):
        return "share"
    if observable.rsplit(".", 1)[-1] in ("committed", "disbursed"):
        return "money"
    return "plain"


def display_unit(observable: str, values: np.ndarray, unit: str | None) -> str:
    """The display unit: given, else '%' for shares, '€ bn' for money, else the unit the name implies."""
    if unit is not None:
        return unit
    kind = observable_kind(observable, values)
    return {"share": "%", "money": "€ bn"}.get(kind) or observable_unit(observable)


def fan_targets(targets: Any) -> list[FanTarget]:
    """Target markers for a fan chart as ``(value, date, label, p_met, held)``, from tuples or dicts.

    Raises
    ------
    ValueError
        When a marker is neither a dict nor a tuple of 2 to 5 items, or has no date.
    """
    out = []
    for item in targets or ():
        if isinstance(item, dict):
            value, when, label, chance = item.get("value"), item.get("date"), item.get("label"), item.get("p_met")
            held = bool(item.get("held", False))
        else:
            try:
                value, when, *rest = item
            except (TypeError, ValueError):
                raise ValueError(f"targets: found {item!r}; expected (value, date), (value, date, label), "
                                 f"(value, date, label, p_met) or (value, date, label, p_met, held)") from None
            label = rest[0] if rest else None
            chance = rest[1] if len(rest) > 1 else None
            held = bool(rest[2]) if len(rest) > 2 else False
        if value is None:
            raise ValueError(f"targets: found {item!r} without a value; expected (value, date)")
        when = iso(when) if not isinstance(when, dt.datetime | pd.Timestamp) else pd.Timestamp(when).date()
        if when is None:
            raise ValueError(f"targets: found {item!r} without a date; expected (value, date)")
        out.append((float(value), when, label, None if chance is None else float(chance), held))
    return out


def target_words(value: float, when: dt.date, unit: str, held: bool, nbsp: bool = False) -> str:
    """'at least 55 % held on 31 Dec 2030' or 'at least €0.5 bn reached at any time by 31 Mar 2026'."""
    on = fmt_date(when, nbsp=nbsp)
    amount = format_value(value, unit)
    return f"at least {amount} held on {on}" if held else f"at least {amount} reached at any time by {on}"


def value_axis(ax: Axes, unit: str, label: bool = True) -> None:
    """Tick labels and axis label in the display unit (shares in %, money in € bn, counts grouped)."""
    if unit == "%":
        ax.yaxis.set_major_formatter(PERCENT_AXIS)
    elif unit != "€ bn":
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(
            lambda v, _: f"{v / 1e6:.3g} m" if abs(v) >= 1e6 else f"{v:,.0f}".replace(",", "\u202f")))
    if label:
        ax.set_ylabel({"%": "Share (%)", "€ bn": "€ bn"}.get(unit, unit[:1].upper() + unit[1:]))


def indicator_targets(scenario: Any, observable: str, results: Any = None) -> list[dict]:
    """Markers for :func:`sim.charts.plot_fan` from a scenario's indicator targets on ``observable``.

    Dicts with ``value``, ``date``, ``label``, ``p_met`` (from ``results`` when given, else None) and ``held``
    (the value must hold on the deadline rather than be reached at any time before it). Without a scenario
    (None), there are none.
    """
    chances = {}
    if results is not None:
        chances = dict(zip(results.targets["target"], results.targets["p_met"], strict=True))
    out = []
    for t in getattr(scenario, "targets", ()):
        if t.kind == "indicator" and t.members and t.members[0] == observable and t.threshold is not None:
            unit = display_unit(observable, np.array([float(t.threshold)]), None)
            if unit not in ("%", "€ bn"):
                unit = observable_unit(observable, scenario)
            held = bool(getattr(t, "at_deadline", False))
            label = f"Target: {target_words(float(t.threshold), t.deadline, unit, held)}"
            chance = float(chances[t.id]) if t.id in chances else None
            if chance is not None:
                label += f" ({pct(chance)} chance)"
            out.append({"value": float(t.threshold), "date": t.deadline, "label": label, "p_met": chance,
                        "held": held})
    return out


def fan_observables(results: Any, scenario: Any = None, limit: int = 8) -> list[str]:
    """The observables worth a fan chart, most relevant first, at most ``limit``.

    Those with an indicator target in ``scenario`` first, then indicators (ids without a dot), disbursed shares
    of funds, and cumulative deliveries and closed capability gaps; raw committed/disbursed amounts only when
    a target is set on them (their shares tell the same story on a comparable scale).
    """
    available = series_observables(results)
    chosen = [t.members[0] for t in getattr(scenario, "targets", ()) if t.kind == "indicator" and t.members]
    chosen += [o for o in available if "." not in o]
    chosen += [o for o in available if o.endswith(".disbursed_share")]
    chosen += [o for o in available if o.endswith((".delivered", ".closed"))]
    present = set(available)
    return [o for o in dict.fromkeys(chosen) if o in present][: max(int(limit), 0)]
