"""``readiness sensitivity``: Sobol' indices or Morris effects of every input on every target.

The analysis is :func:`sim.sensitivity.sensitivity`; the command writes its table and chart and prints the
largest indices of the headline targets.
"""

from __future__ import annotations

from pathlib import Path

from ..atomic import write_atomic
from .common import Interrupted, UsageError, check_targets, load_one

CHARTED = 8  # targets in the chart, at most
PRINTED = 5  # factors printed per target


def command(args) -> int:
    """Run the analysis; write ``sensitivity.csv`` and ``sensitivity.png`` into ``args.out``; print a summary."""
    from ..sensitivity import GROUP_KINDS, headline

    scenario = load_one(args.scenario)
    groups = [g.strip() for g in (args.groups or "").split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUP_KINDS]
    if unknown:
        raise UsageError(f"--groups: found '{', '.join(unknown)}'; expected some of {', '.join(GROUP_KINDS)}")
    check_targets("--target", args.target or [], scenario)
    n = args.iterations or (256 if args.method == "sobol" else 20)
    table = _analyse(args, scenario, n, groups)
    out = Path(args.out)
    write_atomic(out / "sensitivity.csv", lambda tmp: table.to_csv(tmp, index=False, float_format="%.6g"))
    value = "ST" if args.method == "sobol" else "mu_star"
    chosen = [t for t in (args.target or headline(scenario, limit=len(scenario.targets))) if t in set(table["target"])]
    varies = set(table.loc[table[value].notna(), "target"])
    chosen = ([t for t in chosen if t in varies] or chosen)[:CHARTED]  # a target every run meets has nothing to show
    _chart(table, chosen, scenario, out / "sensitivity.png")
    _print_summary(args, scenario, table, chosen, n, value)
    print(f"All targets, both outcomes (met, date), with intervals: {out / 'sensitivity.csv'}; chart: "
          f"{out / 'sensitivity.png'}")
    return 0


def _analyse(args, scenario, n: int, groups: list[str]):
    from .. import workers
    from ..sensitivity import sensitivity

    pool = workers.pool(args.jobs) if args.executor is None and args.jobs > 1 else None
    try:
        return sensitivity(scenario, method=args.method, n=n, seed=args.seed, groups=groups or None,
                           targets=args.target, engine=args.engine, executor=args.executor or pool)
    except KeyboardInterrupt:
        if pool is not None:
            workers.stop(pool)
            pool = None
        raise Interrupted("interrupted; no results were written") from None
    finally:
        if pool is not None:
            pool.shutdown()


def _chart(table, chosen: list[str], scenario, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..charts import plot_total_indices
    from ..labels import input_labels

    ax = plot_total_indices(table, chosen, labels=input_labels(scenario))
    try:
        write_atomic(path, lambda tmp: ax.figure.savefig(tmp, dpi=130, bbox_inches="tight", format="png"))
    finally:
        plt.close(ax.figure)


def _print_summary(args, scenario, table, chosen: list[str], n: int, value: str) -> None:
    print(f"{'Sobol' if args.method == 'sobol' else 'Morris'} sensitivity of {scenario.title}: "
          f"{table.attrs['factors']} factors, {table.attrs['runs']:,} runs (N = {n}, seed {table.attrs['seed']}) "
          f"in {table.attrs['wall_time_s']:.1f} s\n")
    from ..labels import factor_label, input_labels

    labels = input_labels(scenario)
    for target in chosen:
        rows = table[(table["target"] == target) & (table["outcome"] == "met")].sort_values(value, ascending=False)
        title = rows["title"].iloc[0] if len(rows) else target
        print(f"{title} (met by its deadline) — largest {'total indices' if value == 'ST' else 'μ*'}:")
        if rows[value].isna().all():
            print("  (the outcome does not vary: every run gives the same answer)")
        for r in rows.head(PRINTED).itertuples():
            ci = (f"[{r.ST_low:.2f}, {r.ST_high:.2f}]" if value == "ST" else f"[{r.mu_star_low:.3g}, {r.mu_star_high:.3g}]")
            print(f"  {getattr(r, value):6.3f} {ci:>16}  {factor_label(str(r.factor), labels)}")
        print()
