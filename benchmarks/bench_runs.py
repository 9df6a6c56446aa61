"""Time the simulator as ratios to a numpy floor measured in the same process.

The floor is the plainest vectorised Monte Carlo of the benchmark's 100-activity network: numpy draws every
triangular duration for all replications at once and a topological sweep takes the latest predecessor —
no scenario, no named streams, no results. Every other figure is printed in seconds and as a multiple of it,
so the numbers travel between machines.

Usage::

    python benchmarks/bench_runs.py            # 10,000 replications (the reference numbers)
    python benchmarks/bench_runs.py -n 2000    # quicker
    python benchmarks/bench_runs.py --cold     # also the first run in a fresh process with an empty JIT cache
    python benchmarks/bench_runs.py --stages   # also where a baseline run's CPU time goes, stage by stage

Each line ends with issue 9's target for it (at the default 10,000 replications and scenario), marked met or
not. On Linux the share of CPU time the hypervisor gave to other tenants during the run ("steal") is printed
last: figures taken with more than a few percent stolen are inflated, and only a quiet machine's count.

Timings are printed, never asserted: tests must not depend on the machine's speed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402


def network_spec(activities: int = 100, seed: int = 1) -> list[tuple[float, float, float, list[int]]]:
    """The benchmark network: (min, mode, max) days and predecessors (about 2) per activity."""
    rng = np.random.default_rng(seed)
    spec = []
    for i in range(activities):
        lo = float(rng.uniform(5, 40))
        mode = lo + float(rng.uniform(0, 30))
        hi = mode + float(rng.uniform(5, 60))
        preds = sorted(set(rng.choice(i, size=min(i, 2), replace=False).tolist())) if i else []
        spec.append((round(lo, 1), round(mode, 1), round(hi, 1), preds))
    return spec


def synthetic_network(path: Path, activities: int = 100, seed: int = 1) -> Path:
    """Write the benchmark network as a scenario file."""
    lines = ["title: Synthetic benchmark network", "start: 2026-01-01", "horizon: end-2040", "milestones:"]
    for i, (lo, mode, hi, preds) in enumerate(network_spec(activities, seed)):
        after = f", after: [{', '.join(f'a{p:03d}' for p in preds)}]" if preds else ""
        lines.append(f"  a{i:03d}: {{title: Activity {i}{after}, "
                     f"duration: {{triangular: {{min: {lo}, mode: {mode}, max: {hi}}}, unit: days}}, "
                     f"source: 'assumption: benchmark'}}")
    every = ", ".join(f"a{i:03d}" for i in range(activities))
    lines.append(f"targets:\n  finish: {{title: All activities done, all_of: [{every}], deadline: end-2030}}")
    path.write_text("\n".join(lines) + "\n")
    return path


def numpy_floor(n: int, spec) -> float:
    """Seconds for the plain vectorised sweep (best of three)."""
    best = np.inf
    for repeat in range(3):
        t0 = time.perf_counter()
        rng = np.random.default_rng(repeat)
        finish = np.empty((n, len(spec)))
        for i, (lo, mode, hi, preds) in enumerate(spec):
            start = finish[:, preds].max(axis=1) if preds else 0.0
            finish[:, i] = start + rng.triangular(lo, mode, hi, n)
        finish.max(axis=1)
        best = min(best, time.perf_counter() - t0)
    return best


def best_of(fn, repeats: int = 3) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def show(label: str, seconds: float, floor: float, n: int | None = None, ratio: float | None = None,
         limit: float | None = None) -> None:
    """Print one figure in seconds and as a multiple of the floor, with its target (``ratio`` × floor, ``limit`` s)."""
    rate = f"{n / seconds:9,.0f} replications/s" if n else " " * 24
    targets = ([f"≤ {ratio:g}× floor {'met' if seconds <= ratio * floor else 'NOT met'}"] if ratio else []) + \
              ([f"≤ {limit:g} s {'met' if seconds <= limit else 'NOT met'}"] if limit else [])
    print(f"{label:<62} {seconds:8.3f} s {seconds / floor:8.1f} × floor  {rate}  {'; '.join(targets)}")


def cpu_ticks() -> tuple[int, int] | None:
    """(stolen, all) CPU ticks since boot, from Linux's /proc/stat; None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return ticks[7], sum(ticks)


def stages(scenario, n: int, floor: float) -> None:
    """CPU seconds of each stage of a run of ``scenario``, batch by batch on one thread, and of the whole run."""
    from sim.engine import Network, fast, simulate_batch
    from sim.runner import default_batch
    from sim.sampling import sample

    net = Network.of(scenario)
    kernel = fast.simulate
    spent = {"kernel": 0.0}

    def timed_kernel(*args, **kwargs):
        t0 = time.process_time()
        try:
            return kernel(*args, **kwargs)
        finally:
            spent["kernel"] += time.process_time() - t0

    batch = default_batch(scenario)  # the runner's batches: one array of all n rows would measure page faults
    sampling = batch_time = 0.0
    fast.simulate = timed_kernel  # what simulate_batch calls for the fast engine
    try:
        for first in range(0, n, batch):
            t0 = time.process_time()
            inputs = sample(scenario, 1, first, min(batch, n - first), threads=1)
            t1 = time.process_time()
            simulate_batch(net, inputs, threads=1)
            sampling, batch_time = sampling + t1 - t0, batch_time + time.process_time() - t1
    finally:
        fast.simulate = kernel
    t0 = time.process_time()
    sim.run(scenario, n=n, seed=1, progress=False)
    whole = time.process_time() - t0  # every thread's CPU time
    rest = whole - sampling - batch_time
    name = Path(scenario.path).name if scenario.path else "the scenario"
    print(f"CPU seconds of {name} at n = {n:,} (one thread per stage; the run spreads them over the CPUs):")
    rows = [("sampling the inputs", sampling),
            ("kernel (compiled event loop; 0 for a plain network)", spent["kernel"]),
            ("post-run curves (money, production, series, gates; a plain network's sweep)", batch_time - spent["kernel"]),
            ("results, aggregation and threads (the rest of sim.run)", rest), ("sim.run in all", whole)]
    for label, seconds in rows:
        print(f"  {label:<78} {seconds:8.3f} s {seconds / floor:8.1f} × floor")


def cli_wall(args: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim", *args], check=True, cwd=ROOT, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"),
                        help="scenario to time (default: the baseline)")
    parser.add_argument("--cold", action="store_true",
                        help="also time a first run in a fresh process with an empty compile cache")
    parser.add_argument("--simpy", action="store_true", help="also time the SimPy reference engine (slow)")
    parser.add_argument("--stages", action="store_true", help="also the CPU time of each stage of a run of the scenario")
    args = parser.parse_args()
    n = args.n
    began = cpu_ticks()
    print(f"readiness-sim {sim.__version__}, {os.cpu_count()} CPUs, numpy {np.__version__}, n = {n:,}")
    spec = network_spec()
    floor = numpy_floor(n, spec)
    show("numpy floor: 100-activity network, vectorised sweep", floor, floor, n)
    with tempfile.TemporaryDirectory() as tmp:
        network = sim.load(synthetic_network(Path(tmp) / "synthetic.yaml"))
        sim.run(network, n=50, seed=1, progress=False)  # load compiled code once
        # best of 5: the first runs of a process pay the page faults of memory the allocator has not kept yet
        show("100-activity network, sim.run end to end", best_of(
            lambda: sim.run(network, n=n, seed=1, progress=False), 5), floor, n, ratio=3 if n == 10_000 else None)
        if args.simpy:
            show("100-activity network, sim.run --engine simpy", best_of(
                lambda: sim.run(network, n=n, seed=1, progress=False, engine="simpy"), 1), floor, n)
    scenario = sim.load(args.scenario)
    name = Path(args.scenario).stem
    # issue 9's targets are the baseline's (10,000 replications; the command line's default N)
    baseline = Path(args.scenario).resolve() == (ROOT / "scenarios" / "baseline.yaml").resolve()
    print(f"{Path(args.scenario).name}: {len(scenario.milestones)} milestones, {len(scenario.risks)} risks, "
          f"{len(scenario.targets)} targets, {len(scenario.funds)} funds, {len(scenario.lines)} lines")
    sim.run(scenario, n=50, seed=1, progress=False)
    for jobs in (1, 2):
        show(f"{name}, sim.run incl. results, jobs={jobs}", best_of(
            lambda jobs=jobs: sim.run(scenario, n=n, seed=1, jobs=jobs, progress=False), 2), floor, n,
            **(dict(ratio=40, limit=2) if baseline and jobs == 1 and n == 10_000 else {}))
    if args.stages:
        stages(scenario, n, floor)
    if args.simpy:
        m = max(n // 20, 100)
        seconds = best_of(lambda: sim.run(scenario, n=m, seed=1, progress=False, engine="simpy"), 1)
        show(f"{name}, --engine simpy (n = {m:,}, scaled to n)", seconds * n / m, floor, n)
    with tempfile.TemporaryDirectory() as tmp:
        limit = 20 if baseline else None
        show(f"readiness run {name} --charts, default N, wall (warm)", cli_wall(
            ["run", args.scenario, "--charts", "--out", str(Path(tmp) / "out")]), floor, limit=limit)
        if args.cold:
            env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "cold-cache"))
            show(f"readiness run {name} --charts, default N, wall (cold: compiles)", cli_wall(
                ["run", args.scenario, "--charts", "--out", str(Path(tmp) / "cold")], env), floor, limit=limit)
            env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "cold-cache-2"))
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import sim.engine"], check=True, env=env)
            show("import sim.engine (numba included)", time.perf_counter() - t0, floor)
    ended = cpu_ticks()
    if began and ended and ended[1] > began[1]:
        stolen = 100 * (ended[0] - began[0]) / (ended[1] - began[1])
        print(f"CPU time stolen by other tenants of this machine during the benchmark: {stolen:.1f} %"
              + (" (not a quiet machine: the figures are inflated)" if stolen > 3 else ""))


if __name__ == "__main__":
    main()
