"""Reading, merging and validating a scenario file into a :class:`~sim.scenario.Scenario`: the loader's entry points.

Every problem in a file is collected and reported at once, each as ``file:line: key.path: message`` where the
message says what was found and what is allowed. The scenario is built without its shocks first; the shocks
are then applied by the pure functions of :mod:`sim.shocks`, as sweeps apply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import names
from ..errors import Problem, ScenarioError
from ..scenario import Capability, Driver, Fund, Indicator, Line, Milestone, Risk, Scenario, Status, uncertain_inputs
from . import money, production, shocks, status, targets
from .checks import Checker
from .correlations import correlations
from .drivers import driver
from .extends import read_merged
from .header import TOP_KEYS, Header, header, section, shape
from .milestones import check_cycles, metric_gates, milestone, tags_in_use
from .risks import risk


def load(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Raises
    ------
    ScenarioError
        With every problem found, each naming file, line and key path.
    """
    return load_with_warnings(path)[0]


def load_with_warnings(path: str | Path) -> tuple[Scenario, list[Problem]]:
    """Like :func:`load`, also returning warnings (e.g. uncertain numbers without a ``source``)."""
    path = Path(path)
    problems: list[Problem] = []
    merged = read_merged(path, problems)
    if merged.data is None:
        raise ScenarioError(problems)
    check = Checker(str(path), merged.locs, problems)
    scenario = build(merged.data, check, str(path), merged.sha256)
    if problems:
        raise ScenarioError(problems)
    return scenario, check.warnings


@dataclass
class Elements:
    """The validated elements of a scenario before shocks, correlations and targets."""

    raw_milestones: dict
    tags: set[str]
    milestones: list[Milestone]
    drivers: list[Driver]
    funds: list[Fund]
    lines: list[Line]
    capabilities: list[Capability]
    risks: list[Risk]
    indicators: list[Indicator]
    status: Status | None

    @property
    def line_ids(self) -> list[str]:
        """Ids of the production lines."""
        return [line.id for line in self.lines]


def build(data: dict, check: Checker, path: str = "", sha256: str = "") -> Scenario:
    """The scenario ``data`` (merged, as read) describes; its problems go to ``check``.

    Raises
    ------
    ScenarioError
        At once when a section has the wrong shape (every reference into it would look unknown).
    """
    check.unknown_keys(data, tuple(TOP_KEYS), (), "the scenario")
    if not shape(data, check) or not status.status_raw_ok(data.get("status"), check):
        # A section of the wrong shape would make every reference into it look unknown (a list of funds gave
        # 57 follow-on lines); report the shape alone, and the rest once it is fixed.
        raise ScenarioError(check.problems)
    head = header(data, check)
    parts = _elements(data, check, head)
    valid_shocks = shocks.shocks(data.get("shocks"), check, shocks.Context(
        parts.milestones, parts.risks, parts.tags, parts.funds, parts.line_ids, head.start, head.horizon_days))
    correlation_list = _correlations(data, check, parts)
    observables = targets.observable_names(parts.funds, parts.line_ids, parts.milestones, parts.capabilities,
                                           parts.indicators)
    targets.check_namespace(parts.funds, parts.line_ids, parts.milestones, parts.capabilities, parts.indicators, check)
    milestones = metric_gates(parts.milestones, section(data, "milestones", check), observables, parts.funds,
                              parts.lines, check)
    target_list = targets.targets(section(data, "targets", check), milestones, check, head.start, observables)
    scenario = Scenario(
        title=head.title, description=head.description, start=head.start, horizon=head.horizon or head.start,
        seed=head.seed, status=parts.status, milestones=tuple(milestones), drivers=tuple(parts.drivers),
        risks=tuple(parts.risks), correlations=tuple(correlation_list), funds=tuple(parts.funds),
        indicators=tuple(parts.indicators), lines=tuple(parts.lines), capabilities=tuple(parts.capabilities),
        targets=tuple(target_list), path=path, sha256=sha256)
    scenario = shocks.apply(scenario, valid_shocks)
    status.warn_overdue(scenario.status, list(scenario.milestones), list(scenario.drivers), check)
    return scenario


def _elements(data: dict, check: Checker, head: Header) -> Elements:
    """Milestones, drivers, funds, lines, capability areas, risks, indicators and the status facts."""
    raw_milestones = section(data, "milestones", check)
    if "milestones" not in data or (not raw_milestones and not check.problems):
        check.add(("milestones",), "missing; a scenario needs at least one milestone")
    tags = tags_in_use(raw_milestones)
    drivers = [driver(i, d, check, tags) for i, d in section(data, "drivers", check).items()]
    fund_list = money.funds(section(data, "funds", check), check, head.start, list(raw_milestones))
    pools = [p for f in fund_list for p, _ in f.pools if not f.is_flow]
    line_list = production.lines(section(data, "lines", check), check, list(raw_milestones))
    line_ids = [line.id for line in line_list]
    milestones = [milestone(i, m, check, head.start, raw_milestones, pools, line_ids) for i, m in raw_milestones.items()]
    check_cycles(milestones, check)
    # Status facts mark milestones done before the risks are built: a milestone done is never delayed.
    raw_risks = data["risks"] if isinstance(data.get("risks"), dict) else {}
    gated = frozenset(i for i, m in raw_milestones.items() if "when" in m)
    raw_status = {} if "status" in data and data["status"] is None else data.get("status")  # empty: lacks as_of
    milestones, facts = status.apply_status(raw_status, check, head.start, head.horizon_days, milestones, raw_risks,
                                            gated, fund_list)
    capability_list = production.capabilities(section(data, "capabilities", check), check, line_ids,
                                              list(raw_milestones), [m.id for m in milestones if m.orders])
    risks = [risk(i, r, check, head.start, head.horizon_days, milestones, tags, fund_list, line_ids)
             for i, r in section(data, "risks", check).items()]
    valid_risks = [r for r in risks if r]
    status.check_risk_facts(facts, valid_risks, check, head.start)
    indicator_list = money.indicators(section(data, "indicators", check), check, fund_list)
    return Elements(raw_milestones, tags, milestones, [d for d in drivers if d], fund_list, line_list,
                    capability_list, valid_risks, indicator_list, facts)


def _correlations(data: dict, check: Checker, parts: Elements) -> list:
    """The rank correlations, checked against the scenario's uncertain inputs."""
    # Shock inputs are not offered for correlation: shocks are deliberate changes, not uncertainty.
    inputs = {name for name, _ in uncertain_inputs(parts.milestones, parts.drivers, parts.risks, (), parts.funds,
                                                   parts.indicators, parts.lines)}
    # A duration replaced by a status fact is no input any more: correlations with it are dropped, not errors
    # (docs/status-date.md), so a status file can report any milestone of its parent done.
    retired = {names.duration(f.id) for f in parts.status.facts if f.kind == "done"} if parts.status else set()
    return [c for c in correlations(data.get("correlations"), check, inputs | retired) if not set(c.between) & retired]
