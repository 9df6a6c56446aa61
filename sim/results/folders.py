"""Results folders on disk: the marker that says a folder is ours, the check before a run, stale leftovers.

Every results folder this program writes holds :data:`MARKER`: JSON naming the program and every entry it
wrote. A folder is replaced only when it has the marker and nothing beyond the listed entries, so a mistyped
``--out`` (a home folder, a project folder, ``.``) is refused instead of deleted.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
from pathlib import Path

from ..atomic import leftover_of, temporary_dir

MARKER = ".readiness-results"
# What results folders held before the marker existed: such a folder, with these files only and a run.json
# written by this program, is still recognised (and replaced) as a results folder.
LEGACY_ENTRIES = frozenset({"targets.csv", "milestones.csv", "outcomes.csv.gz", "inputs.csv.gz", "criticality.csv",
                            "series.csv", "funding.csv", "bottlenecks.csv", "drivers.csv", "assumptions.csv", "run.json"})


class OutError(FileExistsError):
    """A results folder that may not be written: it holds files this program did not write, or is in use."""


def write_marker(directory: Path, entries: list[str]) -> None:
    """Write :data:`MARKER` into ``directory``, listing ``entries`` (the names of what this program wrote there)."""
    from .. import __version__

    (directory / MARKER).write_text(json.dumps({"written_by": "readiness-sim", "version": __version__,
                                                "entries": entries}, indent=1) + "\n")


def marker_entries(directory: Path) -> list[str] | None:
    """The entries a results folder's marker lists, or None if it has no valid marker (nor is a legacy folder)."""
    if not (directory / MARKER).exists():
        present = {p.name for p in directory.iterdir()} if directory.is_dir() else set()
        try:
            meta = json.loads((directory / "run.json").read_text())
        except (OSError, ValueError):
            return None
        legacy = isinstance(meta, dict) and "package_version" in meta and "scenario_sha256" in meta
        return sorted(present) if legacy and present <= LEGACY_ENTRIES else None
    try:
        marker = json.loads((directory / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("written_by") != "readiness-sim" or \
            not isinstance(marker.get("entries"), list):
        return None
    return [e for e in marker["entries"] if isinstance(e, str)]


def check_out(out: str | Path, probe: bool = True) -> Path:
    """Check, before a run of minutes, that results can be written to ``out``.

    ``out`` may not exist yet (its parent is created), may be an empty folder, or a results folder written
    by this program with nothing added to it. With ``probe``, a temporary folder is created and removed
    beside ``out`` to prove that the parent is writable.

    Raises
    ------
    OutError
        ``out`` is a file, the current folder (or holds it), a folder this program did not write, or a
        results folder with files added by someone else — nothing is deleted.
    OSError
        The parent cannot be created or written.
    """
    out = Path(out)
    full = out.resolve()
    here = Path.cwd().resolve()
    if full == here or full in here.parents:
        raise OutError(f"'{out}' is the current folder or contains it; expected a new or results folder, e.g. "
                       f"results/{here.name}")
    if full.is_file() or (full.exists() and not full.is_dir()):
        raise OutError(f"'{out}' is a file; expected a folder to write results into")
    if full.is_dir():
        _check_ours(out, full)
    if probe:
        shutil.rmtree(temporary_dir(full))
    return out


def _check_ours(out: Path, full: Path) -> None:
    """Raise :class:`OutError` unless the existing folder ``full`` is empty or holds only what this program wrote."""
    present = sorted(p.name for p in full.iterdir())
    entries = marker_entries(full)
    if present and entries is None:
        raise OutError(f"'{out}' exists and is not a results folder written by readiness (no {MARKER} file); "
                       "it is left as it is — choose another --out, or empty or remove it yourself")
    foreign = [name for name in present if name != MARKER and name not in (entries or [])]
    if present and foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutError(f"'{out}' is a results folder, but holds files readiness did not write ({shown}); it is "
                       "left as it is — move them away, or choose another --out")


def clean_stale(out: str | Path) -> list[Path]:
    """Remove the temporary folders that runs writing ``out`` left behind when they were killed.

    Only folders named as :func:`sim.atomic.write_dir_atomic` names them, marked as ours (or still empty), and
    whose process is gone are touched. If a run was killed between moving the previous results aside and moving
    the new ones in, the previous results are moved back. Returns what was removed.
    """
    out = Path(out)
    removed: list[Path] = []
    if not out.parent.is_dir():
        return removed
    for path in sorted(out.parent.glob(f".{glob.escape(out.name)}.*")):
        leftover = leftover_of(out, path)
        if leftover is None or not path.is_dir() or _process_alive(leftover[1]):
            continue
        if leftover[0] == "old" and not out.exists() and marker_entries(path) is not None:
            os.replace(path, out)  # the previous results, moved aside by a run killed before the swap ended
            continue
        # Ours: marked, empty, or (a previous folder whose removal was cut short) result files only.
        if marker_entries(path) is not None or {p.name for p in path.iterdir()} <= LEGACY_ENTRIES:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be writing: this one, a live one, or someone else's (left alone)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process: leave its folder alone
    return True


__all__ = ["LEGACY_ENTRIES", "MARKER", "OutError", "check_out", "clean_stale", "marker_entries", "write_marker"]
