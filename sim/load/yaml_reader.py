"""Reading one YAML file: plain data with the file and line of every key, under limits that refuse a hostile file.

Scenario files are data: they are parsed with PyYAML's safe loader (no tags, no code), with YAML 1.2 scalars, and
nothing in them is ever evaluated. Duplicate keys, which PyYAML silently accepts, and any tag other than plain
data are reported with their line.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import Path_, Problem, format_path

_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}

# Limits that make a hostile file cheap to refuse. The shipped baseline is ~130 kB, 5,600 values nested 6 deep, with
# no aliases; these leave room for scenarios many times larger while refusing an alias bomb or a
# 100,000-deep nesting in milliseconds instead of running out of memory or stack.
MAX_FILE_BYTES = 4_000_000
MAX_ALIASES = 1_000
MAX_DEPTH = 50
MAX_NODES = 250_000  # values after aliases are expanded (the baseline has 5,600)

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


_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))  # PyYAML's wheels for every common platform have it

if _LIBYAML:
    from yaml._yaml import CParser

    class _FastLoader(_Loader, CParser):
        """:class:`_Loader` reading its events from libyaml: 6-7× faster on the baseline (0.13 → 0.02 s).

        Only the scanner and parser are libyaml's; nodes are still composed here, with the limits above
        (libyaml's own composer recurses in C, where a 100,000-deep nesting would overflow the stack).
        """

        check_event = CParser.check_event
        peek_event = CParser.peek_event
        get_event = CParser.get_event
        dispose = CParser.dispose

        def __init__(self, text: str):
            CParser.__init__(self, text)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.aliases = 0
            self.depth = 0


def _loader(text: str) -> _Loader:
    """The fastest loader available for ``text``."""
    return _FastLoader(text) if _LIBYAML else _Loader(text)


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


class Reader:
    """Parses one YAML file into plain Python data and a map from key paths to (file, line).

    After :meth:`read`, ``text`` is the text read (empty when it could not be read), ``locs`` maps key paths to
    (file, line) and ``problems`` lists what was wrong.
    """

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)
        self.locs: dict[Path_, tuple[str, int]] = {}
        self.problems: list[Problem] = []
        self.nodes = 0
        self.text = ""

    def read(self) -> object:
        """The file as plain data (None when empty or unreadable, with the problem recorded)."""
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
        self.text = text
        if bad := _FORBIDDEN.search(text):
            line = text.count("\n", 0, bad.start()) + 1
            self.problems.append(Problem(self.name, line, "", f"contains the control character U+{ord(bad[0]):04X}; "
                                                              "scenario files are plain text"))
            return None
        loader = None
        try:
            loader = _loader(text)
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
            if mark is not None and text[mark.index:mark.index + 1] == "\t":
                what = "found a tab; YAML indents with spaces, never tabs"
            if "maximum nesting depth" in what:  # libyaml's own limit (1,000 flow levels), said as ours
                self.problems.append(Problem(self.name, mark.line + 1 if mark else 0, "",
                                             f"refused: nested more than {MAX_DEPTH} levels deep"))
                return None
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
    reader = Reader(Path(path))
    return reader.read(), reader.problems


def scenario_title(path: str | Path) -> str | None:
    """The ``title`` of a scenario file as written (``""`` without one), or None when the file cannot be read.

    Only the file itself is read, under the reader's limits, so that listing a folder with a hostile file in it
    cannot hang; nothing is validated.
    """
    data, problems = read_yaml(path)
    title = data.get("title", "") if isinstance(data, dict) and not problems else None
    return title if isinstance(title, str) else None
