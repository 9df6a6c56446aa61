"""``readiness sweep``: target probabilities as a shock grows, with common random numbers at every step.

The sweep itself is :func:`sim.analysis.sweep`; writing its table (``sweep.csv``, the value column in the unit
typed) and the terminal table of the targets that move most are done here, as the command's presentation.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import calendar as cal
from ..atomic import write_atomic
from .common import UsageError, check_targets, load_one
from .parser import SWEEP_KINDS

_RANGE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*\.\.\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*$")
_EXAMPLES = {"delay": "edip-adopted=0..12months", "scale": "legislative=0.8..1.5", "cut": "safe=0..0.5",
             "capacity": "shells-155=0.5..1.2"}
_WHAT = {"delay": "{} delayed by", "scale": "durations of {} ×", "cut": "{} envelope cut by", "capacity": "capacity of {} ×"}
SHOWN = 6  # targets shown by default: those that move most


def parse_shock(text: str, kind: str) -> tuple[str, list[float], str]:
    """``subject=A..B[unit]`` → subject, [A, B] in model units (days for delays), the unit typed.

    Raises
    ------
    ValueError
        Saying what is expected, with an example.
    """
    subject, _, span = text.partition("=")
    m = _RANGE.match(span)
    if not subject or not m:
        raise ValueError(f"--{kind}: found '{text}'; expected SUBJECT=A..B, e.g. {_EXAMPLES[kind]}")
    low, high, unit = float(m[1]), float(m[2]), m[3]
    if kind == "delay":
        if not unit:
            raise ValueError(f"--delay: found '{span}' without a unit; expected e.g. 0..12months ({', '.join(cal.UNITS)})")
        try:
            factor = cal.unit_days(unit)
        except cal.CalendarError as exc:
            raise ValueError(f"--delay: {exc}") from None
        return subject, [low * factor, high * factor], unit
    if unit:
        raise ValueError(f"--{kind}: found unit '{unit}'; expected plain numbers, e.g. {subject or 'x'}=0.8..1.2")
    if kind == "cut" and not 0 <= low <= high <= 1:
        raise ValueError(f"--cut: found {low:g}..{high:g}; a cut is a share from 0 to 1, e.g. safe=0..0.5")
    return subject, [low, high], ""


def command(args) -> int:
    """Run the sweep, write ``sweep.csv`` into ``args.out`` and print the targets that move most."""
    import numpy as np

    from ..analysis import sweep
    from ..shocks import SWEEPS

    kind = next(k for k in SWEEP_KINDS if getattr(args, k))
    try:
        subject, (low, high), unit = parse_shock(getattr(args, kind), kind)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    scenario = load_one(args.scenario)
    try:
        SWEEPS[kind][0](scenario, subject)
    except ValueError as exc:
        raise UsageError(f"--{kind}: {exc}") from None
    check_targets("--target", args.target or [], scenario)
    values = list(np.linspace(low, high, args.steps))
    table = sweep(scenario, kind, subject, values, n=args.iterations, seed=args.seed, jobs=args.jobs,
                  engine=args.engine, executor=args.executor, progress=False if args.no_progress else None)
    if kind == "delay":
        table["value"] = table["value"] / cal.unit_days(unit)
    display = table.rename(columns={"value": {"delay": f"delay_{unit}", "cut": "cut_share"}.get(kind, "factor")})
    out = Path(args.out) / "sweep.csv"
    write_atomic(out, lambda tmp: display.to_csv(tmp, index=False, float_format="%.6g"))
    _print_table(table, kind, subject, unit, args)
    print(f"\nAll targets and intervals: {out}")
    return 0


def _print_table(table, kind: str, subject: str, unit: str, args) -> None:
    """Probability of each shown target at each step of the shock (values in the unit typed)."""
    wide = table.pivot(index="target", columns="value", values="p_met")
    moved = (wide.iloc[:, -1] - wide.iloc[:, 0]).abs().sort_values(ascending=False)
    chosen = args.target or list(moved[moved > 0].index[:SHOWN]) or list(moved.index[:3])
    titles = table.drop_duplicates("target").set_index("target")["title"]
    deadlines = table.drop_duplicates("target").set_index("target")["deadline"]
    what = _WHAT[kind].format(subject)
    head = f"{what:<56}" + "".join(f"{(f'{v:g} {unit}' if unit else f'{v:g}'):>11}" for v in wide.columns)
    print(f"Probability of meeting each target as the shock grows ({args.iterations} replications per step, "
          f"same random numbers at every step)\n")
    print(head)
    for target in chosen:
        title = titles[target] if len(titles[target]) <= 42 else titles[target][:41] + "…"
        label = f"{title} ({deadlines[target]})"
        print(f"{label:<56}" + "".join(f"{p:>11.0%}" for p in wide.loc[target]))
