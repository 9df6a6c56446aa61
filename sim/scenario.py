"""The validated, immutable model of a scenario. No I/O here: :mod:`sim.load` builds these from files.

Times are stored in days since 00:00 of ``start`` (see :mod:`sim.calendar`); dates are kept beside them
for reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .distributions import Distribution


@dataclass(frozen=True)
class Dependency:
    """What a milestone waits for: ``k`` of the milestones ``ids`` (``all``: k = len, ``any``: k = 1)."""

    mode: str  # "all" | "any" | "k"
    ids: tuple[str, ...]
    k: int

    @classmethod
    def none(cls) -> "Dependency":
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
    source: str = ""
    line: int = 0
    scale: float = 1.0  # from `scale` shocks: multiplies the duration


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


@dataclass(frozen=True)
class Target:
    """A question: when does a condition first hold, and does it hold by ``deadline``?

    ``kind`` is ``milestone`` (one milestone done), ``all_of`` (latest of ``members``) or ``any_of``
    (earliest). Members are milestone or target ids.
    """

    id: str
    title: str
    kind: str
    members: tuple[str, ...]
    deadline: dt.date
    deadline_text: str
    section: str = "other"


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
    description: str = ""
    seed: int | None = None
    path: str = ""
    sha256: str = ""

    @property
    def horizon_days(self) -> float:
        """Simulated time (days) at the end of the horizon's last day."""
        return float((self.horizon - self.start).days + 1)

    def milestone(self, milestone_id: str) -> Milestone:
        return next(m for m in self.milestones if m.id == milestone_id)
