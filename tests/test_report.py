"""The briefing: builds as PDF, PNG pages and Markdown from a results directory and from a scenario; names the
targets most at risk with their drivers, and the sources of the assumptions behind them; the `report` command's
exit codes. Small scenarios and few replications: the layout code is the same as for the baseline."""

import dataclasses
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import sim  # noqa: E402
from sim import charts  # noqa: E402
from sim.analysis import compare_results, drivers, with_delay  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.report import _assumption_pages, _pages, assumption_of, briefing, build_report  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Every element has its own recognisable source, so the Markdown can be checked for the right ones.
SCENARIO = """\
title: Report test
start: 2026-01-01
horizon: end-2029
seed: 5
drivers:
  politics:
    title: Political cohesion
    factor: {pert: {min: 0.8, mode: 1.0, max: 1.8}}
    applies_to: [political]
    source: "SRC-driver-politics: assumption for the test"
milestones:
  proposal:
    title: Proposal tabled
    section: law
    tags: [political]
    deadline: 2026-03-31
    duration: {triangular: {min: 20 days, mode: 60 days, max: 150 days}}
    source: "SRC-proposal: roadmap §1"
  adoption:
    title: Regulation adopted
    section: law
    tags: [political]
    after: [proposal]
    deadline: 2026-12-31
    duration: {lognormal: {median: 8 months, p90: 16 months}}
    source: "SRC-adoption: calibration §4"
  contracts:
    title: Contracts signed
    section: industry
    after: [adoption]
    deadline: 2027-06-30
    duration: {uniform: {min: 2 months, max: 9 months}}
    source: "SRC-contracts: assumption"
  delivery:
    title: First deliveries
    section: industry
    after: [contracts]
    deadline: end-2028
    duration: {pert: {min: 6, mode: 12, max: 30}, unit: months}
    source: "SRC-delivery: Kiel Institute"
  audit:
    title: Audit published
    section: governance
    deadline: 2026-09-30
    duration: {uniform: {min: 4 months, max: 10 months}}
    source: "SRC-audit: assumption"
risks:
  veto:
    title: A member state vetoes
    probability: 0.3
    delay: {uniform: {min: 3 months, max: 9 months}}
    affects: {milestones: [adoption]}
    source: "SRC-risk-veto: track record"
targets:
  all-done:
    title: Adopted and delivered by end 2028
    all_of: [adoption, delivery]
    deadline: end-2028
"""


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report-test.yaml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture(scope="module")
def results(scenario_file):
    return sim.run(sim.load(scenario_file), n=400, progress=False)


@pytest.fixture(scope="module")
def results_dir(results, tmp_path_factory):
    return results.save(tmp_path_factory.mktemp("runs") / "report-test")


@pytest.fixture(autouse=True)
def no_open_figures():
    yield
    assert plt.get_fignums() == [], "the report must not leave pyplot figures behind"


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def test_markdown_names_the_targets_at_risk_their_drivers_and_sources(results_dir, tmp_path):
    loaded = sim.Results.load(results_dir)
    out = build_report(loaded, tmp_path / "briefing.md", format="md")
    assert out == [tmp_path / "briefing.md"]
    text = out[0].read_text(encoding="utf-8")
    assert text.startswith("# Readiness briefing — Report test")
    worst = charts.at_risk_targets(loaded, 5)
    titles = loaded.targets.set_index("target")["title"]
    for target in worst:
        assert titles[target] in text
    # The assumptions behind the headline: the sources of the top drivers of every target at risk.
    scenario = sim.load(loaded.meta["scenario"])
    for target in worst:
        for name in drivers(loaded, target).head(3)["input"]:
            source = assumption_of(scenario, name).source
            assert source.startswith("SRC-") and source in text, (target, name)
    # Every target in the headline table, with probability, interval and P-dates.
    for row in loaded.targets.itertuples():
        assert re.search(rf"\| {re.escape(row.title)} \| {row.deadline} \| [^|]+ % \| [^|]+ % \|", text), row.title
    assert "## Conventions" in text and loaded.meta["conventions"][:40] in text
    assert f"seed: `{loaded.meta['seed']}`" in text and "scenario_sha256" in text


def test_drivers_in_words_skip_the_noise(results):
    b = briefing(results)
    assert len(b.at_risk) == 5
    for item in b.at_risk:
        assert (item.named["impact_pp"].abs() > item.named["noise"]).all()
        words = item.words()
        if item.named.empty:
            assert "noise" in words
        else:
            assert words.startswith("Driven most by") and f"{abs(item.named['impact_pp'].iloc[0]):.0f} pp" in words


def test_pdf_has_one_page_per_chart_and_the_sources_page(results, tmp_path):
    out = build_report(results, tmp_path / "b.pdf", at_risk=2)
    data = out[0].read_bytes()
    assert data.startswith(b"%PDF")
    fans = len(charts.series_observables(results))
    text_pages = len(_assumption_pages(briefing(results, at_risk=2)))  # assumptions, sources, conventions, run
    assert 1 <= text_pages <= 2
    # dashboard, timeline, S-curves, tornadoes, fans, then the text pages
    assert _pdf_pages(data) == 2 + 2 * 2 + fans + text_pages
    assert not list(tmp_path.glob("*.partial"))


def test_png_pages_replace_a_longer_earlier_briefing(results, tmp_path):
    for i in range(1, 21):  # an earlier, longer briefing
        (tmp_path / f"b-{i}.png").write_bytes(b"stale")
    (tmp_path / "b-99.png").write_bytes(b"unrelated")  # not in this briefing's sequence: kept
    pages = build_report(results, tmp_path / "b.png", format="png", at_risk=1, dpi=40)
    assert [p.name for p in pages] == [f"b-{i}.png" for i in range(1, len(pages) + 1)]
    for path in pages:
        assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(tmp_path.glob("b-*.png")) == sorted(pages + [tmp_path / "b-99.png"])


def test_comparison_page_and_table(results, tmp_path):
    scenario = sim.load(results.meta["scenario"])
    late = sim.run(with_delay(scenario, ["adoption"], 90), n=results.n, seed=results.meta["seed"], progress=False)
    comparison = compare_results(results, {"adoption-late": late})
    text = build_report(results, tmp_path / "c.md", format="md", comparison=comparison)[0].read_text()
    assert "## Scenario comparison" in text and "| adoption-late | Regulation adopted |" in text
    # One more page (counted without drawing): the comparison chart.
    assert len(list(_pages(briefing(results, comparison)))) == len(list(_pages(briefing(results)))) + 1
    html = comparison._repr_html_()
    assert "Paired comparison" in html and " %</td>" in html and "95 % interval" in html


def test_a_missing_scenario_file_is_said_not_hidden(results, tmp_path):
    moved = dataclasses.replace(results, meta={**results.meta, "scenario": str(tmp_path / "gone.yaml")})
    text = build_report(moved, tmp_path / "m.md", format="md")[0].read_text()
    assert "not found" in text and "(scenario file not available)" in text


def test_bad_format_is_a_value_error(results, tmp_path):
    with pytest.raises(ValueError, match="pdf, png, md"):
        build_report(results, tmp_path / "x.doc", format="doc")


# ---------------------------------------------------------------------------------------------- command line


def test_cli_report_from_a_results_directory(results_dir, tmp_path, capsys):
    assert main(["report", str(results_dir), "--out", str(tmp_path / "brief.pdf")]) == 0
    assert (tmp_path / "brief.pdf").read_bytes().startswith(b"%PDF")
    assert "Briefing written to" in capsys.readouterr().out


def test_cli_report_from_a_scenario_runs_it_first(scenario_file, tmp_path, capsys):
    out = tmp_path / "sub" / "brief.md"
    assert main(["report", str(scenario_file), "--out", str(out), "-n", "150", "--seed", "3", "--no-progress"]) == 0
    text = out.read_text()
    assert "150 replications" in text and "seed 3" in text and "SRC-" in text


@pytest.mark.parametrize("args, message", [
    (["nowhere/at-all.yaml"], "does not exist"),
    (["{tmp}"], "without run.json"),
    (["{scenario}", "--out", "{tmp}/x.pdf", "--format", "md"], "use --out"),
])
def test_cli_report_bad_input_exits_2_without_traceback(args, message, scenario_file, tmp_path, capsys):
    args = [a.format(tmp=tmp_path, scenario=scenario_file) for a in args]
    assert main(["report", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_report_bad_format_exits_2(scenario_file, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["report", str(scenario_file), "--format", "docx"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "Traceback" not in err


def test_cli_report_invalid_scenario_lists_problems(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n  a: {title: A, duration: 3 parsecs}\n")
    assert main(["report", str(bad), "--out", str(tmp_path / "b.pdf")]) == 2
    err = capsys.readouterr().err
    assert "parsecs" in err and "Traceback" not in err
    assert not (tmp_path / "b.pdf").exists()
