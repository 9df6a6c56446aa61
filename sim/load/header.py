"""The top level of a scenario file: its keys, the shape of every section, title, start, horizon and seed."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from .checks import ID, ID_RULE, Checker, kind_of
from .extends import SECTIONS

TOP_KEYS = {
    "title": "a one-line title",
    "description": "free text",
    "start": "the first simulated day (ISO date)",
    "horizon": "the last simulated period",
    "seed": "default seed",
    "extends": "a parent scenario file",
    "drivers": "shared factors",
    "milestones": "the network",
    "risks": "the risk register",
    "correlations": "rank correlations",
    "shocks": "changes against the parent scenario",
    "funds": "money: envelopes and spending flows",
    "indicators": "quantities derived from the money flows",
    "lines": "production lines",
    "capabilities": "priority capability areas and what closes their gaps",
    "targets": "extra targets",
    "status": "facts known on a status date (docs/status-date.md)",
}
# Years a scenario may span (the roadmap runs 2025–2030; anything far outside is a typo or an attack).
MIN_YEAR, MAX_YEAR, MAX_YEARS = 1900, 2200, 100
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLACEHOLDER_START = dt.date(2000, 1, 1)  # so that later checks still run when the start has a problem


@dataclass(frozen=True)
class Header:
    """Title, description, the simulated span and the default seed of a scenario.

    ``horizon`` is None when it has a problem; ``horizon_days`` is then infinite.
    """

    title: str
    description: str
    start: dt.date
    horizon: dt.date | None
    seed: int | None

    @property
    def horizon_days(self) -> float:
        """Simulated time (days) at the end of the horizon's last day."""
        return float((self.horizon - self.start).days + 1) if self.horizon else math.inf


def header(data: dict, check: Checker) -> Header:
    """Check title, description, start, horizon and seed."""
    title = check.text(data.get("title"), ("title",), required=True)
    description = check.text(data.get("description"), ("description",)) if data.get("description") else ""
    start, horizon = _span(data, check, _start(data, check))
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        check.add(("seed",), f"found {seed!r}; expected a whole number ≥ 0")
        seed = None
    return Header(title, description, start or _PLACEHOLDER_START, horizon, seed)


def _start(data: dict, check: Checker) -> dt.date | None:
    raw = data.get("start")
    if isinstance(raw, str) and _ISO.match(raw.strip()):
        raw = raw.strip()  # a quoted ISO date is fine too
    if not (raw is None or isinstance(raw, dt.date) or (isinstance(raw, str) and _ISO.match(raw))):
        check.add(("start",), f"found {data['start']!r}; expected an ISO date such as 2025-10-16")
        return None
    p = check.period(raw, ("start",))
    return p.first if p else None


def _span(data: dict, check: Checker, start: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """Start and horizon, each None when it has a problem (the start's format is checked before)."""
    p = check.period(data.get("horizon"), ("horizon",))
    horizon = p.last if p else None
    if start and not MIN_YEAR <= start.year <= MAX_YEAR:
        check.add(("start",), f"found {start}; expected a start between {MIN_YEAR} and {MAX_YEAR}")
        start = None
    if start and horizon and horizon <= start:
        check.add(("horizon",), f"found {horizon}, which is not after start {start}")
        horizon = None
    elif start and horizon and horizon.year - start.year > MAX_YEARS:
        # Dates beyond the horizon are still computed (P-dates, grids); end-9999 overflowed them after validation.
        check.add(("horizon",), f"found {data.get('horizon')}, {horizon.year - start.year} years after the start; "
                                f"expected a horizon at most {MAX_YEARS} years after it")
        horizon = None
    return start, horizon


def shape(data: dict, check: Checker) -> bool:
    """Whether every section has its shape (a mapping of id → element; a list for shocks and correlations)."""
    ok = True
    for key in SECTIONS + ("shocks", "correlations"):
        value = data.get(key)
        if value is None:
            continue
        if key in ("shocks", "correlations"):
            if not isinstance(value, list):
                check.add((key,), f"found {kind_of(value)}; expected a list")
                ok = False
        elif not isinstance(value, dict):
            hint = (" or a list of elements each with an 'id'" if isinstance(value, list) else "")
            missing = next((i for i, x in enumerate(value) if not (isinstance(x, dict) and "id" in x)), None) \
                if isinstance(value, list) else None
            where = (key, missing) if missing is not None else (key,)
            found = (f"found a list whose element {missing} has no 'id'" if missing is not None
                     else f"found {kind_of(value)}")
            check.add(where, f"{found}; expected a mapping of id → {key[:-1]}{hint}")
            ok = False
    return ok


def section(data: dict, key: str, check: Checker) -> dict:
    """The elements of section ``key`` (id → mapping); bad ids and elements that are not mappings are reported."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.add((key,), f"found {type(value).__name__}; expected a mapping of id → {key[:-1]}")
        return {}
    out = {}
    for element_id, element in value.items():
        if not ID.match(element_id):
            check.add((key, element_id), f"invalid id '{element_id}'; ids use {ID_RULE}")
        if not isinstance(element, dict):
            check.add((key, element_id), f"found {element!r}; expected a mapping of keys")
            continue
        out[element_id] = element
    return out
