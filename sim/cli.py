"""The ``readiness`` command: a thin layer over the library. User mistakes exit with code 2 and no traceback."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from . import __version__

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
ENGINES = ("fast", "simpy")  # as sim.engine.ENGINES (a test keeps them equal); literal so --help stays quick

DESCRIPTION = """\
readiness-sim estimates how likely the EU is to meet each milestone and target of its Defence Readiness
Roadmap 2030, by running a scenario file many times with sampled durations, risks and shared drivers.

Start with:
  readiness list                                   shipped scenarios
  readiness run scenarios/baseline.yaml            run one; prints a table, writes results/baseline/
  readiness validate my-scenario.yaml              check a scenario file, every problem at once
"""


def _number(cast, ok, expected: str):
    """An argparse type: ``cast`` the text, then check ``ok(value)``; the message says what is expected."""

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"found '{text}'; expected {expected}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"found {value}; expected {expected}")
        return value

    return parse


_positive_int = _number(int, lambda v: v >= 1, "a whole number ≥ 1")
_seed = _number(int, lambda v: v >= 0, "a whole number ≥ 0")
_precision = _number(float, lambda v: 0 < v < 0.5, "a half-width between 0 and 0.5, e.g. 0.01")


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
    run.add_argument("--engine", choices=ENGINES, default="fast",
                     help="fast (compiled, default) or simpy (the reference engine); results are identical")
    _dask_argument(run)
    run.add_argument("--out", metavar="DIR", default=None,
                     help="results directory (default results/<scenario name>); replaced atomically, and only if "
                          "readiness wrote it (other folders are refused, never deleted)")
    run.add_argument("--precision", type=_precision, default=None, metavar="HALF_WIDTH",
                     help="stop when every target probability's 95%% interval half-width is at most this, e.g. 0.01")
    run.add_argument("--lhs", action="store_true", help="Latin hypercube sampling (fixed number of replications)")
    run.add_argument("--charts", action="store_true", help="also write PNG charts into the results directory")
    run.add_argument("--trace", type=int, metavar="N", default=None,
                     help="instead of a run, replay replication N and print its events")
    run.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    run.add_argument("--rows", type=_positive_int, default=None, help="show at most this many targets in the table")
    run.add_argument("--section", default=None, help="show only the targets of this section (e.g. financing)")
    run.add_argument("--sort", choices=["section", "p", "deadline", "id"], default="section",
                     help="table order: by section, least likely first within it (default); p: least likely "
                          "first; deadline; id")
    run.add_argument("--joint", action="append", metavar="T1,T2,…", default=None,
                     help="also print the probability that all these targets are met, each by its own deadline "
                          "(repeatable), e.g. --joint eddi-fully-operational,efw-operational")

    validate = sub.add_parser("validate", help="check scenario files and list every problem",
                              description="Check scenario files: every problem is printed as file:line: key.path: "
                                          "message. Exit code 0 when all are valid, 2 otherwise.")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO")

    comp = sub.add_parser("compare", help="compare scenarios with the base, paired (common random numbers)",
                          description="Run BASE and each OTHER with the same seed and named random streams, so that "
                                      "replication i differs only by what the scenarios change, and report per target "
                                      "each probability and the paired difference with its 95%% interval. Writes "
                                      "compare.csv into --out.")
    comp.add_argument("base", metavar="BASE", help="the reference scenario, e.g. scenarios/baseline.yaml")
    comp.add_argument("others", nargs="+", metavar="OTHER", help="scenarios to compare with it")
    comp.add_argument("-n", "--iterations", type=_positive_int, default=2000, help="replications per scenario (default 2000)")
    comp.add_argument("--seed", type=_seed, default=None, help="one seed for all (default: the base scenario's)")
    comp.add_argument("--jobs", "-j", type=_positive_int, default=1, help="worker processes (default 1)")
    comp.add_argument("--engine", choices=ENGINES, default="fast",
                     help="fast (compiled, default) or simpy (the reference engine); results are identical")
    _dask_argument(comp)
    comp.add_argument("--out", metavar="DIR", default="results/compare", help="where compare.csv goes (default results/compare)")
    comp.add_argument("--rows", type=_positive_int, default=15, help="targets shown per scenario (default 15; all in the CSV)")
    comp.add_argument("--no-progress", action="store_true", help="never show the progress bar")

    sw = sub.add_parser("sweep", help="target probabilities as a shock grows: how much slack is there?",
                        description="Run SCENARIO once per step of a shock, with common random numbers, and show how "
                                    "target probabilities change. Examples:\n"
                                    "  readiness sweep scenarios/baseline.yaml --delay edip-adopted=0..12months\n"
                                    "  readiness sweep scenarios/baseline.yaml --scale legislative=0.8..1.6 --steps 5",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sw.add_argument("scenario", metavar="SCENARIO")
    shock = sw.add_mutually_exclusive_group(required=True)
    shock.add_argument("--delay", metavar="MILESTONE=A..Bunit", help="postpone a milestone (or a tag) by A to B, e.g. edip-adopted=0..12months")
    shock.add_argument("--scale", metavar="TAG=A..B", help="multiply durations of a milestone or tag by A to B, e.g. legislative=0.8..1.5")
    shock.add_argument("--cut", metavar="FUND=A..B", help="cut a fund's (or pool's) envelope by a share from A to B, e.g. safe=0..0.5")
    shock.add_argument("--capacity", metavar="LINE=A..B", help="multiply a production line's capacity by A to B, e.g. shells-155=0.5..1.2")
    sw.add_argument("--steps", type=_positive_int, default=7, help="number of values from A to B (default 7)")
    sw.add_argument("--target", action="append", default=None, metavar="TARGET",
                    help="target to show (repeatable; default: the 6 that move most)")
    sw.add_argument("-n", "--iterations", type=_positive_int, default=1000, help="replications per step (default 1000)")
    sw.add_argument("--seed", type=_seed, default=None)
    sw.add_argument("--jobs", "-j", type=_positive_int, default=1)
    sw.add_argument("--engine", choices=ENGINES, default="fast",
                     help="fast (compiled, default) or simpy (the reference engine); results are identical")
    _dask_argument(sw)
    sw.add_argument("--out", metavar="DIR", default="results/sweep", help="where sweep.csv goes (default results/sweep)")
    sw.add_argument("--no-progress", action="store_true", help="never show the progress bar")

    rep = sub.add_parser("report", help="build a briefing (PDF, PNG, HTML, Markdown or Excel) from a run or a scenario",
                         description="Build the briefing on A4 landscape pages: page one with the headline, the\n"
                                     "roadmap's headline targets and where action matters; then every target, the\n"
                                     "timeline, S-curves, tornado and fan charts, the comparison, and the assumptions\n"
                                     "with their sources. Given a scenario file it runs it first; given a results\n"
                                     "directory (from `readiness run`) it reads it. Examples:\n"
                                     "  readiness report scenarios/baseline.yaml --out briefing.pdf\n"
                                     "  readiness report results/baseline --format html --out briefing.html\n"
                                     "  readiness report results/baseline --format xlsx --out results.xlsx\n"
                                     "  readiness report scenarios/baseline.yaml --compare scenarios/delays/crm-shock.yaml",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    _report_arguments(rep, formats=sorted(set(REPORT_FORMATS.values())))

    export = sub.add_parser("export", help="write a run's results as an Excel workbook (.xlsx)",
                            description="Write targets, milestones, drivers, assumptions and series, with a README "
                                        "sheet (scenario, seed, N, conventions), as one .xlsx workbook. Example:\n"
                                        "  readiness export results/baseline --out baseline.xlsx",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    _report_arguments(export, formats=None)

    tg = sub.add_parser("targets", help="list a scenario's targets: ids, deadlines and titles",
                        description="List the targets of SCENARIO by section, with the ids that --joint, --target "
                                    "and report commands take.")
    tg.add_argument("scenario", metavar="SCENARIO", help="scenario file (YAML)")

    sens = sub.add_parser("sensitivity", help="global sensitivity (Sobol' or Morris): what decides each target",
                          description="Sobol' first-order and total indices (or Morris elementary effects), with 95 % "
                                      "bootstrap\nintervals, of every uncertain input or group of inputs on each "
                                      "target's met indicator\nand on its date, by SALib on the batch engine. Writes "
                                      "sensitivity.csv and sensitivity.png\n(total indices of the headline targets) "
                                      "into --out. Examples:\n"
                                      "  readiness sensitivity scenarios/baseline.yaml -n 64 --groups drivers,risks\n"
                                      "  readiness sensitivity scenarios/baseline.yaml --method morris -n 20",
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    sens.add_argument("scenario", metavar="SCENARIO", help="scenario file (YAML)")
    sens.add_argument("--method", choices=["sobol", "morris"], default="sobol",
                      help="sobol (default; N·(D+2) runs for D factors) or morris (N·(D+1) runs, a screening)")
    sens.add_argument("-n", "--iterations", type=_positive_int, default=None,
                      help="Sobol' base sample size N (default 256) or Morris trajectories (default 20)")
    sens.add_argument("--groups", default=None, metavar="KIND,…",
                      help="analyse inputs of these kinds as one factor each: drivers, risks, durations-by-section, "
                           "funds, lines (others stay single inputs)")
    sens.add_argument("--target", action="append", default=None, metavar="TARGET",
                      help="only this target (repeatable; default all)")
    sens.add_argument("--seed", type=_seed, default=None, help="root seed (default: the scenario's, else 20251016)")
    sens.add_argument("--jobs", "-j", type=_positive_int, default=1, help="worker processes (default 1)")
    sens.add_argument("--engine", choices=ENGINES, default="fast",
                      help="fast (compiled, default) or simpy (the reference engine); results are identical")
    _dask_argument(sens)
    sens.add_argument("--out", metavar="DIR", default="results/sensitivity",
                      help="where sensitivity.csv and sensitivity.png go (default results/sensitivity)")
    sc = sub.add_parser("score", help="score a past forecast against observed outcomes (Brier, log score, PIT)",
                        description="Score the forecast in RESULTS (a results directory) against OUTCOMES (a YAML or "
                                    "CSV file: target, met, date, source; see docs/status-date.md): Brier and log "
                                    "scores against naive forecasts, a reliability table and, for dated outcomes, "
                                    "where the date fell in the forecast. Writes score.csv, score-summary.csv and "
                                    "reliability.csv to --out.")
    sc.add_argument("results", metavar="RESULTS", help="results directory written by `readiness run`")
    sc.add_argument("outcomes", metavar="OUTCOMES", help="observed outcomes (.yaml or .csv), or the results directory of a later status run")
    sc.add_argument("--out", metavar="DIR", default=None, help="folder for the score files (default: RESULTS)")
    sc.add_argument("--chart", action="store_true", help="also draw reliability.png")

    lister = sub.add_parser("list", help="list the shipped scenarios with their titles")
    lister.add_argument("--dir", default=None,
                        help="folder to search (default: the scenarios shipped with readiness-sim, from any folder)")
    return parser


def _dask_argument(parser) -> None:
    parser.add_argument("--dask", metavar="local[:WORKERS]|tcp://HOST:PORT", default=None,
                        help="run chunks of replications on Dask instead of --jobs: local starts a LocalCluster (one "
                             "worker per CPU, or WORKERS), an address uses a running scheduler; results are identical "
                             "(needs the 'dask' extra)")


REPORT_FORMATS = {".pdf": "pdf", ".png": "png", ".md": "md", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}


def _report_arguments(rep, formats: list | None) -> None:
    """Arguments shared by ``report`` and ``export`` (``formats=None``: the format is xlsx)."""
    rep.add_argument("source", metavar="RESULTS_DIR_OR_SCENARIO",
                     help="a results directory written by `readiness run`, or a scenario file (YAML) to run")
    if formats is not None:
        rep.add_argument("--out", metavar="FILE", default=None,
                         help="file to write (default briefing.<format>); png pages go next to it as <name>-1.png …")
        rep.add_argument("--format", choices=sorted(set(formats)), default=None,
                         help="pdf (default), png (one image per page), html (one self-contained file), md "
                              "(Markdown) or xlsx (Excel workbook); default from --out's suffix")
    else:
        rep.add_argument("--out", metavar="FILE", default=None, help="workbook to write (default results.xlsx)")
    rep.add_argument("--scenario", metavar="FILE", default=None,
                     help="the run's scenario file, when it is not where the run found it (for the assumptions)")
    rep.add_argument("--reference", metavar="RESULTS_DIR", default=None,
                     help="an earlier forecast (results directory): page one says what changed since it")
    rep.add_argument("-n", "--iterations", type=_positive_int, default=None,
                     help="replications when running a scenario (default 2000)")
    rep.add_argument("--seed", type=_seed, default=None, help="root seed when running a scenario (default: the scenario's)")
    rep.add_argument("--jobs", "-j", type=_positive_int, default=1, help="worker processes (default 1)")
    rep.add_argument("--engine", choices=ENGINES, default="fast",
                     help="fast (compiled, default) or simpy (the reference engine); results are identical")
    rep.add_argument("--compare", action="append", metavar="SCENARIO", default=None,
                     help="add a paired comparison with this scenario (repeatable), run with the same seed and N")
    rep.add_argument("--no-progress", action="store_true", help="never show the progress bar")


def main(argv: list[str] | None = None) -> int:
    from . import workers

    previous = workers.handle_sigterm()  # SIGTERM takes Ctrl-C's clean-up path; exit 143 instead of 130
    executor = None
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            _parser().print_help()
            return EXIT_USAGE
        if getattr(args, "jobs", None):
            args.jobs, note = workers.cap_jobs(args.jobs)
            if note:
                print(f"readiness: {note}", file=sys.stderr)
        if getattr(args, "dask", None):  # one cluster for every run of the command (compare, sweep: several)
            from .executors import DaskUnavailable, dask_executor

            try:
                executor = dask_executor(args.dask)
            except (ValueError, DaskUnavailable) as exc:
                print(f"readiness: {exc}", file=sys.stderr)
                return EXIT_USAGE
        args.executor = executor
        code = {"run": _run, "validate": _validate, "list": _list, "compare": _compare, "sweep": _sweep,
                "report": _report, "export": _export, "targets": _targets,
                "sensitivity": _sensitivity, "score": _score}[args.command](args)
        return workers.exit_code() if code == EXIT_INTERRUPTED else code
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM outside a run (loading, printing): nothing half-written
        what = "terminated" if workers.stop_signal() else "interrupted"
        print(f"readiness: {what}; no results were written", file=sys.stderr)
        return workers.exit_code()
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    finally:
        if executor is not None:
            executor.shutdown()
        workers.restore_sigterm(previous)


def _score(args) -> int:
    """``readiness score RESULTS OUTCOMES``."""
    from . import score

    results = _read_results(Path(args.results), "RESULTS")
    if results is None:
        return EXIT_USAGE
    try:
        if Path(args.outcomes).is_dir():  # a later status run: its resolved targets are the outcomes
            later = _read_results(Path(args.outcomes), "OUTCOMES")
            if later is None:
                return EXIT_USAGE
            outcomes = score.outcomes_from_results(later, args.outcomes)
            if not outcomes:
                print(f"readiness: OUTCOMES: no target of '{args.outcomes}' is resolved (met or missed); run a status "
                      "file with facts, or give an outcomes file", file=sys.stderr)
                return EXIT_USAGE
        else:
            outcomes = score.read_outcomes(args.outcomes)
        per_target, summary, table = score.score(results, outcomes)
    except score.OutcomesError as exc:
        print(f"readiness: {exc}", file=sys.stderr)
        return EXIT_USAGE
    written = score.write(per_target, summary, table, args.out or args.results, chart=args.chart)
    print(score.format_summary(summary, len(per_target)))
    print(f"Written: {', '.join(str(p) for p in written)}")
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
        scenario = load(_shipped_or_given(args.scenario))
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

    known = {t.id for t in scenario.targets}
    joint_groups = [[t.strip() for t in group.split(",") if t.strip()] for group in args.joint or []]
    for group in joint_groups:
        for target in group:
            if target not in known:
                from .errors import did_you_mean
                print(f"readiness: --joint: unknown target '{target}'{did_you_mean(target, known)}", file=sys.stderr)
                return EXIT_USAGE
    sections = list(dict.fromkeys(t.section or "other" for t in scenario.targets))
    if args.section is not None and _norm(args.section) not in {_norm(s) for s in sections}:
        print(f"readiness: --section: found '{args.section}'; this scenario's sections are {', '.join(sections)}",
              file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    from .results import OutError, check_out

    try:  # before a run of minutes, not after it; never replaces a folder this program did not write
        check_out(out)
    except OutError as exc:
        print(f"readiness: --out: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"readiness: --out: cannot write results to '{out}': {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.lhs and args.precision is not None:
        print("readiness: --lhs needs a fixed number of replications; use it without --precision", file=sys.stderr)
        return EXIT_USAGE
    n = args.iterations or (100_000 if args.precision else 2000)
    began = time.perf_counter()

    def stage(what: str) -> None:  # on a terminal, say what is going on and since when
        if sys.stderr.isatty() and not args.no_progress:
            _stage(f"[{time.perf_counter() - began:6.1f} s] {what}")

    stage(f"sampling and simulating up to {n:,} replications ({args.engine} engine)")
    try:
        results = run(scenario, n=n, seed=args.seed, jobs=args.jobs, precision=args.precision, lhs=args.lhs,
                      engine=args.engine, executor=args.executor,
                      progress=False if args.no_progress else None)
    except RunInterrupted as exc:
        print(f"readiness: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED

    def extra(directory: Path) -> None:
        if args.charts:
            stage("charts")
            from .charts import write_charts

            write_charts(results, directory)

    stage("analysis: drivers of every target and the assumption register; writing the results")
    try:
        results.save(out, extra=extra)
    except KeyboardInterrupt:
        print("readiness: interrupted while writing; no results were written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"readiness: cannot write results to '{out}': {exc if isinstance(exc, OutError) else exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE
    from .tables import run_table

    stage("done")
    print(run_table(results, rows=args.rows, section=args.section, sort=args.sort))
    if not results.funding.empty:
        print("\n" + results.funding_summary())
    for group in joint_groups:
        from .analysis import joint_probability

        p, low, high = joint_probability(results, group)
        print(f"\nAll of {', '.join(group)} met, each by its own deadline: {p:.0%} (95% interval {low:.0%}–{high:.0%})")
    if results.meta.get("correlations_repaired"):
        print("\nNote: the correlation matrix was not valid and was repaired to the nearest valid one.")
    if args.precision is not None:
        print(f"\nStopped after {results.n} replications: largest 95% half-width "
              f"{results.meta['max_half_width']:.4f} (asked ≤ {args.precision}).")
    money = "".join(f", {name}" for name, table in (("series.csv", results.series), ("funding.csv", results.funding),
                                                    ("bottlenecks.csv", results.bottlenecks)) if not table.empty)
    print(f"\nResults written to {out}/ (targets.csv, milestones.csv, criticality.csv, drivers.csv, assumptions.csv{money}, run.json, "
          f"outcomes.csv.gz, inputs.csv.gz{', charts' if args.charts else ''}) in {results.meta['wall_time_s']:.1f} s.")
    return 0


def _validate(args) -> int:
    from .load import ScenarioError, load_with_warnings

    status = 0
    for path in args.scenarios:
        try:
            scenario, warnings = load_with_warnings(_shipped_or_given(path))
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


def _norm(section: str) -> str:
    return str(section).lower().replace("-", " ").replace("_", " ").strip()


def _list(args) -> int:
    from .load import read_yaml
    from .shipped import scenarios_dir

    folder = Path(args.dir) if args.dir else scenarios_dir()
    if folder is None:
        print("readiness: the shipped scenarios are not installed with this copy; pass --dir FOLDER", file=sys.stderr)
        return EXIT_USAGE
    if not folder.is_dir():
        print(f"readiness: no folder '{folder}'; pass --dir with a folder of scenario files", file=sys.stderr)
        return EXIT_USAGE
    paths = sorted(folder.rglob("*.yaml"))
    shown = [str(p) for p in paths]
    width = max([len(s) for s in shown] + [20])
    for path, text in zip(paths, shown):
        data, problems = read_yaml(path)  # the loader's limits: a hostile file in the folder cannot hang this
        title = data.get("title", "") if isinstance(data, dict) and not problems else "(unreadable)"
        print(f"{text:<{width}}  {title if isinstance(title, str) else '(unreadable)'}")
    return 0


def _targets(args) -> int:
    from .tables import scenario_targets_table

    scenarios = _load_all([_shipped_or_given(args.scenario)])
    if scenarios is None:
        return EXIT_USAGE
    print(scenario_targets_table(scenarios[0]))
    return 0


def _load_all(paths):
    """Load several scenarios, printing every problem of every file; None if any failed."""
    from .load import ScenarioError, load

    loaded, ok = [], True
    for path in _expand_shipped(paths):
        try:
            loaded.append(load(_shipped_or_given(str(path))))
        except ScenarioError as exc:
            _print_problems(exc)
            ok = False
    return loaded if ok else None


def _compare(args) -> int:
    from .analysis import compare
    from .runner import RunInterrupted

    scenarios = _load_all([args.base, *args.others])
    if scenarios is None:
        return EXIT_USAGE
    try:
        comparison = compare(scenarios[0], scenarios[1:], n=args.iterations, seed=args.seed, jobs=args.jobs,
                             engine=args.engine, executor=args.executor,
                             progress=False if args.no_progress else None)
    except RunInterrupted as exc:
        print(f"readiness: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    path = comparison.save(args.out)
    print(comparison.summary(rows=args.rows))
    print(f"\nAll targets: {path}")
    return 0


_RANGE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*\.\.\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*$")


def _parse_shock(text: str, kind: str) -> tuple[str, list[float], str]:
    """``subject=A..B[unit]`` → subject, [A, B] in model units, unit label."""
    from . import calendar as cal

    subject, _, span = text.partition("=")
    m = _RANGE.match(span)
    if not subject or not m:
        example = {"delay": "edip-adopted=0..12months", "scale": "legislative=0.8..1.5", "cut": "safe=0..0.5",
                   "capacity": "shells-155=0.5..1.2"}[kind]
        raise ValueError(f"--{kind}: found '{text}'; expected SUBJECT=A..B, e.g. {example}")
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


def _sweep(args) -> int:
    import numpy as np

    from . import calendar as cal
    from .analysis import SWEEPS, sweep
    from .runner import RunInterrupted

    kind = next(k for k in ("delay", "scale", "cut", "capacity") if getattr(args, k))
    try:
        subject, (low, high), unit = _parse_shock(getattr(args, kind), kind)
    except ValueError as exc:
        print(f"readiness: {exc}", file=sys.stderr)
        return EXIT_USAGE
    scenarios = _load_all([args.scenario])
    if scenarios is None:
        return EXIT_USAGE
    scenario = scenarios[0]
    try:
        SWEEPS[kind][0](scenario, subject)
    except ValueError as exc:
        print(f"readiness: --{kind}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    known = {t.id for t in scenario.targets}
    for target in args.target or []:
        if target not in known:
            from .load import did_you_mean
            print(f"readiness: --target: unknown target '{target}'{did_you_mean(target, known)}", file=sys.stderr)
            return EXIT_USAGE
    values = list(np.linspace(low, high, args.steps))
    try:
        table = sweep(scenario, kind, subject, values, n=args.iterations, seed=args.seed, jobs=args.jobs,
                      engine=args.engine, executor=args.executor,
                      progress=False if args.no_progress else None)
    except RunInterrupted as exc:
        print(f"readiness: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    display = table.copy()
    if kind == "delay":
        display["value"] = display["value"] / cal.unit_days(unit)
    display.rename(columns={"value": {"delay": f"delay_{unit}", "cut": "cut_share"}.get(kind, "factor")}).to_csv(
        out / "sweep.csv.partial", index=False, float_format="%.6g")
    (out / "sweep.csv.partial").replace(out / "sweep.csv")

    wide = display.pivot(index="target", columns="value", values="p_met")
    moved = (wide.iloc[:, -1] - wide.iloc[:, 0]).abs().sort_values(ascending=False)
    chosen = args.target or list(moved[moved > 0].index[:6]) or list(moved.index[:3])
    titles = display.drop_duplicates("target").set_index("target")["title"]
    deadlines = display.drop_duplicates("target").set_index("target")["deadline"]
    what = {"delay": f"{subject} delayed by", "scale": f"durations of {subject} ×", "cut": f"{subject} envelope cut by",
            "capacity": f"capacity of {subject} ×"}[kind]
    head = f"{what:<56}" + "".join(f"{(f'{v:g} {unit}' if unit else f'{v:g}'):>11}" for v in wide.columns)
    print(f"Probability of meeting each target as the shock grows ({args.iterations} replications per step, "
          f"same random numbers at every step)\n")
    print(head)
    for target in chosen:
        title = titles[target] if len(titles[target]) <= 42 else titles[target][:41] + "…"
        label = f"{title} ({deadlines[target]})"
        print(f"{label:<56}" + "".join(f"{p:>11.0%}" for p in wide.loc[target]))
    print(f"\nAll targets and intervals: {out / 'sweep.csv'}")
    return 0


def _read_results(directory: Path, what: str):
    """Results read from ``directory``, or None after saying why not."""
    from .results import Results

    if not (directory / "run.json").is_file():
        print(f"readiness: {what}: '{directory}' is not a results directory (no run.json); run "
              f"`readiness run SCENARIO --out DIR` first, or pass a scenario file", file=sys.stderr)
        return None
    try:
        return Results.load(directory)
    except (OSError, ValueError, KeyError) as exc:
        print(f"readiness: cannot read results from '{directory}': {exc}", file=sys.stderr)
        return None


def _expand_shipped(paths) -> list[str]:
    """A pattern the shell left unexpanded (``scenarios/delays/*.yaml`` typed in another folder) matched among
    the shipped scenarios; every other path as given.
    """
    from .shipped import scenarios_dir

    out = []
    folder = scenarios_dir()
    for path in map(str, paths):
        parts = Path(path).parts
        if any(c in path for c in "*?[") and not Path(path).exists() and folder is not None and "scenarios" in parts:
            matched = sorted(folder.glob(str(Path(*parts[parts.index("scenarios") + 1:]))))
            if matched:
                print(f"readiness: '{path}' matched {len(matched)} shipped scenarios", file=sys.stderr)
                out += [str(m) for m in matched]
                continue
        out.append(path)
    return out


def _shipped_or_given(path: str) -> str:
    """``path``, or the shipped scenario it names when it does not exist here (``scenarios/baseline.yaml`` typed
    in another folder); said on stderr, so that the reader knows which file is used.
    """
    from .shipped import resolve

    if Path(path).exists():
        return path
    found = resolve(path)
    if found is None:
        return path
    print(f"readiness: '{path}' is not in this folder; using the shipped {found}", file=sys.stderr)
    return str(found)


def _stage(line: str) -> None:
    """A progress line on stderr: the terminal says what it does while a briefing is built."""
    print(f"readiness: {line}", file=sys.stderr, flush=True)


def _export(args) -> int:
    """``readiness export``: the report command writing an Excel workbook."""
    if args.out and Path(args.out).suffix.lower() != ".xlsx":
        print(f"readiness: --out '{args.out}': an export is an Excel workbook; use a name ending in .xlsx",
              file=sys.stderr)
        return EXIT_USAGE
    return _report(args)


def _report(args) -> int:
    import os

    from .runner import RunInterrupted, run

    source = Path(_shipped_or_given(args.source))
    suffix_format = REPORT_FORMATS.get(Path(args.out).suffix.lower()) if args.out else None
    fmt = getattr(args, "format", None) or ("xlsx" if args.command == "export" else None) or suffix_format or "pdf"
    if args.out and suffix_format and suffix_format != fmt:
        print(f"readiness: --out '{args.out}' is a .{suffix_format} file but --format is {fmt}; use --out "
              f"{Path(args.out).with_suffix('.' + fmt)}", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out) if args.out else Path("results.xlsx" if args.command == "export" else f"briefing.{fmt}")
    if out.is_dir():
        print(f"readiness: --out: '{out}' is a directory; expected a file name such as {out / ('briefing.' + fmt)}",
              file=sys.stderr)
        return EXIT_USAGE
    if not source.exists():
        print(f"readiness: '{source}' does not exist; expected a results directory (from `readiness run`) or a "
              f"scenario file (.yaml)", file=sys.stderr)
        return EXIT_USAGE
    try:  # before a run of minutes, not after it
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK):
            raise PermissionError(f"no permission to write in '{out.parent}'")
    except OSError as exc:
        print(f"readiness: --out: cannot write '{out}': {exc}", file=sys.stderr)
        return EXIT_USAGE
    progress = False if args.no_progress else None
    if fmt == "xlsx":
        from .report.workbook import MissingDependency
        from .report.workbook import require_openpyxl as _openpyxl

        try:
            _openpyxl()
        except MissingDependency as exc:
            print(f"readiness: {exc}", file=sys.stderr)
            return EXIT_USAGE
    reference = None
    if args.reference is not None:
        reference = _read_results(Path(args.reference), "--reference")
        if reference is None:
            return EXIT_USAGE
    given = None
    if args.scenario is not None:
        given = _load_all([args.scenario])
        if given is None:
            return EXIT_USAGE
        given = given[0]

    if source.is_dir():
        if args.iterations is not None or args.seed is not None:
            print("readiness: note: -n and --seed apply only when running a scenario; the results directory is "
                  "reported as it is", file=sys.stderr)
        results = _read_results(source, "results")
        if results is None:
            return EXIT_USAGE
        scenario = given
        if scenario is None:
            # Never a briefing without its assumptions: say what is missing and how to give it.
            from .report import scenario_of

            scenario, note = scenario_of(results)
            if scenario is None:
                print(f"readiness: {note.replace('or name the file.', '')}or pass it with --scenario FILE.",
                      file=sys.stderr)
                return EXIT_USAGE
    else:
        scenarios = _load_all([source])
        if scenarios is None:
            return EXIT_USAGE
        scenario = scenarios[0]
        try:
            results = run(scenario, n=args.iterations or 2000, seed=args.seed, jobs=args.jobs, progress=progress,
                          engine=args.engine)
        except RunInterrupted as exc:
            print(f"readiness: {exc}", file=sys.stderr)
            return EXIT_INTERRUPTED

    comparison = None
    if args.compare:
        from .analysis import compare_results

        others = _load_all(args.compare)
        if others is None:
            return EXIT_USAGE
        named = {}
        try:
            for path, scenario in zip(args.compare, others):
                name = Path(path).stem
                named[name if name not in named else f"{name}-{len(named)}"] = run(
                    scenario, n=results.n, seed=results.meta["seed"], jobs=args.jobs, progress=progress,
                    engine=args.engine)
        except RunInterrupted as exc:
            print(f"readiness: {exc}", file=sys.stderr)
            return EXIT_INTERRUPTED
        comparison = compare_results(results, named)

    from .report import build_report

    try:
        written = build_report(results, out, format=fmt, comparison=comparison, scenario=scenario,
                               reference=reference, progress=None if args.no_progress else _stage)
    except KeyboardInterrupt:
        print("readiness: interrupted while writing; no briefing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"readiness: cannot write the briefing to '{out}': {exc}", file=sys.stderr)
        return EXIT_USAGE
    pages = f" ({len(written)} pages)" if fmt == "png" else ""
    shown = f"{written[0]} … {written[-1].name}" if len(written) > 1 else str(written[0])
    print(f"Briefing written to {shown}{pages}: {results.meta.get('title', '')}, {results.n} replications, "
          f"seed {results.meta.get('seed')}.")
    return 0


def _sensitivity(args) -> int:
    from .sensitivity import GROUP_KINDS, headline, sensitivity

    scenarios = _load_all([args.scenario])
    if scenarios is None:
        return EXIT_USAGE
    scenario = scenarios[0]
    groups = [g.strip() for g in (args.groups or "").split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUP_KINDS]
    if unknown:
        print(f"readiness: --groups: found '{', '.join(unknown)}'; expected some of {', '.join(GROUP_KINDS)}",
              file=sys.stderr)
        return EXIT_USAGE
    known = {t.id for t in scenario.targets}
    for target in args.target or []:
        if target not in known:
            from .errors import did_you_mean
            print(f"readiness: --target: unknown target '{target}'{did_you_mean(target, known)}", file=sys.stderr)
            return EXIT_USAGE
    n = args.iterations or (256 if args.method == "sobol" else 20)
    executor = args.executor
    from . import workers

    pool = workers.pool(args.jobs) if executor is None and args.jobs > 1 else None
    try:
        table = sensitivity(scenario, method=args.method, n=n, seed=args.seed, groups=groups or None,
                            targets=args.target, engine=args.engine, executor=executor or pool)
    except KeyboardInterrupt:
        if pool is not None:
            workers.stop(pool)
            pool = None
        print("readiness: interrupted; no results were written", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if pool is not None:
            pool.shutdown()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sensitivity.csv.partial", index=False, float_format="%.6g")
    (out / "sensitivity.csv.partial").replace(out / "sensitivity.csv")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .labels import input_labels
    from .charts import plot_total_indices

    chosen = [t for t in (args.target or headline(scenario, limit=len(scenario.targets))) if t in set(table["target"])]
    varies = set(table.loc[table["ST" if args.method == "sobol" else "mu_star"].notna(), "target"])
    chosen = ([t for t in chosen if t in varies] or chosen)[:8]  # a target every run meets has nothing to show
    ax = plot_total_indices(table, chosen, labels=input_labels(scenario))
    ax.figure.savefig(out / "sensitivity.png.partial.png", dpi=130, bbox_inches="tight")
    plt.close(ax.figure)
    (out / "sensitivity.png.partial.png").replace(out / "sensitivity.png")

    value = "ST" if args.method == "sobol" else "mu_star"
    print(f"{'Sobol' if args.method == 'sobol' else 'Morris'} sensitivity of {scenario.title}: "
          f"{table.attrs['factors']} factors, {table.attrs['runs']:,} runs (N = {n}, seed {table.attrs['seed']}) "
          f"in {table.attrs['wall_time_s']:.1f} s\n")
    for target in chosen:
        rows = table[(table["target"] == target) & (table["outcome"] == "met")].sort_values(value, ascending=False)
        title = rows["title"].iloc[0] if len(rows) else target
        print(f"{title} (met by its deadline) — largest {'total indices' if value == 'ST' else 'μ*'}:")
        if rows[value].isna().all():
            print("  (the outcome does not vary: every run gives the same answer)")
        for r in rows.head(5).itertuples():
            ci = (f"[{r.ST_low:.2f}, {r.ST_high:.2f}]" if value == "ST" else f"[{r.mu_star_low:.3g}, {r.mu_star_high:.3g}]")
            print(f"  {getattr(r, value):6.3f} {ci:>16}  {r.factor}")
        print()
    print(f"All targets, both outcomes (met, date), with intervals: {out / 'sensitivity.csv'}; chart: "
          f"{out / 'sensitivity.png'}")
    return 0
