"""What every command of ``readiness`` shares.

Exit codes, the errors the boundary turns into messages, saying things on stderr, finding and loading scenario
files, reading results folders.

Commands raise :class:`UsageError`, :class:`Interrupted`, :class:`~sim.errors.ScenarioError` or
``KeyboardInterrupt``; :func:`sim.cli.boundary.main` turns each into one message and an exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from ..errors import ScenarioError, did_you_mean
from ..load import load
from ..scenario import Scenario
from ..shipped import resolve, scenarios_dir

EXIT_OK = 0
EXIT_USAGE = 2  # a mistake in the command or its input: nothing was run or written
EXIT_INTERRUPTED = 130  # 128 + SIGINT; SIGTERM gives 143 (sim.workers.exit_code)


class UsageError(Exception):
    """A mistake of the user (an option, a path, a name): said in one line, exit 2, nothing run or written."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM, with what was (not) written: said in one line, exit 130 (143 for SIGTERM)."""


def say(message: str) -> None:
    """One line on stderr, prefixed ``readiness:`` and flushed at once (a progress line, a note, an error)."""
    print(f"readiness: {message}", file=sys.stderr, flush=True)


def print_problems(error: ScenarioError) -> None:
    """Every problem of a scenario file on stderr, one a line, and how many there are."""
    for problem in error.problems:
        print(problem, file=sys.stderr)
    count = len(error.problems)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was run.", file=sys.stderr)


def shipped_or_given(path: str | Path) -> str:
    """``path``, or the shipped scenario it names when it does not exist here.

    E.g. ``scenarios/baseline.yaml`` typed in another folder; said on stderr, so that the reader knows which
    file is used.
    """
    if Path(path).exists():
        return str(path)
    found = resolve(path)
    if found is None:
        return str(path)
    say(f"'{path}' is not in this folder; using the shipped {found}")
    return str(found)


def expand_shipped(paths: Iterable[str | Path]) -> list[str]:
    """Every path as given, except a pattern the shell left unexpanded, matched among the shipped scenarios.

    E.g. ``scenarios/delays/*.yaml`` typed in another folder.
    """
    out = []
    folder = scenarios_dir()
    for path in map(str, paths):
        parts = Path(path).parts
        if any(c in path for c in "*?[") and not Path(path).exists() and folder is not None and "scenarios" in parts:
            matched = sorted(folder.glob(str(Path(*parts[parts.index("scenarios") + 1:]))))
            if matched:
                say(f"'{path}' matched {len(matched)} shipped scenarios")
                out += [str(m) for m in matched]
                continue
        out.append(path)
    return out


def load_all(paths: Iterable[str | Path]) -> list[Scenario]:
    """Load several scenarios (shipped patterns expanded).

    Raises
    ------
    ScenarioError
        With every problem of every file that failed.
    """
    loaded, problems = [], []
    for path in expand_shipped(paths):
        try:
            loaded.append(load(shipped_or_given(path)))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return loaded


def load_one(path: str | Path) -> Scenario:
    """Load one scenario (a shipped one when ``path`` does not exist here); raises ScenarioError."""
    return load(shipped_or_given(path))


def read_results(directory: Path, what: str):
    """The results read from ``directory``.

    Raises
    ------
    UsageError
        When it is not a results directory, or cannot be read (the message says why).
    """
    from ..results import Results

    if not (directory / "run.json").is_file():
        raise UsageError(f"{what}: '{directory}' is not a results directory (no run.json); run "
                         f"`readiness run SCENARIO --out DIR` first, or pass a scenario file")
    try:
        return Results.load(directory)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"cannot read results from '{directory}': {exc}") from None


def check_targets(option: str, wanted: Iterable[str], scenario: Scenario) -> None:
    """Raise :class:`UsageError` for the first of ``wanted`` that is not a target of ``scenario``."""
    known = {t.id for t in scenario.targets}
    for target in wanted:
        if target not in known:
            raise UsageError(f"{option}: unknown target '{target}'{did_you_mean(target, known)}")
