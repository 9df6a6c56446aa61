"""The house rules of issue 10, checked on the source itself.

- no module under ``sim/`` longer than 500 lines, no function longer than 80 lines;
- no module imports a private (``_name``) name of another module;
- every module under ``sim/`` is imported directly by at least one test.
"""

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "scenarios" not in p.relative_to(PACKAGE).parts)


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = _modules()
IDS = [_dotted(p) for p in MODULES]


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_module_is_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_dotted(path)} has {lines} lines (limit {MAX_MODULE_LINES}): split it"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_functions_are_short(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_dotted(path)}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_private_imports_across_modules(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = [
        f"{alias.name} from {'.' * node.level}{node.module or ''} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert not private, f"{_dotted(path)} imports private names of other modules: {', '.join(private)}"


@functools.cache  # every test file parsed once per session, not once per module checked (80 s of CPU)
def _imported_by_tests() -> frozenset[str]:
    imported: set[str] = set()
    for test in (ROOT / "tests").rglob("*.py"):
        tree = ast.parse(test.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(imported)


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_module_has_a_test_that_imports_it(path: Path) -> None:
    name = _dotted(path)
    if re.fullmatch(r"sim\.__main__", name):
        pytest.skip("python -m sim is exercised through the CLI tests")
    assert name in _imported_by_tests(), f"no test imports {name} directly"
