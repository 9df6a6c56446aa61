"""Validation of the ``drivers`` section: shared factors that scale the durations of tagged milestones."""

from __future__ import annotations

import numpy as np

from ..errors import did_you_mean
from ..scenario import Driver
from .checks import Checker, needs_source

DRIVER_KEYS = ("title", "factor", "applies_to", "source")


def driver(driver_id: str, raw: dict, check: Checker, tags_in_use: set[str]) -> Driver | None:
    """One shared factor, or None when it has problems (recorded in ``check``)."""
    path = ("drivers", driver_id)
    check.unknown_keys(raw, DRIVER_KEYS, path, "a driver")
    factor = check.distribution(raw.get("factor"), path + ("factor",), duration=False) if "factor" in raw else None
    if "factor" not in raw:
        check.add(path, "missing 'factor'; expected a distribution such as {pert: {min: 0.9, mode: 1, max: 1.5}}")
    if factor is not None and float(factor.ppf(np.array([0.0]))[0]) < 0:
        check.add(path + ("factor",), "a duration factor cannot be negative")
    tags = check.str_list(raw.get("applies_to"), path + ("applies_to",), "tags")
    if not tags:
        check.add(path + ("applies_to",), "missing; expected the list of milestone tags this driver scales")
    for i, tag in enumerate(tags):
        if tag not in tags_in_use:
            check.add(path + ("applies_to", i), f"no milestone has the tag '{tag}'{did_you_mean(tag, tags_in_use)}")
    source = needs_source(raw, path, check, "driver")
    if factor is None or not tags:
        return None
    return Driver(driver_id, check.text(raw.get("title"), path + ("title",), default=driver_id), factor, tuple(tags), source)
