"""``readiness list`` and ``readiness targets``.

``list``: the shipped scenarios, or those of a folder, with their titles; ``targets``: the targets of one scenario.
"""

from __future__ import annotations

from pathlib import Path

from ..load import scenario_title
from ..shipped import scenarios_dir
from .common import UsageError, load_one


def list_command(args) -> int:
    """Print every scenario file under ``args.dir`` (default: the shipped ones) with its title."""
    folder = Path(args.dir) if args.dir else scenarios_dir()
    if folder is None:
        raise UsageError("the shipped scenarios are not installed with this copy; pass --dir FOLDER")
    if not folder.is_dir():
        raise UsageError(f"no folder '{folder}'; pass --dir with a folder of scenario files")
    paths = sorted(folder.rglob("*.yaml"))
    shown = [str(p) for p in paths]
    width = max([len(s) for s in shown] + [20])
    for path, text in zip(paths, shown, strict=True):
        title = scenario_title(path)  # the loader's limits: a hostile file in the folder cannot hang this
        print(f"{text:<{width}}  {'(unreadable)' if title is None else title}")
    return 0


def targets_command(args) -> int:
    """Print the targets of ``args.scenario`` by section."""
    from ..tables import scenario_targets_table

    print(scenario_targets_table(load_one(args.scenario)))
    return 0
