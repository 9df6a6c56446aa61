"""Shocks: the changes a delay scenario makes against the scenario it extends.

``delay`` postpones milestones, ``scale`` multiplies their durations, ``risk`` forces a risk on or off,
``freeze`` stops commitments from pools for a period and ``cut`` shrinks pools' envelopes.
"""

from __future__ import annotations

import dataclasses

from . import calendar as cal
from . import names
from .checks import Checker, needs_source
from .distributions import plain as _plain
from .errors import did_you_mean
from .load_money import resolve_pools
from .scenario import Shift, Shock

_SHOCK_FORMS = ("{delay: MILESTONE or {milestones: [...], tags: [...]}, by: DURATION or distribution}, "
                "{scale: MILESTONE or {milestones: [...], tags: [...]}, factor: NUMBER}, "
                "{risk: RISK, occurs: true or false}, {freeze: FUND or POOL, from: DATE, to: DATE}, "
                "{cut: FUND or POOL, share: 0.2}, {capacity: LINE, factor: 0.8[, from: DATE, to: DATE]}")


def _factor(shock: dict, path, check: Checker, what: str) -> float | None:
    """The shock's ``factor``: a number ≥ 0 (None, with the problem recorded, otherwise)."""
    try:
        factor = _plain(shock.get("factor"))
        if factor < 0:
            raise ValueError(f"found {factor}; {what} cannot be negative")
    except ValueError as exc:
        check.add(path + ("factor",), str(exc))
        return None
    return factor


def _select(raw, path, check: Checker, milestones, tags_in_use) -> list[str]:
    """Milestone ids named by a shock's selector: an id, or {milestones: [...], tags: [...]}."""
    known = [m.id for m in milestones]
    if isinstance(raw, str):
        raw = {"milestones": [raw]}
        path_of = lambda *_: path  # noqa: E731  (a plain id: report at the key itself)
    else:
        path_of = lambda *rest: path + rest  # noqa: E731
    if not isinstance(raw, dict) or not raw or not set(raw) <= {"milestones", "tags"}:
        check.add(path, f"found {raw!r}; expected a milestone id or {{milestones: [ids], tags: [tags]}}")
        return []
    ids: list[str] = []
    for i, mid in enumerate(check.str_list(raw.get("milestones"), path_of("milestones"), "milestone ids")):
        if mid not in known:
            check.add(path_of("milestones", i), f"unknown milestone '{mid}'{did_you_mean(mid, known)}")
        elif mid not in ids:
            ids.append(mid)
    for i, tag in enumerate(check.str_list(raw.get("tags"), path_of("tags"), "tags")):
        if tag not in tags_in_use:
            check.add(path_of("tags", i), f"no milestone has the tag '{tag}'{did_you_mean(tag, tags_in_use)}")
        ids.extend(m.id for m in milestones if tag in m.tags and m.id not in ids)
    return ids


def shocks(raw, check, milestones, risks, tags_in_use, fund_list, start, horizon_days, line_ids=()):
    """Apply ``shocks``: delays become shifts, scales multiply durations, forced risks get p = 0 or 1,
    freezes stop commitments from pools for a period, cuts shrink pools' envelopes from the start.
    """
    unchanged = (milestones, risks, [], [], fund_list, [], [])
    if raw is None:
        return unchanged
    if not isinstance(raw, list):
        check.add(("shocks",), f"found {type(raw).__name__}; expected a list of shocks: {_SHOCK_FORMS}")
        return unchanged
    funds = {f.id: f for f in fund_list}
    freezes, capacity = [], []
    by_id = {m.id: m for m in milestones}
    risk_by_id = {r.id: r for r in risks}
    shifts, shocks = [], []
    for i, shock in enumerate(raw):
        path = ("shocks", i)
        kinds = [k for k in ("delay", "scale", "risk", "freeze", "cut", "capacity") if isinstance(shock, dict) and k in shock]
        if len(kinds) != 1:
            check.add(path, f"found {shock!r}; expected one of {_SHOCK_FORMS}")
            continue
        kind = kinds[0]
        allowed = {"delay": ("delay", "by", "source"), "scale": ("scale", "factor", "source"),
                   "risk": ("risk", "occurs", "source"), "freeze": ("freeze", "from", "to", "source"),
                   "cut": ("cut", "share", "source"), "capacity": ("capacity", "factor", "from", "to", "source")}[kind]
        check.unknown_keys(shock, allowed, path, f"a {kind} shock")
        source = needs_source(shock, path, check, "shock")
        if kind == "risk":
            rid, occurs = shock["risk"], shock.get("occurs")
            if not isinstance(rid, str) or rid not in risk_by_id:
                check.add(path + ("risk",), f"unknown risk {rid!r}{did_you_mean(rid, risk_by_id)}")
            elif not isinstance(occurs, bool):
                check.add(path + ("occurs",), f"found {occurs!r}; expected true (force it to occur) or false (rule it out)")
            else:
                risk_by_id[rid] = dataclasses.replace(risk_by_id[rid], probability=1.0 if occurs else 0.0)
                shocks.append(Shock("risk", f"risk {rid} forced to {'occur' if occurs else 'not occur'}", source))
            continue
        if kind == "capacity":
            line = shock["capacity"]
            if not isinstance(line, str) or line not in line_ids:
                check.add(path + ("capacity",), f"unknown line {line!r}{did_you_mean(line, line_ids)}")
                continue
            factor = _factor(shock, path, check, "a capacity factor")
            if factor is None:
                continue
            lo, hi = 0.0, float("inf")
            if "from" in shock or "to" in shock:
                first = check.period(shock.get("from"), path + ("from",))
                last = check.period(shock.get("to"), path + ("to",))
                if not (first and last):
                    continue
                if first.first > last.last:  # was a silent no-op; freeze and risk windows are refused too
                    check.add(path, f"found from {first} to {last}: 'from' is after 'to'; expected from ≤ to")
                    continue
                lo, hi = max(cal.day_offset(first.first, start), 0.0), cal.deadline_time(last.last, start)
            capacity.append((line, factor, lo, hi))
            when = "" if hi == float("inf") else f" from {shock['from']} to {shock['to']}"
            shocks.append(Shock("capacity", f"capacity of {line} × {factor:g}{when}", source))
            continue
        if kind == "freeze":
            pools = resolve_pools(shock["freeze"], path + ("freeze",), check, fund_list)
            first = check.period(shock.get("from"), path + ("from",))
            last = check.period(shock.get("to"), path + ("to",))
            if pools and first and last:
                if first.first > last.last:
                    check.add(path, f"found from {first} to {last}: 'from' is after 'to'; expected from ≤ to")
                    continue
                lo, hi = max(cal.day_offset(first.first, start), 0.0), min(cal.deadline_time(last.last, start), horizon_days)
                if lo >= hi:
                    check.add(path, f"found {first} to {last}, which leaves no time between the start and the horizon")
                    continue
                freezes += [(p, lo, hi) for p in pools]
                shocks.append(Shock("freeze", f"{', '.join(pools)} frozen from {first} to {last}", source))
            continue
        if kind == "cut":
            pools = resolve_pools(shock["cut"], path + ("cut",), check, fund_list)
            try:
                share = _plain(shock.get("share"))
                if not 0 <= share <= 1:
                    raise ValueError(f"found {share}; a cut is a share between 0 and 1")
            except ValueError as exc:
                check.add(path + ("share",), str(exc))
                continue
            for fid, fund in funds.items():
                if any(p in pools for p, _ in fund.pools):
                    funds[fid] = dataclasses.replace(fund, pools=tuple(
                        (p, w * (1 - share)) if p in pools else (p, w) for p, w in fund.pools))
            shocks.append(Shock("cut", f"{', '.join(pools)} cut by {share:.0%}", source))
            continue
        ids = _select(shock[kind], path + (kind,), check, milestones, tags_in_use)
        if kind == "delay":
            if "by" not in shock:
                check.add(path, "missing 'by'; expected a duration such as 6 months, or a duration distribution")
                continue
            delay = check.distribution(shock["by"], path + ("by",), duration=True)
            if delay is None or not ids:
                continue
            shifts.append(Shift(names.shock(i), delay, tuple(ids)))
            what = shock["by"] if isinstance(shock["by"], str) else "a drawn delay"
            shocks.append(Shock("delay", f"{', '.join(ids)} delayed by {what}", source))
        else:
            factor = _factor(shock, path, check, "a duration factor")
            if factor is None:
                continue
            for mid in ids:
                by_id[mid] = dataclasses.replace(by_id[mid], scale=by_id[mid].scale * factor)
            shocks.append(Shock("scale", f"durations of {', '.join(ids)} scaled by {factor:g}", source))
    return ([by_id[m.id] for m in milestones], [risk_by_id[r.id] for r in risks], shifts, shocks,
            [funds[f.id] for f in fund_list], freezes, capacity)
