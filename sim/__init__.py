"""readiness-sim: how likely the EU is to meet the milestones and targets of its Defence Readiness Roadmap 2030.

Public API::

    import sim
    scenario = sim.load("scenarios/baseline.yaml")
    results = sim.run(scenario, n=2000, seed=7)
    results.targets        # one row per target: probability, 95 % interval, P-dates
    results.milestones     # one row per milestone, with criticality
    sim.trace(scenario, replication=3)   # replay one replication event by event
"""

__version__ = "0.1.0"

try:
    from .load import Problem, ScenarioError, load  # noqa: E402
    from .results import Results  # noqa: E402
    from .runner import RunInterrupted, run, trace  # noqa: E402
    from .scenario import Scenario  # noqa: E402
except KeyboardInterrupt:
    import sys as _sys

    # Ctrl-C while the `readiness` command is still importing (numpy, pandas, SimPy: ~2 s) ends it like Ctrl-C
    # anywhere else in it: exit 130 without a traceback. A library import (Jupyter, scripts) keeps the exception.
    if _sys.argv and (_sys.argv[0] == "-m" or _sys.argv[0].rsplit("/", 1)[-1].startswith("readiness")):
        raise SystemExit(130) from None
    raise

__all__ = ["Problem", "Results", "RunInterrupted", "Scenario", "ScenarioError", "__version__", "load", "run", "trace"]
