"""The ``readiness`` command line: one sub-parser per command, the options several share from one table.

Nothing heavy is imported here, so that ``readiness --help`` and a mistyped option answer at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .. import __version__

ENGINES = ("fast", "simpy")  # as sim.engine.ENGINES (a test keeps them equal); literal so --help stays quick
REPORT_FORMATS = {".pdf": "pdf", ".png": "png", ".md": "md", ".html": "html", ".htm": "html", ".xlsx": "xlsx"}
SORTS = ("section", "p", "deadline", "id")
METHODS = ("sobol", "morris")
SWEEP_KINDS = ("delay", "scale", "cut", "capacity")

DESCRIPTION = """\
readiness-sim estimates how likely the EU is to meet each milestone and target of its Defence Readiness
Roadmap 2030, by running a scenario file many times with sampled durations, risks and shared drivers.

Start with:
  readiness list                                   shipped scenarios
  readiness run scenarios/baseline.yaml            run one; prints a table, writes results/baseline/
  readiness validate my-scenario.yaml              check a scenario file, every problem at once
"""


def number(cast: Callable[[str], Any], ok: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
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


positive_int = number(int, lambda v: v >= 1, "a whole number ≥ 1")
seed_number = number(int, lambda v: v >= 0, "a whole number ≥ 0")
half_width = number(float, lambda v: 0 < v < 0.5, "a half-width between 0 and 0.5, e.g. 0.01")

# Options several commands take: name → (flags, argparse keywords). A command may override any keyword.
SHARED: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "iterations": (("-n", "--iterations"), {"type": positive_int, "default": None, "help": "replications"}),
    "seed": (("--seed",), {"type": seed_number, "default": None,
                           "help": "root seed (default: the scenario's, else 20251016)"}),
    "jobs": (("--jobs", "-j"), {"type": positive_int, "default": 1,
                                "help": "worker processes (default 1: the fast engine already uses every CPU in one "
                                        "process; more processes help --engine simpy)"}),
    "engine": (("--engine",), {"choices": ENGINES, "default": "fast",
                               "help": "fast (compiled, default) or simpy (the reference engine); results are identical"}),
    "dask": (("--dask",), {"metavar": "local[:WORKERS]|tcp://HOST:PORT", "default": None,
                           "help": "run chunks of replications on Dask instead of --jobs: local starts a LocalCluster "
                                   "(one worker per CPU, or WORKERS), an address uses a running scheduler; results "
                                   "are identical (needs the 'dask' extra)"}),
    "out": (("--out",), {"metavar": "DIR", "default": None, "help": "where the files go"}),
    "no_progress": (("--no-progress",), {"action": "store_true",
                                         "help": "never show the progress bar or the stage timings (the line saying "
                                                 "that the simulation started is always printed)"}),
    "target": (("--target",), {"action": "append", "default": None, "metavar": "TARGET",
                               "help": "only this target (repeatable)"}),
}


def shared(parser: argparse.ArgumentParser, **options: dict[str, Any] | bool) -> None:
    """Add the :data:`SHARED` options named, in order; ``name=True`` as in the table, ``name={...}`` overriding."""
    for name, override in options.items():
        flags, keywords = SHARED[name]
        parser.add_argument(*flags, **{**keywords, **(override if isinstance(override, dict) else {})})


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``readiness`` command."""
    parser = argparse.ArgumentParser(prog="readiness", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"readiness-sim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_run, _validate, _compare, _sweep, _report, _export, _targets, _sensitivity, _score, _list):
        add(sub)
    return parser


def _run(sub) -> None:
    run = sub.add_parser("run", help="run a scenario and write its results",
                         description="Run SCENARIO as a Monte Carlo experiment, print the targets table and write "
                                     "targets.csv, milestones.csv, run.json and per-replication outcomes to --out.")
    run.add_argument("scenario", metavar="SCENARIO", help="scenario file (YAML)")
    shared(run, iterations={"help": "replications (default 2000; with --precision, the maximum, default 100000)"},
           seed=True, jobs={"help": "worker processes (default 1: the fast engine already uses every CPU in one process; "
                                    "more help --engine simpy); results are identical for any number"},
           engine=True, dask=True,
           out={"help": "results directory (default results/<scenario name>); replaced atomically, and only if "
                        "readiness wrote it (other folders are refused, never deleted)"})
    run.add_argument("--precision", type=half_width, default=None, metavar="HALF_WIDTH",
                     help="stop when every target probability's 95%% interval half-width is at most this, e.g. 0.01")
    run.add_argument("--lhs", action="store_true", help="Latin hypercube sampling (fixed number of replications)")
    run.add_argument("--charts", action="store_true", help="also write PNG charts into the results directory")
    run.add_argument("--keep-outcomes", action=argparse.BooleanOptionalAction, default=None,
                     help="write every replication's outcomes and inputs (beyond 20,000 replications they are "
                          "written in chunks during the run: memory stays flat). Default: all up to 20,000 "
                          "replications, else the first 20,000 (targets and milestones always count every one)")
    run.add_argument("--trace", type=int, metavar="N", default=None,
                     help="instead of a run, replay replication N and print its events")
    shared(run, no_progress=True)
    run.add_argument("--rows", type=positive_int, default=None, help="show at most this many targets in the table")
    run.add_argument("--section", default=None, help="show only the targets of this section (e.g. financing)")
    run.add_argument("--sort", choices=SORTS, default="section",
                     help="table order: by section, least likely first within it (default); p: least likely "
                          "first; deadline; id")
    run.add_argument("--joint", action="append", metavar="T1,T2,…", default=None,
                     help="also print the probability that all these targets are met, each by its own deadline "
                          "(repeatable), e.g. --joint eddi-fully-operational,efw-operational")


def _validate(sub) -> None:
    validate = sub.add_parser("validate", help="check scenario files and list every problem",
                              description="Check scenario files: every problem is printed as file:line: key.path: "
                                          "message. Exit code 0 when all are valid, 2 otherwise.")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO")


def _compare(sub) -> None:
    comp = sub.add_parser("compare", help="compare scenarios with the base, paired (common random numbers)",
                          description="Run BASE and each OTHER with the same seed and named random streams, so that "
                                      "replication i differs only by what the scenarios change, and report per target "
                                      "each probability and the paired difference with its 95%% interval. Writes "
                                      "compare.csv into --out.")
    comp.add_argument("base", metavar="BASE", help="the reference scenario, e.g. scenarios/baseline.yaml")
    comp.add_argument("others", nargs="+", metavar="OTHER", help="scenarios to compare with it")
    shared(comp, iterations={"default": 2000, "help": "replications per scenario (default 2000)"},
           seed={"help": "one seed for all (default: the base scenario's)"}, jobs=True, engine=True, dask=True,
           out={"default": "results/compare", "help": "where compare.csv goes (default results/compare)"})
    comp.add_argument("--rows", type=positive_int, default=15, help="targets shown per scenario (default 15; all in the CSV)")
    shared(comp, no_progress=True)


def _sweep(sub) -> None:
    sw = sub.add_parser("sweep", help="target probabilities as a shock grows: how much slack is there?",
                        description="Run SCENARIO once per step of a shock, with common random numbers, and show how "
                                    "target probabilities change. Examples:\n"
                                    "  readiness sweep scenarios/baseline.yaml --delay edip-adopted=0..12months\n"
                                    "  readiness sweep scenarios/baseline.yaml --scale legislative=0.8..1.6 --steps 5",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sw.add_argument("scenario", metavar="SCENARIO")
    shock = sw.add_mutually_exclusive_group(required=True)
    shock.add_argument("--delay", metavar="MILESTONE=A..Bunit",
                       help="postpone a milestone (or a tag) by A to B, e.g. edip-adopted=0..12months")
    shock.add_argument("--scale", metavar="TAG=A..B",
                       help="multiply durations of a milestone or tag by A to B, e.g. legislative=0.8..1.5")
    shock.add_argument("--cut", metavar="FUND=A..B",
                       help="cut a fund's (or pool's) envelope by a share from A to B, e.g. safe=0..0.5")
    shock.add_argument("--capacity", metavar="LINE=A..B",
                       help="multiply a production line's capacity by A to B, e.g. shells-155=0.5..1.2")
    sw.add_argument("--steps", type=positive_int, default=7, help="number of values from A to B (default 7)")
    shared(sw, target={"help": "target to show (repeatable; default: the 6 that move most)"},
           iterations={"default": 1000, "help": "replications per step (default 1000)"}, seed=True, jobs=True,
           engine=True, dask=True, out={"default": "results/sweep", "help": "where sweep.csv goes (default results/sweep)"},
           no_progress=True)


def _report(sub) -> None:
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


def _export(sub) -> None:
    export = sub.add_parser("export", help="write a run's results as an Excel workbook (.xlsx)",
                            description="Write targets, milestones, drivers, assumptions and series, with a README "
                                        "sheet (scenario, seed, N, conventions), as one .xlsx workbook. Example:\n"
                                        "  readiness export results/baseline --out baseline.xlsx",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    _report_arguments(export, formats=None)


def _report_arguments(rep, formats: list | None) -> None:
    """Arguments shared by ``report`` and ``export`` (``formats=None``: the format is xlsx)."""
    rep.add_argument("source", metavar="RESULTS_DIR_OR_SCENARIO",
                     help="a results directory written by `readiness run`, or a scenario file (YAML) to run")
    if formats is not None:
        shared(rep, out={"metavar": "FILE", "help": "file to write (default briefing.<format>); png pages go next to "
                                                    "it as <name>-1.png …"})
        rep.add_argument("--format", choices=formats, default=None,
                         help="pdf (default), png (one image per page), html (one self-contained file), md "
                              "(Markdown) or xlsx (Excel workbook); default from --out's suffix")
    else:
        shared(rep, out={"metavar": "FILE", "help": "workbook to write (default results.xlsx)"})
    rep.add_argument("--scenario", metavar="FILE", default=None,
                     help="the run's scenario file, when it is not where the run found it (for the assumptions)")
    rep.add_argument("--reference", metavar="RESULTS_DIR", default=None,
                     help="an earlier forecast (results directory): page one and a page of its own say what changed "
                          "since it, and the facts behind each change")
    shared(rep, iterations={"help": "replications when running a scenario (default 2000)"},
           seed={"help": "root seed when running a scenario (default: the scenario's)"}, jobs=True, engine=True)
    rep.add_argument("--compare", action="append", metavar="SCENARIO", default=None,
                     help="add a paired comparison with this scenario (repeatable), run with the same seed and N")
    if formats is not None:
        rep.add_argument("--sensitivity", metavar="CSV", default=None,
                         help="add what decides the headline targets: a sensitivity.csv written by `readiness "
                              "sensitivity` for the same scenario")
    shared(rep, no_progress=True)


def _targets(sub) -> None:
    tg = sub.add_parser("targets", help="list a scenario's targets: ids, deadlines and titles",
                        description="List the targets of SCENARIO by section, with the ids that --joint, --target "
                                    "and report commands take.")
    tg.add_argument("scenario", metavar="SCENARIO", help="scenario file (YAML)")


def _sensitivity(sub) -> None:
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
    sens.add_argument("--method", choices=METHODS, default="sobol",
                      help="sobol (default; N·(D+2) runs for D factors) or morris (N·(D+1) runs, a screening)")
    shared(sens, iterations={"help": "Sobol' base sample size N (default 256) or Morris trajectories (default 20)"})
    sens.add_argument("--groups", default=None, metavar="KIND,…",
                      help="analyse inputs of these kinds as one factor each: drivers, risks, durations-by-section, "
                           "funds, lines (others stay single inputs)")
    shared(sens, target={"help": "only this target (repeatable; default all)"}, seed=True, jobs=True, engine=True,
           dask=True, out={"default": "results/sensitivity",
                           "help": "where sensitivity.csv and sensitivity.png go (default results/sensitivity)"})


def _score(sub) -> None:
    sc = sub.add_parser("score", help="score a past forecast against observed outcomes (Brier, log score, PIT)",
                        description="Score the forecast in RESULTS (a results directory) against OUTCOMES (a YAML or "
                                    "CSV file: target, met, date, source; see docs/status-date.md): Brier and log "
                                    "scores against naive forecasts, a reliability table and, for dated outcomes, "
                                    "where the date fell in the forecast. Writes score.csv, score-summary.csv and "
                                    "reliability.csv to --out.")
    sc.add_argument("results", metavar="RESULTS", help="results directory written by `readiness run`")
    sc.add_argument("outcomes", metavar="OUTCOMES",
                    help="observed outcomes (.yaml or .csv), or the results directory of a later status run")
    shared(sc, out={"help": "folder for the score files (default: RESULTS)"})
    sc.add_argument("--chart", action="store_true", help="also draw reliability.png")


def _list(sub) -> None:
    lister = sub.add_parser("list", help="list the shipped scenarios with their titles")
    lister.add_argument("--dir", default=None,
                        help="folder to search (default: the scenarios shipped with readiness-sim, from any folder)")
