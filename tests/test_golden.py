"""Golden regression pin: the baseline at a fixed seed gives byte-identical results.

The pin (tests/golden/) was written by ``tests/golden/regenerate.py`` from a version whose statistics the analytic
and engine-identity tests had checked. A restructuring or a speed-up must not move a single byte; a change of the
model that does must rewrite the pin in the same commit and say why.
"""

import difflib

import pytest

from tests.golden.regenerate import HASHED, HERE, VERBATIM, digest, run_baseline


@pytest.fixture(scope="module")
def baseline_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "out"
    run_baseline(out)
    return out


@pytest.mark.parametrize("name", VERBATIM)
def test_table_is_byte_identical(baseline_out, name):
    expected = (HERE / name).read_text()
    found = (baseline_out / name).read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), found.splitlines(True), "pinned", "now", n=0))
    assert found == expected, f"{name} moved from the golden pin:\n{diff[:3000]}"


def test_larger_files_are_byte_identical(baseline_out):
    pinned = dict(line.split()[::-1] for line in (HERE / "SHA256SUMS").read_text().splitlines())
    assert sorted(pinned) == sorted(HASHED)
    moved = [name for name in HASHED if digest(baseline_out / name) != pinned[name]]
    assert not moved, f"these files moved from the golden pin: {moved}"
