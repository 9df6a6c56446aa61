"""``readiness score``: a past forecast against what happened."""

from __future__ import annotations

from pathlib import Path

from .common import UsageError, read_results


def command(args) -> int:
    """Score the forecast in ``args.results`` against ``args.outcomes``; print the summary, write the tables."""
    from .. import score

    results = read_results(Path(args.results), "RESULTS")
    try:
        per_target, summary, table = score.score(results, _outcomes(args))
    except score.OutcomesError as exc:
        raise UsageError(str(exc)) from None
    written = score.write(per_target, summary, table, args.out or args.results, chart=args.chart)
    print(score.format_summary(summary, len(per_target)))
    print(f"Written: {', '.join(str(p) for p in written)}")
    return 0


def _outcomes(args) -> list:
    """The observed outcomes: a file, or the resolved targets of a later status run (a results directory)."""
    from .. import score

    if not Path(args.outcomes).is_dir():
        return score.read_outcomes(args.outcomes)
    later = read_results(Path(args.outcomes), "OUTCOMES")
    outcomes = score.outcomes_from_results(later, args.outcomes)
    if not outcomes:
        raise UsageError(f"OUTCOMES: no target of '{args.outcomes}' is resolved (met or missed); run a status file "
                         "with facts, or give an outcomes file")
    return outcomes
