"""``readiness compare``: scenarios against a base, paired by common random numbers."""

from __future__ import annotations

from .common import load_all


def command(args) -> int:
    """Run the base and the others with the same seed; print and write the paired differences."""
    from ..analysis import compare

    scenarios = load_all([args.base, *args.others])
    comparison = compare(scenarios[0], scenarios[1:], n=args.iterations, seed=args.seed, jobs=args.jobs,
                         engine=args.engine, executor=args.executor, progress=False if args.no_progress else None)
    path = comparison.save(args.out)
    print(comparison.summary(rows=args.rows))
    print(f"\nAll targets: {path}")
    return 0
