"""The scenario a run was made from, found again from what the run recorded (its path and sha256).

A results folder names its scenario file (``run.json``: ``scenario``, ``scenario_sha256``); a report built
later, perhaps from another folder, needs that scenario for the assumptions and their sources.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ScenarioError
from ..scenario import Scenario
from ..shipped import resolve
from .build import load


def load_recorded(path: str | None, sha256: str | None = None) -> tuple[Scenario | None, str]:
    """The scenario a run recorded as ``path`` (with the sha256 of its files), and a note for the reader.

    A relative path that does not exist from the current folder is looked up among the shipped scenarios
    (:func:`sim.shipped.resolve`); ``sha256`` tells whether the file (or a file it extends) changed since.

    Returns
    -------
    scenario : Scenario or None
        None when the run names no file, the file is not found or no longer loads.
    note : str
        Why the scenario is missing, or that it changed since the run; empty when all is well.
    """
    if not path:
        return None, "The run does not name its scenario file: assumptions and sources cannot be listed."
    found = resolve(path)
    if found is None:
        return None, (f"Scenario file '{path}' not found from {Path.cwd()}: assumptions and sources cannot be "
                      f"listed. Build the report from the folder the run was made in, or name the file.")
    try:
        scenario = load(found)
    except ScenarioError as exc:
        return None, f"Scenario file '{found}' no longer loads ({len(exc.problems)} problems): sources not listed."
    if sha256 and scenario.sha256 and sha256 != scenario.sha256:
        return scenario, (f"Scenario file '{found}' has changed since the run (sha256 {scenario.sha256[:12]}… instead "
                          f"of {sha256[:12]}…): the sources shown are those of the current file.")
    return scenario, ""
