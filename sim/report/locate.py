"""Finding the scenario file of a run read back from a results folder, for the command line.

The briefing never reads a file: it takes the scenario from its caller or from ``results.scenario``. A run read
back with :meth:`sim.Results.load` carries no scenario, so ``readiness report RESULTS_DIR`` looks for the file
the run names in ``run.json`` (resolved against the shipped scenarios when the run was made elsewhere) before it
builds the briefing, and asks for ``--scenario FILE`` when it is not found. The file is read by the loader
(:func:`sim.load`); this module only says where it is and what a reader should know about it.
"""

from __future__ import annotations

from pathlib import Path

from ..load import ScenarioError, load
from ..results import Results
from ..scenario import Scenario
from ..shipped import resolve

__all__ = ["scenario_of"]


def scenario_of(results: Results) -> tuple[Scenario | None, str]:
    """The scenario a run was made from, loaded from ``results.meta['scenario']``, and a note for the reader.

    A relative path that does not exist from the current folder is looked up among the shipped scenarios
    (:func:`sim.shipped.resolve`); the sha256 recorded by the run tells whether it is the same file.

    Returns
    -------
    (sim.Scenario or None, str)
        The scenario, and a note that says why it is missing, or that the file has changed since the run (its
        sha256 differs; the sources are then those of the current file); empty when all is well.
    """
    path = results.meta.get("scenario")
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
    expected = results.meta.get("scenario_sha256")
    if expected and scenario.sha256 and expected != scenario.sha256:
        return scenario, (f"Scenario file '{found}' has changed since the run (sha256 {scenario.sha256[:12]}… instead "
                          f"of {expected[:12]}…): the sources shown are those of the current file.")
    return scenario, ""
