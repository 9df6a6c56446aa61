"""Peak memory of ``readiness run`` as the number of replications grows (issue 14: flat memory at scale).

Each run is a fresh process (``readiness run SCENARIO -n N --no-progress --out TMP``); its peak resident set size
comes from ``resource.getrusage(RUSAGE_CHILDREN)`` after it exits. With the default streaming (outcomes kept for
the first 20,000 replications only) the peak should stay within 1.5x from 10^5 to 10^6 replications.

Usage::

    python benchmarks/bench_memory.py                        # the baseline at 100,000 and 1,000,000
    python benchmarks/bench_memory.py -n 20000 80000         # quicker
    python benchmarks/bench_memory.py --keep-outcomes -n 20000 40000   # every outcome kept: memory grows

Numbers are printed, never asserted: tests must not depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_of_run(scenario: Path, n: int, keep_outcomes: bool) -> tuple[float, float]:
    """Peak resident set size (MB) and wall time (s) of one ``readiness run`` of ``n`` replications."""
    code = "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-c", code, "run", str(scenario), "-n", str(n), "--no-progress", "--out",
                str(Path(tmp) / "out")] + (["--keep-outcomes"] if keep_outcomes else [])
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        began = time.perf_counter()
        # one child at a time: RUSAGE_CHILDREN's maximum is then this run's (it never decreases, so the runs go
        # from small to large)
        subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - began
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, wall  # kB on Linux


def main() -> None:
    """Run the scenario at each size and print peak memory and wall time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, nargs="+", default=[100_000, 1_000_000], help="replications per run")
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    parser.add_argument("--keep-outcomes", action="store_true", help="keep every replication's outcomes")
    args = parser.parse_args()
    first = None
    for n in sorted(args.n):
        peak, wall = peak_of_run(args.scenario, n, args.keep_outcomes)
        first = first or peak
        print(f"{n:>10,} replications: peak RSS {peak:8.0f} MB ({peak / first:4.2f}x the first), {wall:7.1f} s",
              flush=True)


if __name__ == "__main__":
    main()
