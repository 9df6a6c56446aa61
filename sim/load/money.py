"""Validation of the money part of a scenario: funds, programme funding, indicators, money risks and shocks.

Amounts are € bn, rates € bn per year, times days since start (see :mod:`sim.calendar`).
"""

from __future__ import annotations

import re

from .. import calendar as cal
from .. import names as naming
from ..distributions import Fixed
from ..errors import did_you_mean
from ..scenario import Fund, Funding, Indicator
from .checks import ID, ID_RULE, Checker, needs_source, plain

FUND_KEYS = ("title", "envelope", "beneficiaries", "opens", "available_from", "commit_by", "prefinancing",
             "payment_lag", "inflow", "spending", "source")
_BENEFICIARY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_OBSERVABLE_FORMS = " (FUND.committed, FUND.disbursed, FUND.committed_share, FUND.disbursed_share)"


def funds(raw_funds: dict, check: Checker, start, milestone_ids) -> list[Fund]:
    """Validate the ``funds`` section."""
    return [f for f in (_fund(fid, raw, check, start, milestone_ids) for fid, raw in raw_funds.items()) if f]


def _number(value, path, check, what, low=0.0, high=None, strict_low=False):
    try:
        x = plain(value)
    except ValueError as exc:
        check.add(path, f"{exc}; expected {what}" if value is not None else f"missing; expected {what}")
        return None
    if x < low or (strict_low and x == low) or (high is not None and x > high):
        check.add(path, f"found {value!r}; expected {what}")
        return None
    return x


def _fund(fid, raw, check: Checker, start, milestone_ids) -> Fund | None:
    path = ("funds", fid)
    check.unknown_keys(raw, FUND_KEYS, path, "a fund")
    title = check.text(raw.get("title"), path + ("title",), required=True, default=fid)
    source = needs_source(raw, path, check, "fund")
    if "spending" in raw:
        extra = [k for k in raw if k not in ("title", "spending", "source")]
        for key in extra:
            check.add(path + (key,), f"'{key}' does not apply to a spending flow; a flow has only title, spending, source")
        spending = raw["spending"]
        if not isinstance(spending, dict) or set(spending) != {"rate", "growth"}:
            check.add(path + ("spending",), f"found {spending!r}; expected {{rate: € bn per year, growth: share per year}}")
            return Fund(fid, title, spending_rate=1.0, spending_growth=Fixed(0.0), source=source)
        rate = _number(spending["rate"], path + ("spending", "rate"), check, "a rate in € bn per year > 0", strict_low=True)
        growth = check.distribution(spending["growth"], path + ("spending", "growth"), duration=False)
        if growth is not None and float(growth.ppf([0.0])[0]) <= -1:
            check.add(path + ("spending", "growth"), "growth must stay above −1 (−100 % a year)")
            growth = None
        # Even with problems the fund is returned, so that references to it do not cascade into more errors.
        return Fund(fid, title, spending_rate=rate or 1.0, spending_growth=growth or Fixed(0.0), source=source)

    envelope = None
    if "envelope" not in raw:
        check.add(path, "missing 'envelope'; expected € bn (a number or a distribution), or 'spending' for a flow")
    else:
        envelope = check.distribution(raw["envelope"], path + ("envelope",), duration=False)
    if envelope is not None and float(envelope.ppf([0.0])[0]) < 0:
        check.add(path + ("envelope",), f"found {raw['envelope']!r}; an envelope cannot be negative (€ bn ≥ 0)")
        envelope = None
    pools: tuple[tuple[str, float], ...] = ((fid, 1.0),)
    if "beneficiaries" in raw:
        ben = raw["beneficiaries"]
        if not isinstance(ben, dict) or not ben:
            check.add(path + ("beneficiaries",), f"found {ben!r}; expected a mapping of beneficiary → € bn")
        else:
            amounts = {}
            for name, value in ben.items():
                if not _BENEFICIARY.match(str(name)):
                    check.add(path + ("beneficiaries", name),
                              f"invalid beneficiary name '{name}'; use letters, digits, '-' or '_'")
                    continue
                x = _number(value, path + ("beneficiaries", name), check, "an allocation in € bn > 0", strict_low=True)
                if x is not None:
                    amounts[str(name)] = x
            total = sum(amounts.values())
            if total > 0:
                pools = tuple((f"{fid}/{name}", x / total) for name, x in amounts.items())
    opens = raw.get("opens")
    if opens is not None and opens not in milestone_ids:
        check.add(path + ("opens",), f"unknown milestone {opens!r}{did_you_mean(opens, milestone_ids)}")
        opens = None
    commit_by, commit_text = float("inf"), ""
    if "commit_by" in raw:
        period = check.period(raw["commit_by"], path + ("commit_by",))
        if period:
            commit_by, commit_text = cal.deadline_time(period.last, start), str(period)
    available_from = 0.0
    if "available_from" in raw:
        period = check.period(raw["available_from"], path + ("available_from",))
        if period:
            available_from = max(cal.day_offset(period.first, start), 0.0)
    prefinancing = _number(raw.get("prefinancing", 0.0), path + ("prefinancing",), check, "a share 0 ≤ s ≤ 1", high=1.0)
    lag = check.distribution(raw["payment_lag"], path + ("payment_lag",), duration=True) if "payment_lag" in raw else None
    inflow = None
    if "inflow" in raw:
        inflow = _number(raw["inflow"], path + ("inflow",), check, "€ bn per year > 0", strict_low=True)
    return Fund(fid, title, envelope=envelope or Fixed(0.0), pools=pools, opens=opens, commit_by=commit_by,
                commit_by_text=commit_text, available_from=available_from, prefinancing=prefinancing or 0.0,
                payment_lag=lag, inflow=inflow, source=source)


def funding(raw, path, check: Checker, pools) -> tuple[Funding, ...]:
    """A milestone's ``funding``: pool → amount (€ bn)."""
    if not isinstance(raw, dict) or not raw:
        check.add(path, f"found {raw!r}; expected a mapping of pool → € bn, e.g. {{safe/PL: 4.5}}")
        return ()
    out = []
    for pool, amount in raw.items():
        if pool not in pools:
            with_pools = sorted({p.split('/')[0] for p in pools if '/' in p})
            hint = did_you_mean(pool, pools)
            if pool in with_pools:
                hint = f"; '{pool}' has beneficiaries: draw from one of {', '.join(p for p in pools if p.startswith(pool + '/'))}"
            check.add(path + (pool,), f"unknown pool '{pool}'{hint or ' (funds are declared under funds:)'}")
            continue
        dist = check.distribution(amount, path + (pool,), duration=False)
        if dist is not None and float(dist.ppf([0.0])[0]) < 0:
            check.add(path + (pool,), f"found {amount!r}; an amount cannot be negative (€ bn ≥ 0)")
            continue
        if dist is not None:
            out.append(Funding(pool, dist))
    return tuple(out)


def observable_names(fund_list: list[Fund]) -> list[str]:
    """Names of the fund observables (``FUND.committed`` …; a spending flow has only ``FUND.disbursed``)."""
    return [name for f in fund_list for name in naming.fund_observables(f.id, f.is_flow)]


def indicators(raw_indicators: dict, check: Checker, fund_list: list[Fund]) -> list[Indicator]:
    """Validate ``indicators``: ratios (or sums) of weighted observables."""
    observables = observable_names(fund_list)
    out = []
    for iid, raw in raw_indicators.items():
        path = ("indicators", iid)
        check.unknown_keys(raw, ("title", "ratio", "sum", "trailing", "source"), path, "an indicator")
        title = check.text(raw.get("title"), path + ("title",), required=True, default=iid)
        source = needs_source(raw, path, check, "indicator")
        kinds = [k for k in ("ratio", "sum") if k in raw]
        if len(kinds) != 1:
            check.add(path, "expected exactly one of ratio: {numerator: {...}, denominator: {...}} or sum: {observable: weight}")
            continue
        if kinds[0] == "ratio":
            body = raw["ratio"]
            if not isinstance(body, dict) or set(body) != {"numerator", "denominator"}:
                check.add(path + ("ratio",),
                          f"found {body!r}; expected {{numerator: {{observable: weight}}, denominator: {{...}}}}")
                continue
            num = _weights(body["numerator"], path + ("ratio", "numerator"), check, observables)
            den = _weights(body["denominator"], path + ("ratio", "denominator"), check, observables)
        else:
            num, den = _weights(raw["sum"], path + ("sum",), check, observables), ()
        trailing = None
        if "trailing" in raw:
            try:
                trailing = cal.parse_duration(raw["trailing"])
            except cal.CalendarError as exc:
                check.add(path + ("trailing",), str(exc))
        if num is None or den is None:
            continue
        out.append(Indicator(iid, title, num, den, trailing, source))
    return out


def _weights(raw, path, check, observables):
    if not isinstance(raw, dict) or not raw:
        check.add(path, f"found {raw!r}; expected a mapping of observable → weight (e.g. safe.disbursed: 1)")
        return None
    out, ok = [], True
    for name, weight in raw.items():
        if name not in observables:
            check.add(path + (name,), f"unknown observable '{name}'{did_you_mean(name, observables)}"
                      f"{'' if did_you_mean(name, observables) else _OBSERVABLE_FORMS}")
            ok = False
            continue
        dist = check.distribution(weight, path + (name,), duration=False)
        if dist is None:
            ok = False
        else:
            out.append((name, dist))
    return tuple(out) if ok else None


def risk_money(raw, path, check: Checker, fund_list: list[Fund]):
    """A risk's ``freeze`` (pools) and ``cut`` ({funds: [...], share: DIST}); returns (freeze, cut, share)."""
    freeze: tuple[str, ...] = ()
    cut: tuple[str, ...] = ()
    share = None
    if "freeze" in raw:
        freeze = tuple(resolve_pools(raw["freeze"], path + ("freeze",), check, fund_list))
    if "cut" in raw:
        body = raw["cut"]
        if not isinstance(body, dict) or set(body) != {"funds", "share"}:
            check.add(path + ("cut",), f"found {body!r}; expected {{funds: [funds or pools], share: a share or a distribution}}")
        else:
            cut = tuple(resolve_pools(body["funds"], path + ("cut", "funds"), check, fund_list))
            share = check.distribution(body["share"], path + ("cut", "share"), duration=False)
            if share is not None and not (0 <= float(share.ppf([0.0])[0]) and float(share.ppf([1.0 - 1e-12])[0]) <= 1):
                check.add(path + ("cut", "share"), "a cut is a share between 0 and 1")
                share = None
    return freeze, cut, share


def resolve_pools(raw, path, check: Checker, fund_list: list[Fund]) -> list[str]:
    """Fund or pool names → pool ids (a fund stands for all its pools)."""
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names:
        check.add(path, f"found {raw!r}; expected a fund or pool name, or a list of them")
        return []
    by_fund = {f.id: [p for p, _ in f.pools] for f in fund_list if not f.is_flow}
    all_pools = [p for ps in by_fund.values() for p in ps]
    out = []
    for i, name in enumerate(names):
        where = path + (i,) if not isinstance(raw, str) else path
        if not isinstance(name, str):  # e.g. [[safe/HU]]: a list is not a name (and not hashable)
            check.add(where, f"found {name!r}; expected a fund or pool name")
        elif name in by_fund:
            out += [p for p in by_fund[name] if p not in out]
        elif name in all_pools:
            out += [name] if name not in out else []
        else:
            check.add(where, f"unknown fund or pool {name!r}{did_you_mean(name, list(by_fund) + all_pools)}")
    return out


__all__ = ["funds", "funding", "indicators", "risk_money", "resolve_pools", "observable_names",
           "ID", "ID_RULE"]
