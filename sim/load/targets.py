"""Validation of the ``targets`` section, and the names of observables that targets and metric gates refer to.

Every milestone with a deadline is a target too.
"""

from __future__ import annotations

from .. import names
from ..errors import did_you_mean
from ..scenario import Target
from .checks import Checker, plain

TARGET_KEYS = ("title", "milestone", "all_of", "any_of", "indicator", "at_least", "holds", "deadline", "section",
               "roadmap_id", "constraint")


def observable_names(fund_list, line_ids, milestones, capability_list, indicator_list) -> list[str]:
    """Names of every observable (``FUND.committed``, ``LINE.output`` …) and indicator, as targets refer to them."""
    return list(names.observables([(f.id, f.is_flow) for f in fund_list], line_ids, [m.id for m in milestones if m.orders],
                                  [c.id for c in capability_list], [i.id for i in indicator_list]))


def targets(raw_targets, milestones, check, start, observables=()) -> list[Target]:
    """The targets of the milestones with a deadline, then those of the ``targets`` section."""
    targets = [Target(m.id, m.title, "milestone", (m.id,), m.deadline, m.deadline_text, m.section, roadmap_id=m.roadmap_id,
                      constraint=m.constraint)
               for m in milestones if m.deadline is not None]
    milestone_ids = {m.id for m in milestones}
    known = milestone_ids | set(raw_targets)
    explicit = []
    for target_id, raw in raw_targets.items():
        path = ("targets", target_id)
        check.unknown_keys(raw, TARGET_KEYS, path, "a target")
        if target_id in milestone_ids:
            check.add(path, f"'{target_id}' is already the target of milestone '{target_id}'; choose another id")
            continue
        kinds = [k for k in ("milestone", "all_of", "any_of", "indicator") if k in raw]
        if len(kinds) != 1:
            check.add(path, f"found {', '.join(kinds) or 'none'}; expected exactly one of milestone, all_of, any_of, indicator")
            continue
        kind = kinds[0]
        threshold = None
        if kind == "indicator":
            name = raw["indicator"]
            members = [name] if isinstance(name, str) else []
            if not members or name not in observables:
                check.add(path + ("indicator",), f"unknown observable or indicator {name!r}{did_you_mean(name, observables)}")
                continue
            try:
                threshold = plain(raw.get("at_least"))
            except ValueError as exc:
                check.add(path + ("at_least",),
                          f"{exc}" if "at_least" in raw else "missing; expected the value to reach, e.g. at_least: 0.5")
                continue
        elif "at_least" in raw:
            check.add(path + ("at_least",), "only indicator targets take at_least")
        holds = raw.get("holds", "reached")
        if holds not in ("reached", "at-deadline"):
            check.add(path + ("holds",), f"found {holds!r}; expected 'reached' (first reaches the value by the "
                                         "deadline, the default) or 'at-deadline' (is at least the value on the deadline)")
        elif holds == "at-deadline" and kind != "indicator":
            check.add(path + ("holds",), "only indicator targets take holds")
        if kind == "indicator":
            pass
        elif kind == "milestone":
            members = [raw["milestone"]] if isinstance(raw["milestone"], str) else []
            if not members or members[0] not in milestone_ids:
                check.add(path + ("milestone",),
                          f"unknown milestone {raw['milestone']!r}{did_you_mean(raw['milestone'], milestone_ids)}")
                continue
        else:
            members = check.str_list(raw[kind], path + (kind,), "milestone or target ids")
            for i, member in enumerate(members):
                if member not in known:
                    check.add(path + (kind, i), f"unknown milestone or target '{member}'{did_you_mean(member, known)}")
            if not members:
                check.add(path + (kind,), "expected at least one milestone or target id")
        deadline = check.period(raw.get("deadline"), path + ("deadline",))
        title = check.text(raw.get("title"), path + ("title",), required=True, default=target_id)
        section = check.text(raw.get("section"), path + ("section",), default="combined")
        roadmap_id = check.text(raw.get("roadmap_id"), path + ("roadmap_id",)) if "roadmap_id" in raw else ""
        constraint = check.text(raw.get("constraint"), path + ("constraint",)) if "constraint" in raw else ""
        if deadline:
            explicit.append(Target(target_id, title, kind, tuple(members), deadline.last, str(deadline), section,
                                   threshold, roadmap_id, holds == "at-deadline", constraint))
    _check_target_cycles(explicit, check)
    return targets + explicit


def _check_target_cycles(targets: list[Target], check: Checker) -> None:
    graph = {t.id: list(t.members) for t in targets if t.kind in ("all_of", "any_of")}
    for t in targets:
        seen, frontier = set(), list(graph.get(t.id, ()))
        while frontier:
            node = frontier.pop()
            if node == t.id:
                check.add(("targets", t.id), f"target '{t.id}' depends on itself through its members")
                break
            if node not in seen:
                seen.add(node)
                frontier.extend(graph.get(node, ()))


def check_namespace(fund_list, line_ids, milestones, capability_list, indicator_list, check: Checker) -> None:
    """Observables are named ``ID.kind``: funds, lines, ordering milestones and areas must not share an id."""
    owners: dict[str, str] = {}
    for what, ids in (("fund", [f.id for f in fund_list]), ("line", line_ids),
                      ("milestone", [m.id for m in milestones if m.orders]),
                      ("capability area", [c.id for c in capability_list]),
                      ("indicator", [i.id for i in indicator_list])):
        for ident in ids:
            if ident in owners:
                section = {"fund": "funds", "line": "lines", "milestone": "milestones",
                           "capability area": "capabilities", "indicator": "indicators"}[what]
                check.add((section, ident), f"'{ident}' is already the id of a {owners[ident]}; "
                                            "observables are named by id, so ids must differ")
            owners[ident] = what
