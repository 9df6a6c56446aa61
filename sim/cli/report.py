"""``readiness report`` and ``readiness export``: the briefing (or the Excel workbook) of a run or of a scenario.

Everything that can be wrong with the command (the output file, the format, a missing optional package, the
inputs) is checked before a run of minutes, not after it.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..load import load_recorded
from .common import Interrupted, UsageError, load_all, read_results, say, shipped_or_given
from .parser import REPORT_FORMATS

EXCEL_MISSING = "Excel output needs openpyxl: pip install 'readiness-sim[excel]' (or pip install openpyxl)"


def export_command(args) -> int:
    """``readiness export``: the report command writing an Excel workbook."""
    if args.out and Path(args.out).suffix.lower() != ".xlsx":
        raise UsageError(f"--out '{args.out}': an export is an Excel workbook; use a name ending in .xlsx")
    return command(args)


def command(args) -> int:
    """Build the briefing of ``args.source`` (a results directory, or a scenario file run first)."""
    source = Path(shipped_or_given(args.source))
    fmt, out = _destination(args)
    if not source.exists():
        raise UsageError(f"'{source}' does not exist; expected a results directory (from `readiness run`) or a "
                         f"scenario file (.yaml)")
    _check_writable(out)
    if fmt == "xlsx" and importlib.util.find_spec("openpyxl") is None:
        raise UsageError(EXCEL_MISSING)
    reference = read_results(Path(args.reference), "--reference") if args.reference is not None else None
    sensitivity = _sensitivity(args)
    given = load_all([args.scenario])[0] if args.scenario is not None else None
    results, scenario = _results(args, source, given)
    comparison = _comparison(args, results)
    _write(args, results, out, fmt, scenario, comparison, reference, sensitivity)
    return 0


def _sensitivity(args):
    """The --sensitivity table, checked before anything runs; None without it."""
    path = getattr(args, "sensitivity", None)
    if path is None:
        return None
    from ..sensitivity import read_table

    try:
        return read_table(path)
    except ValueError as exc:
        raise UsageError(f"--sensitivity: {exc}") from None


def _destination(args) -> tuple[str, Path]:
    """The format (from --format, the command, or --out's suffix) and the file to write."""
    suffix_format = REPORT_FORMATS.get(Path(args.out).suffix.lower()) if args.out else None
    fmt = getattr(args, "format", None) or ("xlsx" if args.command == "export" else None) or suffix_format or "pdf"
    if args.out and suffix_format and suffix_format != fmt:
        raise UsageError(f"--out '{args.out}' is a .{suffix_format} file but --format is {fmt}; use --out "
                         f"{Path(args.out).with_suffix('.' + fmt)}")
    out = Path(args.out) if args.out else Path("results.xlsx" if args.command == "export" else f"briefing.{fmt}")
    if out.is_dir():
        raise UsageError(f"--out: '{out}' is a directory; expected a file name such as {out / ('briefing.' + fmt)}")
    return fmt, out


def _check_writable(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK):
            raise PermissionError(f"no permission to write in '{out.parent}'")
    except OSError as exc:
        raise UsageError(f"--out: cannot write '{out}': {exc}") from None


def _results(args, source: Path, given):
    """The results to report (read from a directory, or run from a scenario) and their scenario."""
    from ..runner import run

    if not source.is_dir():
        scenario = load_all([source])[0]
        return run(scenario, n=args.iterations or 2000, seed=args.seed, jobs=args.jobs, progress=_progress(args),
                   engine=args.engine), scenario
    if args.iterations is not None or args.seed is not None:
        say("note: -n and --seed apply only when running a scenario; the results directory is reported as it is")
    results = read_results(source, "results")
    if given is not None:
        return results, given
    # Never a briefing without its assumptions: say what is missing and how to give it.
    recorded, note = load_recorded(results.meta.get("scenario"), results.meta.get("scenario_sha256"))
    if recorded is None:
        raise UsageError(f"{note.replace('or name the file.', '')}or pass it with --scenario FILE.")
    return results, recorded


def _progress(args) -> bool | None:
    return False if args.no_progress else None


def _comparison(args, results):
    """The paired comparison with the --compare scenarios, run with the same seed and N; None without them."""
    if not args.compare:
        return None
    from ..analysis import compare_with

    return compare_with(results, load_all(args.compare), jobs=args.jobs, progress=_progress(args), engine=args.engine)


def _write(args, results, out: Path, fmt: str, scenario, comparison, reference, sensitivity=None) -> None:
    from ..report import build_report

    try:
        written = build_report(results, out, format=fmt, comparison=comparison, scenario=scenario,
                               reference=reference, progress=None if args.no_progress else say,
                               sensitivity=sensitivity)
    except KeyboardInterrupt:
        raise Interrupted("interrupted while writing; no briefing was written") from None
    except OSError as exc:
        raise UsageError(f"cannot write the briefing to '{out}': {exc}") from None
    pages = f" ({len(written)} pages)" if fmt == "png" else ""
    shown = f"{written[0]} … {written[-1].name}" if len(written) > 1 else str(written[0])
    print(f"Briefing written to {shown}{pages}: {results.meta.get('title', '')}, {results.n} replications, "
          f"seed {results.meta.get('seed')}.")
