"""Target event times from milestone times, and targets that the facts of a status date already resolve."""

from __future__ import annotations

import numpy as np

from .. import calendar as cal
from ..engine.compiled import compiled
from ..scenario import Scenario, Target


def target_times(scenario: Scenario, done: np.ndarray, indicator_times: np.ndarray | None = None) -> np.ndarray:
    """Event time of every target ``(replications, targets)``, days since the start (``inf``: not by the horizon).

    From milestone completion times ``done`` and, for indicator targets, ``indicator_times`` (one column
    per indicator target, in scenario order). An all-of target is done when its last member is, an any-of
    target when its first is.
    """
    if not scenario.targets:
        return np.empty((done.shape[0], 0))
    times = _TargetTimes(scenario, done, indicator_times)
    return np.column_stack([times.of(t) for t in scenario.targets])


class _TargetTimes:
    """Event times of targets, each computed once (members of several targets are shared).

    A class rather than closures that call each other: those would form a reference cycle holding ``done``,
    which would keep a batch's arrays alive until the next garbage collection instead of freeing them with it.
    """

    def __init__(self, scenario: Scenario, done: np.ndarray, indicator_times: np.ndarray | None):
        self.done, self.indicator_times = done, indicator_times
        self.column = {m.id: i for i, m in enumerate(scenario.milestones)}
        self.explicit = {t.id: t for t in scenario.targets if t.kind != "milestone"}
        self.indicator_column = {t.id: k for k, t in enumerate(t for t in scenario.targets if t.kind == "indicator")}
        self.memo: dict[str, np.ndarray] = {}

    def member(self, member: str) -> np.ndarray:
        """The event time of a member of a target: another (non-milestone) target's, or a milestone's."""
        if member in self.explicit:
            return self.of(self.explicit[member])
        return self.done[:, self.column[member]]

    def of(self, t: Target) -> np.ndarray:
        """The event time of target ``t`` per replication."""
        if t.id not in self.memo:
            if t.kind == "milestone":
                self.memo[t.id] = self.done[:, self.column[t.members[0]]]
            elif t.kind == "indicator":
                if self.indicator_times is None:
                    raise ValueError(f"target {t.id!r} is an indicator target; expected indicator_times")
                self.memo[t.id] = self.indicator_times[:, self.indicator_column[t.id]]
            elif not any(m in self.explicit for m in t.members):  # milestones only: one compiled pass
                cols = np.array([self.column[m] for m in t.members], dtype=np.int64)
                self.memo[t.id] = decisive_member(self.done, cols, t.kind == "all_of")[0]
            else:
                stacked = np.column_stack([self.member(m) for m in t.members])
                self.memo[t.id] = stacked.max(axis=1) if t.kind == "all_of" else stacked.min(axis=1)
        return self.memo[t.id]


def decisive_member(done: np.ndarray, cols: np.ndarray, latest: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per replication, the latest (or earliest) time of the milestone columns ``cols`` of ``done`` and its position.

    numpy's ``max`` and ``argmax`` (``min`` and ``argmin``) of ``done[:, cols]`` along the rows, without gathering
    the columns: the time is NaN where one of them is, and the position the first of the extreme (or NaN) times.
    """
    time = np.empty(done.shape[0])
    pick = np.empty(done.shape[0], dtype=np.int64)
    _decisive(np.ascontiguousarray(done, dtype=float), cols, latest, time, pick)
    return time, pick


@compiled(nogil=True)
def _decisive(done, cols, latest, time, pick):  # pragma: no cover - compiled
    for r in range(done.shape[0]):
        best, at = done[r, cols[0]], 0
        if best == best:
            for q in range(1, len(cols)):
                v = done[r, cols[q]]
                if v != v:
                    best, at = v, q
                    break
                if (v > best) if latest else (v < best):
                    best, at = v, q
        time[r], pick[r] = best, at


def resolved(scenario: Scenario, times: np.ndarray, deadlines: np.ndarray) -> tuple[list[str], list[str]]:
    """Per target, whether the facts known on the status date resolve it: (status, observed date).

    Nothing that is not reported done can be done by the status date (the engines' floor), so a target whose
    event time is at or before the end of ``as_of`` in every replication is a fact: ``met`` if that time is by
    its deadline, ``missed`` if later (done late, on the date given). A target whose deadline has passed by
    ``as_of`` without it in any replication is ``missed`` (no date: not done), and so is a target that an
    abandoned commitment makes impossible. Everything else is ``open``.
    Without a status date, the start plays its part (facts observed before it). Indicator targets and targets
    on metric gates depend on money and production: ``open``, except a target on a fund's committed or
    disbursed money observed by a status fact (``status.money``), which the anchored curve resolves from the
    observed day on: ``met`` (dated that day) when it holds by then in every replication, ``missed`` when its
    deadline is no later and it holds by the deadline in none.

    Parameters
    ----------
    times : numpy.ndarray
        ``(replications, targets)`` event times, days since the start (:func:`target_times`).
    deadlines : numpy.ndarray
        Per target, the deadline in days since the start (:func:`sim.calendar.deadline_time`).
    """
    as_of = scenario.status.as_of_days if scenario.status is not None else 0.0
    modelled = _modelled_by(scenario)
    doomed = _doomed_by(scenario)
    observed = _observed_money(scenario)
    status, dates = [], []
    for k, t in enumerate(scenario.targets):
        col = times[:, k] if times.size else np.zeros(0)
        at = observed.get(t.members[0]) if t.kind == "indicator" else None
        if doomed(t):
            state, date = "missed", ""  # abandoned: it will not be done
        elif at is not None and len(col) and np.all(col <= at) and np.all(col <= deadlines[k]):
            state, date = "met", str(cal.date_of(at - 1, scenario.start) or "")  # observed by that day's end
        elif at is not None and len(col) and deadlines[k] <= at and np.all(col > deadlines[k]):
            state, date = "missed", ""
        elif modelled(t) or not len(col):
            state, date = "open", ""
        elif np.all(col <= as_of) and np.all(col == col[0]):
            state = "met" if col[0] <= deadlines[k] else "missed"
            day = cal.date_of(float(col[0]), scenario.start)
            date = day.isoformat() if day else ""
        elif deadlines[k] <= as_of and np.all(col > deadlines[k]):
            state, date = "missed", ""
        else:
            state, date = "open", ""
        status.append(state)
        dates.append(date)
    return status, dates


def _observed_money(scenario: Scenario) -> dict[str, float]:
    """Fund observables with observed money: name → end of the observed day (days), from which it is a fact."""
    if scenario.status is None:
        return {}
    return {f"{a.fund}.{a.kind}{share}": a.at for a in scenario.status.money for share in ("", "_share")}


def _modelled_by(scenario: Scenario):
    """Whether money or production (not facts) decide a target: indicators and metric gates in it."""
    gates = {m.id for m in scenario.milestones if m.when is not None}
    by_id = {t.id: t for t in scenario.targets if t.kind != "milestone"}

    def modelled(t: Target) -> bool:
        return t.kind == "indicator" or any(m in gates or (m in by_id and modelled(by_id[m])) for m in t.members)

    return modelled


def unreachable_milestones(scenario: Scenario) -> set[str]:
    """Milestones that can never be done: abandoned ones, and those that fewer than k of their dependencies reach."""
    dropped = {m.id for m in scenario.milestones if m.abandoned is not None}
    changed = bool(dropped)
    while changed:
        changed = False
        for m in scenario.milestones:
            if m.id not in dropped and m.done_on is None and m.after.ids and \
                    sum(d not in dropped for d in m.after.ids) < m.after.k:
                dropped.add(m.id)
                changed = True
    return dropped


def _doomed_by(scenario: Scenario):
    """Whether an abandoned commitment (not replaced for it) makes a target impossible."""
    dropped = unreachable_milestones(scenario)
    by_id = {t.id: t for t in scenario.targets if t.kind != "milestone"}

    def member_doomed(member: str) -> bool:
        t = by_id.get(member)
        if t is None:
            return member in dropped
        if t.kind == "indicator":
            return False
        return (any if t.kind == "all_of" else all)(member_doomed(m) for m in t.members)

    def doomed(t: Target) -> bool:
        return t.members[0] in dropped if t.kind == "milestone" else member_doomed(t.id)

    return doomed


__all__ = ["decisive_member", "resolved", "target_times", "unreachable_milestones"]
