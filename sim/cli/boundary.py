"""The one error boundary of the ``readiness`` command: every command runs inside :func:`main`.

User mistakes (:class:`~.common.UsageError`, a scenario file with problems) exit 2 with a message and no
traceback; Ctrl-C exits 130 and SIGTERM 143 (:mod:`sim.workers`), saying that nothing was written; a closed pipe
(``readiness list | head``) ends quietly.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

from .. import RunInterrupted, workers
from ..errors import ScenarioError
from . import compare, listing, report, run, score, sensitivity, sweep, validate
from .common import EXIT_INTERRUPTED, EXIT_USAGE, Interrupted, UsageError, print_problems, say
from .parser import build_parser

EXIT_TERMINATED = 128 + signal.SIGTERM

COMMANDS: dict[str, Callable[..., int]] = {
    "run": run.command, "validate": validate.command, "list": listing.list_command, "compare": compare.command,
    "sweep": sweep.command, "report": report.command, "export": report.export_command,
    "targets": listing.targets_command, "sensitivity": sensitivity.command, "score": score.command,
}


def main(argv: list[str] | None = None) -> int:
    """Run the ``readiness`` command with ``argv`` (default: the process's arguments); the exit code.

    Without ``argv`` this is the process's command (``readiness``, ``python -m sim``): a run stopped by Ctrl-C
    or SIGTERM then ends the process at once, once everything is cleaned up and said (see :func:`_end_process`).
    """
    code = _guarded(argv)
    if argv is None and code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        _end_process(code)
    return code


def _end_process(code: int) -> None:
    """Exit now, without the interpreter's wait for threads at exit.

    A worker process stopped while it was sending its result leaves the pool's manager thread
    (``concurrent.futures``) blocked reading the half-written message, and the interpreter waited for that thread
    forever at exit (1 run in 5 of the SIGTERM test). Workers are stopped, temporary folders removed and the
    message said by now; nothing else is left to do.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said anyway
            pass
    os._exit(code)


def _guarded(argv: list[str] | None) -> int:
    """The command run inside the one error boundary; the exit code."""
    previous = workers.handle_sigterm()  # SIGTERM takes Ctrl-C's clean-up path; exit 143 instead of 130
    executor = None
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_USAGE
        executor = _prepare(args)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        say(str(exc))
        return EXIT_USAGE
    except ScenarioError as exc:
        print_problems(exc)
        return EXIT_USAGE
    except (RunInterrupted, Interrupted) as exc:
        say(str(exc))
        return workers.exit_code()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM outside a run (loading, printing): nothing half-written
        say(f"{'terminated' if workers.stop_signal() else 'interrupted'}; no results were written")
        return workers.exit_code()
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    finally:
        if executor is not None:
            executor.shutdown()
        workers.restore_sigterm(previous)


def _prepare(args):
    """Cap ``--jobs`` at the CPUs, and start the Dask cluster of ``--dask`` (one for every run of the command)."""
    if getattr(args, "jobs", None):
        args.jobs, note = workers.cap_jobs(args.jobs)
        if note:
            say(note)
    args.executor = None
    if getattr(args, "dask", None):
        from ..executors import DaskUnavailable, dask_executor

        try:
            args.executor = dask_executor(args.dask)
        except (ValueError, DaskUnavailable) as exc:
            raise UsageError(str(exc)) from None
    return args.executor
