"""Validation of a ``status:`` section: what was known on a status date (docs/status-date.md).

A status section states ``as_of`` and facts, each with a ``source``: milestones done on a date (or known not
done), risks that occurred on a date (or had not occurred by ``as_of``). Every milestone not reported done is
not done by the end of ``as_of`` — the scheduling convention. Facts that contradict the model (a done date
after ``as_of`` or before a predecessor's done date, an ``as_of`` outside the simulated span, a risk occurring
outside its window) are errors naming the file, line and key path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..calendar import day_offset
from ..errors import did_you_mean
from ..scenario import Dependency, Fact, Milestone, Status
from .checks import Checker
from .status_money import check_commitments, committed_fact, fact_date, money_facts

STATUS_KEYS = ("as_of", "milestones", "risks", "money", "source")
_MILESTONE_FACT_KEYS = ("done", "committed", "abandoned", "replaced_by", "source")
_RISK_FACT_KEYS = ("occurred", "source")


def status_raw_ok(raw, check: Checker) -> bool:
    """Whether ``status`` has its shape (a mapping); reported alone otherwise."""
    if raw is None:
        return True
    if not isinstance(raw, dict):
        check.add(("status",), f"found {type(raw).__name__}; expected a mapping with as_of, milestones and risks")
        return False
    return True


def apply_status(raw, check: Checker, start: dt.date, horizon_days: float, milestones: list[Milestone],
                 raw_risks: dict, gated: frozenset = frozenset(), funds=()) -> tuple[list[Milestone], Status | None]:
    """Validate the status section and mark milestones reported done.

    Parameters
    ----------
    raw : dict or None
        The merged ``status`` mapping.
    check : Checker
        Collects the problems.
    start : datetime.date
        The scenario's first day.
    horizon_days : float
        End of the simulated span (days).
    milestones : list of Milestone
        As built from the scenario (before risks are built: a milestone done is never delayed by a risk).
    raw_risks : dict
        The risk register as written (id → mapping), for the risk facts.
    gated : frozenset of str
        Milestones that are metric gates (done when an observable reaches a value).
    funds : sequence of Fund
        The scenario's funds, for programmes' commitments and observed money.

    Returns
    -------
    milestones : list of Milestone
        With ``done_on`` set for milestones reported done.
    status : Status or None
        None without a status section, or when its ``as_of`` has a problem.
    """
    if raw is None:  # no status section (an empty one is reported below: it lacks as_of)
        _check_done_order(milestones, check, None)
        check_commitments(milestones, funds, check, start)
        return milestones, None
    check.unknown_keys(raw, STATUS_KEYS, ("status",), "the status section")
    as_of = _as_of(raw, check, start, horizon_days)
    facts: list[Fact] = []
    for mid, fact in _facts(raw, "milestones", "{done: DATE or false, source: ...}", check).items():
        _milestone_fact(mid, fact, check, as_of, milestones, facts, gated)
    risks_occurred, not_occurred = [], []
    for rid, fact in _facts(raw, "risks", "{occurred: DATE or false, source: ...}", check).items():
        occurred = _risk_fact(rid, fact, check, start, as_of, raw_risks, facts)
        if occurred is False:
            not_occurred.append(rid)
        elif occurred is not None:
            risks_occurred.append((rid, occurred))
    money = money_facts(raw, check, start, as_of, funds, facts)
    _check_done_order(milestones, check, as_of)
    check_commitments(milestones, funds, check, start)
    if as_of is None:
        return milestones, None
    as_of_days = day_offset(as_of, start) + 1
    return milestones, Status(as_of, as_of_days, tuple(facts), tuple(_elapsed(milestones, start, as_of_days, gated)),
                              tuple(risks_occurred), tuple(not_occurred), money)


def _as_of(raw: dict, check: Checker, start: dt.date, horizon_days: float) -> dt.date | None:
    """The status date, or None after recording why it cannot be used."""
    if "as_of" not in raw:
        check.add(("status",), "missing as_of; expected the status date, e.g. as_of: 2025-11-30")
        return None
    as_of = fact_date(raw.get("as_of"), ("status", "as_of"), check, "the status date")
    if not as_of:
        return None
    if as_of < start:
        check.add(("status", "as_of"), f"found {as_of}, before the scenario's start {start}; expected a date "
                                       "from the start to the horizon")
        return None
    if day_offset(as_of, start) + 1 > horizon_days:
        last = start + dt.timedelta(days=int(horizon_days) - 1)
        check.add(("status", "as_of"), f"found {as_of}, after the horizon {last}; expected a date from the start "
                                       "to the horizon")
        return None
    return as_of


def _facts(raw: dict, key: str, form: str, check: Checker) -> dict:
    """The facts under ``status.<key>`` (id → fact), or none after recording that they are not a mapping."""
    facts = raw.get(key) or {}
    if not isinstance(facts, dict):
        what = "milestone" if key == "milestones" else "risk"
        check.add(("status", key), f"found {type(facts).__name__}; expected a mapping of {what} id → {form}")
        return {}
    return facts


def _milestone_fact(mid, fact, check: Checker, as_of, milestones: list[Milestone], facts: list[Fact],
                    gated) -> None:
    """Check one milestone fact; a milestone reported done gets its ``done_on`` in ``milestones``."""
    path = ("status", "milestones", mid)
    by_id = {m.id: k for k, m in enumerate(milestones)}
    if mid not in by_id:
        check.add(path, f"unknown milestone '{mid}'{did_you_mean(mid, by_id)}")
        return
    if not isinstance(fact, dict):
        check.add(path, f"found {fact!r}; expected a mapping {{done: DATE or false, source: ...}}")
        return
    check.unknown_keys(fact, _MILESTONE_FACT_KEYS, path, "a milestone fact")
    source = check.text(fact.get("source"), path + ("source",), required=True)
    if "abandoned" in fact:
        if "done" in fact or "committed" in fact:
            check.add(path, f"found both {'done' if 'done' in fact else 'committed'} and abandoned; expected one of them")
            return
        _abandon(mid, fact, path, check, as_of, milestones, by_id, facts, gated, source)
        return
    if "replaced_by" in fact:
        check.add(path + ("replaced_by",), "found replaced_by without abandoned; expected abandoned: DATE with it")
    m = milestones[by_id[mid]]
    if "committed" in fact:
        committed = committed_fact(fact, path, check, as_of, m, source, facts)
        if committed is not None:
            m = milestones[by_id[mid]] = dataclasses.replace(m, committed_on=committed)
    if "done" not in fact:
        if "committed" not in fact:
            check.add(path, "missing done; expected done: DATE (done on that date), done: false, committed: DATE "
                            "or abandoned: DATE")
        return
    done = fact_date(fact["done"], path + ("done",), check, "the date it was done", allow_false=True)
    if done is None:
        return
    line = check.where(path)[1]
    if done is False:
        if m.done_on is not None:
            check.add(path + ("done",), f"found false, but the scenario has it done on {m.done_on}; "
                                        "remove one of the two")
        facts.append(Fact("not-done", mid, None, source, line))
        return
    if as_of and done > as_of:
        check.add(path + ("done",), f"found {done}, after the status date {as_of}; expected a date on or "
                                    "before as_of (a milestone done later is not a fact yet)")
        return
    if mid in gated:
        check.add(path + ("done",), "found a done date for a metric gate, which is done when its observable reaches "
                                    "its value; report the money instead (status.money)")
        return
    if m.committed_on is not None and done < m.committed_on:
        check.add(path + ("done",), f"found {done}, before its money was committed ({m.committed_on}); expected a "
                                    "date on or after it")
        return
    milestones[by_id[mid]] = dataclasses.replace(m, done_on=done, source=m.source or source)
    facts.append(Fact("done", mid, done, source, line))


def _risk_fact(rid, fact, check: Checker, start: dt.date, as_of, raw_risks: dict, facts: list[Fact]):
    """Check one risk fact: the day it occurred (days since start), False (not by as_of) or None (a problem)."""
    path = ("status", "risks", rid)
    if rid not in raw_risks:
        check.add(path, f"unknown risk '{rid}'{did_you_mean(rid, raw_risks)}")
        return None
    if not isinstance(fact, dict):
        check.add(path, f"found {fact!r}; expected a mapping {{occurred: DATE or false, source: ...}}")
        return None
    check.unknown_keys(fact, _RISK_FACT_KEYS, path, "a risk fact")
    source = check.text(fact.get("source"), path + ("source",), required=True)
    if "occurred" not in fact:
        check.add(path, "missing occurred; expected occurred: DATE or occurred: false (not by as_of)")
        return None
    when = fact_date(fact["occurred"], path + ("occurred",), check, "the date it occurred", allow_false=True)
    if when is None:
        return None
    line = check.where(path)[1]
    if when is False:
        facts.append(Fact("not-occurred", rid, None, source, line))
        return False
    if when < start or (as_of and when > as_of):
        check.add(path + ("occurred",), f"found {when}; expected a date from the start {start} to the status "
                                        f"date {as_of or 'as_of'}")
        return None
    facts.append(Fact("occurred", rid, when, source, line))
    return day_offset(when, start) + 0.5


def _abandon(mid, fact, path, check: Checker, as_of, milestones: list[Milestone], by_id: dict, facts: list,
             gated, source: str) -> None:
    """A commitment dropped on a date: never done; its dependants wait for ``replaced_by`` instead, or fail."""
    when = fact_date(fact["abandoned"], path + ("abandoned",), check, "the date it was dropped")
    if when is None:
        return
    if as_of and when > as_of:
        check.add(path + ("abandoned",), f"found {when}, after the status date {as_of}; expected a date on or before "
                                         "as_of")
        return
    m = milestones[by_id[mid]]
    if m.done_on is not None:
        check.add(path + ("abandoned",), f"found abandoned, but the scenario has it done on {m.done_on}")
        return
    if mid in gated:
        check.add(path + ("abandoned",), "found abandoned for a metric gate, which is reached when its observable "
                                         "reaches its value; expected a milestone with work of its own")
        return
    instead = fact.get("replaced_by")
    if instead is not None:
        if not isinstance(instead, str) or instead not in by_id or instead == mid:
            others = [i for i in by_id if i != mid]
            check.add(path + ("replaced_by",), f"found {instead!r}; expected the id of another milestone"
                                               f"{did_you_mean(instead, others) if isinstance(instead, str) else ''}")
            return
        if _waits_for(milestones, instead, mid):
            check.add(path + ("replaced_by",), f"found '{instead}', which itself waits for '{mid}'; expected a "
                                               "milestone that does not")
            return
        for k, other in enumerate(milestones):
            if mid in other.after.ids:
                ids = tuple(dict.fromkeys(instead if d == mid else d for d in other.after.ids))
                need = len(ids) if other.after.mode == "all" else 1 if other.after.mode == "any" \
                    else min(other.after.k, len(ids))
                milestones[k] = dataclasses.replace(other, after=Dependency(other.after.mode, ids, need))
    milestones[by_id[mid]] = dataclasses.replace(milestones[by_id[mid]], abandoned=when)
    facts.append(Fact("abandoned", mid, when, source, check.where(path)[1], instead or ""))


def _waits_for(milestones: list[Milestone], start: str, target: str) -> bool:
    """Whether ``start`` depends on ``target`` (directly or through other milestones)."""
    deps = {m.id: m.after.ids for m in milestones}
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == target:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(deps.get(node, ()))
    return False


def _check_done_order(milestones: list[Milestone], check: Checker, as_of: dt.date | None) -> None:
    """A milestone done before the predecessors it waits for were done contradicts the network.

    With a status date, a milestone reported done whose needed predecessors are not all reported done is a
    contradiction too (they are not done by ``as_of`` by convention).
    """
    done: dict[str, dt.date] = {m.id: m.done_on for m in milestones if m.done_on is not None}
    for m in milestones:
        if m.done_on is None or not m.after.ids:
            continue
        dates = sorted(done[d] for d in m.after.ids if d in done)
        path = ("status", "milestones", m.id, "done") if (("status", "milestones", m.id) in check.locs) \
            else ("milestones", m.id, "status")
        if len(dates) >= m.after.k:
            ready = dates[m.after.k - 1]
            if m.done_on < ready:
                late = [d for d in m.after.ids if d in done and done[d] > m.done_on]
                check.add(path, f"found done on {m.done_on}, before its predecessor "
                                f"{', '.join(repr(x) for x in late)} was done ({ready}); expected a date on or after it")
        elif as_of is not None:
            missing = [d for d in m.after.ids if d not in done]
            check.add(path, f"found done on {m.done_on}, but it waits for {m.after.k} of {list(m.after.ids)} and "
                            f"{', '.join(repr(x) for x in missing)} is not reported done by {as_of}; report the "
                            "predecessors done too")


def _elapsed(milestones: list[Milestone], start: dt.date, as_of_days: float,
             gated=frozenset()) -> list[tuple[str, float]]:
    """Milestones under way at ``as_of``: their dependencies were met (by observed milestones) before it.

    Their work started when the needed dependencies were done (the ``k``-th observed done time; day 0 without
    dependencies; simulated time does not run before the start) and had lasted ``as_of_days − ready`` days
    without finishing. A programme's work starts when its money is committed: it is conditioned only when a fact
    gives that date. Ordering milestones wait for deliveries too: they are not conditioned (the floor still keeps
    them from finishing before ``as_of``).
    """
    done = {m.id: day_offset(m.done_on, start) + 0.5 for m in milestones if m.done_on}
    out = []
    for m in milestones:
        if m.done_on is not None or m.abandoned is not None or m.orders or m.id in gated:
            continue
        if m.funding:  # its work started when its money was committed: known only from a fact
            if m.committed_on is None:
                continue
            ready = max(day_offset(m.committed_on, start) + 0.5, 0.0)
            if ready < as_of_days:
                out.append((m.id, as_of_days - ready))
            continue
        times = sorted(done[d] for d in m.after.ids if d in done)
        if len(times) < m.after.k:
            continue
        ready = max(times[m.after.k - 1], 0.0) if m.after.k else 0.0
        if ready < as_of_days:
            out.append((m.id, as_of_days - ready))
    return out


def check_risk_facts(status: Status | None, risks, check: Checker, start: dt.date) -> None:
    """A risk reported occurred outside its window (clipped to the simulated span) contradicts the register."""
    if status is None:
        return
    by_id = {r.id: r for r in risks}
    for rid, t in status.risks_occurred:
        r = by_id.get(rid)
        if r is None or r.window is None:
            continue
        lo, hi = r.window
        if not lo <= t <= hi:
            when = start + dt.timedelta(days=int(t))
            check.add(("status", "risks", rid, "occurred"),
                      f"found {when}, outside the risk's window {r.window_text or f'days {lo:g}–{hi:g}'}; expected "
                      "a date in it (or widen the window in the register)")


def warn_overdue(status: Status | None, milestones, drivers, check: Checker) -> None:
    """Warn about milestones under way at ``as_of`` whose duration cannot last that long.

    Even at the slowest driver values: not reported done, they are placed just after ``as_of`` (the conditioned
    draw is clamped).

    Usually a fact is missing (the milestone was done) or the duration's range is too narrow.
    """
    if status is None:
        return
    from ..distributions import Discrete, Fixed
    from ..sampling import cdf

    def upper(dist) -> float:
        if isinstance(dist, Fixed):
            return dist.value
        if isinstance(dist, Discrete):
            return max(dist.values)
        return float(getattr(dist, "max", float("inf")))

    by_id = {m.id: m for m in milestones}
    for mid, elapsed in status.elapsed:
        m = by_id[mid]
        factor = m.scale
        for d in drivers:
            if set(d.applies_to) & set(m.tags):
                factor *= upper(d.factor)
        longest = 0.0 if m.duration is None else upper(m.duration) * factor
        if m.duration is None or (factor > 0 and float(cdf(m.duration, elapsed / factor)) >= 1.0) or longest <= elapsed:
            check.warn(("status", "as_of"), f"'{mid}' is not reported done, but it has been under way {elapsed:.0f} "
                                            f"days by {status.as_of} and takes at most {longest:.0f}; it is placed "
                                            "just after the status date (report it done, or widen its duration)")
