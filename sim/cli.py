"""The ``readiness`` command: a thin layer over the library. User mistakes exit with code 2 and no traceback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DESCRIPTION = """\
readiness-sim estimates how likely the EU is to meet each milestone and target of its Defence Readiness
Roadmap 2030, by running a scenario file many times with sampled durations, risks and shared drivers.

Start with:
  readiness list                                   shipped scenarios
  readiness run scenarios/baseline.yaml            run one; prints a table, writes results/baseline/
  readiness validate my-scenario.yaml              check a scenario file, every problem at once
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found '{text}'; expected a whole number ≥ 1") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"found {value}; expected a whole number ≥ 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found '{text}'; expected a whole number ≥ 0") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"found {value}; expected a whole number ≥ 0")
    return value


def _precision(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"found '{text}'; expected a half-width such as 0.01") from None
    if not 0 < value < 0.5:
        raise argparse.ArgumentTypeError(f"found {value}; expected a half-width between 0 and 0.5, e.g. 0.01")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="readiness", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"readiness-sim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario and write its results",
                         description="Run SCENARIO as a Monte Carlo experiment, print the targets table and write "
                                     "targets.csv, milestones.csv, run.json and per-replication outcomes to --out.")
    run.add_argument("scenario", metavar="SCENARIO", help="scenario file (YAML)")
    run.add_argument("-n", "--iterations", type=_positive_int, default=None,
                     help="replications (default 2000; with --precision, the maximum, default 100000)")
    run.add_argument("--seed", type=_seed, default=None, help="root seed (default: the scenario's, else 20251016)")
    run.add_argument("--jobs", "-j", type=_positive_int, default=1,
                     help="worker processes (default 1); results are identical for any number")
    run.add_argument("--out", metavar="DIR", default=None,
                     help="results directory (default results/<scenario name>); replaced atomically")
    run.add_argument("--precision", type=_precision, default=None, metavar="HALF_WIDTH",
                     help="stop when every target probability's 95%% interval half-width is at most this, e.g. 0.01")
    run.add_argument("--lhs", action="store_true", help="Latin hypercube sampling (fixed number of replications)")
    run.add_argument("--charts", action="store_true", help="also write PNG charts into the results directory")
    run.add_argument("--trace", type=int, metavar="N", default=None,
                     help="instead of a run, replay replication N and print its events")
    run.add_argument("--no-progress", action="store_true", help="never show the progress bar")

    validate = sub.add_parser("validate", help="check scenario files and list every problem",
                              description="Check scenario files: every problem is printed as file:line: key.path: "
                                          "message. Exit code 0 when all are valid, 2 otherwise.")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO")

    lister = sub.add_parser("list", help="list the shipped scenarios with their titles")
    lister.add_argument("--dir", default="scenarios", help="folder to search (default ./scenarios)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return EXIT_USAGE
    try:
        return {"run": _run, "validate": _validate, "list": _list}[args.command](args)
    except BrokenPipeError:  # e.g. piped into `head`
        return 0


def _print_problems(error) -> None:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    count = len(error.problems)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was run.", file=sys.stderr)


def _run(args) -> int:
    from .load import ScenarioError, load
    from .runner import RunInterrupted, run, trace

    try:
        scenario = load(args.scenario)
    except ScenarioError as exc:
        _print_problems(exc)
        return EXIT_USAGE

    if args.trace is not None:
        if args.trace < 0:
            print(f"readiness: --trace: found {args.trace}; expected a replication number ≥ 0", file=sys.stderr)
            return EXIT_USAGE
        for e in trace(scenario, args.trace, seed=args.seed):
            print(f"{e['time']:9.2f}  {e['date'] or 'after horizon':>10}  {e['event']:<8} {e['id']:<32} {e['detail']}")
        return 0

    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    if out.exists() and not out.is_dir():
        print(f"readiness: --out: '{out}' is a file; expected a directory to write results into", file=sys.stderr)
        return EXIT_USAGE
    if args.lhs and args.precision is not None:
        print("readiness: --lhs needs a fixed number of replications; use it without --precision", file=sys.stderr)
        return EXIT_USAGE
    n = args.iterations or (100_000 if args.precision else 2000)
    try:
        results = run(scenario, n=n, seed=args.seed, jobs=args.jobs, precision=args.precision, lhs=args.lhs,
                      progress=False if args.no_progress else None)
    except RunInterrupted as exc:
        print(f"readiness: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED

    extra = None
    if args.charts:
        from .charts import write_charts

        def extra(directory: Path) -> None:
            write_charts(results, directory)

    try:
        results.save(out, extra=extra)
    except KeyboardInterrupt:
        print("readiness: interrupted while writing; no results were written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"readiness: cannot write results to '{out}': {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(results.summary())
    if results.meta.get("correlations_repaired"):
        print("\nNote: the correlation matrix was not valid and was repaired to the nearest valid one.")
    if args.precision is not None:
        print(f"\nStopped after {results.n} replications: largest 95% half-width "
              f"{results.meta['max_half_width']:.4f} (asked ≤ {args.precision}).")
    print(f"\nResults written to {out}/ (targets.csv, milestones.csv, run.json, outcomes.csv.gz, inputs.csv.gz"
          f"{', charts' if args.charts else ''}) in {results.meta['wall_time_s']:.1f} s.")
    return 0


def _validate(args) -> int:
    from .load import ScenarioError, load_with_warnings

    status = 0
    for path in args.scenarios:
        try:
            scenario, warnings = load_with_warnings(path)
        except ScenarioError as exc:
            _print_problems(exc)
            status = EXIT_USAGE
            continue
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        targets = len(scenario.targets)
        print(f"{path}: valid — {len(scenario.milestones)} milestones, {targets} targets, "
              f"{len(scenario.risks)} risks, {len(scenario.drivers)} drivers"
              f"{f', {len(warnings)} warnings' if warnings else ''}")
    return status


def _list(args) -> int:
    import yaml

    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"readiness: no folder '{folder}'; run from the project folder or pass --dir", file=sys.stderr)
        return EXIT_USAGE
    for path in sorted(folder.rglob("*.yaml")):
        try:
            with path.open(encoding="utf-8") as fh:
                data = yaml.safe_load(fh)
            title = data.get("title", "") if isinstance(data, dict) else ""
        except (yaml.YAMLError, OSError):
            title = "(unreadable)"
        print(f"{str(path):<48} {title}")
    return 0
