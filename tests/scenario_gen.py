"""Random scenarios for property tests: every feature of the engine, written as scenario YAML.

``random_scenario(seed)`` returns the text of a valid scenario drawn from ``random.Random(seed)``: a random
DAG with all / any / k-of-n dependencies, fixed (whole-day, so simultaneous events happen) and uncertain
durations, observed milestones, drivers, windowed and unwindowed risks with delays, freezes, cuts and
capacity cuts, a rank correlation, funds with beneficiaries, opening milestones, inflow, commit deadlines,
availability dates, pre-financing and payment lags, programmes drawing from one or two pools, production
lines with triggers, ramps, realisation, workforce waits, priorities and orders, metric gates, shocks of every
kind and indicator targets (first reached and held at the deadline); and, in about a third of them, a status
section (as_of, milestones done, risks occurred or not by then) drawn from a separate generator, so that the
rest of a seed's scenario is the same with or without it.
"""

from __future__ import annotations

import random

SOURCE = 'source: "assumption: generated test case"'


def _duration(rng: random.Random) -> str:
    kind = rng.choice(["fixed", "fixed", "zero", "uniform", "triangular", "pert"])
    if kind == "zero":
        return ""
    if kind == "fixed":
        return f", duration: {rng.randint(1, 8) * 30} days"  # whole days: simultaneous events are common
    lo = rng.randint(10, 200)
    hi = lo + rng.randint(10, 400)
    if kind == "uniform":
        return f", duration: {{uniform: {{min: {lo}, max: {hi}}}, unit: days}}"
    mode = rng.randint(lo, hi)
    return f", duration: {{{kind}: {{min: {lo}, mode: {mode}, max: {hi}}}, unit: days}}"


def _status(rng: random.Random, ids, deps_of, kinds, risks, windows, observed=(), reportable=(),
            envelope_funds=()) -> list[str]:
    """A status section: as_of in 2026, some milestones without dependencies (or whose dependencies are reported
    done earlier) done on whole days before it — programmes among them (``reportable``: their funds open from
    the start) done or with their money committed —, perhaps one abandoned (replaced by an earlier milestone or
    not), risks occurred or not, and perhaps observed money of a fund."""
    month = rng.randint(2, 11)
    as_of = f"2026-{month:02d}-15"
    lines = ["status:", f"  as_of: {as_of}"]
    done: dict[str, int] = {}  # milestone → day of month (in months before as_of)
    committed: set[str] = set()  # programmes reported with their money committed
    facts = []
    for mid in ids:
        if not (kinds.get(mid) == "plain" or mid in reportable) or rng.random() < 0.5:
            continue
        after = deps_of.get(mid, "")
        if after and not (after.startswith("after: [") and
                          all(d in done for d in after[len("after: ["):-1].split(", "))):
            continue  # only all-of dependencies all reported done
        earliest = max((done[d] for d in after[len("after: ["):-1].split(", ")), default=1) if after else 1
        if earliest > month - 1:
            continue
        m = rng.randint(earliest, month - 1)
        day = f"2026-{m:02d}-{rng.randint(10, 28)}" if m > earliest or not after else f"2026-{m:02d}-28"
        if mid in reportable and kinds[mid] == "funded" and rng.random() < 0.5:  # money committed, under way or done
            ending = f", done: 2026-{m:02d}-28" if rng.random() < 0.5 else ""
            facts.append(f"    {mid}: {{committed: {day}{ending}, {SOURCE}}}")
            if ending:
                done[mid] = m
            committed.add(mid)
            continue
        done[mid] = m
        facts.append(f"    {mid}: {{done: {day}, {SOURCE}}}")
    open_ = [m for m in ids if m in kinds and m not in done and m not in committed]
    if open_ and rng.random() < 0.4:  # a commitment abandoned, replaced by an earlier milestone or not
        mid = rng.choice(open_)
        earlier = [m for m in ids[:ids.index(mid)] if m in kinds or m in done or m in observed]
        instead = f", replaced_by: {rng.choice(earlier)}" if earlier and rng.random() < 0.6 else ""
        facts.append(f"    {mid}: {{abandoned: 2026-01-0{rng.randint(1, 9)}{instead}, {SOURCE}}}")
    if facts:
        lines += ["  milestones:"] + facts
    rfacts = []
    for rid in risks:
        pick = rng.random()
        if pick < 0.3:
            rfacts.append(f"    {rid}: {{occurred: false, {SOURCE}}}")
        elif pick < 0.45 and windows.get(rid, 1) <= month - 1:  # in its window and before as_of
            rfacts.append(f"    {rid}: {{occurred: 2026-{rng.randint(windows.get(rid, 1), month - 1):02d}-0{rng.randint(1, 9)}, "
                          f"{SOURCE}}}")
    if rfacts:
        lines += ["  risks:"] + rfacts
    if envelope_funds and rng.random() < 0.4:
        amount = rng.choice([0, 3, 12])
        on = f", on: 2026-{rng.randint(1, month - 1):02d}-20" if rng.random() < 0.5 else ""
        lines += ["  money:", f"    {rng.choice(envelope_funds)}: {{committed: {amount}, "
                              f"disbursed: {rng.choice([0, amount / 2])}{on}, {SOURCE}}}"]
    return lines


def random_scenario(seed: int, money: bool | None = None, lines: bool | None = None,
                    status: bool | None = None) -> str:
    """A random valid scenario (YAML text); ``money``/``lines``/``status`` force funds, production or a status
    section on or off."""
    rng = random.Random(seed)
    money = rng.random() < 0.7 if money is None else money
    lines = rng.random() < 0.6 if lines is None else lines
    n = rng.randint(3, 14)
    ids = [f"m{i}" for i in range(n)]
    # metric gates (chosen first: nothing may wait for them, so no fund opens and no line is triggered by one)
    gated = {m for m in ids[1:] if money and rng.random() < 0.2}
    plain = [m for m in ids if m not in gated]
    out = [f"title: Generated scenario {seed}", "start: 2026-01-01", f"horizon: end-{rng.choice([2028, 2030, 2032])}"]

    funds, pools = [], []
    open_funds: list[str] = []
    if money:
        out.append("funds:")
        for f in range(rng.randint(1, 2)):
            fid = f"f{f}"
            funds.append(fid)
            envelope = rng.choice(["20", "{uniform: {min: 5, max: 40}}"])
            extra = ""
            if rng.random() < 0.5:
                extra += ", beneficiaries: {A: 0.6, B: 0.4}"
                pools += [f"{fid}/A", f"{fid}/B"]
            else:
                pools.append(fid)
            constrained = rng.random() < 0.4
            if constrained:
                extra += f", opens: {rng.choice(plain)}"
            if rng.random() < 0.4:
                extra += f", inflow: {rng.choice([5, 10, 20])}"
            if rng.random() < 0.3:
                extra += f", commit_by: {rng.choice(['end-2027', 'end-2029', '2028-06'])}"
            if rng.random() < 0.3:
                extra += f", available_from: {rng.choice(['2026-07-01', '2027-01', 'mid-2026'])}"
                constrained = True
            if not constrained:  # commits from the start: its programmes may be reported committed or done
                open_funds.append(fid)
            if rng.random() < 0.5:
                extra += f", prefinancing: {rng.choice([0.1, 0.15, 0.3])}"
            if rng.random() < 0.5:
                extra += ", payment_lag: {triangular: {min: 0, mode: 30, max: 90}, unit: days}"
            out.append(f"  {fid}: {{title: Fund {f}, envelope: {envelope}{extra}, {SOURCE}}}")
        if rng.random() < 0.5:
            funds.append("flow")
            out.append("  flow: {title: A flow, spending: {rate: 10, growth: {uniform: {min: 0, max: 0.1}}}, " + SOURCE + "}")

    line_ids = []
    if lines:
        out.append("lines:")
        for k in range(rng.randint(1, 3)):
            lid = f"l{k}"
            line_ids.append(lid)
            extra = ""
            if rng.random() < 0.7:
                extra += f", target_capacity: {rng.choice([400, 800, '{uniform: {min: 300, max: 900}}'])}"
                extra += f", ramp: {{after: [{rng.randint(60, 200)} days, {rng.randint(250, 600)} days], share: [0.4, 1.0]}}"
                if rng.random() < 0.6:
                    extra += f", trigger: {rng.choice(plain)}"
                    extra += ", first_output: {uniform: {min: 10, max: 120}, unit: days}"
                if k > 0 and rng.random() < 0.5:
                    extra += f", workforce: {{line: l0, workers: {rng.randint(20, 200)}}}"
            if rng.random() < 0.5:
                extra += ", realisation: {uniform: {min: 0.5, max: 1.0}}"
            if rng.random() < 0.3:
                extra += ", export_share: 0.2"
            capacity = rng.choice(["200", "365.25", "{uniform: {min: 100, max: 400}}"])
            out.append(f"  {lid}: {{title: Line {k}, unit: units, capacity: {capacity}{extra}, {SOURCE}}}")
        # a workforce line must not need a workforce itself: l0 never has one

    uncertain = []  # milestones with an uncertain duration (inputs a correlation may name)
    deps_of: dict[str, str] = {}  # `after` text of each milestone not observed
    observed_ids: list[str] = []
    kinds: dict[str, str] = {}  # milestone → "plain" (may be reported done) or "programme" (money or orders)
    out.append("milestones:")
    for i, mid in enumerate(ids):
        parts = [f"title: Milestone {i}"]
        if mid in gated:
            # a metric gate: done when a fund observable first reaches a value
            fund = rng.choice([f for f in funds if f != "flow"])
            parts.append(f"when: {{indicator: {fund}.committed_share, at_least: {rng.choice([0.2, 0.5])}}}")
            out.append(f"  {mid}: {{{', '.join(parts)}, {SOURCE}}}")
            continue
        observed = rng.random() < 0.1
        if observed:
            parts.append(f"status: done on 2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}")
        preds = [p for p in ids[:i] if p not in gated]
        if preds and rng.random() < 0.85:
            chosen = rng.sample(preds, rng.randint(1, min(3, len(preds))))
            mode = rng.choice(["all", "all", "any", "k"])
            if observed:
                pass  # an observed milestone ignores its dependencies; its date could precede theirs (an error)
            elif mode == "any" and len(chosen) > 1:
                parts.append(f"after: {{any: [{', '.join(chosen)}]}}")
            elif mode == "k" and len(chosen) > 2:
                parts.append(f"after: {{k: 2, of: [{', '.join(chosen)}]}}")
            else:
                parts.append(f"after: [{', '.join(chosen)}]")
        duration = _duration(rng)
        if duration and not observed:
            parts.append(duration[2:])
            if "unit" in duration:
                uncertain.append(mid)
        if not observed:
            deps_of[mid] = next((p for p in parts if p.startswith("after")), "")
        else:
            observed_ids.append(mid)
        parts.append(f"tags: [{'t1' if i % 2 == 0 else 't2'}]")
        if observed:
            pass  # an observed milestone draws no money and places no orders
        elif money and pools and rng.random() < 0.4:
            asked = rng.sample(pools, min(len(pools), rng.randint(1, 2)))
            amounts = ", ".join(f"{p}: {rng.choice([2, 5, 8, '{uniform: {min: 1, max: 10}}'])}" for p in asked)
            parts.append(f"funding: {{{amounts}}}")
        if lines and not observed and rng.random() < 0.4:
            line = rng.choice(line_ids)
            parts.append(f"orders: {{{line}: {rng.choice([50, 100, 300, '{uniform: {min: 20, max: 200}}'])}}}")
            if rng.random() < 0.4:
                parts.append(f"priority: {rng.randint(1, 3)}")
        if rng.random() < 0.4:
            parts.append(f"deadline: {rng.choice(['end-2026', 'mid-2027', 'end-2027', '2028-Q2'])}")
        if not observed:
            kinds[mid] = "plain"
            if any(p.startswith("orders") for p in parts):
                kinds[mid] = "ordering"
            if any(p.startswith("funding") for p in parts):
                kinds[mid] = "funded" if all(a.split("/")[0] in open_funds for a in asked) else "programme"
        out.append(f"  {mid}: {{{', '.join(parts)}, {SOURCE}}}")

    if rng.random() < 0.6:
        out.append("drivers:")
        out.append(f"  d0: {{title: Driver, factor: {{pert: {{min: 0.8, mode: 1.0, max: 1.5}}}}, applies_to: [t1], {SOURCE}}}")

    risks = []
    windows: dict[str, int] = {}  # risk → first month of its window (months from Jan 2026 = 1)
    if rng.random() < 0.8:
        out.append("risks:")
        for r in range(rng.randint(1, 3)):
            rid = f"r{r}"
            risks.append(rid)
            parts = [f"title: Risk {r}", f"probability: {rng.choice([0.3, 0.6, 1.0])}"]
            if rng.random() < 0.6:
                first = rng.choice(['2026-Q1', '2026-Q3', '2027-01'])
                windows[rid] = {"2026-Q1": 1, "2026-Q3": 7, "2027-01": 13}[first]
                parts.append(f"window: {{from: {first}, to: {rng.choice(['end-2027', 'mid-2028'])}}}")
            parts.append(f"delay: {{uniform: {{min: {rng.randint(5, 60)}, max: {rng.randint(61, 200)}}}, unit: days}}")
            parts.append(f"affects: {{milestones: [{', '.join(rng.sample(plain, rng.randint(1, min(3, len(plain)))))}]}}")
            if money and pools and rng.random() < 0.4:
                parts.append(f"freeze: [{rng.choice(pools)}]")
            if money and rng.random() < 0.3:
                envelope_funds = [f for f in funds if f != "flow"]
                parts.append(f"cut: {{funds: [{rng.choice(envelope_funds)}], share: {{uniform: {{min: 0.1, max: 0.5}}}}}}")
            if lines and rng.random() < 0.4:
                parts.append(f"capacity_cut: {{lines: [{rng.choice(line_ids)}], share: {{uniform: {{min: 0.2, max: 0.8}}}}}}")
            out.append(f"  {rid}: {{{', '.join(parts)}, {SOURCE}}}")

    shocks = []
    if rng.random() < 0.5:
        delayed = rng.choice(plain)  # drawn before ``by``: the generated scenarios stay what they were
        by = rng.choice(["30 days", "3 months", "{uniform: {min: 10, max: 90}, unit: days}"])
        shocks.append(f"  - {{delay: {delayed}, by: {by}, {SOURCE}}}")
    if rng.random() < 0.3:
        shocks.append(f"  - {{scale: {{milestones: [{rng.choice(plain)}]}}, factor: {rng.choice([0.8, 1.3])}, {SOURCE}}}")
    if risks and rng.random() < 0.3:
        shocks.append(f"  - {{risk: {rng.choice(risks)}, occurs: {rng.choice(['true', 'false'])}, {SOURCE}}}")
    if lines and rng.random() < 0.3:
        shocks.append(f"  - {{capacity: {rng.choice(line_ids)}, factor: 0.5, from: 2026-06-01, to: 2027-03-01, {SOURCE}}}")
    if money and pools and rng.random() < 0.3:
        shocks.append(f"  - {{freeze: {rng.choice(pools)}, from: 2026-03-01, to: 2026-12-31, {SOURCE}}}")
    if money and rng.random() < 0.3:
        shocks.append(f"  - {{cut: {rng.choice([f for f in funds if f != 'flow'])}, share: 0.3, {SOURCE}}}")
    if shocks:
        out.append("shocks:")
        out += shocks

    targets = []
    if money:
        fund = rng.choice([f for f in funds if f != "flow"])
        targets.append(f"  c-{fund}: {{title: Committed, indicator: {fund}.committed_share, at_least: 0.4, deadline: end-2027}}")
        targets.append(f"  p-{fund}: {{title: Paid, indicator: {fund}.disbursed, at_least: 3, deadline: end-2028}}")
        targets.append(f"  h-{fund}: {{title: Held, indicator: {fund}.disbursed_share, at_least: 0.2, deadline: end-2028, "
                       "holds: at-deadline}")
    if lines:
        line = rng.choice(line_ids)
        targets.append(f"  d-{line}: {{title: Delivered, indicator: {line}.delivered, at_least: 50, deadline: end-2027}}")
    if len(plain) >= 2:
        targets.append(f"  all: {{title: All, all_of: [{', '.join(rng.sample(plain, 2))}], deadline: end-2028}}")
    if targets:
        out.append("targets:")
        out += targets
    srng = random.Random(f"status-{seed}")  # its own generator: the rest of the scenario stays as it was
    if status if status is not None else srng.random() < 0.35:
        reportable = {m for m, kind in kinds.items() if kind in ("funded", "ordering")}
        out += _status(srng, ids, deps_of, kinds, risks, windows, observed_ids, reportable,
                       [f for f in funds if f != "flow"])
    if len(uncertain) >= 2 and rng.random() < 0.4:
        a, b = rng.sample(uncertain, 2)
        out.append("correlations:")
        out.append(f"  - {{between: [driver:d0, risk:{risks[0]}:delay], rank: 0.5, {SOURCE}}}"
                   if risks and any("d0" in line for line in out) else
                   f"  - {{between: [milestone:{a}:duration, milestone:{b}:duration], rank: 0.6, {SOURCE}}}")
    return "\n".join(out) + "\n"
