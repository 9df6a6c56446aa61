"""``readiness validate``: check scenario files, every problem of every file at once."""

from __future__ import annotations

import sys

from ..errors import ScenarioError
from ..load import load_with_warnings
from .common import EXIT_OK, EXIT_USAGE, expand_shipped, print_problems, shipped_or_given


def command(args) -> int:
    """Check each of ``args.scenarios``; exit 0 when all are valid, 2 otherwise."""
    status = EXIT_OK
    for path in expand_shipped(args.scenarios):
        try:
            scenario, warnings = load_with_warnings(shipped_or_given(path))
        except ScenarioError as exc:  # reported here, not by the boundary: the next file is still checked
            print_problems(exc)
            status = EXIT_USAGE
            continue
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{path}: valid — {len(scenario.milestones)} milestones, {len(scenario.targets)} targets, "
              f"{len(scenario.risks)} risks, {len(scenario.drivers)} drivers"
              f"{f', {len(warnings)} warnings' if warnings else ''}")
    return status
