import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def write(tmp_path):
    """Write a scenario text to a file and return its path."""

    def _write(text: str, name: str = "s.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return _write


@pytest.fixture
def root() -> Path:
    return ROOT


sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    """Close figures a test left in pyplot (plot functions called without ``ax`` make them, as in Jupyter)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
