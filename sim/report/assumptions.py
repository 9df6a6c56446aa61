"""What the scenario assumes for a sampled input, in words with its unit, and where that comes from.

An input's name (:mod:`sim.names`) says which element of the scenario holds it: ``risk:ID:delay`` is held by the
risk ``ID``, ``funding:MILESTONE:POOL:amount`` by the milestone (the programme) ``MILESTONE``. That element's
``source`` is the source of the assumption.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import charts, names
from ..formatting import pct
from ..labels import format_value, observable_unit
from ..scenario import Scenario

__all__ = ["Assumption", "assumption_of", "days_text", "spread"]

Format = Callable[[float], str]

# Which collection of the scenario holds the element an input belongs to, by the input's kind.
OWNERS = {"funding": "milestones", "order": "milestones", "milestone": "milestones", "driver": "drivers",
          "risk": "risks", "fund": "funds", "indicator": "indicators", "line": "lines"}
DAY_PARTS = ("duration", "delay", "lag", "first_output")  # parts of an input name whose values are days
SHARE_PARTS = ("realisation", "cut", "capacity_cut", "growth")  # parts whose values are shares (0–1)
NOT_AVAILABLE = "(scenario not available)"


@dataclass(frozen=True)
class Assumption:
    """A sampled input of the scenario with what was assumed and where it comes from."""

    input: str
    label: str
    assumed: str
    source: str
    element: str  # "milestone ID", "driver ID", …


def days_text(days: float) -> str:
    """A duration for a reader: '45 days' up to two months, else '3.5 months' ('12 months' from ten on)."""
    if not math.isfinite(days):
        return "never"
    if abs(days) < 61:
        return f"{days:.0f} days"
    months = days / (365.25 / 12)
    return f"{months:.1f} months" if abs(months) < 10 else f"{months:.0f} months"


def spread(dist: Any, fmt: Format) -> str:
    """'median X (P10–P90 A to B)' of a distribution (anything with ``ppf``), or its value when fixed."""
    if dist is None:
        return ""
    if not hasattr(dist, "ppf"):
        return type(dist).__name__  # not a distribution object: say what it is rather than fail
    p10, p50, p90 = (float(v) for v in dist.ppf(np.array([0.1, 0.5, 0.9])))
    if math.isclose(p10, p90):
        return fmt(p50)
    low, high = fmt(p10), fmt(p90)
    # '1.62–1.88 million rounds per year' rather than the unit twice; '7 days to 5.1 months' keeps both.
    unit = next((low[i:] for i in range(len(low)) if low[i] == " " and high.endswith(low[i:])), "")
    if unit and not low[: len(low) - len(unit)].endswith((" ", "€")):
        return f"median {fmt(p50)} (P10–P90 {low[: len(low) - len(unit)]}–{high[: len(high) - len(unit)]}{unit})"
    return f"median {fmt(p50)} (P10–P90 {low} to {high})"


def _find(items: Sequence[Any], key: str) -> Any:
    return next((x for x in items if getattr(x, "id", None) == key), None)


def _input_format(name: str, scenario: Scenario) -> Format:
    """How to write a value of the input ``name`` with its unit: days/months, %, € bn, units, ×."""
    parsed = names.parse(name)
    kind, part = parsed.kind, parsed.part
    if part in DAY_PARTS:
        return days_text
    if part in SHARE_PARTS or kind == "indicator":
        return lambda v: f"{v * 100:.0f} %"
    if kind == "driver" or part == "scale":
        return lambda v: f"×{v:.2f}"
    if part in ("envelope", "amount"):
        return lambda v: format_value(v, "€ bn")
    if kind == "line" and part in ("capacity", "target"):
        unit = observable_unit(f"{parsed.ids[0]}.capacity", scenario)
        return lambda v: format_value(v, unit)
    if kind == "order":
        line = _find(scenario.lines, parsed.ids[1]) if len(parsed.ids) > 1 and part else None
        count = getattr(line, "unit", "") or "units"
        return lambda v: format_value(v, count)
    return lambda v: f"{v:.3g}"


def _shock_assumption(scenario: Scenario, name: str, label: str, key: str) -> Assumption | None:
    """The assumption of a ``shock:K:delay`` input: the shock as written, with its source."""
    try:
        shock = scenario.shocks[int(key)]
    except (ValueError, IndexError):
        return None
    return Assumption(name, label, shock.description, shock.source or "(no source given)", "shock")


def _assumed(element: Any, name: str, dist: Any, fmt: Format) -> str:
    """What the element holding the input assumes for it, in words."""
    parsed = names.parse(name)
    window = getattr(element, "window_text", "")
    if parsed.kind == "risk" and parsed.part == "occurs":
        within = f" in {window}" if window else ""
        return f"probability {pct(element.probability)}{within}; delay {spread(element.delay, days_text)}"
    if parsed.kind == "risk" and parsed.part == "time":
        return f"uniform over {window}" if window else ""
    if parsed.kind == "driver":
        return "durations " + spread(element.factor, lambda v: f"×{v:.2f}")
    return spread(dist, fmt)


def assumption_of(scenario: Scenario | None, name: str, label: str = "") -> Assumption:
    """What a named input assumes, and its ``source`` in the scenario.

    Names follow :mod:`sim.names`: ``milestone:ID:duration``, ``driver:ID``, ``risk:ID:occurs|delay|time|…``,
    ``fund:ID:…``, ``funding:MILESTONE:POOL:…`` (the programme's source), ``indicator:ID:…``, ``line:ID:…``,
    ``order:MILESTONE:…``, ``shock:K:delay``. The assumed distribution is summarised by its median and P10–P90,
    each with its unit (days or months, %, € bn, units, ×).

    Without the scenario (``None``: results read from a folder), only the label is known: ``assumed`` is empty
    and the source says that the scenario is not available.
    """
    parsed = names.parse(name)
    kind, key = parsed.kind, parsed.ids[0]
    label = label or charts.readable_label(name)
    where = f"{kind} {key}".strip()
    if scenario is None:
        return Assumption(name, label, "", NOT_AVAILABLE, where)
    dist = dict(scenario.inputs()).get(name)
    fmt = _input_format(name, scenario)
    if kind == "shock":
        shocked = _shock_assumption(scenario, name, label, key)
        if shocked is not None:
            return shocked
    collection = OWNERS.get(kind, kind + "s")
    element = _find(getattr(scenario, collection, ()), key)
    if element is None:
        return Assumption(name, label, spread(dist, fmt), "(source not found in the scenario)", where)
    return Assumption(name, label, _assumed(element, name, dist, fmt), getattr(element, "source", ""),
                      f"{collection[:-1]} {key}")
