"""The columns of the results tables, in order.

What ``targets.csv``, ``milestones.csv``, ``series.csv`` and ``funding.csv`` hold: one definition, used to build,
write, read and check them (and by the charts).
"""

from __future__ import annotations

# The contract's columns first (DESIGN.md, "Results contract"), then extra columns.
TARGET_COLUMNS = ["target", "title", "kind", "deadline", "p_met", "ci_low", "ci_high", "p10", "p50", "p80", "p90",
                  "section", "roadmap_id", "observable", "threshold", "constraint", "status", "status_date"]
# Columns a results folder written before they existed may lack, with the value they are filled in with when read.
LATER_TARGET_COLUMNS = {"status": "open", "status_date": ""}
MILESTONE_COLUMNS = ["milestone", "title", "section", "deadline", "p_on_time", "p10", "p50", "p80", "p90", "criticality",
                     "roadmap_id", "ci_low", "ci_high"]
SERIES_COLUMNS = ["observable", "date", "p10", "p50", "p90", "mean"]
FUNDING_COLUMNS = ["milestone", "pool", "p_requested", "p_waited", "mean_wait_days", "p90_wait_days", "p_never",
                   "p_short", "mean_share_received"]
# Columns of targets.csv and milestones.csv that hold text (ids, dates as ISO text, empty for none), read as text.
TEXT_COLUMNS = ("deadline", "p10", "p50", "p80", "p90", "roadmap_id", "observable", "section", "constraint", "status",
                "status_date")

__all__ = ["FUNDING_COLUMNS", "LATER_TARGET_COLUMNS", "MILESTONE_COLUMNS", "SERIES_COLUMNS", "TARGET_COLUMNS",
           "TEXT_COLUMNS"]
