"""The sentences every format of the briefing shares: the headline, its detail, the run line, a target's line."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import charts
from ..formatting import fmt_date, iso, pct, pct_range
from ..results import Results
from .briefing import Briefing, cell

__all__ = ["headline", "headline_detail", "run_line", "p_date", "target_line", "drives_text"]

NARROW_NBSP = "\u202f"  # thousands separator: '10 000' never breaks across lines


def headline(b: Briefing) -> str:
    """'4–7 of 70 targets on track': the count's range over Monte Carlo noise (one number when it has none)."""
    low, count, high = b.on_track
    n = sum(b.counts.values())
    span = f"{low}–{high}" if low != high else f"{count}"
    return f"{span} of {n} targets on track"


def headline_detail(b: Briefing) -> str:
    """What 'on track' means, the count in this run, and how many targets are AMBER and RED."""
    green, amber = b.thresholds
    _, count, _ = b.on_track
    return (f"On track: at least {pct(green)} chance of meeting the deadline. {count} in this run; the range is "
            f"what another run could show (90 %, Monte Carlo noise at {b.results.n:,} replications). "
            f"{b.counts['AMBER']} AMBER ({pct(amber)} to {pct(green)}), {b.counts['RED']} RED (below {pct(amber)})."
            ).replace(",", NARROW_NBSP)


def run_line(results: Results) -> str:
    """Replications, seed, start, horizon, the day of the run and the program's version, on one line."""
    m = results.meta
    created = str(m.get("created", ""))[:10] or "unknown date"
    return (f"{results.n:,} replications · seed {m.get('seed')} · start {m.get('start')} · horizon {m.get('horizon')} · "
            f"run {created} · readiness-sim {m.get('package_version', '?')}").replace(",", NARROW_NBSP)


def p_date(value: Any) -> str:
    """A P-date of a results table for a reader: '30 Jun 2027', or 'beyond the horizon' when empty."""
    d = iso(value)
    return fmt_date(d) if d else "beyond the horizon"


def target_line(row: pd.Series) -> str:
    """A target's chance by its deadline with its 95 % interval, and its P50 and P80 dates."""
    deadline = iso(cell(row, "deadline"))
    return (f"{pct(float(cell(row, 'p_met')))} chance by {fmt_date(deadline) if deadline else '—'} "
            f"(95 % interval {pct_range(float(cell(row, 'ci_low')), float(cell(row, 'ci_high')))}); "
            f"P50 {p_date(cell(row, 'p50'))}, P80 {p_date(cell(row, 'p80'))}")


def drives_text(drives: list[tuple[str, str]], width: int) -> str:
    """The targets an assumption moves, with the effect: 'Title (+12 pp); Other title (−3 pp)'."""
    return "; ".join(f"{charts.shorten_label(title, width)} ({effect})" for title, effect in drives)
