"""Time the simulator: replications per second for the baseline (1 and 2 jobs) and a synthetic network.

Usage::

    python benchmarks/bench_runs.py            # 10,000 replications each (the reference numbers)
    python benchmarks/bench_runs.py -n 2000    # quicker

Timings are printed, never asserted: tests must not depend on the machine's speed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402


def synthetic_network(path: Path, activities: int = 100, seed: int = 1) -> Path:
    """Write a random 100-activity network: triangular durations, about 2 predecessors each."""
    rng = np.random.default_rng(seed)
    lines = ["title: Synthetic benchmark network", "start: 2026-01-01", "horizon: end-2040", "milestones:"]
    for i in range(activities):
        lo = float(rng.uniform(5, 40))
        mode = lo + float(rng.uniform(0, 30))
        hi = mode + float(rng.uniform(5, 60))
        preds = sorted(set(rng.choice(i, size=min(i, 2), replace=False).tolist())) if i else []
        after = f", after: [{', '.join(f'a{p:03d}' for p in preds)}]" if preds else ""
        lines.append(f"  a{i:03d}: {{title: Activity {i}{after}, "
                     f"duration: {{triangular: {{min: {lo:.1f}, mode: {mode:.1f}, max: {hi:.1f}}}, unit: days}}, "
                     f"source: 'assumption: benchmark'}}")
    lines.append(f"targets:\n  finish: {{title: All activities done, all_of: [{', '.join(f'a{i:03d}' for i in range(activities))}], deadline: end-2030}}")
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(label: str, scenario, n: int, jobs: int) -> float:
    t0 = time.perf_counter()
    sim.run(scenario, n=n, seed=1, jobs=jobs, progress=False)
    elapsed = time.perf_counter() - t0
    print(f"{label:<44} jobs={jobs}  n={n:>6}  {elapsed:7.2f} s  {n / elapsed:8.0f} replications/s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"),
                        help="scenario to time with 1 and 2 jobs (default: the baseline)")
    args = parser.parse_args()
    print(f"readiness-sim {sim.__version__}, {os.cpu_count()} CPUs, numpy {np.__version__}")
    baseline = sim.load(args.scenario)
    print(f"baseline: {len(baseline.milestones)} milestones, {len(baseline.risks)} risks, {len(baseline.targets)} targets, "
          f"{len(baseline.funds)} funds, {len(baseline.lines)} lines")
    timed("baseline", baseline, args.n, 1)
    timed("baseline", baseline, args.n, 2)
    with tempfile.TemporaryDirectory() as tmp:
        network = sim.load(synthetic_network(Path(tmp) / "synthetic.yaml"))
        timed("synthetic 100 activities, ~2 predecessors", network, args.n, 1)


if __name__ == "__main__":
    main()
