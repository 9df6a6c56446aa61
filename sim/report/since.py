"""What changed since the last forecast: per target the change in its chance, and the facts behind it.

Given a reference forecast (an earlier status date, or the scenario a status file extends), every target whose
chance moved by at least half a percentage point, or that the facts now resolve, is listed with its chance then
and now and the status facts that bear on it: facts on its milestones and on the milestones they wait for
(done, not done, committed, abandoned), on the risks that delay them, and on the money of the funds it reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from matplotlib.figure import Figure

from .. import charts
from ..formatting import pct, signed
from ..scenario import Fact, Scenario
from .briefing import Briefing
from .layout import A4, TextPage, text_pages

__all__ = ["Change", "changes", "facts_behind", "fact_text", "since_pages"]

MOVED = 0.005  # a change of at least half a percentage point is listed
SHOWN_FACTS = 3  # facts named per target; the rest are counted


@dataclass(frozen=True)
class Change:
    """One target's chance then and now (0–1), its status now and the facts behind the change."""

    target: str
    title: str
    then: float
    now: float
    status: str
    status_date: str
    facts: tuple[Fact, ...]


def _upstream(scenario: Scenario, ids: set[str]) -> set[str]:
    """``ids`` and every milestone they wait for, directly or not."""
    after = {m.id: m.after.ids for m in scenario.milestones}
    out, todo = set(), list(ids)
    while todo:
        node = todo.pop()
        if node in after and node not in out:
            out.add(node)
            todo.extend(after[node])
    return out


def _reads(scenario: Scenario, target_id: str) -> tuple[set[str], set[str]]:
    """The milestones and the funds a target depends on (through its members, their targets and indicators)."""
    targets = {t.id: t for t in scenario.targets}
    indicators = {i.id: i for i in scenario.indicators}
    funds = {f.id for f in scenario.funds}
    milestones: set[str] = set()
    read_funds: set[str] = set()
    todo, seen = [target_id], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in targets and targets[name].kind == "milestone":  # a target may share its milestone's id
            milestones.update(targets[name].members)
        elif name in targets:
            todo.extend(targets[name].members)
        elif name in indicators:
            todo.extend(obs for obs, _ in indicators[name].numerator + indicators[name].denominator)
        elif name.split(".", 1)[0] in funds:
            read_funds.add(name.split(".", 1)[0])
        else:
            milestones.add(name.split(".", 1)[0])  # a milestone, or MILESTONE.delivered
    return milestones, read_funds


def facts_behind(scenario: Scenario, target_id: str) -> tuple[Fact, ...]:
    """The status facts that bear on a target, in the order the status file gives them."""
    if scenario.status is None:
        return ()
    milestones, funds = _reads(scenario, target_id)
    chain = _upstream(scenario, milestones)
    pool_fund = {p: f.id for f in scenario.funds for p, _ in f.pools}
    programmes = {m.id for m in scenario.milestones if any(pool_fund.get(part.pool) in funds for part in m.funding)}
    risks = {r.id for r in scenario.risks if set(r.affects) & chain}
    out = []
    for fact in scenario.status.facts:
        if fact.kind == "money":
            relevant = fact.id.split(".", 1)[0] in funds
        elif fact.kind in ("occurred", "not-occurred"):
            relevant = fact.id in risks
        else:
            relevant = fact.id in chain or fact.id in programmes
        if relevant:
            out.append(fact)
    return tuple(out)


def _day(date: dt.date | None) -> str:
    return f"{date.day} {date:%b %Y}" if date else ""


def fact_text(fact: Fact, scenario: Scenario) -> str:
    """A fact in words: what, of which element, when."""
    titles = {m.id: m.title for m in scenario.milestones} | {r.id: r.title for r in scenario.risks}
    title = titles.get(fact.id, fact.id)
    as_of = _day(scenario.status.as_of) if scenario.status is not None else ""
    if fact.kind == "done":
        return f"{title}: done on {_day(fact.date)}"
    if fact.kind == "not-done":
        return f"{title}: not done by {as_of}"
    if fact.kind == "committed":
        return f"{title}: money committed on {_day(fact.date)}"
    if fact.kind == "abandoned":
        instead = f", replaced by {titles.get(fact.replaced_by, fact.replaced_by)}" if fact.replaced_by else ""
        return f"{title}: abandoned on {_day(fact.date)}{instead}"
    if fact.kind == "occurred":
        return f"risk {title}: occurred on {_day(fact.date)}"
    if fact.kind == "not-occurred":
        return f"risk {title}: had not occurred by {as_of}"
    fund, kind = fact.id.split(".", 1)
    return f"{fund}: € {fact.amount:g} bn {kind} by {_day(fact.date)}"


def changes(b: Briefing) -> list[Change]:
    """Targets whose chance moved by at least half a point, or that the facts resolve, largest change first."""
    if b.reference is None:
        return []
    then = dict(zip(b.reference.targets["target"].astype(str), b.reference.targets["p_met"].astype(float),
                    strict=True))
    out = []
    for row in b.results.targets.to_dict("records"):
        target = str(row["target"])
        if target not in then:
            continue
        status, status_date = (str(v) if isinstance(v, str) else default  # NaN when read back from a CSV
                               for v, default in ((row.get("status"), "open"), (row.get("status_date"), "")))
        if abs(float(row["p_met"]) - then[target]) < MOVED and status == "open":
            continue
        facts = facts_behind(b.scenario, target) if b.scenario is not None else ()
        out.append(Change(target, str(row["title"]), then[target], float(row["p_met"]), status,
                          status_date, facts))
    return sorted(out, key=lambda c: -abs(c.now - c.then))


def change_line(c: Change) -> str:
    """``then → now (±pp)``, and the status when the facts resolve the target."""
    resolved = f"; {c.status.upper()}" + (f" on {c.status_date}" if c.status_date else "") if c.status != "open" else ""
    return f"{pct(c.then)} → {pct(c.now)} ({signed(100 * (c.now - c.then), ' pp', 1)}){resolved}"


def facts_line(c: Change, scenario: Scenario | None) -> str:
    """The facts behind a change, the first few named and the rest counted."""
    if not c.facts or scenario is None:
        return "No status fact bears on it directly: the change comes through shared money, lines or noise."
    named = "; ".join(fact_text(f, scenario) for f in c.facts[:SHOWN_FACTS])
    more = len(c.facts) - SHOWN_FACTS
    return named + (f"; and {more} more" if more > 0 else "")


def since_text(b: Briefing, listed: list[Change]) -> TextPage:
    """The page's lines: a heading, a reading note, then per target of ``listed`` its change and the facts behind it."""
    page = TextPage(A4[0])
    ref = b.reference
    title = ref.meta.get("title", "") if ref is not None else ""
    page.add("Since the last forecast: what changed, and the facts behind it", size=15, weight="bold")
    status = b.scenario.status if b.scenario is not None else None
    as_of = f" Facts as of {_day(status.as_of)} ({len(status.facts)} in all)." if status is not None else ""
    page.add(f"Against {title or 'the reference forecast'}: every target whose chance moved by at least half a "
             f"percentage point, or that the facts now resolve, largest change first.{as_of} Both forecasts share "
             "their random numbers, so a change is the facts' effect, not noise.", size=9.5, colour="#444444", before=2)
    for c in listed:
        page.add(f"{c.title} — {change_line(c)}", size=10, weight="bold", before=6)
        page.add(f"Facts: {facts_line(c, b.scenario)}", size=9, colour="#333333", indent=4)
    return page


def since_pages(b: Briefing) -> list[Figure]:
    """The 'since the last forecast' pages (none without a reference forecast or a change)."""
    listed = changes(b)
    if not listed:
        return []
    return text_pages(since_text(b, listed), lambda fig: charts.add_footer(fig, b.results))
