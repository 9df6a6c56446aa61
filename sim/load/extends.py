"""A scenario file and the chain of files it ``extends``, merged into one mapping with the line of every key.

The merge rules are those of docs/scenario-format.md (Composition): a child's element replaces or updates its
parent's element of the same id, shocks and correlations are appended, status facts are added. The sha256 of a
scenario covers every file of the chain, so a delay scenario notices when the baseline it extends changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Path_, Problem
from .yaml_reader import Reader

MAX_EXTENDS = 20  # files in an `extends` chain (the shipped ones: 2)
SECTIONS = ("drivers", "milestones", "risks", "targets", "funds", "indicators", "lines", "capabilities")


@dataclass
class Merged:
    """A scenario file with its parents merged in.

    Attributes
    ----------
    data : dict or None
        The merged mapping; None when a file of the chain could not be used (the problems say why).
    locs : dict
        Key path → (file, line) of the value that won the merge.
    texts : list of str
        The text of every file of the chain read so far, the file itself first, then its parent, and so on.
    """

    data: dict | None
    locs: dict
    texts: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        """Hex digest of the whole chain (see :func:`chain_sha256`)."""
        return chain_sha256(self.texts)


def chain_sha256(texts: list[str]) -> str:
    """The sha256 of a scenario made of the files ``texts`` (the file first, then the files it extends).

    A file that extends nothing hashes as its bytes, exactly as ``sha256sum`` does; a chain hashes the
    concatenated digests of its files, so that a change in any of them changes the scenario's hash.
    """
    digests = [hashlib.sha256(text.encode("utf-8")).digest() for text in texts]
    if len(digests) == 1:
        return digests[0].hex()
    return hashlib.sha256(b"".join(digests)).hexdigest()


def read_merged(path: str | Path, problems: list[Problem]) -> Merged:
    """Read ``path`` and the files it extends, appending every problem to ``problems``."""
    texts: list[str] = []
    data, locs = _read(Path(path), (), problems, texts)
    return Merged(data, locs, texts)


def _read(path: Path, chain: tuple[Path, ...], problems: list[Problem], texts: list[str]) -> tuple[dict | None, dict]:
    """Read ``path`` and the files it extends; return merged data and locations."""
    reader = Reader(path)
    data = reader.read()
    problems.extend(reader.problems)
    texts.append(reader.text)
    if data is None:
        if not reader.problems:
            problems.append(Problem(reader.name, 0, "", "the file is empty; a scenario needs title, start, horizon and "
                                                        "milestones"))
        return None, reader.locs
    if not isinstance(data, dict):
        problems.append(Problem(reader.name, 1, "", f"found {type(data).__name__}; a scenario file must be a mapping "
                                                    "of keys"))
        return None, reader.locs
    lists_to_mappings(data, reader.locs, problems, reader.name)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, reader.locs
    # A broken `extends` is a file-level problem: the file's own checks would only add follow-on errors
    # (missing start, unknown milestones …) for what the parent was meant to supply, so they are skipped.
    parent_path = _parent(path, parent_ref, chain, reader, problems)
    if parent_path is None:
        return None, reader.locs
    parent, parent_locs = _read(parent_path, chain + (path.resolve(),), problems, texts)
    if parent is None:
        return None, reader.locs
    return merge(parent, parent_locs, data, reader.locs)


def _parent(path: Path, parent_ref: object, chain: tuple[Path, ...], reader: Reader,
            problems: list[Problem]) -> Path | None:
    """The file ``extends: parent_ref`` names, or None after recording why it cannot be used."""
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        message = f"found {parent_ref!r}; expected the path of a scenario file"
    else:
        parent_path = (path.parent / parent_ref).resolve()
        message = _parent_problem(path, parent_ref, parent_path, chain)
        if not message:
            return parent_path
    file, line = reader.locs.get(("extends",), (reader.name, 0))
    problems.append(Problem(file, line, "extends", message))
    return None


def _parent_problem(path: Path, parent_ref: str, parent_path: Path, chain: tuple[Path, ...]) -> str:
    """What is wrong with extending ``parent_path`` (empty when nothing)."""
    if parent_path in chain or parent_path == path.resolve():
        return f"extends loops back: {' → '.join(p.name for p in chain + (path.resolve(), parent_path))}"
    if len(chain) >= MAX_EXTENDS:
        return (f"more than {MAX_EXTENDS} files extend each other in a chain; a delay scenario usually extends the "
                "baseline directly")
    if parent_path.is_dir():
        return f"found '{parent_ref}', which is the folder {parent_path}; expected a scenario file such as ../baseline.yaml"
    if not parent_path.is_file():
        return f"found '{parent_ref}', but {parent_path} does not exist"
    return ""


def lists_to_mappings(data: dict, locs: dict, problems: list[Problem], name: str) -> None:
    """Accept a section written as a list of elements with an ``id`` key (as in roadmap-2030.md's YAML).

    The list becomes the usual mapping id → element, and the recorded lines follow the elements.
    """
    for key in SECTIONS:
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


def merge(parent: dict, parent_locs: dict, child: dict, child_locs: dict) -> tuple[dict, dict]:
    """Merge a child scenario into its parent (see docs/scenario-format.md, Composition); data and locations."""
    merged = {k: v for k, v in parent.items() if k not in ("title", "description")}
    locs = {p: loc for p, loc in parent_locs.items() if not p or p[0] not in ("title", "description")}

    def replace(prefix: Path_, value):
        for p in [p for p in locs if p[: len(prefix)] == prefix]:
            del locs[p]
        locs.update({p: loc for p, loc in child_locs.items() if p[: len(prefix)] == prefix})
        return value

    for key, value in child.items():
        if key in SECTIONS and isinstance(value, dict) and isinstance(merged.get(key), dict):
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
