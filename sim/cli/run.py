"""``readiness run``: run a scenario, print the targets table, write the results folder."""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .common import Interrupted, UsageError, check_targets, load_one, say

STARTED = "sampling and simulating"  # the start of the line said on stderr when the simulation starts


def command(args) -> int:
    """Run ``args.scenario`` (or replay one replication with ``--trace``)."""
    scenario = load_one(args.scenario)
    if args.trace is not None:
        return _trace(scenario, args)
    joint_groups = _options(args, scenario)
    out = _out(args)
    if args.lhs and args.precision is not None:
        raise UsageError("--lhs needs a fixed number of replications; use it without --precision")
    n = args.iterations or (100_000 if args.precision else 2000)
    stage = _stages(show_timings=sys.stderr.isatty() and not args.no_progress)
    # Always said (a single line, not a progress bar): a caller, or a test, knows that the simulation runs.
    stage(f"{STARTED} up to {n:,} replications ({args.engine} engine)", always=True)
    with _spool(args, out, n) as spool:
        results = _simulate(scenario, args, n, spool)  # on a machine's first run, compiles ahead (sim.precompile)
        _save(results, out, args, stage)
    stage("done")
    _print_summary(results, out, args, joint_groups)
    return 0


def _trace(scenario, args) -> int:
    from ..runner import trace

    if args.trace < 0:
        raise UsageError(f"--trace: found {args.trace}; expected a replication number ≥ 0")
    for e in trace(scenario, args.trace, seed=args.seed):
        print(f"{e['time']:9.2f}  {e['date'] or 'after horizon':>10}  {e['event']:<8} {e['id']:<32} {e['detail']}")
    return 0


def _norm(section: str) -> str:
    return str(section).lower().replace("-", " ").replace("_", " ").strip()


def _options(args, scenario) -> list[list[str]]:
    """Check --joint and --section against the scenario; the --joint groups."""
    joint_groups = [[t.strip() for t in group.split(",") if t.strip()] for group in args.joint or []]
    for group in joint_groups:
        check_targets("--joint", group, scenario)
    sections = list(dict.fromkeys(t.section or "other" for t in scenario.targets))
    if args.section is not None and _norm(args.section) not in {_norm(s) for s in sections}:
        raise UsageError(f"--section: found '{args.section}'; this scenario's sections are {', '.join(sections)}")
    return joint_groups


def _out(args) -> Path:
    """The results folder, checked before a run of minutes: never one this program did not write."""
    from ..results import OutError, check_out

    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    try:
        check_out(out)
    except OutError as exc:
        raise UsageError(f"--out: {exc}") from None
    except OSError as exc:
        raise UsageError(f"--out: cannot write results to '{out}': {exc.strerror or exc}") from None
    return out


def _stages(show_timings: bool) -> Callable[..., None]:
    """A function saying what the command does on stderr.

    On a terminal with the time since the start; otherwise only the lines asked for ``always``.
    """
    began = time.perf_counter()

    def stage(what: str, always: bool = False) -> None:
        if show_timings:
            say(f"[{time.perf_counter() - began:6.1f} s] {what}")
        elif always:
            say(what)

    return stage


def _simulate(scenario, args, n: int, spool: Path | None):
    from ..runner import run

    return run(scenario, n=n, seed=args.seed, jobs=args.jobs, precision=args.precision, lhs=args.lhs,
               engine=args.engine, executor=args.executor, progress=False if args.no_progress else None,
               keep_outcomes=getattr(args, "keep_outcomes", None), spool=spool)


@contextlib.contextmanager
def _spool(args, out: Path, n: int) -> Iterator[Path | None]:
    """A hidden folder beside ``out`` for every replication's outcomes, written in chunks during the run.

    Only with --keep-outcomes beyond the replications kept in memory; removed afterwards, whatever happens.
    """
    from ..results.streaming import SUBSAMPLE

    if not getattr(args, "keep_outcomes", None) or n <= SUBSAMPLE:
        yield None
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.spool-", dir=out.parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _save(results, out: Path, args, stage) -> None:
    from ..results import OutError

    def extra(directory: Path):
        if not args.charts:
            return None
        from ..charts import charts_written

        return charts_written(results, directory)  # drawn by other processes while the tables are written

    stage("analysis: drivers of every target and the assumption register; writing the results"
          + (" and the charts" if args.charts else ""))
    try:
        results.save(out, extra=extra)
    except KeyboardInterrupt:
        raise Interrupted("interrupted while writing; no results were written") from None
    except OSError as exc:
        raise UsageError(f"cannot write results to '{out}': "
                         f"{exc if isinstance(exc, OutError) else exc.strerror or exc}") from None


def _print_summary(results, out: Path, args, joint_groups: list[list[str]]) -> None:
    from ..analysis import joint_probability
    from ..tables import run_table

    print(run_table(results, rows=args.rows, section=args.section, sort=args.sort))
    if not results.funding.empty:
        print("\n" + results.funding_summary())
    for group in joint_groups:
        p, low, high = joint_probability(results, group)
        print(f"\nAll of {', '.join(group)} met, each by its own deadline: {p:.0%} (95% interval {low:.0%}–{high:.0%})")
    if results.meta.get("correlations_repaired"):
        print("\nNote: the correlation matrix was not valid and was repaired to the nearest valid one.")
    if args.precision is not None:
        print(f"\nStopped after {results.n} replications: largest 95% half-width "
              f"{results.meta['max_half_width']:.4f} (asked ≤ {args.precision}).")
    money = "".join(f", {name}" for name, table in (("series.csv", results.series), ("funding.csv", results.funding),
                                                    ("bottlenecks.csv", results.bottlenecks)) if not table.empty)
    kept = results.meta.get("kept_replications") if results.spool is None else None  # a spool wrote every one
    first = f" of the first {kept:,} replications" if kept else ""
    print(f"\n{results.n:,} replications simulated in {results.meta['wall_time_s']:.1f} s. Results written to {out}/ "
          f"(targets.csv, milestones.csv, criticality.csv, drivers.csv, assumptions.csv{money}, run.json, "
          f"outcomes.csv.gz, inputs.csv.gz{first}{', charts' if args.charts else ''}).")
