"""Plain words for a reader: labels of inputs and observables, their units, levers, text cut at word boundaries.

Briefings are read by people who never saw a scenario file, so nothing here returns an id when a title exists.
Labels of inputs are computed once per run (:func:`input_labels`, stored in ``run.json`` as ``labels``);
labels of observables need the scenario's titles (:func:`observable_label`) and fall back to words made from
the id. Input names are split only through :func:`sim.names.parse`.
"""

from __future__ import annotations

import re

from . import names

__all__ = ["factor_label", "GROUP_WORDS", "input_labels", "observable_label", "observable_unit", "format_value", "lever",
           "lever_direction", "shorten"]

ELLIPSIS = "…"


def shorten(text: str, width: int) -> str:
    """``text`` on one line, at most ``width`` characters, cut at a word boundary with an ellipsis.

    A first word longer than the whole width is cut after a hyphen of it when it has one ('Critical-raw-…'), and
    only otherwise inside the word (there is no boundary to cut at).

    Parameters
    ----------
    text : str
    width : int
        Maximum number of characters, the ellipsis included.

    Returns
    -------
    str
    """
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if text[width - 1] != " ":  # inside a word: back to the last space, else to the last hyphen of a compound
        if " " in cut:
            cut = cut[: cut.rindex(" ")]
        elif "-" in cut:
            cut = cut[: cut.rindex("-") + 1]
    return cut.rstrip(" ,;:–(") + ELLIPSIS


def _titles(items) -> dict[str, str]:
    return {getattr(x, "id", ""): getattr(x, "title", "") or getattr(x, "id", "") for x in items or ()}


def _pool_title(scenario, pool: str) -> str:
    """'SAFE loans' for ``safe``; 'EDIP (main)' for ``edip/main``."""
    fund, _, part = pool.partition("/")
    title = _titles(getattr(scenario, "funds", ())).get(fund, fund.upper() if len(fund) <= 5 else fund)
    return f"{title} ({part.replace('-', ' ')})" if part else title


def input_labels(scenario) -> dict[str, str]:
    """A readable label for every input name, for driver tables, tornado charts and the briefing.

    Labels keep a leading kind ("Duration: ", "Risk occurs: ", …) that :func:`sim.charts.driver_phrase` turns
    into a phrase; every id is replaced by the title of the element it names.

    Parameters
    ----------
    scenario : sim.Scenario

    Returns
    -------
    dict of str to str
        Input name (``milestone:ID:duration``, ``risk:ID:occurs`` …) → label.
    """
    milestones = _titles(scenario.milestones)
    lines = {line.id: line for line in scenario.lines}
    labels = {names.driver(d.id): f"{d.title} (shared factor)" for d in scenario.drivers}
    labels |= {names.duration(m.id): f"Duration: {m.title}" for m in scenario.milestones}
    for r in scenario.risks:
        labels |= {names.risk(r.id, "occurs"): f"Risk occurs: {r.title}", names.risk(r.id, "delay"): f"Risk delay: {r.title}",
                   names.risk(r.id, "time"): f"Risk timing: {r.title}",
                   names.risk(r.id, "cut"): f"Envelope cut: {r.title}",
                   names.risk(r.id, "capacity_cut"): f"Capacity cut: {r.title}"}
    labels |= {s.name: f"Imposed delay on {', '.join(milestones.get(a, a) for a in s.affects)}"
               for s in scenario.shifts}
    for f in scenario.funds:
        labels |= {names.fund(f.id, "envelope"): f"Envelope of {f.title}",
                   names.fund(f.id, "growth"): f"Yearly growth of {f.title}"}
    for m in scenario.milestones:
        for part in m.funding:
            pool = _pool_title(scenario, part.pool)
            labels |= {names.funding(m.id, part.pool, "amount"): f"Money needed by ‘{m.title}’ from {pool}",
                       names.funding(m.id, part.pool, "lag"): f"Payment delay of {pool} for ‘{m.title}’"}
        for o in m.orders:
            line = lines.get(o.line)
            what = line.unit if line is not None and line.unit else "units"
            labels[names.order(m.id, o.line)] = f"Number of {what} ordered by ‘{m.title}’"
    for ind in scenario.indicators:
        for role, weights in (("numerator", ind.numerator), ("denominator", ind.denominator)):
            for name, _ in weights:
                labels[names.indicator_weight(ind.id, role, name)] = (
                    f"How much of {_lower_first(observable_label(name, scenario))}"
                    f" counts towards ‘{ind.title}’")
    for line in scenario.lines:
        labels |= {names.line(line.id, "capacity"): f"Starting capacity of {line.title}",
                   names.line(line.id, "target"): f"Capacity aimed for: {line.title}",
                   names.line(line.id, "first_output"): f"Time to first output: {line.title}",
                   names.line(line.id, "realisation"): f"Share of announced capacity really built: {line.title}"}
    return labels


# ---------------------------------------------------------------------------------------------- observables

_MONEY = {"committed": "money committed", "disbursed": "money paid out"}
_SHARE = {"committed_share": "share of the envelope committed", "disbursed_share": "share of the envelope paid out"}
_LINE = {"capacity": "production capacity", "output": "cumulative production", "delivered": "deliveries on orders"}


def _kind(observable: str) -> str:
    """'share', 'money', 'capacity', 'count' or 'plain' from the observable's name alone."""
    owner, dot, what = observable.partition(".")
    if not dot:
        return "share"  # an indicator: a ratio (the scenario format defines indicators as ratios)
    if what in _SHARE or what == "closed":
        return "share"
    if what in _MONEY:
        return "money"
    if what == "capacity":
        return "capacity"
    if what in ("output", "delivered"):
        return "count"
    return "plain"


def observable_unit(observable: str, scenario=None) -> str:
    """The unit an observable's values are shown in: '%', '€ bn', '<unit> per year', '<unit>' or ''.

    Shares (indicators, shares of envelopes, capability gaps closed) are stored 0–1 and shown in %.
    """
    kind = _kind(observable)
    if kind == "share":
        return "%"
    if kind == "money":
        return "€ bn"
    owner = observable.partition(".")[0]
    unit = ""
    lines = {line.id: line for line in getattr(scenario, "lines", ())}
    if owner in lines:
        unit = lines[owner].unit
    else:  # an order: the unit of the line it orders from
        for m in getattr(scenario, "milestones", ()):
            if m.id == owner and m.orders and m.orders[0].line in lines:
                unit = lines[m.orders[0].line].unit
    unit = unit or "units"
    return f"{unit} per year" if kind == "capacity" else unit


def observable_label(observable: str, scenario=None) -> str:
    """A name for an observable, in words: 'SAFE loans: share of the envelope paid out'.

    Uses the scenario's titles when given, else words made from the id (never the bare id).
    """
    owner, dot, what = observable.partition(".")
    collections = ("indicators", "funds", "lines", "capabilities", "milestones")
    titles = {}
    for collection in collections:
        titles.update({k: v for k, v in _titles(getattr(scenario, collection, ())).items() if k not in titles})
    name = titles.get(owner) or _words(owner)
    if not dot:
        return name
    if what == "closed":
        return f"{name}: share of the capability gap closed"
    phrase = _MONEY.get(what) or _SHARE.get(what) or _LINE.get(what) or what.replace("_", " ")
    if what == "delivered" and owner not in _titles(getattr(scenario, "lines", ())) and scenario is not None:
        phrase = "delivered"
    return f"{name}: {phrase}"


def _lower_first(text: str) -> str:
    """'Envelope of …' → 'envelope of …', but 'SAFE …' and 'EDIP …' keep their capitals (acronyms)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _words(ident: str) -> str:
    if len(ident) <= 5 and "-" not in ident:
        return ident.upper()  # SAFE, EDIP, EDF: acronyms
    text = ident.replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


def format_value(value: float, unit: str) -> str:
    """A value with its unit for a reader: '35 %', '€12.5 bn', '1.75 million rounds', '40,000 workers'."""
    if unit == "%":
        return f"{value * 100:.0f} %"
    if unit == "€ bn":
        return f"€{value:,.1f} bn".replace(",", "\u202f")
    size = abs(value)
    if size >= 1e6:
        number = f"{value / 1e6:.3g} million"
    elif size >= 1000:
        number = f"{value:,.0f}".replace(",", "\u202f")
    else:
        number = f"{value:.3g}"
    return f"{number} {unit}".strip()


# ---------------------------------------------------------------------------------------------- levers

# What to do about an input, by (kind, part) of its name (part None: any part). The quoted title fills {what}.
_LEVERS: dict[tuple[str, str | None], str] = {
    ("driver", None): "work on {what}",
    ("milestone", "duration"): "speed up {what}",
    ("risk", "occurs"): "prevent or mitigate {what}",
    ("risk", "delay"): "limit the delay from {what}",
    ("risk", "time"): "prepare earlier for {what}",
    ("risk", "cut"): "protect the money against {what}",
    ("risk", "capacity_cut"): "secure supplies against {what}",
    ("line", "target"): "aim higher: {what}",
    ("line", "first_output"): "start production sooner: {what}",
    ("line", "realisation"): "make announced capacity real: {what}",
}
# Inputs whose label is already a phrase about the element ('Envelope of SAFE loans'): the lever prefixes it.
_PHRASE_LEVERS: dict[tuple[str, str | None], str] = {
    ("fund", "envelope"): "secure the full {what}",
    ("fund", "growth"): "raise the {what}",
    ("funding", "amount"): "secure the {what}",
    ("funding", "lag"): "shorten the {what}",
    ("order", None): "raise the {what}",
    ("line", "capacity"): "expand the {what}",
    ("indicator", None): "{what}",
    ("shock", None): "avoid the {what}",
}
_KIND_PREFIX = re.compile(r"^(Duration|Risk occurs|Risk delay|Risk timing|Envelope cut|Capacity cut|Time to first "
                          r"output|Capacity aimed for|Share of announced capacity really built): ")


def _template(table: dict[tuple[str, str | None], str], name: names.Name) -> str | None:
    """The entry of ``table`` for the parsed input name: by kind and part, else by kind alone."""
    return table.get((name.kind, name.part)) or table.get((name.kind, None))


def lever(name: str, label: str = "", width: int = 70) -> str:
    """What a decision maker can act on, for an input: 'speed up ‘Co-legislators adopt EDIP’'.

    Parameters
    ----------
    name : str
        The input's name (``milestone:ID:duration``, ``driver:ID`` …).
    label : str, optional
        Its label (from :func:`input_labels`); default the id the name holds.
    width : int, default 70
        Longest text quoted, cut at a word boundary.

    Returns
    -------
    str
        A phrase starting with a verb, in lower case.
    """
    parsed = names.parse(name)
    what = str(label or (parsed.ids[0] if ":" in name else name))
    if (template := _template(_PHRASE_LEVERS, parsed)) is not None:
        if parsed.kind == "indicator" and what.startswith("How much of "):
            what = "make more of " + what[len("How much of "):].replace(" counts towards ", " count towards ", 1)
        return shorten(template.format(what=_lower_first(what)), width + 20)
    what = _KIND_PREFIX.sub("", what)
    if what.endswith(" (shared factor)"):
        what = "the shared factor " + f"‘{shorten(what[: -len(' (shared factor)')], width)}’"
    else:
        what = f"‘{shorten(what, width)}’"
    if (template := _template(_LEVERS, parsed)) is not None:
        return template.format(what=what)
    return f"act on {what}"


# Inputs whose lever raises them (more money, more capacity); every other lever lowers its input (a shorter
# duration, a risk avoided, a smaller cut, a faster shared factor).
_RAISED = {("fund", "envelope"), ("fund", "growth"), ("funding", "amount"), ("order", None), ("line", "capacity"),
           ("line", "target"), ("line", "realisation"), ("indicator", None)}


def lever_direction(name: str) -> int:
    """+1 when acting on the input means raising it (money, capacity), −1 when lowering it.

    Lowered are durations, delays, risks, cuts and shared factors that scale durations. An input is a lever for
    a target only when acting on it helps: ``impact_pp * lever_direction(name) > 0``, where ``impact_pp`` is the
    target's chance with the input high minus low.
    """
    parsed = names.parse(name)
    return 1 if (parsed.kind, parsed.part) in _RAISED or (parsed.kind, None) in _RAISED else -1


# ---------------------------------------------------------------------------------------------- sensitivity factors

GROUP_WORDS = {"drivers": "Shared drivers (all of them)", "risks": "Risks (all of them)",
               "funds": "Money: envelopes, amounts and payment lags", "lines": "Production: capacities and orders"}


def factor_label(factor: str, labels: dict[str, str] | None = None) -> str:
    """A factor in plain words: a single input by its label (``labels``: input name → label), a group by its kind.

    ``durations:SECTION`` reads "Durations in the SECTION section"; factors merged by a correlation are joined
    with " + ".
    """
    if " + " in factor:
        return " + ".join(factor_label(f, labels) for f in factor.split(" + "))
    if factor in GROUP_WORDS:
        return GROUP_WORDS[factor]
    if factor.startswith("durations:"):
        return f"Durations in the {factor.split(':', 1)[1].replace('_', ' ')} section"
    return (labels or {}).get(factor, factor)
