"""Rewrite the golden regression pin of the baseline (tests/test_golden.py).

Run this only when a change of results is intended and explained in the commit message:

    python tests/golden/regenerate.py

It runs ``readiness run scenarios/baseline.yaml -n 2000 --seed 7`` and stores the small tables verbatim and a
SHA-256 of each larger file, so that a diff of the pin shows what moved.
"""

import gzip
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARGS = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "-n", "2000", "--seed", "7", "--no-progress"]
VERBATIM = ["targets.csv", "milestones.csv", "funding.csv", "bottlenecks.csv"]
HASHED = ["criticality.csv", "drivers.csv", "series.csv", "assumptions.csv", "outcomes.csv.gz", "inputs.csv.gz"]


def digest(path: Path) -> str:
    """SHA-256 of a file's content (of the decompressed content for ``.gz``: gzip headers carry a timestamp)."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return hashlib.sha256(data).hexdigest()


def run_baseline(out: Path) -> None:
    """Run the pinned command into ``out``."""
    sys.path.insert(0, str(ROOT))
    from sim.cli import main

    code = main([*ARGS, "--out", str(out)])
    if code != 0:
        raise SystemExit(f"the pinned run failed with exit code {code}")


def main() -> None:
    """Run the baseline and rewrite the pin."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        run_baseline(out)
        for name in VERBATIM:
            shutil.copyfile(out / name, HERE / name)
        lines = [f"{digest(out / name)}  {name}\n" for name in HASHED]
        (HERE / "SHA256SUMS").write_text("".join(lines))
    print(f"pin rewritten in {HERE}")


if __name__ == "__main__":
    main()
