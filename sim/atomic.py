"""Writing files and result folders so that a failure or Ctrl-C never leaves half of one behind.

Two writers, one rule — build beside the target, then rename into place:

* :func:`write_atomic` for one file (a temporary sibling ``.NAME.xxxx.partial``);
* :func:`write_dir_atomic` for a folder (a temporary sibling folder ``.NAME.PID.xxxx.partial``), which
  :func:`replace_dir` swaps with an existing folder (moved aside as ``.NAME.old-PID`` for the instant of the swap).

The process id in the temporary names lets a later run tell the leftovers of a killed process from a run in
progress (:func:`leftover_of`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .workers import raise_if_terminated

PARTIAL = ".partial"  # suffix of every temporary file and folder
OLD = "old-"  # prefix (after ".NAME.") of a previous folder moved aside during a swap


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through a temporary sibling renamed into place: a failed build leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; a briefing is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def temporary_dir(path: Path) -> Path:
    """Create and return an empty temporary sibling folder of ``path``, named ``.NAME.PID.xxxx.partial``.

    Its mode is 0755 (``mkdtemp`` makes folders private; results are meant to be shared).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", suffix=PARTIAL, dir=path.parent))
    os.chmod(tmp, 0o755)
    return tmp


def replace_dir(new: Path, out: Path) -> None:
    """Move the complete folder ``new`` to ``out``, replacing an existing ``out`` as late as possible.

    An existing ``out`` is moved aside to ``.NAME.old-PID`` first, then ``new`` is renamed to ``out`` and the
    old folder removed. If anything (a signal included) interrupts the second rename, the old folder is moved
    back before the exception goes on; a process killed between the two renames leaves ``.NAME.old-PID``, which
    the caller's next run can restore (:func:`leftover_of`).
    """
    if out.exists():
        old = out.with_name(f".{out.name}.{OLD}{os.getpid()}")
        os.replace(out, old)
        try:
            os.replace(new, out)
        except BaseException:  # incl. a signal between the two renames: the previous folder goes back
            if not out.exists():
                os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, out)


def write_dir_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write the folder ``path`` so that it appears complete or not at all.

    ``write(tmp)`` fills an empty temporary sibling folder (:func:`temporary_dir`); when it returns, the folder
    replaces ``path`` (:func:`replace_dir`). If ``write`` or the swap raises (Ctrl-C included), the temporary
    folder is removed and an existing ``path`` is left as it was.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    tmp = temporary_dir(path)
    try:
        write(tmp)
        raise_if_terminated()  # a SIGTERM whose exception was swallowed while writing: nothing goes in place
        replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def leftover_of(path: Path, sibling: Path) -> tuple[str, int] | None:
    """Whether ``sibling`` is a temporary folder that writing ``path`` left: ``("partial" | "old", pid)`` or None.

    ``"partial"``: a folder being written by :func:`write_dir_atomic` in process ``pid``; ``"old"``: the previous
    ``path`` moved aside by :func:`replace_dir` in process ``pid``.
    """
    head = f".{path.name}."
    if not sibling.name.startswith(head):
        return None
    rest = sibling.name[len(head):]
    if rest.endswith(PARTIAL) and rest.split(".")[0].isdigit():
        return "partial", int(rest.split(".")[0])
    if rest.startswith(OLD) and rest[len(OLD):].isdigit():
        return "old", int(rest[len(OLD):])
    return None


__all__ = ["leftover_of", "replace_dir", "temporary_dir", "write_atomic", "write_dir_atomic"]
