"""The only file reader: YAML with line numbers → ``extends`` merged → validated :class:`~sim.scenario.Scenario`.

Modules: :mod:`.yaml_reader` (one file, its limits), :mod:`.extends` (the chain of files, merged, and its sha256),
:mod:`.checks` (the checker), :mod:`.header` and one module per section (:mod:`.milestones`, :mod:`.drivers`,
:mod:`.risks`, :mod:`.correlations`, :mod:`.money`, :mod:`.production`, :mod:`.status`, :mod:`.shocks`,
:mod:`.targets`), :mod:`.build`, which puts them together, and :mod:`.recorded` (the scenario of a run).
"""

from ..errors import Problem, ScenarioError, did_you_mean
from .build import load, load_with_warnings
from .extends import MAX_EXTENDS
from .milestones import KINDS
from .recorded import load_recorded
from .yaml_reader import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    Unreadable,
    read_text,
    read_yaml,
    scenario_title,
)

__all__ = ["KINDS", "MAX_ALIASES", "MAX_DEPTH", "MAX_EXTENDS", "MAX_FILE_BYTES", "MAX_NODES", "Problem", "ScenarioError",
           "Unreadable", "did_you_mean", "load", "load_recorded", "load_with_warnings", "read_text", "read_yaml",
           "scenario_title"]
