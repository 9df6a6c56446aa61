"""Money facts of a status section: programmes' commitments and funds' observed money (docs/status-date.md).

A programme (a milestone with ``funding``) may be reported ``committed: DATE``: its money was committed that day
and its work has been under way since (done or not). A fund may be reported with the money it had committed
or disbursed by a date (``status.money``): that anchors its curves. Facts that contradict the model — a
commitment before the fund opened or after its deadline, before the predecessors were done, money on a
spending flow, disbursed more than committed — are errors naming the file, line and key path. The date of
any fact is read here too (:func:`fact_date`).
"""

from __future__ import annotations

import datetime as dt
import re

from ..calendar import day_offset
from ..errors import did_you_mean
from ..scenario import Fact, Fund, Milestone, MoneyFact
from .checks import Checker

_MONEY_KEYS = ("committed", "disbursed", "on", "source")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def fact_date(value, path, check: Checker, what: str, allow_false: bool = False):
    """The date of a fact: an ISO date (or ``False`` when allowed); None after recording a problem."""
    if allow_false and value is False:
        return False
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            check.add(path, f"found '{value}', which is not a real date; expected an ISO date such as 2025-11-30")
            return None
    alt = " or false" if allow_false else ""
    check.add(path, f"found {value!r}; expected {what}: an ISO date such as 2025-11-30{alt}")
    return None


def committed_fact(fact: dict, path, check: Checker, as_of, m: Milestone, source: str,
                   facts: list[Fact]) -> dt.date | None:
    """The day a programme's money was committed (``committed: DATE``), or None after recording a problem."""
    where = path + ("committed",)
    when = fact_date(fact["committed"], where, check, "the date its money was committed")
    if when is None:
        return None
    if not m.funding:
        check.add(where, "found a commitment date for a milestone that draws no money; expected it only on a "
                         "milestone with funding")
        return None
    if as_of and when > as_of:
        check.add(where, f"found {when}, after the status date {as_of}; expected a date on or before as_of")
        return None
    facts.append(Fact("committed", m.id, when, source, check.where(path)[1]))
    return when


def commitment_day(m: Milestone) -> dt.date | None:
    """When a programme's money was committed by the facts: its commitment date, else its done date."""
    if not m.funding:
        return None
    return m.committed_on or m.done_on


def check_commitments(milestones: list[Milestone], funds, check: Checker, start: dt.date) -> None:
    """A commitment the model cannot make: before the start, the fund's opening or its predecessors, or too late."""
    pool_fund = {p: f for f in funds for p, _ in f.pools}
    done = {m.id: m.done_on for m in milestones if m.done_on is not None}
    for m in milestones:
        day = commitment_day(m)
        if day is None:
            continue
        key = "committed" if m.committed_on is not None else "done"
        path = ("status", "milestones", m.id, key) if ("status", "milestones", m.id) in check.locs \
            else ("milestones", m.id, "status")
        if day < start:
            check.add(path, f"found {day}, before the scenario's start {start}; the model commits money from the start "
                            "(reduce the fund's envelope by what was committed before it)")
            continue
        t = day_offset(day, start) + 0.5
        for fund in dict.fromkeys(pool_fund[part.pool] for part in m.funding if part.pool in pool_fund):
            _check_fund_open(fund, day, t, done, path, check, start)
        if m.committed_on is not None and m.after.ids:
            ready = sorted(done[d] for d in m.after.ids if d in done)
            if len(ready) < m.after.k or ready[m.after.k - 1] > day:
                check.add(path, f"found its money committed on {day}, but it waits for {m.after.k} of "
                                f"{list(m.after.ids)}, not reported done by then; report them done on or before it")


def _check_fund_open(fund: Fund, day: dt.date, t: float, done: dict, path, check: Checker, start: dt.date) -> None:
    """Fund ``fund`` could commit on ``day``: it had opened and its commitment deadline had not passed."""
    if fund.opens and (fund.opens not in done or done[fund.opens] > day):
        check.add(path, f"found money of fund '{fund.id}' committed on {day}, but the fund opens when '{fund.opens}' is "
                        "done, which is not reported done by then; report it done on or before that day")
    if t < fund.available_from:
        first = start + dt.timedelta(days=int(fund.available_from))
        check.add(path, f"found money of fund '{fund.id}' committed on {day}, before the fund is available ({first})")
    if t > fund.commit_by:
        check.add(path, f"found money of fund '{fund.id}' committed on {day}, after its commitment deadline "
                        f"{fund.commit_by_text or fund.commit_by}")


def money_facts(raw: dict, check: Checker, start: dt.date, as_of, funds, facts: list[Fact]) -> tuple[MoneyFact, ...]:
    """The ``status.money`` section: per fund, € bn committed and/or disbursed by the end of a day."""
    section = raw.get("money") or {}
    if not isinstance(section, dict):
        check.add(("status", "money"), f"found {type(section).__name__}; expected a mapping of fund id → "
                                       "{committed: € bn, disbursed: € bn, on: DATE, source: ...}")
        return ()
    by_id = {f.id: f for f in funds}
    out: list[MoneyFact] = []
    for fid, fact in section.items():
        path = ("status", "money", fid)
        fund = by_id.get(fid)
        if fund is None:
            check.add(path, f"unknown fund '{fid}'{did_you_mean(fid, by_id)}")
            continue
        if fund.is_flow:
            check.add(path, f"found money of '{fid}', a spending flow; expected a fund with an envelope")
            continue
        if not isinstance(fact, dict):
            check.add(path, f"found {fact!r}; expected a mapping {{committed: € bn, disbursed: € bn, on: DATE, source: ...}}")
            continue
        out += _one_fund(fid, fact, path, check, start, as_of, facts)
    return tuple(out)


def _one_fund(fid: str, fact: dict, path, check: Checker, start: dt.date, as_of, facts: list[Fact]) -> list[MoneyFact]:
    """The committed and disbursed amounts of one fund's fact (none after recording a problem)."""
    check.unknown_keys(fact, _MONEY_KEYS, path, "a money fact")
    source = check.text(fact.get("source"), path + ("source",), required=True)
    day = as_of if "on" not in fact else fact_date(fact["on"], path + ("on",), check, "the date the amounts were observed")
    if day is None:
        return []
    if day < start or (as_of and day > as_of):
        check.add(path + ("on",), f"found {day}; expected a date from the start {start} to the status date {as_of}")
        return []
    amounts = {}
    for kind in ("committed", "disbursed"):
        if kind not in fact:
            continue
        value = fact[kind]
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            check.add(path + (kind,), f"found {value!r}; expected € bn ≥ 0 (a number)")
            continue
        amounts[kind] = float(value)
    if not amounts and not any(k in fact for k in ("committed", "disbursed")):
        check.add(path, "missing committed and disbursed; expected at least one of them (€ bn)")
    if amounts.get("disbursed", 0.0) > amounts.get("committed", float("inf")):
        check.add(path + ("disbursed",), f"found {amounts['disbursed']:g} bn disbursed, more than the "
                                         f"{amounts['committed']:g} bn committed; expected at most that")
        return []
    line = check.where(path)[1]
    at = day_offset(day, start) + 1
    out = []
    for kind, amount in amounts.items():
        facts.append(Fact("money", f"{fid}.{kind}", day, source, line, amount=amount))
        out.append(MoneyFact(fid, kind, amount, at))
    return out
