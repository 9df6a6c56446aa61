"""The checker that collects problems of a scenario file with their file, line and key path.

Its checks are those of the kinds of value every section has: text, dates, lists, numbers with or without units,
distributions.
"""

from __future__ import annotations

import re

from .. import calendar as cal
from .. import distributions
from ..distributions import SpecError, from_spec
from ..errors import Path_, Problem, did_you_mean, format_path

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
ID_RULE = "letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters"


class Checker:
    """Collects problems with their locations while building the scenario."""

    def __init__(self, file: str, locs: dict, problems: list[Problem]):
        self.file, self.locs, self.problems = file, locs, problems
        self.warnings: list[Problem] = []

    def where(self, path: Path_) -> tuple[str, int]:
        """The file and line of ``path``, or of the nearest key above it that has one."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.locs:
                return self.locs[path[:n]]
        return self.file, 0

    def add(self, path: Path_, message: str) -> None:
        """Record a problem at ``path``."""
        file, line = self.where(path)
        self.problems.append(Problem(file, line, format_path(path), message))

    def warn(self, path: Path_, message: str) -> None:
        """Record a warning at ``path`` (the scenario is still usable)."""
        file, line = self.where(path)
        self.warnings.append(Problem(file, line, format_path(path), message))

    def unknown_keys(self, mapping: dict, allowed, path: Path_, what: str) -> None:
        """Report every key of ``mapping`` not in ``allowed``, with the closest allowed key."""
        for key in mapping:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"; allowed: {', '.join(allowed)}"
                self.add(path + (key,), f"unknown key '{key}' in {what}{hint}")

    def text(self, value, path: Path_, required: bool = False, default: str = "") -> str:
        """``value`` as stripped non-empty text, else ``default`` (a problem when it is not text, or missing and required)."""
        if value is None:
            if required:
                self.add(path, "missing; expected text")
            return default
        if not isinstance(value, str) or not value.strip():
            self.add(path, f"found {value!r}; expected non-empty text")
            return default
        return value.strip()

    def period(self, value, path: Path_) -> cal.Period | None:
        """``value`` as a calendar period (date, month, quarter …), or None after recording the problem."""
        if value is None:
            self.add(path, f"missing; expected a date ({cal.DATE_FORMS})")
            return None
        try:
            return cal.parse_period(value)
        except cal.CalendarError as exc:
            self.add(path, str(exc))
            return None

    def str_list(self, value, path: Path_, what: str) -> list[str]:
        """``value`` as a list of non-empty texts (one text is a list of one); bad items are reported and dropped."""
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add(path, f"found {value!r}; expected a list of {what}")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item:
                out.append(item)
            else:
                self.add(path + (i,), f"found {item!r}; expected {what[:-1] if what.endswith('s') else what}")
        return out

    def distribution(self, spec, path: Path_, duration: bool):
        """The distribution ``spec`` describes (days when ``duration``), or None after recording every problem."""
        number = duration_number if duration else plain_number
        try:
            return from_spec(spec, number, duration)
        except SpecError as exc:
            for sub, message in exc.problems:
                parts = tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", sub) if p)
                self.add(path + parts, message)
            return None


def plain(value: object) -> float:
    """A plain number (no unit), under the one range check of every number of a scenario.

    Raises
    ------
    ValueError
        For anything that is not a finite number of at most ``distributions.MAX_MAGNITUDE`` in size.
    """
    # The check lives in sim.distributions (which may not be changed in this restructuring) under a private name;
    # this is its one public door for the loader.
    return distributions.plain(value)


def kind_of(value: object) -> str:
    """How a wrong value is named in a message: its type and, when short, the value itself."""
    names = {"str": "text", "list": "a list", "dict": "a mapping", "int": "a number", "float": "a number",
             "bool": "true/false"}
    name = names.get(type(value).__name__, type(value).__name__)
    return f"{name} {value!r}" if isinstance(value, (str, int, float, bool)) else name


def duration_number(value, unit):
    """A duration in days: ``'3 months'``, or a number with ``unit``; raises ValueError saying what is expected."""
    if unit is not None:
        if not isinstance(unit, str):
            raise ValueError(f"found unit {unit!r}; expected one of {', '.join(cal.UNITS)}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return cal.to_days(plain(value), unit)  # the same checks as a plain number and '3 months'
            except cal.CalendarError as exc:
                raise ValueError(str(exc)) from None
    try:
        return cal.parse_duration(value)
    except cal.CalendarError as exc:
        raise ValueError(str(exc)) from None


def plain_number(value, unit):
    """A plain number (``unit`` must be None); raises ValueError saying what is expected."""
    if unit is not None:
        raise ValueError(f"found unit '{unit}'; this quantity is a plain number without a unit")
    return plain(value)


def needs_source(element: dict, path: Path_, check: Checker, what: str) -> str:
    """The element's ``source``; a warning when it has none (every number of a shipped scenario needs one)."""
    source = check.text(element.get("source"), path + ("source",)) if "source" in element else ""
    if not source:
        check.warn(path, f"{what} has no 'source'; every number in a shipped scenario needs one "
                         "(a calibration line, a roadmap section, or 'assumption: why')")
    return source
