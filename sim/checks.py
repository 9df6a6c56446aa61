"""Problems found in scenario files, and the checker that collects them with their file, line and key path."""

from __future__ import annotations

import re

from . import calendar as cal
from .distributions import SpecError, from_spec
from .distributions import plain as _plain
from .errors import Path_, Problem, did_you_mean, format_path

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
ID_RULE = "letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters"


class Checker:
    """Collects problems with their locations while building the scenario."""

    def __init__(self, file: str, locs: dict, problems: list[Problem]):
        self.file, self.locs, self.problems = file, locs, problems
        self.warnings: list[Problem] = []

    def where(self, path: Path_) -> tuple[str, int]:
        for n in range(len(path), -1, -1):
            if path[:n] in self.locs:
                return self.locs[path[:n]]
        return self.file, 0

    def add(self, path: Path_, message: str) -> None:
        file, line = self.where(path)
        self.problems.append(Problem(file, line, format_path(path), message))

    def warn(self, path: Path_, message: str) -> None:
        file, line = self.where(path)
        self.warnings.append(Problem(file, line, format_path(path), message))

    def unknown_keys(self, mapping: dict, allowed, path: Path_, what: str) -> None:
        for key in mapping:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"; allowed: {', '.join(allowed)}"
                self.add(path + (key,), f"unknown key '{key}' in {what}{hint}")

    def text(self, value, path: Path_, required: bool = False, default: str = "") -> str:
        if value is None:
            if required:
                self.add(path, "missing; expected text")
            return default
        if not isinstance(value, str) or not value.strip():
            self.add(path, f"found {value!r}; expected non-empty text")
            return default
        return value.strip()

    def period(self, value, path: Path_) -> cal.Period | None:
        if value is None:
            self.add(path, f"missing; expected a date ({cal.DATE_FORMS})")
            return None
        try:
            return cal.parse_period(value)
        except cal.CalendarError as exc:
            self.add(path, str(exc))
            return None

    def str_list(self, value, path: Path_, what: str) -> list[str]:
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
        number = duration_number if duration else plain_number
        try:
            return from_spec(spec, number, duration)
        except SpecError as exc:
            for sub, message in exc.problems:
                parts = tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", sub) if p)
                self.add(path + parts, message)
            return None


def duration_number(value, unit):
    if unit is not None:
        if not isinstance(unit, str):
            raise ValueError(f"found unit {unit!r}; expected one of {', '.join(cal.UNITS)}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return cal.to_days(_plain(value), unit)  # the same checks as a plain number and '3 months'
            except cal.CalendarError as exc:
                raise ValueError(str(exc)) from None
    try:
        return cal.parse_duration(value)
    except cal.CalendarError as exc:
        raise ValueError(str(exc)) from None


def plain_number(value, unit):
    if unit is not None:
        raise ValueError(f"found unit '{unit}'; this quantity is a plain number without a unit")
    return _plain(value)


def needs_source(element: dict, path: Path_, check: Checker, what: str) -> str:
    source = check.text(element.get("source"), path + ("source",)) if "source" in element else ""
    if not source:
        check.warn(path, f"{what} has no 'source'; every number in a shipped scenario needs one "
                         "(a calibration line, a roadmap section, or 'assumption: why')")
    return source


