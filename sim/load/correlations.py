"""Validation of the ``correlations`` section: rank correlations between uncertain inputs."""

from __future__ import annotations

from ..errors import did_you_mean
from ..scenario import Correlation
from .checks import Checker, needs_source, plain


def correlations(raw, check: Checker, inputs: set[str]) -> list[Correlation]:
    """The rank correlations between the named ``inputs``; the others are reported in ``check``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add(("correlations",), "expected a list of {between: [input, input], rank: r, source: ...}")
        return []
    out, seen = [], set()
    for i, item in enumerate(raw):
        path = ("correlations", i)
        if not isinstance(item, dict):
            check.add(path, f"found {item!r}; expected {{between: [input, input], rank: r}}")
            continue
        check.unknown_keys(item, ("between", "rank", "source"), path, "a correlation")
        names = check.str_list(item.get("between"), path + ("between",), "input names")
        rank = item.get("rank")
        good = len(names) == 2
        if not good:
            check.add(path + ("between",), f"found {item.get('between')!r}; expected exactly two input names")
        for j, name in enumerate(names):
            if name not in inputs:
                hint = did_you_mean(name, inputs) or (" (inputs are milestone:ID:duration for uncertain durations, "
                                                      "driver:ID, risk:ID:occurs|delay|time)")
                check.add(path + ("between", j), f"'{name}' is not an uncertain input of this scenario{hint}")
                good = False
        if good and names[0] == names[1]:
            check.add(path + ("between",), "an input cannot be correlated with itself")
            good = False
        if good and frozenset(names) in seen:
            check.add(path + ("between",), f"the pair {names[0]}, {names[1]} is correlated twice")
            good = False
        try:
            rank = plain(rank)
            if not -1 <= rank <= 1:
                raise ValueError(f"found {rank}; expected a rank correlation from -1 to 1")
        except ValueError as exc:
            check.add(path + ("rank",), str(exc))
            good = False
        source = needs_source(item, path, check, "correlation")
        if good and rank is not None:
            seen.add(frozenset(names))
            out.append(Correlation((names[0], names[1]), rank, source))
    return out
