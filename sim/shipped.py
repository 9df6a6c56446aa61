"""Where the shipped scenarios are: package data of an installed copy, or ``scenarios/`` of a source checkout.

The wheel carries the project's ``scenarios/`` folder as the package ``sim.scenarios`` (see ``pyproject.toml``),
so ``readiness list`` and a report whose run named ``scenarios/baseline.yaml`` work from any folder.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["scenarios_dir", "resolve"]


def scenarios_dir() -> Path | None:
    """The folder of the shipped scenarios, or None when neither an installed nor a source copy is found."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "scenarios", here.parent / "scenarios"):  # installed package data; source checkout
        if (candidate / "baseline.yaml").is_file():
            return candidate
    return None


def resolve(path: str | Path) -> Path | None:
    """``path`` if it is a file; else the shipped copy of a relative path under ``scenarios/``; else None.

    A run from the project folder records such a relative path.
    """
    path = Path(path)
    if path.is_file():
        return path
    folder = scenarios_dir()
    if folder is None or path.is_absolute():
        return None
    parts = path.parts
    if "scenarios" in parts:
        candidate = folder.joinpath(*parts[parts.index("scenarios") + 1:])
        if candidate.is_file():
            return candidate
    return None
