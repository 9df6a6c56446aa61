"""Validation of the ``milestones`` section: the network of commitments, their dependencies and metric gates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

from .. import calendar as cal
from ..distributions import Fixed
from ..errors import Path_, did_you_mean
from ..scenario import Dependency, Milestone
from ..shocks import milestone_ids
from . import money, production
from .checks import Checker, needs_source, plain

KINDS = ("political", "legislative", "financial", "industrial", "operational")
MILESTONE_KEYS = ("title", "section", "kind", "tags", "roadmap_id", "deadline", "after", "duration", "status",
                  "funding", "orders", "priority", "when", "source", "constraint")


def tags_in_use(raw_milestones: dict) -> set[str]:
    """Every tag the milestones as written carry."""
    return {t for m in raw_milestones.values()
            for t in (m["tags"] if isinstance(m.get("tags"), list) else [m.get("tags")]) if isinstance(t, str)}


def selected(raw: dict, path_of: Callable[..., Path_], check: Checker, milestones: list[Milestone],
             tags: set[str]) -> list[str]:
    """Milestone ids named by ``{milestones: [ids], tags: [tags]}`` (a risk's ``affects``, a shock's selector).

    Unknown ids and tags are reported at ``path_of("milestones", i)`` / ``path_of("tags", i)``; the rest select
    milestones as :func:`sim.shocks.milestone_ids` does.
    """
    known = [m.id for m in milestones]
    ids = check.str_list(raw.get("milestones"), path_of("milestones"), "milestone ids")
    for i, mid in enumerate(ids):
        if mid not in known:
            check.add(path_of("milestones", i), f"unknown milestone '{mid}'{did_you_mean(mid, known)}")
    named_tags = check.str_list(raw.get("tags"), path_of("tags"), "tags")
    for i, tag in enumerate(named_tags):
        if tag not in tags:
            check.add(path_of("tags", i), f"no milestone has the tag '{tag}'{did_you_mean(tag, tags)}")
    return milestone_ids(milestones, ids, named_tags)


def dependency(raw, path, check, known, itself: str = "") -> Dependency:
    """A milestone's ``after``: a list (all of), ``{all: [...]}``, ``{any: [...]}`` or ``{k: K, of: [...]}``."""
    if raw is None:
        return Dependency.none()
    mode, k = "all", None
    if isinstance(raw, dict):
        keys = set(raw)
        if keys == {"all"}:
            ids = raw["all"]
            path = path + ("all",)
        elif keys == {"any"}:
            mode, ids = "any", raw["any"]
            path = path + ("any",)
        elif keys == {"k", "of"}:
            mode, ids, k = "k", raw["of"], raw["k"]
        else:
            check.add(path, f"found keys {', '.join(map(str, raw))}; expected a list, {{all: [...]}}, {{any: [...]}} "
                            "or {k: 2, of: [...]}")
            return Dependency.none()
    else:
        ids = raw
    id_path = path + ("of",) if mode == "k" else path
    ids = check.str_list(ids, id_path, "milestone ids")
    good = []
    for i, dep in enumerate(ids):
        if dep == itself:
            check.add(id_path + (i,), f"'{itself}' cannot wait for itself")
        elif dep not in known:
            check.add(id_path + (i,), f"unknown milestone '{dep}'{did_you_mean(dep, [k for k in known if k != itself])}")
        elif dep in good:
            check.add(id_path + (i,), f"'{dep}' is listed twice")
        else:
            good.append(dep)
    if mode == "k":
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= max(len(ids), 1):
            check.add(path + ("k",), f"found {k!r}; expected a whole number from 1 to {len(ids)} (the number listed in 'of')")
            k = len(good)
        return Dependency("k", tuple(good), min(k, len(good)))
    if mode == "any" and not good:
        return Dependency.none()
    return Dependency(mode, tuple(good), len(good) if mode == "all" else 1)


_STATUS = re.compile(r"^done on (\S+)$")


def milestone(milestone_id, raw, check, start, known, pools=(), line_ids=()) -> Milestone:
    """One milestone (returned even with problems, so that references to it do not cascade into more errors)."""
    path = ("milestones", milestone_id)
    check.unknown_keys(raw, MILESTONE_KEYS, path, "a milestone")
    title = check.text(raw.get("title"), path + ("title",), required=True, default=milestone_id)
    kind = raw.get("kind", "")
    if kind and kind not in KINDS:
        check.add(path + ("kind",), f"found {kind!r}; expected one of {', '.join(KINDS)}{did_you_mean(kind, KINDS)}")
    deadline = check.period(raw["deadline"], path + ("deadline",)) if raw.get("deadline") is not None else None
    if "deadline" in raw and raw["deadline"] is None:
        check.add(path + ("deadline",), f"is empty; remove it or give a date ({cal.DATE_FORMS})")
    done_on = None
    if "status" in raw:
        status = raw["status"]
        m = _STATUS.match(status.strip()) if isinstance(status, str) else None
        if not m:
            check.add(path + ("status",), f"found {status!r}; expected 'done on YYYY-MM-DD'")
        else:
            # Only YYYY-MM-DD: date.fromisoformat also takes 20250319 and 2025-W12-3, which the grammar does not.
            try:
                if not re.match(r"^\d{4}-\d{2}-\d{2}$", m[1]):
                    raise ValueError
                done_on = dt.date.fromisoformat(m[1])
            except ValueError:
                check.add(path + ("status",), f"found '{m[1]}'; expected an ISO date such as 2025-10-16 after 'done on'")
    duration = None
    if "duration" in raw:
        duration = check.distribution(raw["duration"], path + ("duration",), duration=True)
    after = dependency(raw.get("after"), path + ("after",), check, known, itself=milestone_id)
    funding = money.funding(raw["funding"], path + ("funding",), check, pools) if "funding" in raw else ()
    orders = production.orders(raw["orders"], path + ("orders",), check, line_ids) if "orders" in raw else ()
    priority = 0.0
    if "priority" in raw:
        try:
            priority = plain(raw["priority"])
        except ValueError as exc:
            check.add(path + ("priority",), str(exc))
    uncertain = (duration is not None and not isinstance(duration, Fixed) or "funding" in raw or "orders" in raw) \
        and done_on is None
    if uncertain or done_on:
        source = needs_source(raw, path, check, "milestone")
    else:
        source = check.text(raw.get("source"), path + ("source",)) if "source" in raw else ""
    return Milestone(
        id=milestone_id,
        title=title,
        section=check.text(raw.get("section"), path + ("section",), default="other"),
        kind=kind if kind in KINDS else "",
        tags=tuple(check.str_list(raw.get("tags"), path + ("tags",), "tags")),
        roadmap_id=check.text(raw.get("roadmap_id"), path + ("roadmap_id",)) if "roadmap_id" in raw else "",
        deadline=deadline.last if deadline else None,
        deadline_text=str(deadline) if deadline else "",
        after=after,
        duration=duration,
        done_on=done_on,
        source=source,
        line=check.where(path)[1],
        funding=funding,
        orders=orders,
        priority=priority,
        constraint=check.text(raw.get("constraint"), path + ("constraint",)) if "constraint" in raw else "",
    )


def check_cycles(milestones: list[Milestone], check: Checker) -> None:
    """Report every dependency cycle once, written in the direction work flows."""
    graph = {m.id: [d for d in m.after.ids] for m in milestones if m.done_on is None}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = finished
    reported: set[frozenset] = set()

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    # Written in the direction work flows: each milestone before the one that waits for it.
                    loop = list(reversed(cycle))
                    check.add(("milestones", nxt, "after"), "dependency cycle: " + " → ".join(loop + [loop[0]]))
            elif nxt in graph and state.get(nxt) is None:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


def metric_gates(milestones, raw_milestones, observables, fund_list, line_list, check: Checker):
    """``when: {indicator: NAME, at_least: V}``: a milestone done when a metric first reaches a value.

    Its date comes from the flows after the run, so nothing may wait for it (it ends a chain).
    """
    waited_for = {d: m.id for m in milestones for d in m.after.ids}
    waited_for |= {f.opens: f"fund {f.id}" for f in fund_list if f.opens}
    waited_for |= {line.trigger: f"line {line.id}" for line in line_list if line.trigger}
    out = []
    for m in milestones:
        raw = raw_milestones.get(m.id, {}).get("when")
        if raw is None:
            out.append(m)
            continue
        path = ("milestones", m.id, "when")
        if not isinstance(raw, dict) or set(raw) != {"indicator", "at_least"}:
            check.add(path, f"found {raw!r}; expected {{indicator: OBSERVABLE, at_least: VALUE}}")
            out.append(m)
            continue
        name = raw["indicator"]
        if name not in observables:
            check.add(path + ("indicator",), f"unknown observable or indicator {name!r}{did_you_mean(name, observables)}")
        try:
            value = plain(raw["at_least"])
        except ValueError as exc:
            check.add(path + ("at_least",), str(exc))
            value = None
        for key in ("after", "duration", "funding", "orders", "status"):
            if key in raw_milestones[m.id]:
                check.add(("milestones", m.id, key), f"a milestone with 'when' is done when its metric is reached; "
                                                     f"'{key}' does not apply")
        if m.id in waited_for:
            check.add(path, f"'{waited_for[m.id]}' waits for this metric-gated milestone; a metric gate can only "
                            "end a chain (its date is known after the run)")
        out.append(dataclasses.replace(m, when=(name, value)) if name in observables and value is not None else m)
    return out
