"""Validation of the production part of a scenario: lines, orders, capability areas and capacity cuts.

Capacities are units per year, quantities units, times days since start.
"""

from __future__ import annotations

from . import calendar as cal
from .checks import Checker, needs_source
from .distributions import Fixed
from .distributions import plain as _plain
from .errors import did_you_mean
from .scenario import Capability, Line, Order

LINE_KEYS = ("title", "unit", "capacity", "target_capacity", "trigger", "first_output", "ramp", "realisation",
             "export_share", "workforce", "source")


def lines(raw_lines: dict, check: Checker, milestone_ids) -> list[Line]:
    """Validate the ``lines`` section."""
    out = [_line(lid, raw, check, milestone_ids) for lid, raw in raw_lines.items()]
    by_id = {line.id: line for line in out}
    for line in out:
        if line.workforce is None:
            continue
        path = ("lines", line.id, "workforce", "line")
        other = line.workforce[0]
        if other not in by_id:
            check.add(path, f"unknown line {other!r}{did_you_mean(other, list(by_id))}")
        elif other == line.id or by_id[other].workforce is not None:
            check.add(path, f"'{other}' cannot train this line's workers: a workforce line must not need a workforce itself")
    return out


def _nonnegative(dist, path, check, what, raw=None):
    if dist is not None and float(dist.ppf([0.0])[0]) < 0:
        check.add(path, f"found {raw!r}; {what} cannot be negative" if raw is not None else f"{what} cannot be negative")
        return None
    return dist


def _line(lid, raw, check: Checker, milestone_ids) -> Line:
    path = ("lines", lid)
    check.unknown_keys(raw, LINE_KEYS, path, "a production line")
    title = check.text(raw.get("title"), path + ("title",), required=True, default=lid)
    unit = check.text(raw.get("unit"), path + ("unit",), default="units")
    source = needs_source(raw, path, check, "line")
    capacity = None
    if "capacity" not in raw:
        check.add(path, "missing 'capacity'; expected the claimed capacity at the start in units per year")
    else:
        capacity = _nonnegative(check.distribution(raw["capacity"], path + ("capacity",), duration=False),
                                path + ("capacity",), check, "a capacity", raw["capacity"])
    target = None
    if "target_capacity" in raw:
        target = _nonnegative(check.distribution(raw["target_capacity"], path + ("target_capacity",), duration=False),
                              path + ("target_capacity",), check, "a capacity", raw["target_capacity"])
    trigger = raw.get("trigger")
    if trigger is not None and trigger not in milestone_ids:
        check.add(path + ("trigger",), f"unknown milestone {trigger!r}{did_you_mean(trigger, milestone_ids)}")
        trigger = None
    first_output = check.distribution(raw["first_output"], path + ("first_output",), duration=True) if "first_output" in raw else None
    ramp: tuple = ()
    if "ramp" in raw:
        ramp = _ramp(raw["ramp"], path + ("ramp",), check)
    elif target is not None:
        check.add(path, "missing 'ramp'; a line with target_capacity needs "
                        "ramp: {after: [1 year, 2 years], share: [0.4, 1.0]}")
    if target is None and ("ramp" in raw or "first_output" in raw or "trigger" in raw):
        check.add(path, "ramp, first_output and trigger need a target_capacity to ramp to")
    realisation = None
    if "realisation" in raw:
        realisation = check.distribution(raw["realisation"], path + ("realisation",), duration=False)
        if realisation is not None and not (0 <= float(realisation.ppf([0.0])[0]) and float(realisation.ppf([1 - 1e-12])[0]) <= 1.5):
            check.add(path + ("realisation",), "a realisation factor is real output over claimed capacity, between 0 and 1.5")
            realisation = None
    export = 0.0
    if "export_share" in raw:
        try:
            export = _plain(raw["export_share"])
            if not 0 <= export < 1:
                raise ValueError(f"found {export}; expected a share 0 ≤ s < 1")
        except ValueError as exc:
            check.add(path + ("export_share",), str(exc))
            export = 0.0
    workforce = None
    if "workforce" in raw:
        body = raw["workforce"]
        if not isinstance(body, dict) or set(body) != {"line", "workers"}:
            check.add(path + ("workforce",), f"found {body!r}; expected {{line: TRAINING_LINE, workers: NUMBER}}")
        elif target is None:
            check.add(path + ("workforce",), "a workforce need applies to the ramp: it needs a target_capacity")
        else:
            try:
                workers = _plain(body["workers"])
                if workers <= 0:
                    raise ValueError(f"found {workers}; expected a number of workers > 0")
                workforce = (str(body["line"]), workers)
            except ValueError as exc:
                check.add(path + ("workforce", "workers"), str(exc))
    return Line(lid, title, unit, capacity or Fixed(0.0), target, trigger, first_output, ramp, realisation, export,
                source, workforce)


def _ramp(raw, path, check: Checker) -> tuple:
    if not isinstance(raw, dict) or set(raw) != {"after", "share"}:
        check.add(path, f"found {raw!r}; expected {{after: [durations], share: [shares of the added capacity]}}")
        return ()
    after, share = raw["after"], raw["share"]
    if not isinstance(after, list) or not isinstance(share, list) or len(after) != len(share) or not after:
        check.add(path, "after and share must be lists of the same, non-zero length")
        return ()
    points = []
    for i, (a, s) in enumerate(zip(after, share)):
        try:
            days = cal.parse_duration(a)
        except cal.CalendarError as exc:
            check.add(path + ("after", i), str(exc))
            return ()
        try:
            x = _plain(s)
        except ValueError as exc:
            check.add(path + ("share", i), str(exc))
            return ()
        points.append((days, x))
    times = [0.0] + [p[0] for p in points]
    if any(b <= a for a, b in zip(times, times[1:])):
        check.add(path + ("after",), "times after first output must increase and be > 0")
        return ()
    shares = [0.0] + [p[1] for p in points]
    if any(b < a for a, b in zip(shares, shares[1:])) or shares[-1] > 1 or shares[-1] <= 0:
        check.add(path + ("share",), "shares must not decrease, and must end between 0 (excluded) and 1")
        return ()
    return tuple(points)


def orders(raw, path, check: Checker, line_ids) -> tuple[Order, ...]:
    """A milestone's ``orders``: line → quantity (units)."""
    if not isinstance(raw, dict) or not raw:
        check.add(path, f"found {raw!r}; expected a mapping of line → units, e.g. {{shells-155: 2000000}}")
        return ()
    out = []
    for line, quantity in raw.items():
        if line not in line_ids:
            check.add(path + (line,), f"unknown line '{line}'{did_you_mean(line, line_ids) or ' (lines are declared under lines:)'}")
            continue
        dist = _nonnegative(check.distribution(quantity, path + (line,), duration=False), path + (line,), check,
                            "a quantity", quantity)
        if dist is not None:
            out.append(Order(line, dist))
    return tuple(out)


def capabilities(raw_caps: dict, check: Checker, line_ids, milestone_ids, ordering_ids=()) -> list[Capability]:
    """Validate ``capabilities``: areas whose gap deliveries and milestones close."""
    out = []
    for cid, raw in raw_caps.items():
        path = ("capabilities", cid)
        check.unknown_keys(raw, ("title", "closed_by", "source"), path, "a capability area")
        title = check.text(raw.get("title"), path + ("title",), required=True, default=cid)
        source = needs_source(raw, path, check, "capability area")
        body = raw.get("closed_by")
        if not isinstance(body, dict) or not body or not set(body) <= {"deliveries", "milestones"}:
            check.add(path + ("closed_by",), f"found {body!r}; expected {{deliveries: {{line: share per unit}}, milestones: {{id: share}}}}")
            continue
        per_unit = _shares(body.get("deliveries", {}), path + ("closed_by", "deliveries"), check,
                           list(line_ids) + list(ordering_ids), "line or ordering milestone")
        per_milestone = _shares(body.get("milestones", {}), path + ("closed_by", "milestones"), check, milestone_ids, "milestone")
        out.append(Capability(cid, title, per_unit, per_milestone, source))
    return out


def _shares(raw, path, check: Checker, known, what) -> tuple:
    if not isinstance(raw, dict):
        check.add(path, f"found {raw!r}; expected a mapping of {what} → share of the gap")
        return ()
    out = []
    for key, value in raw.items():
        if key not in known:
            check.add(path + (key,), f"unknown {what} '{key}'{did_you_mean(key, known)}")
            continue
        try:
            x = _plain(value)
            if x < 0:
                raise ValueError(f"found {x}; a share of the gap cannot be negative")
        except ValueError as exc:
            check.add(path + (key,), str(exc))
            continue
        out.append((key, x))
    return tuple(out)


def risk_capacity(raw, path, check: Checker, line_ids):
    """A risk's ``capacity_cut: {lines: [...], share: DIST}``; returns (lines, share)."""
    if "capacity_cut" not in raw:
        return (), None
    body = raw["capacity_cut"]
    if not isinstance(body, dict) or set(body) != {"lines", "share"}:
        check.add(path + ("capacity_cut",), f"found {body!r}; expected {{lines: [lines], share: a share or a distribution}}")
        return (), None
    names = body["lines"] if isinstance(body["lines"], list) else [body["lines"]]
    good = []
    for i, name in enumerate(names):
        if name not in line_ids:
            check.add(path + ("capacity_cut", "lines", i), f"unknown line {name!r}{did_you_mean(name, line_ids)}")
        else:
            good.append(name)
    share = check.distribution(body["share"], path + ("capacity_cut", "share"), duration=False)
    if share is not None and not (0 <= float(share.ppf([0.0])[0]) and float(share.ppf([1 - 1e-12])[0]) <= 1):
        check.add(path + ("capacity_cut", "share"), "a capacity cut is a share between 0 and 1")
        share = None
    return tuple(good), share
