"""Global sensitivity (sim.sensitivity): Sobol' indices against a closed form, Morris exactly, reproducibility,
groups; the CLI writes sensitivity.csv and the chart."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("SALib")

import sim  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.sensitivity import COLUMNS, factors, sensitivity  # noqa: E402

# A serial chain of independent uniform durations (widths 10, 20 and 40 days): the completion date of c is
# A + B + C, additive, so each step's first-order and total Sobol' index equal its share of the variance,
# w_i² / Σ w_j² = 1/21, 4/21, 16/21. Sections: a and b in "one", c in "two".
CHAIN = """\
title: Serial chain of uniforms
start: 2026-01-01
horizon: end-2030
milestones:
  a: {title: A, section: one, duration: {uniform: {min: 10 days, max: 20 days}}, source: test}
  b: {title: B, section: one, after: [a], duration: {uniform: {min: 10 days, max: 30 days}}, source: test}
  c: {title: C, section: two, after: [b], duration: {uniform: {min: 10 days, max: 50 days}}, deadline: 2026-03-15,
      source: test}
"""
WIDTHS = {"a": 10.0, "b": 20.0, "c": 40.0}
SHARE = {k: w ** 2 / sum(v ** 2 for v in WIDTHS.values()) for k, w in WIDTHS.items()}
N = 4096  # base sample: 20,480 runs of a 3-step sweep, well under a second
SIGMAS = 4  # tolerance: 4 standard errors of the bootstrap (SALib's 95 % half-width is 1.96 of them)


@pytest.fixture
def chain(write):
    return sim.load(write(CHAIN))


def _rows(table, outcome="date"):
    return table[(table["target"] == "c") & (table["outcome"] == outcome)].set_index("factor")


def test_sobol_indices_are_the_variance_shares_of_a_serial_chain(chain):
    rows = _rows(sensitivity(chain, n=N, seed=11))
    for step, share in SHARE.items():
        r = rows.loc[f"milestone:{step}:duration"]
        for index in ("S1", "ST"):
            half = (r[f"{index}_high"] - r[f"{index}_low"]) / 2
            se = half / 1.96
            assert 0 < half < 0.08, f"{index} of {step}: interval ±{half:.3f} too wide to test anything"
            assert abs(r[index] - share) <= SIGMAS * se, \
                f"{index} of {step} = {r[index]:.4f}, exact {share:.4f}, tolerance 4 s.e. = {SIGMAS * se:.4f}"
    # the ranking the analyst reads off is the true one, and the additive model has no interactions
    assert list(rows["ST"].sort_values().index) == [f"milestone:{s}:duration" for s in "abc"]
    assert abs(rows["S1"].sum() - 1) < 0.1
    assert abs(rows["ST"].sum() - 1) < 0.1


def test_a_wrong_share_fails_the_same_check(chain):
    # The check above can fail: a share off by 0.1 lies outside the 4 s.e. tolerance for every step.
    rows = _rows(sensitivity(chain, n=N, seed=11))
    for step, share in SHARE.items():
        r = rows.loc[f"milestone:{step}:duration"]
        se = (r["ST_high"] - r["ST_low"]) / 2 / 1.96
        assert abs(r["ST"] - (share + 0.1)) > SIGMAS * se


def test_same_seed_same_table_other_seed_other_draws(chain):
    one = sensitivity(chain, n=256, seed=3)
    pd.testing.assert_frame_equal(one, sensitivity(chain, n=256, seed=3))
    assert list(one.columns) == COLUMNS
    assert not np.allclose(one["S1"], sensitivity(chain, n=256, seed=4)["S1"])


def test_design_uses_the_runs_named_streams(chain):
    # Matrix A of the design is replications 0..N-1 of a run with the same seed: the same draws.
    from sim.sampling import sample
    from sim.sensitivity import _sobol_design

    names = [n for n, _ in chain.inputs()]
    design = _sobol_design(names, names, 16, seed=5).reshape(16, len(names) + 2, len(names))
    run_values = sample(chain, 5, 0, 16).values
    ppf = np.column_stack([d.ppf(design[:, 0, j]) for j, (_, d) in enumerate(chain.inputs())])
    np.testing.assert_array_equal(ppf, run_values)


def test_groups_sum_sensibly(chain):
    single = _rows(sensitivity(chain, n=N, seed=11))
    grouped = _rows(sensitivity(chain, n=N, seed=11, groups=["durations-by-section"]))
    assert set(grouped.index) == {"durations:one", "durations:two"}
    assert grouped.loc["durations:one", "inputs"] == 2
    exact = {"durations:one": SHARE["a"] + SHARE["b"], "durations:two": SHARE["c"]}
    for group, share in exact.items():
        se = (grouped.loc[group, "ST_high"] - grouped.loc[group, "ST_low"]) / 2 / 1.96
        assert abs(grouped.loc[group, "ST"] - share) <= SIGMAS * se, (group, grouped.loc[group, "ST"], share)
    # additive model: a group's total index is the sum of its members' (each within 4 s.e.)
    members = single.loc[["milestone:a:duration", "milestone:b:duration"], "ST"].sum()
    se = (grouped.loc["durations:one", "ST_high"] - grouped.loc["durations:one", "ST_low"]) / 2 / 1.96
    assert abs(grouped.loc["durations:one", "ST"] - members) <= SIGMAS * se
    assert grouped["S1"].sum() <= 1 + 0.1


def test_met_indicator_is_analysed_too(chain):
    rows = _rows(sensitivity(chain, n=1024, seed=2), "met")
    assert rows["ST"].idxmax() == "milestone:c:duration"
    assert (rows["ST"] >= rows["S1"] - 0.1).all()  # met is a threshold: interactions, so ST ≥ S1


def test_morris_elementary_effects_are_exact_on_a_linear_chain(chain):
    # The date is linear in each duration, so every elementary effect of a step is the same: its width times the
    # grid's stride in probability (3/4 of the uniform grid, the strata centres ⅛ … ⅞) — 7.5, 15, 30 days.
    rows = _rows(sensitivity(chain, method="morris", n=10, seed=1))
    for step, width in WIDTHS.items():
        r = rows.loc[f"milestone:{step}:duration"]
        assert r["mu_star"] == pytest.approx(width * 0.75, rel=1e-9)
        assert r["sigma"] == pytest.approx(0.0, abs=1e-9)


def test_correlated_inputs_form_one_factor(write):
    text = CHAIN + "correlations:\n  - {between: [milestone:a:duration, milestone:c:duration], rank: 0.5}\n"
    s = sim.load(write(text))
    got = factors(s)
    assert got[0] == got[2] != got[1]
    with pytest.raises(ValueError, match="unknown group"):
        factors(s, ["nonsense"])


def test_constant_outcome_gives_nan_not_a_crash(write):
    s = sim.load(write(CHAIN.replace("deadline: 2026-03-15", "deadline: 2029-01-01")))
    rows = _rows(sensitivity(s, n=64, seed=1), "met")
    assert rows["S1"].isna().all()


def test_cli_writes_table_and_chart(write, tmp_path, capsys):
    out = tmp_path / "sens"
    assert main(["sensitivity", str(write(CHAIN)), "-n", "128", "--out", str(out), "--groups", "durations-by-section"]) == 0
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["factor"]) == {"durations:one", "durations:two"}
    assert (out / "sensitivity.png").stat().st_size > 1000
    assert "Durations in the two section" in capsys.readouterr().out  # groups in plain words
    assert main(["sensitivity", str(write(CHAIN)), "--groups", "bogus", "--out", str(out)]) == 2


def test_chart_of_total_indices(chain):
    import matplotlib
    matplotlib.use("Agg")
    from sim.charts.sensitivity import plot_total_indices

    table = sensitivity(chain, n=256, seed=1)
    ax = plot_total_indices(table, ["c"], outcome="date")
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 3  # one cell per factor, largest total index first
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "milestone:c:duration"
    assert float(cells[0]) == pytest.approx(_rows(table).loc["milestone:c:duration", "ST"], abs=0.005)


def test_table_does_not_depend_on_chunking_or_workers(chain, monkeypatch):
    import sim.sensitivity as sens
    from sim import workers

    whole = sensitivity(chain, n=300, seed=8)
    monkeypatch.setattr(sens, "CHUNK", 7)  # base rows split across many chunks and waves
    pd.testing.assert_frame_equal(whole, sensitivity(chain, n=300, seed=8), check_exact=True)
    pool = workers.pool(2)
    try:
        pd.testing.assert_frame_equal(whole, sensitivity(chain, n=300, seed=8, executor=pool), check_exact=True)
    finally:
        pool.shutdown()


# ---------------------------------------------------------------------------------------------- in the briefing


def test_read_table_round_trips_and_refuses_other_files(chain, tmp_path):
    from sim.sensitivity import read_table

    table = sensitivity(chain, n=128, seed=5)
    path = tmp_path / "sensitivity.csv"
    table.to_csv(path, index=False)
    back = read_table(path)
    assert list(back.columns) == COLUMNS
    assert back["ST"].to_numpy() == pytest.approx(table["ST"].to_numpy(), nan_ok=True)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="missing the columns method, target"):
        read_table(other)


def test_briefing_says_what_decides_the_targets(chain, tmp_path):
    from sim.report import build_report

    table = sensitivity(chain, n=512, seed=5)
    results = sim.run(chain, n=400, seed=5, progress=False)
    text = build_report(results, tmp_path / "b.md", format="md", sensitivity=table)[0].read_text()
    section = text.split("## What decides the headline targets (global sensitivity)")[1].split("\n## ")[0]
    # c's own duration has 16/21 of the variance of c's date: it must be named first for c
    c_row = next(line for line in section.splitlines() if line.startswith("| C |"))
    assert c_row.startswith("| C | Duration: C (")
    plain = build_report(results, tmp_path / "p.png", format="png", dpi=40)
    with_page = build_report(results, tmp_path / "s.png", format="png", dpi=40, sensitivity=table)
    assert len(with_page) == len(plain) + 1


def test_cli_report_takes_a_sensitivity_table_and_refuses_a_wrong_file(chain, write, tmp_path, capsys):
    scenario = write(CHAIN)
    assert main(["sensitivity", str(scenario), "-n", "128", "--out", str(tmp_path / "sens")]) == 0
    out = tmp_path / "b.md"
    assert main(["report", str(scenario), "-n", "300", "--no-progress", "--out", str(out),
                 "--sensitivity", str(tmp_path / "sens" / "sensitivity.csv")]) == 0
    assert "What decides the headline targets" in out.read_text()
    wrong = write("a,b\n1,2\n", "wrong.csv")
    capsys.readouterr()
    assert main(["report", str(scenario), "--out", str(tmp_path / "x.md"), "--sensitivity", str(wrong)]) == 2
    assert "--sensitivity" in capsys.readouterr().err
