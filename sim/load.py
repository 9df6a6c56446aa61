"""The only file reader: YAML → dict with line numbers → ``extends`` merged → validated :class:`Scenario`.

Every problem in a file is collected and reported at once, each as ``file:line: key.path: message`` where the
message says what was found and what is allowed. Scenario files are data: they are parsed with PyYAML's safe
loader (no tags, no code), and nothing in them is ever evaluated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from pathlib import Path

import numpy as np
import yaml

from . import calendar as cal
from . import load_money as money
from . import load_production as production
from . import load_shocks, load_status, names
from .checks import ID, ID_RULE, Checker, needs_source
from .distributions import Fixed
from .distributions import plain as _plain
from .errors import Path_, Problem, ScenarioError, did_you_mean, format_path
from .scenario import Correlation, Dependency, Driver, Milestone, Risk, Scenario, Target, uncertain_inputs

KINDS = ("political", "legislative", "financial", "industrial", "operational")
_TOP = {
    "title": "a one-line title",
    "description": "free text",
    "start": "the first simulated day (ISO date)",
    "horizon": "the last simulated period",
    "seed": "default seed",
    "extends": "a parent scenario file",
    "drivers": "shared factors",
    "milestones": "the network",
    "risks": "the risk register",
    "correlations": "rank correlations",
    "shocks": "changes against the parent scenario",
    "funds": "money: envelopes and spending flows",
    "indicators": "quantities derived from the money flows",
    "lines": "production lines",
    "capabilities": "priority capability areas and what closes their gaps",
    "targets": "extra targets",
    "status": "facts known on a status date (docs/status-date.md)",
}
_MILESTONE_KEYS = ("title", "section", "kind", "tags", "roadmap_id", "deadline", "after", "duration", "status",
                   "funding", "orders", "priority", "when", "source", "constraint")
_DRIVER_KEYS = ("title", "factor", "applies_to", "source")
_RISK_KEYS = ("title", "probability", "window", "delay", "affects", "freeze", "cut", "capacity_cut", "source")
_TARGET_KEYS = ("title", "milestone", "all_of", "any_of", "indicator", "at_least", "holds", "deadline", "section",
                "roadmap_id", "constraint")
# Years a scenario may span (the roadmap runs 2025–2030; anything far outside is a typo or an attack).
MIN_YEAR, MAX_YEAR, MAX_YEARS = 1900, 2200, 100
_SECTIONS = ("drivers", "milestones", "risks", "targets", "funds", "indicators", "lines", "capabilities")



# ---------------------------------------------------------------------------------------------- reading YAML


_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}

# Limits that make a hostile file cheap to refuse. The shipped baseline is ~130 kB, 5,600 values nested 6 deep, with
# no aliases; these leave room for scenarios many times larger while refusing an alias bomb or a
# 100,000-deep nesting in milliseconds instead of running out of memory or stack.
MAX_FILE_BYTES = 4_000_000
MAX_ALIASES = 1_000
MAX_DEPTH = 50
MAX_NODES = 250_000  # values after aliases are expanded (the baseline has 5,600)
MAX_EXTENDS = 20  # files in an `extends` chain (the shipped ones: 2)

# Characters YAML forbids anywhere in a stream (PyYAML's reader check, done here to name the line).
_FORBIDDEN = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


class _Limit(yaml.YAMLError):
    """A file refused by one of the size limits above; ``line`` is 1-based (0: the whole file)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.message, self.line = message, line


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 scalars and the size limits above.

    * Only ``true``/``false`` are booleans: YAML 1.1 also reads ``on``, ``off``, ``yes``, ``no``, ``y``, ``n``
      as booleans, which turned a milestone ``on:`` into the id ``True``.
    * Only ``YYYY-MM-DD`` is a date: YAML 1.1 also accepts ``2025-3-1`` and times of day, which the calendar
      grammar does not; such text stays text and the calendar check says what is accepted.
    * No ``<<`` merge keys and ``=`` value keys: they stay plain text (and are reported as unknown keys).
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag.rsplit(":", 1)[-1] not in ("bool", "timestamp", "merge", "value")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, text: str):
        super().__init__(text)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Limit(f"more than {MAX_ALIASES} aliases (*name); scenario files are plain data",
                             event.start_mark.line + 1)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Limit(f"nested more than {MAX_DEPTH} levels deep", event.start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:timestamp", re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
                              list("0123456789"))


class Unreadable(ValueError):
    """A file that is too large or not UTF-8 text; ``line`` is where the problem is (0: the whole file)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


def read_text(path: Path, what: str = "scenario file") -> str:
    """The text of ``path``, refused (:class:`Unreadable`) when it is too large or not UTF-8 text."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise Unreadable(f"is {size / 1e6:.1f} MB; a {what} may be at most {MAX_FILE_BYTES / 1e6:.0f} MB")
    with path.open("rb") as fh:
        raw = fh.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    if len(raw) > MAX_FILE_BYTES:
        raise Unreadable(f"is larger than {MAX_FILE_BYTES / 1e6:.0f} MB; a {what} may be at most that")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise Unreadable(f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line) from None


def _expanded_size(node, sizes: dict) -> int:
    """How many values ``node`` stands for once every alias is expanded; counted once per distinct node.

    Raises
    ------
    _Limit
        Beyond :data:`MAX_NODES`, or for an alias inside its own anchor (an endless value).
    """
    key = id(node)
    if key in sizes:
        if sizes[key] is None:
            raise _Limit("an alias (*name) refers to the value it is part of", node.start_mark.line + 1)
        return sizes[key]
    sizes[key] = None  # in progress
    total = 1
    if isinstance(node, yaml.MappingNode):
        total += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(item, sizes) for item in node.value)
    if total > MAX_NODES:
        raise _Limit(f"more than {MAX_NODES:,} values once aliases are expanded", node.start_mark.line + 1)
    sizes[key] = total
    return total


class _Reader:
    """Parses one YAML file into plain Python data and a map from key paths to (file, line)."""

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)
        self.locs: dict[Path_, tuple[str, int]] = {}
        self.problems: list[Problem] = []
        self.nodes = 0

    def read(self) -> object:
        try:
            text = read_text(self.path)
        except FileNotFoundError:
            self.problems.append(Problem(self.name, 0, "", "file not found"))
            return None
        except IsADirectoryError:
            self.problems.append(Problem(self.name, 0, "", "is a folder; expected a scenario file (.yaml)"))
            return None
        except OSError as exc:
            self.problems.append(Problem(self.name, 0, "", f"cannot be read: {exc.strerror or exc}"))
            return None
        except Unreadable as exc:
            self.problems.append(Problem(self.name, exc.line, "", str(exc)))
            return None
        if bad := _FORBIDDEN.search(text):
            line = text.count("\n", 0, bad.start()) + 1
            self.problems.append(Problem(self.name, line, "", f"contains the control character U+{ord(bad[0]):04X}; "
                                                              "scenario files are plain text"))
            return None
        loader = None
        try:
            loader = _Loader(text)
            node = loader.get_single_node()
            if node is not None:
                _expanded_size(node, {})  # refuses an alias bomb before anything is expanded
            return None if node is None else self._walk(loader, node, ())
        except _Limit as exc:
            self.problems.append(Problem(self.name, exc.line, "", f"refused: {exc.message}"))
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            what = getattr(exc, "problem", None) or str(exc)
            self.problems.append(Problem(self.name, mark.line + 1 if mark else 0, "", f"not valid YAML: {what}"))
            return None
        finally:
            if loader is not None:
                loader.dispose()

    def _walk(self, loader, node, path: Path_):
        self.nodes += 1
        line = node.start_mark.line + 1
        if self.nodes > MAX_NODES:
            raise _Limit(f"more than {MAX_NODES:,} values once aliases are expanded", line)
        if len(path) > MAX_DEPTH:  # also stops an alias that refers to its own anchor
            raise _Limit(f"nested more than {MAX_DEPTH} levels deep (or an alias refers to itself)", line)
        self.locs.setdefault(path, (self.name, line))
        if node.tag not in _PLAIN_TAGS:
            self._problem(node, path, f"found the YAML tag '{node.tag}'; scenario files are plain data, tags are not allowed")
            return None
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = self._key(loader, key_node, path)
                if key is None:
                    continue
                if key in out:
                    self._problem(key_node, path + (key,), f"duplicate key '{key}'; each key may appear once")
                    continue
                self.locs[path + (key,)] = (self.name, key_node.start_mark.line + 1)
                out[key] = self._walk(loader, value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._walk(loader, item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(loader, node)

    def _key(self, loader, node, path: Path_) -> str | None:
        """A mapping key as text: the key exactly as written (``2026`` stays ``'2026'``), never a list or null."""
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _PLAIN_TAGS:
            what = {"MappingNode": "mapping", "SequenceNode": "list"}.get(type(node).__name__, f"tag '{node.tag}'")
            self._problem(node, path, f"found a key that is a {what}; keys must be text")
            return None
        if node.tag.endswith(":null"):
            self._problem(node, path, f"found the key '{node.value}', which YAML reads as empty (null); keys must be "
                                      "text (quote it if it is meant as text)")
            return None
        return node.value

    @staticmethod
    def _scalar(loader, node):
        try:
            return loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            # e.g. the unquoted date 2026-02-31: keep the text, which the calendar check then reports as
            # "not a real date" with its key path, instead of PyYAML failing inside its constructor.
            return node.value

    def _problem(self, node, path, message):
        self.problems.append(Problem(self.name, node.start_mark.line + 1, format_path(path), message))


def read_yaml(path: str | Path) -> tuple[object, list[Problem]]:
    """One YAML file as plain data, with the problems found, under the same limits as :func:`load`."""
    reader = _Reader(Path(path))
    return reader.read(), reader.problems


def _read_with_extends(path: Path, chain: tuple[Path, ...], problems: list[Problem]):
    """Read ``path`` and the files it extends; return merged data and locations."""
    reader = _Reader(path)
    data = reader.read()
    problems.extend(reader.problems)
    if data is None:
        if not reader.problems:
            problems.append(Problem(reader.name, 0, "", "the file is empty; a scenario needs title, start, horizon and milestones"))
        return None, reader.locs
    if not isinstance(data, dict):
        problems.append(Problem(reader.name, 1, "", f"found {type(data).__name__}; a scenario file must be a mapping of keys"))
        return None, reader.locs
    _lists_to_mappings(data, reader.locs, problems, reader.name)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, reader.locs
    # A broken `extends` is a file-level problem: the file's own checks would only add follow-on errors
    # (missing start, unknown milestones …) for what the parent was meant to supply, so they are skipped.
    file, line = reader.locs.get(("extends",), (reader.name, 0))
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        problems.append(Problem(file, line, "extends", f"found {parent_ref!r}; expected the path of a scenario file"))
        return None, reader.locs
    parent_path = (path.parent / parent_ref).resolve()
    if parent_path in chain or parent_path == path.resolve():
        loop = " → ".join(p.name for p in chain + (path.resolve(), parent_path))
        problems.append(Problem(file, line, "extends", f"extends loops back: {loop}"))
        return None, reader.locs
    if len(chain) >= MAX_EXTENDS:
        problems.append(Problem(file, line, "extends", f"more than {MAX_EXTENDS} files extend each other in a chain; "
                                                       "a delay scenario usually extends the baseline directly"))
        return None, reader.locs
    if parent_path.is_dir():
        problems.append(Problem(file, line, "extends", f"found '{parent_ref}', which is the folder {parent_path}; "
                                                       "expected a scenario file such as ../baseline.yaml"))
        return None, reader.locs
    if not parent_path.is_file():
        problems.append(Problem(file, line, "extends", f"found '{parent_ref}', but {parent_path} does not exist"))
        return None, reader.locs
    parent, parent_locs = _read_with_extends(parent_path, chain + (path.resolve(),), problems)
    if parent is None:
        return None, reader.locs
    return _merge(parent, parent_locs, data, reader.locs)


def _lists_to_mappings(data: dict, locs: dict, problems: list[Problem], name: str) -> None:
    """Accept a section written as a list of elements with an ``id`` key (as in roadmap-2030.md's YAML).

    The list becomes the usual mapping id → element, and the recorded lines follow the elements.
    """
    for key in _SECTIONS:
        items = data.get(key)
        if not isinstance(items, list) or not items or not all(isinstance(x, dict) and "id" in x for x in items):
            continue
        mapping = {}
        for i, item in enumerate(items):
            element_id = str(item["id"])
            if element_id in mapping:
                file, line = locs.get((key, i), (name, 0))
                problems.append(Problem(file, line, f"{key}[{i}].id", f"duplicate id '{element_id}'; each id may appear once"))
                continue
            mapping[element_id] = {k: v for k, v in item.items() if k != "id"}
            for p in [p for p in locs if p[:2] == (key, i)]:
                locs[(key, element_id) + p[2:]] = locs.pop(p)
        data[key] = mapping


def _merge(parent: dict, parent_locs: dict, child: dict, child_locs: dict):
    """Merge a child scenario into its parent (see docs/scenario-format.md, Composition)."""
    merged = {k: v for k, v in parent.items() if k not in ("title", "description")}
    locs = {p: loc for p, loc in parent_locs.items() if not p or p[0] not in ("title", "description")}

    def replace(prefix: Path_, value):
        for p in [p for p in locs if p[: len(prefix)] == prefix]:
            del locs[p]
        locs.update({p: loc for p, loc in child_locs.items() if p[: len(prefix)] == prefix})
        return value

    for key, value in child.items():
        if key in _SECTIONS and isinstance(value, dict) and isinstance(merged.get(key), dict):
            section = dict(merged[key])
            for element_id, element in value.items():
                base = section.get(element_id)
                if isinstance(element, dict) and isinstance(base, dict):
                    element = {**base, **{k: replace((key, element_id, k), v) for k, v in element.items()}}
                    locs[(key, element_id)] = child_locs[(key, element_id)]
                else:
                    replace((key, element_id), element)
                section[element_id] = element
            merged[key] = section
        elif key == "status" and isinstance(value, dict) and isinstance(merged.get(key), dict):
            # A later status file adds its facts to the earlier one's (and moves as_of).
            status = dict(merged[key])
            for sub, facts in value.items():
                if sub in ("milestones", "risks") and isinstance(facts, dict) and isinstance(status.get(sub), dict):
                    status[sub] = {**status[sub], **{i: replace((key, sub, i), f) for i, f in facts.items()}}
                else:
                    status[sub] = replace((key, sub), facts)
            merged[key] = status
        elif key in ("correlations", "shocks") and isinstance(value, list) and isinstance(merged.get(key), list):
            offset = len(merged[key])
            merged[key] = merged[key] + value
            for p, loc in child_locs.items():
                if p[:1] == (key,) and len(p) > 1:
                    locs[(key, p[1] + offset) + p[2:]] = loc
        else:
            merged[key] = replace((key,), value)
    return merged, locs


# ---------------------------------------------------------------------------------------------- validation


def load(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Raises
    ------
    ScenarioError
        With every problem found, each naming file, line and key path.
    """
    return load_with_warnings(path)[0]


def load_with_warnings(path: str | Path) -> tuple[Scenario, list[Problem]]:
    """Like :func:`load`, also returning warnings (e.g. uncertain numbers without a ``source``)."""
    path = Path(path)
    problems: list[Problem] = []
    data, locs = _read_with_extends(path, (), problems)
    if data is None:
        raise ScenarioError(problems)
    check = Checker(str(path), locs, problems)
    scenario = _build(data, check, path)
    if problems:
        raise ScenarioError(problems)
    return scenario, check.warnings


def _shape(data: dict, check: Checker) -> bool:
    """Whether every section has its shape (a mapping of id → element; a list for shocks and correlations)."""
    ok = True
    for key in _SECTIONS + ("shocks", "correlations"):
        value = data.get(key)
        if value is None:
            continue
        if key in ("shocks", "correlations"):
            if not isinstance(value, list):
                check.add((key,), f"found {_kind(value)}; expected a list")
                ok = False
        elif not isinstance(value, dict):
            hint = (" or a list of elements each with an 'id'" if isinstance(value, list) else "")
            missing = next((i for i, x in enumerate(value) if not (isinstance(x, dict) and "id" in x)), None) \
                if isinstance(value, list) else None
            where = (key, missing) if missing is not None else (key,)
            found = (f"found a list whose element {missing} has no 'id'" if missing is not None
                     else f"found {_kind(value)}")
            check.add(where, f"{found}; expected a mapping of id → {key[:-1]}{hint}")
            ok = False
    return ok


def _kind(value) -> str:
    """How a wrong value is named in a message: its type and, when short, the value itself."""
    names = {"str": "text", "list": "a list", "dict": "a mapping", "int": "a number", "float": "a number",
             "bool": "true/false"}
    name = names.get(type(value).__name__, type(value).__name__)
    return f"{name} {value!r}" if isinstance(value, (str, int, float, bool)) else name


def _section(data: dict, key: str, check: Checker) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.add((key,), f"found {type(value).__name__}; expected a mapping of id → {key[:-1]}")
        return {}
    out = {}
    for element_id, element in value.items():
        if not ID.match(element_id):
            check.add((key, element_id), f"invalid id '{element_id}'; ids use {ID_RULE}")
        if not isinstance(element, dict):
            check.add((key, element_id), f"found {element!r}; expected a mapping of keys")
            continue
        out[element_id] = element
    return out


def _build(data: dict, check: Checker, path: Path) -> Scenario:
    check.unknown_keys(data, tuple(_TOP), (), "the scenario")
    if not _shape(data, check) or not load_status.status_raw_ok(data.get("status"), check):
        # A section of the wrong shape would make every reference into it look unknown (a list of funds gave
        # 57 follow-on lines); report the shape alone, and the rest once it is fixed.
        raise ScenarioError(check.problems)
    title = check.text(data.get("title"), ("title",), required=True)
    description = check.text(data.get("description"), ("description",)) if data.get("description") else ""
    start = horizon = None
    raw_start = data.get("start")
    if isinstance(raw_start, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", raw_start.strip()):
        raw_start = raw_start.strip()  # a quoted ISO date is fine too
    if raw_start is None or isinstance(raw_start, dt.date) or (isinstance(raw_start, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", raw_start)):
        p = check.period(raw_start, ("start",))
        start = p.first if p else None
    else:
        check.add(("start",), f"found {data['start']!r}; expected an ISO date such as 2025-10-16")
    p = check.period(data.get("horizon"), ("horizon",))
    horizon = p.last if p else None
    if start and not MIN_YEAR <= start.year <= MAX_YEAR:
        check.add(("start",), f"found {start}; expected a start between {MIN_YEAR} and {MAX_YEAR}")
        start = None
    if start and horizon and horizon <= start:
        check.add(("horizon",), f"found {horizon}, which is not after start {start}")
        horizon = None
    elif start and horizon and horizon.year - start.year > MAX_YEARS:
        # Dates beyond the horizon are still computed (P-dates, grids); end-9999 overflowed them after validation.
        check.add(("horizon",), f"found {data.get('horizon')}, {horizon.year - start.year} years after the start; "
                                f"expected a horizon at most {MAX_YEARS} years after it")
        horizon = None
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        check.add(("seed",), f"found {seed!r}; expected a whole number ≥ 0")
        seed = None
    start = start or dt.date(2000, 1, 1)  # placeholder so later checks still run; the error is recorded
    horizon_days = float((horizon - start).days + 1) if horizon else math.inf

    raw_milestones = _section(data, "milestones", check)
    if "milestones" not in data or (not raw_milestones and not check.problems):
        check.add(("milestones",), "missing; a scenario needs at least one milestone")
    tags_in_use = {t for m in raw_milestones.values()
                   for t in (m["tags"] if isinstance(m.get("tags"), list) else [m.get("tags")]) if isinstance(t, str)}

    drivers = [_driver(i, d, check, tags_in_use) for i, d in _section(data, "drivers", check).items()]
    fund_list = money.funds(_section(data, "funds", check), check, start, list(raw_milestones))
    pools = [p for f in fund_list for p, _ in f.pools if not f.is_flow]
    line_list = production.lines(_section(data, "lines", check), check, list(raw_milestones))
    line_ids = [line.id for line in line_list]
    milestones = [_milestone(i, m, check, start, raw_milestones, pools, line_ids) for i, m in raw_milestones.items()]
    _check_cycles(milestones, check)
    # Status facts mark milestones done before the risks are built: a milestone done is never delayed.
    raw_risks = data.get("risks") if isinstance(data.get("risks"), dict) else {}
    gated = frozenset(i for i, m in raw_milestones.items() if "when" in m)
    raw_status = {} if "status" in data and data["status"] is None else data.get("status")  # empty: lacks as_of
    milestones, status = load_status.apply_status(raw_status, check, start, horizon_days, milestones, raw_risks,
                                                  gated)
    capability_list = production.capabilities(_section(data, "capabilities", check), check, line_ids, list(raw_milestones),
                                              [m.id for m in milestones if m.orders])
    risks = [_risk(i, r, check, start, horizon_days, milestones, tags_in_use, fund_list, line_ids)
             for i, r in _section(data, "risks", check).items()]
    drivers = [d for d in drivers if d]
    risks = [r for r in risks if r]
    load_status.check_risk_facts(status, risks, check, start)
    indicator_list = money.indicators(_section(data, "indicators", check), check, fund_list)
    milestones, risks, shifts, shocks, fund_list, freezes, capacity_factors = load_shocks.shocks(
        data.get("shocks"), check, milestones, risks, tags_in_use, fund_list, start, horizon_days, line_ids)
    load_status.warn_overdue(status, milestones, drivers, check)
    # Shock inputs are not offered for correlation: shocks are deliberate changes, not uncertainty.
    scenario_inputs = {name for name, _ in uncertain_inputs(milestones, drivers, risks, (), fund_list, indicator_list,
                                                           line_list)}
    # A duration replaced by a status fact is no input any more: correlations with it are dropped, not errors
    # (docs/status-date.md), so a status file can report any milestone of its parent done.
    retired = {names.duration(f.id) for f in status.facts if f.kind == "done"} if status else set()
    correlations = [c for c in _correlations(data.get("correlations"), check, scenario_inputs | retired)
                    if not set(c.between) & retired]
    observables = (money.observable_names(fund_list) + [i.id for i in indicator_list]
                   + [f"{line}.{k}" for line in line_ids for k in ("capacity", "output", "delivered")]
                   + [f"{m.id}.delivered" for m in milestones if m.orders]
                   + [f"{c.id}.closed" for c in capability_list])
    _check_namespace(fund_list, line_ids, milestones, capability_list, indicator_list, check)
    milestones = _metric_gates(milestones, _section(data, "milestones", check), observables, fund_list, line_list, check)
    targets = _targets(_section(data, "targets", check), milestones, check, start, observables)

    content = path.read_bytes() if path.is_file() else b""
    return Scenario(
        title=title,
        description=description,
        start=start,
        horizon=horizon or start,
        seed=seed,
        status=status,
        milestones=tuple(milestones),
        drivers=tuple(drivers),
        risks=tuple(risks),
        correlations=tuple(correlations),
        shifts=tuple(shifts),
        shocks=tuple(shocks),
        funds=tuple(fund_list),
        indicators=tuple(indicator_list),
        freezes=tuple(freezes),
        lines=tuple(line_list),
        capabilities=tuple(capability_list),
        capacity_factors=tuple(capacity_factors),
        targets=tuple(targets),
        path=str(path),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _driver(driver_id, raw, check, tags_in_use) -> Driver | None:
    path = ("drivers", driver_id)
    check.unknown_keys(raw, _DRIVER_KEYS, path, "a driver")
    factor = check.distribution(raw.get("factor"), path + ("factor",), duration=False) if "factor" in raw else None
    if "factor" not in raw:
        check.add(path, "missing 'factor'; expected a distribution such as {pert: {min: 0.9, mode: 1, max: 1.5}}")
    if factor is not None and float(factor.ppf(np.array([0.0]))[0]) < 0:
        check.add(path + ("factor",), "a duration factor cannot be negative")
    tags = check.str_list(raw.get("applies_to"), path + ("applies_to",), "tags")
    if not tags:
        check.add(path + ("applies_to",), "missing; expected the list of milestone tags this driver scales")
    for i, tag in enumerate(tags):
        if tag not in tags_in_use:
            check.add(path + ("applies_to", i), f"no milestone has the tag '{tag}'{did_you_mean(tag, tags_in_use)}")
    source = needs_source(raw, path, check, "driver")
    if factor is None or not tags:
        return None
    return Driver(driver_id, check.text(raw.get("title"), path + ("title",), default=driver_id), factor, tuple(tags), source)


def _dependency(raw, path, check, known, itself: str = "") -> Dependency:
    if raw is None:
        return Dependency.none()
    mode, k = "all", None
    if isinstance(raw, dict):
        keys = set(raw)
        if keys == {"all"}:
            ids = raw["all"]
            path = path + ("all",)
        elif keys == {"any"}:
            mode, ids = "any", raw["any"]
            path = path + ("any",)
        elif keys == {"k", "of"}:
            mode, ids, k = "k", raw["of"], raw["k"]
        else:
            check.add(path, f"found keys {', '.join(map(str, raw))}; expected a list, {{all: [...]}}, {{any: [...]}} or {{k: 2, of: [...]}}")
            return Dependency.none()
    else:
        ids = raw
    id_path = path + ("of",) if mode == "k" else path
    ids = check.str_list(ids, id_path, "milestone ids")
    good = []
    for i, dep in enumerate(ids):
        if dep == itself:
            check.add(id_path + (i,), f"'{itself}' cannot wait for itself")
        elif dep not in known:
            check.add(id_path + (i,), f"unknown milestone '{dep}'{did_you_mean(dep, [k for k in known if k != itself])}")
        elif dep in good:
            check.add(id_path + (i,), f"'{dep}' is listed twice")
        else:
            good.append(dep)
    if mode == "k":
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= max(len(ids), 1):
            check.add(path + ("k",), f"found {k!r}; expected a whole number from 1 to {len(ids)} (the number listed in 'of')")
            k = len(good)
        return Dependency("k", tuple(good), min(k, len(good)))
    if mode == "any" and not good:
        return Dependency.none()
    return Dependency(mode, tuple(good), len(good) if mode == "all" else 1)


_STATUS = re.compile(r"^done on (\S+)$")


def _milestone(milestone_id, raw, check, start, known, pools=(), line_ids=()) -> Milestone:
    path = ("milestones", milestone_id)
    check.unknown_keys(raw, _MILESTONE_KEYS, path, "a milestone")
    title = check.text(raw.get("title"), path + ("title",), required=True, default=milestone_id)
    kind = raw.get("kind", "")
    if kind and kind not in KINDS:
        check.add(path + ("kind",), f"found {kind!r}; expected one of {', '.join(KINDS)}{did_you_mean(kind, KINDS)}")
    deadline = check.period(raw["deadline"], path + ("deadline",)) if raw.get("deadline") is not None else None
    if "deadline" in raw and raw["deadline"] is None:
        check.add(path + ("deadline",), f"is empty; remove it or give a date ({cal.DATE_FORMS})")
    done_on = None
    if "status" in raw:
        status = raw["status"]
        m = _STATUS.match(status.strip()) if isinstance(status, str) else None
        if not m:
            check.add(path + ("status",), f"found {status!r}; expected 'done on YYYY-MM-DD'")
        else:
            # Only YYYY-MM-DD: date.fromisoformat also takes 20250319 and 2025-W12-3, which the grammar does not.
            try:
                if not re.match(r"^\d{4}-\d{2}-\d{2}$", m[1]):
                    raise ValueError
                done_on = dt.date.fromisoformat(m[1])
            except ValueError:
                check.add(path + ("status",), f"found '{m[1]}'; expected an ISO date such as 2025-10-16 after 'done on'")
    duration = None
    if "duration" in raw:
        duration = check.distribution(raw["duration"], path + ("duration",), duration=True)
    after = _dependency(raw.get("after"), path + ("after",), check, known, itself=milestone_id)
    funding = money.funding(raw["funding"], path + ("funding",), check, pools) if "funding" in raw else ()
    orders = production.orders(raw["orders"], path + ("orders",), check, line_ids) if "orders" in raw else ()
    priority = 0.0
    if "priority" in raw:
        try:
            priority = _plain(raw["priority"])
        except ValueError as exc:
            check.add(path + ("priority",), str(exc))
    if orders and done_on is not None:
        check.add(path + ("orders",), "an observed milestone (status: done on) cannot place orders")
    if funding and done_on is not None:
        check.add(path + ("funding",), "an observed milestone (status: done on) cannot draw money; "
                                       "reduce the fund's envelope by what it already took")
    uncertain = (duration is not None and not isinstance(duration, Fixed) or "funding" in raw or "orders" in raw) and done_on is None
    source = needs_source(raw, path, check, "milestone") if uncertain or done_on else check.text(raw.get("source"), path + ("source",)) if "source" in raw else ""
    return Milestone(
        id=milestone_id,
        title=title,
        section=check.text(raw.get("section"), path + ("section",), default="other"),
        kind=kind if kind in KINDS else "",
        tags=tuple(check.str_list(raw.get("tags"), path + ("tags",), "tags")),
        roadmap_id=check.text(raw.get("roadmap_id"), path + ("roadmap_id",)) if "roadmap_id" in raw else "",
        deadline=deadline.last if deadline else None,
        deadline_text=str(deadline) if deadline else "",
        after=after,
        duration=duration,
        done_on=done_on,
        source=source,
        line=check.where(path)[1],
        funding=funding,
        orders=orders,
        priority=priority,
        constraint=check.text(raw.get("constraint"), path + ("constraint",)) if "constraint" in raw else "",
    )


def _check_cycles(milestones: list[Milestone], check: Checker) -> None:
    graph = {m.id: [d for d in m.after.ids] for m in milestones if m.done_on is None}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = finished
    reported: set[frozenset] = set()

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    # Written in the direction work flows: each milestone before the one that waits for it.
                    loop = list(reversed(cycle))
                    check.add(("milestones", nxt, "after"), "dependency cycle: " + " → ".join(loop + [loop[0]]))
            elif nxt in graph and state.get(nxt) is None:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


def _risk(risk_id, raw, check, start, horizon_days, milestones, tags_in_use, fund_list=(), line_ids=()) -> Risk | None:
    path = ("risks", risk_id)
    check.unknown_keys(raw, _RISK_KEYS, path, "a risk")
    ok = True
    probability = raw.get("probability")
    try:
        probability = _plain(probability)
        if not 0 <= probability <= 1:
            raise ValueError(f"found {probability}; expected a probability 0 ≤ p ≤ 1")
    except ValueError as exc:
        check.add(path + ("probability",), str(exc) if probability is not None else "missing; expected a probability 0 ≤ p ≤ 1")
        ok = False
    freeze, cut, cut_share = money.risk_money(raw, path, check, list(fund_list))
    capacity_cut, capacity_share = production.risk_capacity(raw, path, check, list(line_ids))
    delay = Fixed(0.0) if ("cut" in raw and "affects" not in raw and "freeze" not in raw
                           and "capacity_cut" not in raw) else None
    if "delay" not in raw and delay is None:
        check.add(path, "missing 'delay'; expected a duration distribution, e.g. {triangular: {min: 1 month, mode: 2 months, max: 6 months}}")
    elif "delay" in raw:
        delay = check.distribution(raw["delay"], path + ("delay",), duration=True)
    window, window_text = None, ""
    if "window" in raw:
        w = raw["window"]
        if not isinstance(w, dict) or set(w) != {"from", "to"}:
            check.add(path + ("window",), f"found {w!r}; expected {{from: DATE, to: DATE}}")
            ok = False
        else:
            first = check.period(w["from"], path + ("window", "from"))
            last = check.period(w["to"], path + ("window", "to"))
            if first and last and first.first > last.last:
                check.add(path + ("window",), f"found from {first} to {last}: 'from' is after 'to'; expected from ≤ to")
                ok = False
            elif first and last:
                lo = max(cal.day_offset(first.first, start), 0.0)
                hi = min(cal.deadline_time(last.last, start), horizon_days)
                if lo >= hi:
                    check.add(path + ("window",), f"found {first} to {last}, which leaves no time between the start and the horizon")
                    ok = False
                window, window_text = (lo, hi), f"{first}..{last}"
            else:
                ok = False
    affects = raw.get("affects")
    ids: list[str] = []
    known = [m.id for m in milestones]
    if affects is None and ("freeze" in raw or "cut" in raw or "capacity_cut" in raw):
        pass  # a money risk need not delay milestones directly
    elif not isinstance(affects, dict) or not set(affects) <= {"milestones", "tags"} or not affects:
        check.add(path + ("affects",), f"found {affects!r}; expected {{milestones: [ids], tags: [tags]}} (either or both)")
        ok = False
    else:
        for i, mid in enumerate(check.str_list(affects.get("milestones"), path + ("affects", "milestones"), "milestone ids")):
            if mid not in known:
                check.add(path + ("affects", "milestones", i), f"unknown milestone '{mid}'{did_you_mean(mid, known)}")
            elif mid not in ids:
                ids.append(mid)
        for i, tag in enumerate(check.str_list(affects.get("tags"), path + ("affects", "tags"), "tags")):
            if tag not in tags_in_use:
                check.add(path + ("affects", "tags", i), f"no milestone has the tag '{tag}'{did_you_mean(tag, tags_in_use)}")
            ids.extend(m.id for m in milestones if tag in m.tags and m.id not in ids)
    ids = [i for i in ids if next(m for m in milestones if m.id == i).done_on is None]  # observed: never delayed
    source = needs_source(raw, path, check, "risk")
    if not ok or delay is None:
        return None
    title = check.text(raw.get("title"), path + ("title",), default=risk_id)
    if ("cut" in raw and cut_share is None) or ("freeze" in raw and not freeze) or \
            ("capacity_cut" in raw and (capacity_share is None or not capacity_cut)):
        return None
    return Risk(risk_id, title, probability, delay, tuple(ids), window, window_text, source, freeze, cut, cut_share,
                capacity_cut, capacity_share)


def _correlations(raw, check, inputs) -> list[Correlation]:
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
                hint = did_you_mean(name, inputs) or " (inputs are milestone:ID:duration for uncertain durations, driver:ID, risk:ID:occurs|delay|time)"
                check.add(path + ("between", j), f"'{name}' is not an uncertain input of this scenario{hint}")
                good = False
        if good and names[0] == names[1]:
            check.add(path + ("between",), "an input cannot be correlated with itself")
            good = False
        if good and frozenset(names) in seen:
            check.add(path + ("between",), f"the pair {names[0]}, {names[1]} is correlated twice")
            good = False
        try:
            rank = _plain(rank)
            if not -1 <= rank <= 1:
                raise ValueError(f"found {rank}; expected a rank correlation from -1 to 1")
        except ValueError as exc:
            check.add(path + ("rank",), str(exc))
            good = False
        source = needs_source(item, path, check, "correlation")
        if good:
            seen.add(frozenset(names))
            out.append(Correlation((names[0], names[1]), rank, source))
    return out


def _targets(raw_targets, milestones, check, start, observables=()) -> list[Target]:
    targets = [Target(m.id, m.title, "milestone", (m.id,), m.deadline, m.deadline_text, m.section, roadmap_id=m.roadmap_id,
                      constraint=m.constraint)
               for m in milestones if m.deadline is not None]
    milestone_ids = {m.id for m in milestones}
    known = milestone_ids | set(raw_targets)
    explicit = []
    for target_id, raw in raw_targets.items():
        path = ("targets", target_id)
        check.unknown_keys(raw, _TARGET_KEYS, path, "a target")
        if target_id in milestone_ids:
            check.add(path, f"'{target_id}' is already the target of milestone '{target_id}'; choose another id")
            continue
        kinds = [k for k in ("milestone", "all_of", "any_of", "indicator") if k in raw]
        if len(kinds) != 1:
            check.add(path, f"found {', '.join(kinds) or 'none'}; expected exactly one of milestone, all_of, any_of, indicator")
            continue
        kind = kinds[0]
        threshold = None
        if kind == "indicator":
            name = raw["indicator"]
            members = [name] if isinstance(name, str) else []
            if not members or name not in observables:
                check.add(path + ("indicator",), f"unknown observable or indicator {name!r}{did_you_mean(name, observables)}")
                continue
            try:
                threshold = _plain(raw.get("at_least"))
            except ValueError as exc:
                check.add(path + ("at_least",), f"{exc}" if "at_least" in raw else "missing; expected the value to reach, e.g. at_least: 0.5")
                continue
        elif "at_least" in raw:
            check.add(path + ("at_least",), "only indicator targets take at_least")
        holds = raw.get("holds", "reached")
        if holds not in ("reached", "at-deadline"):
            check.add(path + ("holds",), f"found {holds!r}; expected 'reached' (first reaches the value by the "
                                         "deadline, the default) or 'at-deadline' (is at least the value on the deadline)")
        elif holds == "at-deadline" and kind != "indicator":
            check.add(path + ("holds",), "only indicator targets take holds")
        if kind == "indicator":
            pass
        elif kind == "milestone":
            members = [raw["milestone"]] if isinstance(raw["milestone"], str) else []
            if not members or members[0] not in milestone_ids:
                check.add(path + ("milestone",), f"unknown milestone {raw['milestone']!r}{did_you_mean(raw['milestone'], milestone_ids)}")
                continue
        else:
            members = check.str_list(raw[kind], path + (kind,), "milestone or target ids")
            for i, member in enumerate(members):
                if member not in known:
                    check.add(path + (kind, i), f"unknown milestone or target '{member}'{did_you_mean(member, known)}")
            if not members:
                check.add(path + (kind,), "expected at least one milestone or target id")
        deadline = check.period(raw.get("deadline"), path + ("deadline",))
        title = check.text(raw.get("title"), path + ("title",), required=True, default=target_id)
        section = check.text(raw.get("section"), path + ("section",), default="combined")
        roadmap_id = check.text(raw.get("roadmap_id"), path + ("roadmap_id",)) if "roadmap_id" in raw else ""
        constraint = check.text(raw.get("constraint"), path + ("constraint",)) if "constraint" in raw else ""
        if deadline:
            explicit.append(Target(target_id, title, kind, tuple(members), deadline.last, str(deadline), section,
                                   threshold, roadmap_id, holds == "at-deadline", constraint))
    _check_target_cycles(explicit, check)
    return targets + explicit


def _check_target_cycles(targets: list[Target], check: Checker) -> None:
    graph = {t.id: list(t.members) for t in targets if t.kind in ("all_of", "any_of")}
    for t in targets:
        seen, frontier = set(), list(graph.get(t.id, ()))
        while frontier:
            node = frontier.pop()
            if node == t.id:
                check.add(("targets", t.id), f"target '{t.id}' depends on itself through its members")
                break
            if node not in seen:
                seen.add(node)
                frontier.extend(graph.get(node, ()))


def _check_namespace(fund_list, line_ids, milestones, capability_list, indicator_list, check: Checker) -> None:
    """Observables are named ``ID.kind``: funds, lines, ordering milestones and areas must not share an id."""
    owners: dict[str, str] = {}
    for what, ids in (("fund", [f.id for f in fund_list]), ("line", line_ids),
                      ("milestone", [m.id for m in milestones if m.orders]),
                      ("capability area", [c.id for c in capability_list]),
                      ("indicator", [i.id for i in indicator_list])):
        for ident in ids:
            if ident in owners:
                section = {"fund": "funds", "line": "lines", "milestone": "milestones",
                           "capability area": "capabilities", "indicator": "indicators"}[what]
                check.add((section, ident), f"'{ident}' is already the id of a {owners[ident]}; "
                                            "observables are named by id, so ids must differ")
            owners[ident] = what


def _metric_gates(milestones, raw_milestones, observables, fund_list, line_list, check: Checker):
    """``when: {indicator: NAME, at_least: V}``: a milestone done when a metric first reaches a value.

    Its date comes from the flows after the run, so nothing may wait for it (it ends a chain).
    """
    import dataclasses

    waited_for = {d: m.id for m in milestones for d in m.after.ids}
    waited_for |= {f.opens: f"fund {f.id}" for f in fund_list if f.opens}
    waited_for |= {line.trigger: f"line {line.id}" for line in line_list if line.trigger}
    out = []
    for m in milestones:
        raw = raw_milestones.get(m.id, {}).get("when")
        if raw is None:
            out.append(m)
            continue
        path = ("milestones", m.id, "when")
        if not isinstance(raw, dict) or set(raw) != {"indicator", "at_least"}:
            check.add(path, f"found {raw!r}; expected {{indicator: OBSERVABLE, at_least: VALUE}}")
            out.append(m)
            continue
        name = raw["indicator"]
        if name not in observables:
            check.add(path + ("indicator",), f"unknown observable or indicator {name!r}{did_you_mean(name, observables)}")
        try:
            value = _plain(raw["at_least"])
        except ValueError as exc:
            check.add(path + ("at_least",), str(exc))
            value = None
        for key in ("after", "duration", "funding", "orders", "status"):
            if key in raw_milestones[m.id]:
                check.add(("milestones", m.id, key), f"a milestone with 'when' is done when its metric is reached; "
                                                     f"'{key}' does not apply")
        if m.id in waited_for:
            check.add(path, f"'{waited_for[m.id]}' waits for this metric-gated milestone; a metric gate can only "
                            "end a chain (its date is known after the run)")
        out.append(dataclasses.replace(m, when=(name, value)) if name in observables and value is not None else m)
    return out
