"""Results of a Monte Carlo run: target times, probabilities, P-dates, criticality, money tables, folders.

Modules, from the bottom up:

- :mod:`sim.results.stats` — Wilson intervals, quantiles of event times (inverted CDF) and of series (linear);
- :mod:`sim.results.targets` — target event times from milestone times; targets a status date resolves;
- :mod:`sim.results.criticality` — driving paths: criticality of milestones, bottleneck lines;
- :mod:`sim.results.money` — series bands of the money observables, waiting for funds;
- :mod:`sim.results.columns` — the columns of every results table;
- :mod:`sim.results.streaming` — the tables counted as batches arrive, and the first replications kept whole;
- :mod:`sim.results.folders` — the results folder's marker, the check before a run, stale leftovers;
- :mod:`sim.results.store` — writing the tables and reading them back, checked;
- :mod:`sim.results.results` — the :class:`Results` dataclass that ties them together.

Everything public is importable from ``sim.results``.
"""

from __future__ import annotations

from .columns import FUNDING_COLUMNS, MILESTONE_COLUMNS, SERIES_COLUMNS, TARGET_COLUMNS
from .criticality import criticality, driving_predecessor
from .folders import MARKER, OutError, check_out, clean_stale
from .money import funding_waits, series_bands
from .results import Results, iso_dates
from .stats import QUANTILES, Z95, average_ranks, inverted_cdf_index, nan_quantiles, quantile_times, wilson_interval
from .store import ResultsError
from .targets import resolved, target_times

__all__ = ["FUNDING_COLUMNS", "MARKER", "MILESTONE_COLUMNS", "QUANTILES", "SERIES_COLUMNS", "TARGET_COLUMNS", "Z95",
           "OutError", "Results", "ResultsError", "average_ranks", "check_out", "clean_stale", "criticality",
           "driving_predecessor", "funding_waits", "inverted_cdf_index", "iso_dates", "nan_quantiles", "quantile_times",
           "resolved", "series_bands", "target_times", "wilson_interval"]
