"""The validated, immutable model of a scenario. No I/O here: :mod:`sim.load` builds these from files.

Times are stored in days since 00:00 of ``start`` (see :mod:`sim.calendar`); dates are kept beside them
for reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from . import names
from .distributions import Bernoulli, Distribution, Fixed, Uniform


@dataclass(frozen=True)
class Dependency:
    """What a milestone waits for: ``k`` of the milestones ``ids`` (``all``: k = len, ``any``: k = 1)."""

    mode: str  # "all" | "any" | "k"
    ids: tuple[str, ...]
    k: int

    @classmethod
    def none(cls) -> Dependency:
        """No dependency: ready at the start."""
        return cls("all", (), 0)


@dataclass(frozen=True)
class Milestone:
    """A dated commitment or intermediate step: waits for its dependencies, then for its duration (days)."""

    id: str
    title: str
    section: str = "other"
    kind: str = ""
    tags: tuple[str, ...] = ()
    roadmap_id: str = ""
    deadline: dt.date | None = None
    deadline_text: str = ""
    after: Dependency = field(default_factory=Dependency.none)
    duration: Distribution | None = None  # None: no duration (done when ready); days
    done_on: dt.date | None = None  # observed actual: conditions the model instead of sampling
    abandoned: dt.date | None = None  # a status fact: dropped on that date, never done (docs/status-date.md)
    committed_on: dt.date | None = None  # a status fact: its money was committed that day (docs/status-date.md)
    source: str = ""
    line: int = 0
    scale: float = 1.0  # from `scale` shocks: multiplies the duration
    funding: tuple[Funding, ...] = ()  # money it needs committed before its duration runs (a programme)
    orders: tuple[Order, ...] = ()  # placed after its duration; done when all are delivered
    priority: float = 0.0  # of its orders on the lines: higher first
    when: tuple[str, float] | None = None  # done when this observable first reaches this value (a metric gate)
    constraint: str = ""  # the hard constraint that forces its target's probability to 0 or 1, stated for outputs


@dataclass(frozen=True)
class Order:
    """Units a milestone orders from a production line."""

    line: str
    quantity: Distribution


@dataclass(frozen=True)
class Line:
    """A production line: claimed capacity ramping to a target after a trigger, realised and net of exports.

    Capacities in units per year, times in days; ``ramp`` is ``((days after first output, share of the added
    capacity), ...)`` starting implicitly at (0, 0).
    """

    id: str
    title: str
    unit: str
    capacity: Distribution
    target_capacity: Distribution | None = None
    trigger: str | None = None
    first_output: Distribution | None = None
    ramp: tuple[tuple[float, float], ...] = ()
    realisation: Distribution | None = None
    export_share: float = 0.0
    source: str = ""
    workforce: tuple[str, float] | None = None  # (line, workers): the ramp also waits for that many trained


@dataclass(frozen=True)
class Capability:
    """A priority capability area: a gap (1 = all of it) closed by deliveries and completed milestones."""

    id: str
    title: str
    per_unit: tuple[tuple[str, float], ...]  # (line or ordering milestone, share of the gap closed per unit delivered)
    per_milestone: tuple[tuple[str, float], ...]  # (milestone, share closed when done)
    source: str = ""


@dataclass(frozen=True)
class Funding:
    """Money a programme draws from one pool: ``amount`` (€ bn)."""

    pool: str  # "fund" or "fund/beneficiary"
    amount: Distribution


@dataclass(frozen=True)
class Fund:
    """A source of money: an envelope split into pools, or an exogenous spending flow.

    Envelope funds have ``envelope`` (€ bn) and ``pools`` (beneficiary → share of the envelope; a fund without
    beneficiaries has one pool named like the fund). Spending flows have ``spending_rate`` (€ bn/yr at start)
    and ``spending_growth`` (per year) and no pools.
    """

    id: str
    title: str
    envelope: Distribution | None = None
    pools: tuple[tuple[str, float], ...] = ()  # (pool id, share of envelope)
    opens: str | None = None  # milestone id
    commit_by: float = float("inf")  # days: no commitment after this time
    available_from: float = 0.0  # days: no commitment (and no inflow accrual) before this time
    commit_by_text: str = ""
    prefinancing: float = 0.0
    payment_lag: Distribution | None = None  # days
    inflow: float | None = None  # € bn per year, accrued from opening
    spending_rate: float | None = None
    spending_growth: Distribution | None = None
    source: str = ""

    @property
    def is_flow(self) -> bool:
        """Whether this is an exogenous spending flow (no envelope, no pools)."""
        return self.spending_rate is not None


@dataclass(frozen=True)
class Indicator:
    """A ratio of weighted sums of observables, optionally of their change over a trailing window (days)."""

    id: str
    title: str
    numerator: tuple[tuple[str, Distribution], ...]
    denominator: tuple[tuple[str, Distribution], ...]
    trailing: float | None = None
    source: str = ""


@dataclass(frozen=True)
class Driver:
    """A shared factor multiplying the durations of every milestone tagged with one of ``applies_to``."""

    id: str
    title: str
    factor: Distribution
    applies_to: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class Risk:
    """A discrete event: occurs with ``probability`` (in ``window`` if given) and delays ``affects``.

    One delay (days) is drawn per occurrence and applies to every affected milestone not done at the time.
    ``window`` is ``(from_days, to_days)`` already clipped to the simulated span, or ``None`` (day 0).
    """

    id: str
    title: str
    probability: float
    delay: Distribution
    affects: tuple[str, ...]  # resolved milestone ids
    window: tuple[float, float] | None = None
    window_text: str = ""
    source: str = ""
    freeze: tuple[str, ...] = ()  # pools frozen for `delay` days after it occurs
    cut: tuple[str, ...] = ()  # pools whose uncommitted envelope is cut by `cut_share` when it occurs
    cut_share: Distribution | None = None
    capacity_cut: tuple[str, ...] = ()  # lines whose capacity is cut by `capacity_share` for `delay` days
    capacity_share: Distribution | None = None


@dataclass(frozen=True)
class Correlation:
    """A Spearman rank correlation between two named inputs."""

    between: tuple[str, str]
    rank: float
    source: str = ""


@dataclass(frozen=True)
class Shift:
    """A ``delay`` shock: postpones the completion of ``affects`` by one drawn ``delay`` (days).

    The shift is applied after the milestone's duration and risk delays, and risks do not hit a milestone
    while it is being shifted, so a shift of d days on a milestone moves its date by exactly d.
    """

    name: str  # input name, "shock:<index>:delay"
    delay: Distribution
    affects: tuple[str, ...]


@dataclass(frozen=True)
class Shock:
    """A change against the scenario a child extends, as written (for reports)."""

    kind: str  # "delay" | "scale" | "risk"
    description: str
    source: str = ""


class Freeze(NamedTuple):
    """No commitment from ``pool`` between the days ``start`` and ``end`` (a freeze shock)."""

    pool: str
    start: float  # days since the start
    end: float


class CapacityFactor(NamedTuple):
    """``line``'s capacity multiplied by ``factor`` between the days ``start`` and ``end`` (a capacity shock)."""

    line: str
    factor: float
    start: float  # days since the start
    end: float


@dataclass(frozen=True)
class Target:
    """A question: when does a condition first hold, and does it hold by ``deadline``.

    ``kind`` is ``milestone`` (one milestone done), ``all_of`` (latest of ``members``), ``any_of``
    (earliest) or ``indicator`` (when the observable or indicator ``members[0]`` first reaches
    ``threshold``; with ``at_deadline``, since when it has held without a break up to the deadline).
    Members are milestone or target ids.
    """

    id: str
    title: str
    kind: str
    members: tuple[str, ...]
    deadline: dt.date
    deadline_text: str
    section: str = "other"
    threshold: float | None = None
    roadmap_id: str = ""
    at_deadline: bool = False  # indicator targets: the value must hold at the deadline, not just be reached by it
    constraint: str = ""  # the hard constraint that forces a probability of exactly 0 or 1 ("needs ≥ 6.7 months …")


@dataclass(frozen=True)
class Fact:
    """One observed fact of a status section, as written (for reports and the assumption register).

    ``kind`` is ``done`` (a milestone done on ``date``), ``not-done`` (a milestone known not done by
    ``as_of``), ``committed`` (a programme's money committed on ``date``), ``abandoned`` (dropped on ``date``;
    ``replaced_by`` names the milestone its dependants wait for instead, if any), ``occurred`` (a risk occurred on
    ``date``), ``not-occurred`` (a risk that had not occurred by ``as_of``) or ``money`` (``id`` is an observable
    ``FUND.committed`` or ``FUND.disbursed``, ``amount`` its € bn by the end of ``date``).
    """

    kind: str
    id: str
    date: dt.date | None
    source: str
    line: int = 0
    replaced_by: str = ""
    amount: float = 0.0  # € bn, for a money fact


@dataclass(frozen=True)
class MoneyFact:
    """Money of a fund observed by the end of a day: an anchor of its curve (docs/status-date.md).

    ``fund`` is the fund's id, ``kind`` ``committed`` or ``disbursed``, ``amount`` € bn, ``at`` the end of the
    observed day in simulated days (``(date − start) + 1``).
    """

    fund: str
    kind: str
    amount: float
    at: float


@dataclass(frozen=True)
class Status:
    """What was known on the status date ``as_of`` (docs/status-date.md).

    Every milestone not reported done is not done by the end of ``as_of`` (the scheduling convention).

    Attributes
    ----------
    as_of : datetime.date
        The status date.
    as_of_days : float
        End of the ``as_of`` day in simulated days (``(as_of − start) + 1``): "by as_of" means ≤ this.
    facts : tuple of Fact
        Every fact, in file order.
    elapsed : tuple of (str, float)
        Milestones under way at ``as_of``: (id, days of work done by then, before drivers and scales are
        undone per replication), for conditioning their durations.
    risks_occurred : tuple of (str, float)
        (risk id, day it occurred).
    risks_not_occurred : tuple of str
        Risks that had not occurred by ``as_of``.
    money : tuple of MoneyFact
        Observed committed or disbursed money of funds: anchors of their curves.
    """

    as_of: dt.date
    as_of_days: float
    facts: tuple[Fact, ...] = ()
    elapsed: tuple[tuple[str, float], ...] = ()
    risks_occurred: tuple[tuple[str, float], ...] = ()
    risks_not_occurred: tuple[str, ...] = ()
    money: tuple[MoneyFact, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario."""

    title: str
    start: dt.date
    horizon: dt.date  # last simulated day
    milestones: tuple[Milestone, ...]
    targets: tuple[Target, ...]
    drivers: tuple[Driver, ...] = ()
    risks: tuple[Risk, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    shifts: tuple[Shift, ...] = ()
    shocks: tuple[Shock, ...] = ()
    funds: tuple[Fund, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    freezes: tuple[Freeze, ...] = ()  # from freeze shocks
    lines: tuple[Line, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    capacity_factors: tuple[CapacityFactor, ...] = ()  # from capacity shocks
    description: str = ""
    seed: int | None = None
    status: Status | None = None  # a forecast as of a status date (docs/status-date.md)
    path: str = ""
    sha256: str = ""

    @property
    def horizon_days(self) -> float:
        """Simulated time (days) at the end of the horizon's last day."""
        return float((self.horizon - self.start).days + 1)

    def milestone(self, milestone_id: str) -> Milestone:
        """The milestone with id ``milestone_id``."""
        return next(m for m in self.milestones if m.id == milestone_id)

    def inputs(self) -> list[tuple[str, Distribution]]:
        """Every uncertain input ``(name, distribution)``; see :func:`uncertain_inputs`."""
        return uncertain_inputs(self.milestones, self.drivers, self.risks, self.shifts, self.funds, self.indicators,
                                self.lines)

    @property
    def pools(self) -> tuple[str, ...]:
        """Every pool id, fund by fund."""
        return tuple(p for f in self.funds for p, _ in f.pools)

    def observables(self) -> tuple[str, ...]:
        """Names of every fund observable (``FUND.committed`` …) and indicator."""
        return names.observables([(f.id, f.is_flow) for f in self.funds], [line.id for line in self.lines],
                                 [m.id for m in self.milestones if m.orders], [c.id for c in self.capabilities],
                                 [i.id for i in self.indicators])


def uncertain_inputs(milestones, drivers=(), risks=(), shifts=(), funds=(), indicators=(),
                     lines=()) -> list[tuple[str, Distribution]]:
    """Every uncertain input ``(name, distribution)`` of a scenario, in a fixed documented order.

    Names: ``driver:ID``, ``milestone:ID:duration``, ``risk:ID:occurs|delay|time|cut``, ``shock:N:delay``,
    ``fund:ID:envelope|growth``, ``funding:MILESTONE:POOL:amount|lag``, ``indicator:ID:numerator|denominator:OBS``,
    ``line:ID:capacity|target|first_output|realisation``, ``order:MILESTONE:LINE:quantity``,
    ``risk:ID:capacity_cut``.
    Fixed quantities are not inputs.
    """
    out: list[tuple[str, Distribution]] = [(names.driver(d.id), d.factor) for d in drivers]
    out += [(names.duration(m.id), m.duration) for m in milestones
            if m.done_on is None and m.duration is not None and not isinstance(m.duration, Fixed)]
    for r in risks:
        out += [(names.risk(r.id, "occurs"), Bernoulli(r.probability)), (names.risk(r.id, "delay"), r.delay)]
        if r.window:
            out.append((names.risk(r.id, "time"), Uniform(*r.window)))
        if r.cut and not isinstance(r.cut_share, Fixed):
            out.append((names.risk(r.id, "cut"), r.cut_share))
    out += [(s.name, s.delay) for s in shifts if not isinstance(s.delay, Fixed)]
    for f in funds:
        if f.is_flow:
            if not isinstance(f.spending_growth, Fixed):
                out.append((names.fund(f.id, "growth"), f.spending_growth))
        elif not isinstance(f.envelope, Fixed):
            out.append((names.fund(f.id, "envelope"), f.envelope))
    lag_of = {p: f.payment_lag for f in funds for p, _ in f.pools}
    for m in milestones:
        for part in m.funding:
            if not isinstance(part.amount, Fixed):
                out.append((names.funding(m.id, part.pool, "amount"), part.amount))
            lag = lag_of.get(part.pool)
            if lag is not None and not isinstance(lag, Fixed):
                out.append((names.funding(m.id, part.pool, "lag"), lag))
    for ind in indicators:
        for role, weights in (("numerator", ind.numerator), ("denominator", ind.denominator)):
            out += [(names.indicator_weight(ind.id, role, name), w) for name, w in weights if not isinstance(w, Fixed)]
    for line in lines:
        for key, dist in (("capacity", line.capacity), ("target", line.target_capacity),
                          ("first_output", line.first_output), ("realisation", line.realisation)):
            if dist is not None and not isinstance(dist, Fixed):
                out.append((names.line(line.id, key), dist))
    out += [(names.order(m.id, o.line), o.quantity) for m in milestones for o in m.orders
            if not isinstance(o.quantity, Fixed)]
    out += [(names.risk(r.id, "capacity_cut"), r.capacity_share) for r in risks
            if r.capacity_cut and not isinstance(r.capacity_share, Fixed)]
    return out
