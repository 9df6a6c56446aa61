"""Names of uncertain inputs: the one place their grammar is built and parsed.

Every uncertain quantity has a stable name, which keys its random stream (:mod:`sim.sampling`), labels it in
reports and links it to its element's ``source``:

=================================  ==============================================================
``driver:ID``                      a shared factor
``milestone:ID:duration``          a milestone's duration (days)
``risk:ID:PART``                   ``occurs`` (0/1), ``delay``, ``time`` (days), ``cut``, ``capacity_cut`` (shares)
``shock:N:delay``                  the N-th ``delay`` shock drawn from a distribution (days)
``fund:ID:PART``                   ``envelope`` (€ bn), ``growth`` (per year) of a spending flow
``funding:MILESTONE:POOL:PART``    ``amount`` (€ bn) a programme asks of a pool, ``lag`` (days) of its payments
``order:MILESTONE:LINE:quantity``  units a milestone orders from a line
``line:ID:PART``                   ``capacity``, ``target`` (units/yr), ``first_output`` (days), ``realisation``
``indicator:ID:ROLE:OBSERVABLE``   the weight of an observable in an indicator's numerator or denominator
=================================  ==============================================================

Ids never contain ``:`` (the loader's id rule), so a name splits unambiguously.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["driver", "duration", "risk", "shock", "fund", "funding", "order", "line", "indicator_weight", "Name", "parse",
           "FUND_OBSERVABLES", "FLOW_OBSERVABLES", "LINE_OBSERVABLES", "fund_observables", "line_observables",
           "delivered", "closed", "observables"]


def driver(ident: str) -> str:
    """The name of driver ``ident``: a shared factor."""
    return f"driver:{ident}"


def duration(milestone: str) -> str:
    """The name of a milestone's duration (days)."""
    return f"milestone:{milestone}:duration"


def risk(ident: str, part: str) -> str:
    """``part``: occurs, delay, time, cut or capacity_cut."""
    return f"risk:{ident}:{part}"


def shock(index: int) -> str:
    """The name of the ``index``-th ``delay`` shock drawn from a distribution (days)."""
    return f"shock:{index}:delay"


def fund(ident: str, part: str) -> str:
    """``part``: envelope or growth."""
    return f"fund:{ident}:{part}"


def funding(milestone: str, pool: str, part: str) -> str:
    """``part``: amount or lag."""
    return f"funding:{milestone}:{pool}:{part}"


def order(milestone: str, line_id: str) -> str:
    """The name of the quantity (units) ``milestone`` orders from line ``line_id``."""
    return f"order:{milestone}:{line_id}:quantity"


def line(ident: str, part: str) -> str:
    """``part``: capacity, target, first_output or realisation."""
    return f"line:{ident}:{part}"


def indicator_weight(indicator: str, role: str, observable: str) -> str:
    """``role``: numerator or denominator."""
    return f"indicator:{indicator}:{role}:{observable}"


class Name(NamedTuple):
    """A parsed input name: its kind, the ids it names (one or two) and the part."""

    kind: str  # driver, milestone, risk, shock, fund, funding, order, line, indicator
    ids: tuple[str, ...]
    part: str  # "" for a driver


def parse(name: str) -> Name:
    """Split an input name into kind, ids and part (see the table above)."""
    kind, _, rest = name.partition(":")
    fields = rest.split(":")
    if kind == "driver":
        return Name(kind, (rest,), "")
    if kind in ("funding", "order"):
        return Name(kind, tuple(fields[:2]), fields[2] if len(fields) > 2 else "")
    if kind == "indicator":
        return Name(kind, (fields[0], fields[2] if len(fields) > 2 else ""), fields[1] if len(fields) > 1 else "")
    return Name(kind, (fields[0],), fields[1] if len(fields) > 1 else "")


# ---------------------------------------------------------------------------------------------- observables
# Observables are the money and production quantities targets and indicators refer to: ``FUND.committed``,
# ``LINE.output``, ``MILESTONE.delivered``, ``AREA.closed``; an indicator is an observable under its own id.

FUND_OBSERVABLES = ("committed", "disbursed", "committed_share", "disbursed_share")  # € bn, € bn, shares
FLOW_OBSERVABLES = ("disbursed",)  # a spending flow has no envelope: only what it paid (€ bn)
LINE_OBSERVABLES = ("capacity", "output", "delivered")  # units per year, units, units


def fund_observables(fund: str, flow: bool = False) -> tuple[str, ...]:
    """``FUND.committed`` … of a fund (``FUND.disbursed`` only, for a spending flow)."""
    return tuple(f"{fund}.{k}" for k in (FLOW_OBSERVABLES if flow else FUND_OBSERVABLES))


def line_observables(line_id: str) -> tuple[str, ...]:
    """``LINE.capacity``, ``LINE.output``, ``LINE.delivered``."""
    return tuple(f"{line_id}.{k}" for k in LINE_OBSERVABLES)


def delivered(milestone: str) -> str:
    """Units delivered to a milestone's orders."""
    return f"{milestone}.delivered"


def closed(area: str) -> str:
    """The share of a capability area's gap closed."""
    return f"{area}.closed"


def observables(funds: Iterable[tuple[str, bool]], lines: Iterable[str], ordering: Iterable[str],
                areas: Iterable[str], indicators: Iterable[str]) -> tuple[str, ...]:
    """Every observable, in the one order series and tables use: funds, lines, deliveries, areas, indicators.

    ``funds`` are ``(id, is a spending flow)``; ``ordering`` the milestones that order from lines.
    """
    out = [name for fund, flow in funds for name in fund_observables(fund, flow)]
    out += [name for line_id in lines for name in line_observables(line_id)]
    out += [delivered(m) for m in ordering]
    out += [closed(a) for a in areas]
    return (*out, *indicators)
