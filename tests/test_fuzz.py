"""Issue 11: a fuzz test. Mutations of the shipped baseline — of its YAML tree and of its raw bytes — either
load or raise :class:`ScenarioError` (never another exception), and a mutation that loads also runs.

The example counts keep the test under ~30 s; set ``READINESS_FUZZ_EXAMPLES`` for a longer hunt, e.g.
``READINESS_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py``.
"""

import copy
import datetime as dt
import math
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.load import ScenarioError
from tests.conftest import ROOT

BASELINE = ROOT / "scenarios" / "baseline.yaml"
RAW = BASELINE.read_bytes()
TREE = yaml.safe_load(RAW)
EXAMPLES = int(os.environ.get("READINESS_FUZZ_EXAMPLES", "50"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("READINESS_FUZZ_EXAMPLES"),
                suppress_health_check=list(HealthCheck), database=None)


def _paths(node, prefix=()):
    """Every key path in the tree (the root excluded), parents before children."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield prefix + (key,)
        yield from _paths(value, prefix + (key,))


PATHS = list(_paths(TREE))

# Values a careless edit or a hostile file puts where something else belongs.
NASTY = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 10**30, -(10**30), 1e308, -1e308, math.nan, math.inf, -math.inf,
                     0.5, "", " ", "on", "yes", "2026-13-01", "2026-02-30", "end-9999", "start-0000", "2026-Q5",
                     "done on 20250319", "done on 2025-W12-3", "done on 2026-02-30", "3 months", "-3 months",
                     "1e400 days", "1.0e+308", "x" * 5000, "\u202e", [], {}, [[]], [{}], {"a": None},
                     dt.date(2026, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31),
                     {"fixed": math.nan, "unit": "days"}, {"uniform": {"min": 0, "max": 1e308}},
                     {"pert": {"min": 3, "mode": 1, "max": 2}}, {"from": "2027-01", "to": "2026-01"},
                     {"milestones": [["x"]]}, ["safe", ["safe"]]]),
    st.integers(), st.floats(), st.text(max_size=20), st.dates(),
    st.lists(st.text(max_size=8), max_size=3),
)


def _get(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def _mutate(tree, op, path, other, value):
    """Apply one mutation in place: the subtree at ``path`` is deleted, replaced, swapped or wrapped."""
    parent, key = _get(tree, path[:-1]), path[-1]
    if op == "delete":
        del parent[key]
    elif op == "replace":
        parent[key] = value
    elif op == "copy":  # a subtree from elsewhere (a milestone where a fund belongs, a list in a map …)
        parent[key] = _copy(_get(TREE, other))
    elif op == "wrap":
        parent[key] = [parent[key]]
    elif op == "unwrap" and isinstance(parent[key], (list, dict)) and parent[key]:
        inner = parent[key]
        parent[key] = inner[0] if isinstance(inner, list) else next(iter(inner.values()))
    elif op == "rename" and isinstance(parent, dict):
        parent[value if isinstance(value, (str, int, bool)) or value is None else str(value)] = parent.pop(key)
    elif op == "duplicate" and isinstance(parent, list):
        parent.insert(key, _copy(parent[key]))


def _copy(node):
    return copy.deepcopy(node)


# libyaml's emitter when present: the pure-Python one took half of each example's time.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _check(path):
    """Loads and runs, or is refused with a ScenarioError; any other exception fails the test."""
    try:
        scenario = sim.load(path)
    except ScenarioError as exc:
        problems = exc.problems
    else:
        sim.run(scenario, n=2, seed=1, progress=False)
        return "ran"
    assert problems
    assert all(str(p) for p in problems)
    return "refused"


@pytest.mark.slow
@FUZZ
@given(mutations=st.lists(st.tuples(st.sampled_from(["delete", "replace", "replace", "copy", "wrap", "unwrap",
                                                     "rename", "duplicate"]),
                                    st.sampled_from(PATHS), st.sampled_from(PATHS), NASTY), min_size=1, max_size=3))
def test_tree_mutations_load_or_are_refused(tmp_path_factory, mutations):
    tree = _copy(TREE)
    for op, path, other, value in mutations:
        try:
            _get(tree, path)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed it
        _mutate(tree, op, path, other, value)
    path = tmp_path_factory.mktemp("tree") / "baseline.yaml"
    path.write_text(yaml.dump(tree, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=200))
    _check(path)


BYTES = st.one_of(st.binary(min_size=1, max_size=8),
                  st.sampled_from([b"\x00", b"\x07", b"\xff", b"\xc3", b"\t", b"\n", b"  ", b":", b"- ", b"[", b"{",
                                   b"&a ", b"*a", b"!!python/object:os.system ", b"'", b'"', b"#", b"\r\n", b"|",
                                   b"<<: ", b"\xef\xbb\xbf", b"\xe2\x80\xae", b"9" * 400]))


@pytest.mark.slow
@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(["insert", "delete", "overwrite", "repeat"]),
                                st.integers(0, len(RAW) - 1), st.integers(1, 64), BYTES), min_size=1, max_size=4))
def test_byte_mutations_load_or_are_refused(tmp_path_factory, edits):
    data = bytearray(RAW)
    for op, at, length, chunk in edits:
        at = min(at, len(data))
        if op == "insert":
            data[at:at] = chunk
        elif op == "delete":
            del data[at:at + length]
        elif op == "overwrite":
            data[at:at + len(chunk)] = chunk
        else:  # a line-sized piece written twice: duplicate keys, ids and list items
            data[at:at] = data[at:at + length]
    path = tmp_path_factory.mktemp("bytes") / "baseline.yaml"
    path.write_bytes(bytes(data))
    _check(path)


def test_the_unmutated_baseline_runs():
    assert _check(BASELINE) == "ran"


DELAYS = {path.name: yaml.safe_load(path.read_text()) for path in sorted((ROOT / "scenarios" / "delays").glob("*.yaml"))}
DELAY_PATHS = [(name, path) for name, tree in DELAYS.items() for path in _paths(tree)]


@pytest.mark.slow
@settings(FUZZ, max_examples=max(EXAMPLES // 2, 1))
@given(mutations=st.lists(st.tuples(st.sampled_from(["delete", "replace", "replace", "wrap", "unwrap", "rename",
                                                     "duplicate"]),
                                    st.sampled_from(DELAY_PATHS), NASTY), min_size=1, max_size=3))
def test_delay_scenario_mutations_load_or_are_refused(tmp_path_factory, mutations):
    """The same for the shipped delay scenarios: shocks, and overrides merged into the baseline they extend."""
    name = mutations[0][1][0]
    tree = _copy(DELAYS[name])
    for op, (_, path), value in mutations:
        try:
            _get(tree, path)
        except (KeyError, IndexError, TypeError):
            continue
        _mutate(tree, op, path, path, value)
    folder = tmp_path_factory.mktemp("delays")
    (folder / "delays").mkdir()
    (folder / "baseline.yaml").write_bytes(RAW)  # what `extends: ../baseline.yaml` reads
    path = folder / "delays" / name
    path.write_text(yaml.dump(tree, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=200))
    _check(path)


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory):
    scenario = sim.load(ROOT / "scenarios" / "analytic" / "funding-prefinancing.yaml")
    return sim.run(scenario, n=50, seed=1).save(tmp_path_factory.mktemp("results") / "res")


RESULT_FILES = ["targets.csv", "milestones.csv", "run.json", "outcomes.csv.gz", "inputs.csv.gz", "criticality.csv",
                "series.csv", "funding.csv"]


@FUZZ
@given(name=st.sampled_from(RESULT_FILES), op=st.sampled_from(["truncate", "overwrite", "delete", "insert"]),
       at=st.floats(0, 1), chunk=st.sampled_from([b",", b"\n", b'"', b"nan", b"inf", b"-1", b"x", b"2026-13-01",
                                                   b"1e400", b"\xff", b"{", b"[]"]))
def test_corrupted_results_load_or_are_refused(results_folder, tmp_path_factory, name, op, at, chunk):
    """Every damaged results folder is read, and briefed, or refused with a ResultsError naming the file."""
    import shutil

    from sim.report import build_report
    from sim.results import ResultsError

    folder = tmp_path_factory.mktemp("damaged") / "res"
    shutil.copytree(results_folder, folder)
    data = bytearray((folder / name).read_bytes())
    i = int(at * len(data))
    if op == "truncate":
        del data[i:]
    elif op == "overwrite":
        data[i:i + len(chunk)] = chunk
    elif op == "delete":
        del data[i:i + 40]
    else:
        data[i:i] = chunk
    (folder / name).write_bytes(bytes(data))
    try:
        results = sim.Results.load(folder)
    except ResultsError as exc:
        message = str(exc)
    else:
        build_report(results, folder.parent / "briefing.md", format="md")
        return
    assert message.startswith(str(folder)), message
