"""Fit the reference classes behind the baseline's legislative and political durations, and show the fit.

Reads ``data/reference_classes.csv`` (one row per EU act or European Council decision, each with its citation
and a tag: seen / seen-web / seen-2nd / mem — mem rows are from memory with a precise EUR-Lex reference and not
re-checked) and prints, per class:

- **olp** (ordinary legislative procedure, proposal → adoption or agreement): the lognormal fitted to the
  individual files (maximum likelihood on log months), next to the class the baseline uses (median 12 months,
  p90 24: calibration-2025.md §5) with a Kolmogorov–Smirnov test of the files against it; the same fit on the
  seen rows only; and the remaining time of the Defence Readiness Omnibus (proposed 17 Jun 2025, 4.0 months
  before the 16 Oct 2025 start) = the class conditioned on not being done after the elapsed time.
- **council-only** (Art. 122 / urgent procedure): the observed durations (median ≈ 2.4 months).
- **mff** (acts tied to the multiannual financial framework): the observed duration.
- **european-council** (Commission or HR initiative → European Council response): what the European Council did
  at the first summit after publication, and a Jeffreys interval for the chance of a named endorsement there.

Run from the repository root: ``python data/fit_reference_classes.py [--plot FILE.png]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent
MONTH = 365.25 / 12
Z90 = stats.norm.ppf(0.9)
BASELINE_OLP = {"median": 12.0, "p90": 24.0}  # calibration-2025.md §5 item 1
OMNIBUS_PROPOSED, START = dt.date(2025, 6, 17), dt.date(2025, 10, 16)  # public-facts.md P6; baseline start


def load(path: Path = HERE / "reference_classes.csv") -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"from_date": str, "to_date": str})
    # months from the dates where both are given: must agree with the months column (0.1-month rounding)
    both = table.from_date.notna() & table.to_date.notna()
    days = (pd.to_datetime(table.to_date[both]) - pd.to_datetime(table.from_date[both])).dt.days
    bad = table[both][(days / MONTH - table.months[both]).abs() > 0.051]
    if len(bad):
        raise SystemExit(f"months disagree with the dates for: {', '.join(bad.id)}")
    return table


def lognormal_from(median: float, p90: float) -> stats.rv_continuous:
    return stats.lognorm((np.log(p90) - np.log(median)) / Z90, scale=median)


def fit_lognormal(months: np.ndarray) -> tuple[float, float]:
    """Median and p90 of the lognormal fitted to ``months`` (mean and sample sd of the logs)."""
    logs = np.log(months)
    mu, sigma = logs.mean(), logs.std(ddof=1)
    return float(np.exp(mu)), float(np.exp(mu + Z90 * sigma))


def remaining(dist, elapsed: float, q: float) -> float:
    """Quantile q of the time still needed after ``elapsed`` months without completion."""
    f0 = dist.cdf(elapsed)
    return float(dist.ppf(f0 + q * (1 - f0)) - elapsed)


def report(table: pd.DataFrame) -> dict:
    out = {}
    olp = table[table.fit_class == "olp"]
    months = olp.months.to_numpy(float)
    med, p90 = fit_lognormal(months)
    seen = olp[olp.tag == "seen"].months.to_numpy(float)
    base = lognormal_from(**BASELINE_OLP)
    ks = stats.kstest(months, base.cdf)
    print("Ordinary legislative procedure, proposal → adoption/agreement (months)")
    for r in olp.sort_values("months").itertuples():
        print(f"  {r.months:5.1f}  {r.instrument}  [{r.tag}]")
    moments = table[table.fit_class == "moment"]
    for r in moments.itertuples():
        print(f"  avg {r.months:4.1f}  {r.instrument}, {r.outcome}  [{r.tag}]")
    print(f"  fitted lognormal (n = {len(months)}): median {med:.1f}, p90 {p90:.1f}")
    if len(seen) >= 2:
        ms, ps = fit_lognormal(seen)
        print(f"  fitted on [seen] rows only (n = {len(seen)}): median {ms:.1f}, p90 {ps:.1f}")
    print(f"  baseline class: median {BASELINE_OLP['median']:.0f}, p90 {BASELINE_OLP['p90']:.0f}; "
          f"KS test of the files against it: D = {ks.statistic:.2f}, p = {ks.pvalue:.2f}")
    elapsed = (START - OMNIBUS_PROPOSED).days / MONTH
    rem = {q: remaining(base, elapsed, q) for q in (0.5, 0.9)}
    print(f"  Defence Readiness Omnibus: {elapsed:.1f} months elapsed at {START}; remaining under the class: "
          f"median {rem[0.5]:.1f}, p90 {rem[0.9]:.1f} months (baseline: lognormal median 8.2, p90 20)")
    print(f"  P(adopted by 31 Dec 2025 | class) = "
          f"{(base.cdf(elapsed + (dt.date(2025, 12, 31) - START).days / MONTH) - base.cdf(elapsed)) / (1 - base.cdf(elapsed)):.3f}")
    out.update(olp_median=med, olp_p90=p90, ks_p=ks.pvalue, omnibus_median=rem[0.5], omnibus_p90=rem[0.9])

    council = table[table.fit_class == "council-only"].months.to_numpy(float)
    print(f"\nCouncil-only / urgent acts: {', '.join(f'{m:.1f}' for m in council)} months; median {np.median(council):.1f}")
    mff = table[table.fit_class == "mff"].months.to_numpy(float)
    print(f"Acts tied to the MFF: {', '.join(f'{m:.1f}' for m in mff)} months")
    out["council_median"] = float(np.median(council))

    ec = table[table.fit_class == "european-council"]
    print("\nEuropean Council responses to defence initiatives (first summit after publication)")
    for r in ec.itertuples():
        when = "" if np.isnan(r.months) else f"{r.months:4.2f} months: "
        print(f"  {r.instrument}: {when}{r.outcome}  [{r.tag}]")
    named = ec.outcome.str.startswith("endorsed at the first summit").sum()
    k, n = int(named), len(ec)
    low, high = stats.beta.ppf([0.025, 0.975], k + 0.5, n - k + 0.5)
    print(f"  named endorsement at the first summit: {k} of {n}; Jeffreys 95 % interval {low:.2f}–{high:.2f} "
          f"(baseline: 25 % for EDDI/EFW on 23 Oct 2025, 20 % for the Shields)")
    out.update(ec_k=k, ec_n=n, ec_high=high)
    return out


def plot(table: pd.DataFrame, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    olp = np.sort(table[table.fit_class == "olp"].months.to_numpy(float))
    med, p90 = fit_lognormal(olp)
    x = np.linspace(0.5, 48, 300)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.step(olp, np.arange(1, len(olp) + 1) / len(olp), where="post", label=f"EU files (n = {len(olp)})")
    ax.plot(x, lognormal_from(med, p90).cdf(x), label=f"fitted lognormal: median {med:.1f}, p90 {p90:.1f}")
    ax.plot(x, lognormal_from(**BASELINE_OLP).cdf(x), "--", label="baseline class: median 12, p90 24")
    ax.set_xlabel("months from proposal to adoption or agreement")
    ax.set_ylabel("share of files done")
    ax.set_title("Ordinary legislative procedure: reference class and fit")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"\nplot written to {path}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", help="write the OLP fit as a PNG to this file")
    args = parser.parse_args(argv)
    table = load()
    report(table)
    if args.plot:
        plot(table, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
