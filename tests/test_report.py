"""The briefing: builds as PDF, PNG pages and Markdown from a results directory and from a scenario; names the
targets most at risk with their drivers, and the sources of the assumptions behind them; the `report` command's
exit codes. Small scenarios and few replications: the layout code is the same as for the baseline."""

import dataclasses
import re
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import sim  # noqa: E402
from sim import charts  # noqa: E402
from sim.analysis import compare_results, with_delay  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.report import (  # noqa: E402
    A4,
    assumption_of,
    briefing,
    build_report,
    headline_targets,
    on_track_range,
)
from sim.report.assumption_pages import assumption_pages  # noqa: E402
from sim.report.briefing import IN_PLAY  # noqa: E402
from sim.report.pages import DASHBOARD_ROWS, dashboard_pages, pages  # noqa: E402
from sim.report.words import headline  # noqa: E402
from sim.report.workbook import SHEETS  # noqa: E402

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
    before = set(plt.get_fignums())  # figures another test of this worker left open are not this test's
    yield
    assert set(plt.get_fignums()) <= before, "the report must not leave pyplot figures behind"


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def _pdf_page_sizes(data: bytes) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)]


def test_markdown_names_the_headline_targets_where_action_matters_and_sources(results_dir, tmp_path):
    loaded = sim.Results.load(results_dir)
    scenario = sim.load(loaded.meta["scenario"])  # a run read back from its folder carries no scenario
    out = build_report(loaded, tmp_path / "briefing.md", format="md", scenario=scenario)
    assert out == [tmp_path / "briefing.md"]
    text = out[0].read_text(encoding="utf-8")
    assert text.startswith("# Readiness briefing — Report test")
    b = briefing(loaded, scenario=scenario)
    assert "## Where action matters" in text
    for action in b.with_lever:
        assert action.row["title"] in text
    # The assumptions behind the results: the sources of the main drivers of the targets where action matters.
    named = [a for a in b.actions if len(a.named)][:6]
    assert named, "the test scenario has targets in play with drivers beyond the noise"
    for action in named:
        for name in action.named.head(3)["input"]:
            source = assumption_of(scenario, name).source
            assert source.startswith("SRC-"), (action.row["target"], name)
            assert source in text, (action.row["target"], name)
    # Every target in the full table, with probability, interval and P-dates.
    for row in loaded.targets.itertuples():
        assert re.search(rf"\| {re.escape(row.title)} \| {row.deadline} \| [^|]+ % \| [^|]+ % \|", text), row.title
    assert "## Conventions" in text
    assert loaded.meta["conventions"][:40] in text
    assert f"seed: `{loaded.meta['seed']}`" in text
    assert "scenario_sha256" in text


def test_where_action_matters_lists_targets_in_play_with_drivers_beyond_the_noise(results):
    b = briefing(results)
    low, high = IN_PLAY
    assert b.in_play == int(((results.targets["p_met"] >= low) & (results.targets["p_met"] <= high)).sum())
    from sim.labels import lever_direction

    for action in b.actions:
        assert low <= action.row["p_met"] <= high
        assert (action.named["impact_pp"].abs() > action.named["noise"]).all()
        # Acting on a lever helps: a duration that is long lowers the chance, a capacity that is high raises it.
        assert all(p * lever_direction(n) > 0
                   for n, p in zip(action.named["input"], action.named["impact_pp"], strict=True))
    effects = [a.effect for a in b.actions if a.external]
    assert effects == sorted(effects, reverse=True), "ranked by how much the main driver moves the target"
    for action in b.actions:
        for text, gain in action.levers():
            assert text[0].islower(), text  # a phrase, not an input name
            assert ":" not in text.split("‘")[0][:-1], text
            assert gain > 0


def test_headline_range_covers_the_count_and_is_reproducible(results):
    low, count, high = on_track_range(results)
    assert low <= count <= high
    assert on_track_range(results) == (low, count, high)
    assert count == int((results.targets["p_met"] >= 0.8).sum())
    # With a single replication, nothing is known: the range spans (nearly) every target.
    one = dataclasses.replace(results, meta={**results.meta, "iterations": 1})
    low1, _, high1 = on_track_range(one)
    assert high1 - low1 >= high - low


def test_headline_targets_are_the_declared_targets_not_members_of_another():
    text = SCENARIO + """\
  audit-too: {title: Audit and adoption, all_of: [audit, adoption], deadline: end-2027}
  everything: {title: Everything, all_of: [all-done, audit-too], deadline: end-2029}
"""
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "h.yaml"
    path.write_text(text)
    scenario = sim.load(path)
    r = sim.run(scenario, n=50, progress=False)
    assert list(headline_targets(r, scenario)["target"]) == ["everything"]
    assert set(headline_targets(r)["target"]) == {"all-done", "audit-too", "everything"}


def test_every_pdf_page_is_a4_landscape(results, tmp_path):
    out = build_report(results, tmp_path / "b.pdf")
    data = out[0].read_bytes()
    assert data.startswith(b"%PDF")
    sizes = _pdf_page_sizes(data)
    assert len(sizes) == _pdf_pages(data) >= 4
    for w, h in sizes:  # 297 × 210 mm in points
        assert w == pytest.approx(A4[0] * 72, abs=0.5)
        assert h == pytest.approx(A4[1] * 72, abs=0.5)
    assert not list(tmp_path.glob("*.partial"))


def test_pdf_pages_in_order(results, tmp_path):
    b = briefing(results)
    built = list(pages(b))
    charted = b.with_lever[:5]
    text_pages = assumption_pages(b)
    for fig in text_pages:
        fig.clear()
    fans = len(charts.fan_observables(results, b.scenario))
    # page one, one dashboard page and one timeline page (few rows), S-curve and tornado per charted target,
    # fans, then the text pages
    assert len(built) == 1 + 1 + 1 + 2 * len(charted) + fans + len(text_pages)


def test_long_dashboards_and_timelines_paginate(results):
    many = results.targets.sample(n=80, replace=True, random_state=1).reset_index(drop=True)
    many["target"] = [f"t{i}" for i in range(len(many))]
    big = dataclasses.replace(results, targets=many)
    b = briefing(results)
    b.results = big
    builders = dashboard_pages(b)
    assert len(builders) >= 3
    with charts.unmanaged_figures():
        fig = builders[0]()
        assert tuple(fig.get_size_inches()) == pytest.approx(A4)
        bars = [p for ax in fig.axes for p in ax.patches if str(p.get_gid()).startswith("target:")]
        assert 0 < len(bars) <= DASHBOARD_ROWS


def test_png_pages_replace_a_longer_earlier_briefing(results, tmp_path):
    for i in range(1, 21):  # an earlier, longer briefing
        (tmp_path / f"b-{i}.png").write_bytes(b"stale")
    (tmp_path / "b-99.png").write_bytes(b"unrelated")  # not in this briefing's sequence: kept
    pages = build_report(results, tmp_path / "b.png", format="png", dpi=40)
    assert [p.name for p in pages] == [f"b-{i}.png" for i in range(1, len(pages) + 1)]
    for path in pages:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (int(A4[0] * 40), int(A4[1] * 40))  # A4 landscape at 40 dpi, never cropped
    assert sorted(tmp_path.glob("b-*.png")) == sorted(pages + [tmp_path / "b-99.png"])


def test_comparison_page_and_table(results, tmp_path):
    scenario = sim.load(results.meta["scenario"])
    late = sim.run(with_delay(scenario, ["adoption"], 90), n=results.n, seed=results.meta["seed"], progress=False)
    comparison = compare_results(results, {"adoption-late": late})
    text = build_report(results, tmp_path / "c.md", format="md", comparison=comparison)[0].read_text()
    assert "## Scenario comparison" in text
    assert "| adoption-late | Regulation adopted |" in text
    # One more page (counted without drawing): the comparison chart.
    assert len(list(pages(briefing(results, comparison)))) == len(list(pages(briefing(results)))) + 1
    html = comparison._repr_html_()
    assert "Paired comparison" in html
    # Without a comparison, no comparison section in the Markdown either.
    assert "## Scenario comparison" not in build_report(results, tmp_path / "n.md", format="md")[0].read_text()
    assert " %</td>" in html
    assert "95 % interval" in html


def test_a_missing_scenario_is_said_not_hidden(results, tmp_path):
    # As read back from a results folder: no scenario, and the file it names is gone. Nothing is read.
    moved = dataclasses.replace(results, meta={**results.meta, "scenario": str(tmp_path / "gone.yaml")}, scenario=None)
    text = build_report(moved, tmp_path / "m.md", format="md")[0].read_text()
    assert "> The results carry no scenario" in text
    assert "--scenario FILE" in text
    assert "(scenario not available)" in text
    assert "SRC-" not in text


def test_the_scenario_of_the_results_is_used_not_the_file(results, tmp_path):
    # The file the run names is gone, but the results carry their scenario: the sources are all there.
    moved = dataclasses.replace(results, meta={**results.meta, "scenario": str(tmp_path / "gone.yaml")})
    text = build_report(moved, tmp_path / "m.md", format="md")[0].read_text()
    assert "SRC-" in text
    assert "> " not in text.split("## The roadmap's headline targets")[0]  # no note on the scenario


def test_a_scenario_other_than_the_one_run_is_flagged(results, tmp_path):
    other = dataclasses.replace(results.scenario, sha256="0" * 64)
    b = briefing(results, scenario=other)
    assert "is not the one run" in b.scenario_note


def test_bad_format_is_a_value_error(results, tmp_path):
    with pytest.raises(ValueError, match="pdf, png, md, html, xlsx"):
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
    assert "150 replications" in text
    assert "seed 3" in text
    assert "SRC-" in text


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere/at-all.yaml"], "does not exist"),
    (["{tmp}"], "not a results directory (no run.json)"),
    (["{scenario}", "--out", "{tmp}/x.pdf", "--format", "md"], "use --out"),
])
def test_cli_report_bad_input_exits_2_without_traceback(args, message, scenario_file, tmp_path, capsys):
    args = [a.format(tmp=tmp_path, scenario=scenario_file) for a in args]
    assert main(["report", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_report_bad_format_exits_2(scenario_file, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["report", str(scenario_file), "--format", "docx"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err
    assert "Traceback" not in err


def test_cli_report_invalid_scenario_lists_problems(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n  a: {title: A, duration: 3 parsecs}\n")
    assert main(["report", str(bad), "--out", str(tmp_path / "b.pdf")]) == 2
    err = capsys.readouterr().err
    assert "parsecs" in err
    assert "Traceback" not in err
    assert not (tmp_path / "b.pdf").exists()


# ---------------------------------------------------------------------------------------------- html, excel


class _References(HTMLParser):
    """Every attribute that could make a browser fetch something, and every tag name."""

    FETCHING = {"src", "href", "xlink:href", "srcset", "action", "data", "poster", "background", "formaction"}

    def __init__(self):
        super().__init__()
        self.references, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.references += [(tag, name, value or "") for name, value in attrs if name in self.FETCHING]

    handle_startendtag = handle_starttag


def test_html_is_one_self_contained_file(results, tmp_path):
    out = build_report(results, tmp_path / "b.html", format="html")
    assert out == [tmp_path / "b.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.html"]
    text = out[0].read_text(encoding="utf-8")
    parser = _References()
    parser.feed(text)
    outside = [r for r in parser.references if not r[2].startswith(("#", "data:"))]
    assert outside == [], "the briefing must not reference anything outside the file"
    assert "link" not in parser.tags
    assert "iframe" not in parser.tags
    assert "img" not in parser.tags
    assert not re.search(r"url\(\s*['\"]?(?!#|data:)", text)
    assert "@import" not in text
    assert "<!DOCTYPE svg" not in text  # matplotlib's SVG DOCTYPE names an external DTD
    # Charts are inline SVG; every in-file reference points at an id that exists (ids prefixed per chart).
    assert parser.tags.count("svg") >= 4
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    assert all(value[1:] in ids for _, _, value in parser.references if value.startswith("#"))
    # The targets table: one row per target, sortable and filterable.
    body = text[text.index('<table id="targets">'):]
    body = body[: body.index("</table>")]
    assert body.count("<tr data-section=") == len(results.targets)
    assert 'id="filter-text"' in text
    assert "aria-sort" in text
    assert f"<b>{_headline_text(results)}" not in text  # the headline is its own element
    assert 'id="headline"' in text


def _headline_text(results):
    return headline(briefing(results))


def test_xlsx_has_the_sheets_and_the_run(results, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("openpyxl")
    out = build_report(results, tmp_path / "r.xlsx", format="xlsx")
    book = pd.read_excel(out[0], sheet_name=None)
    assert list(book) == list(SHEETS)
    assert len(book["targets"]) == len(results.targets)
    assert book["targets"]["p_met"].tolist() == pytest.approx(results.targets["p_met"].tolist())
    assert len(book["milestones"]) == len(results.milestones)
    assert set(book["assumptions"]["input"]) == set(results.inputs.columns)
    assert book["assumptions"]["source"].str.startswith("SRC-").any()
    readme = dict(zip(book["README"]["item"], book["README"]["value"].astype(str), strict=True))
    assert readme["Seed"] == str(results.meta["seed"])
    assert readme["Replications (N)"] == str(results.n)
    assert "PERT" in readme["Conventions"]
    assert {"target", "lever", "impact_pp"} <= set(book["drivers"].columns)


def test_cli_export_and_report_html(results_dir, tmp_path, capsys):
    pytest.importorskip("openpyxl")
    assert main(["export", str(results_dir), "--out", str(tmp_path / "e.xlsx")]) == 0
    assert (tmp_path / "e.xlsx").read_bytes()[:2] == b"PK"  # a zip: an xlsx
    assert main(["export", str(results_dir), "--out", str(tmp_path / "e.pdf")]) == 2
    assert main(["report", str(results_dir), "--out", str(tmp_path / "b.html")]) == 0
    assert (tmp_path / "b.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_report_fails_clearly_without_the_scenario(results, tmp_path, capsys):
    moved = dataclasses.replace(results, meta={**results.meta, "scenario": str(tmp_path / "gone.yaml")})
    directory = moved.save(tmp_path / "run")
    assert main(["report", str(directory), "--out", str(tmp_path / "b.md")]) == 2
    err = capsys.readouterr().err
    assert "gone.yaml" in err
    assert "--scenario" in err
    assert "Traceback" not in err
    assert not (tmp_path / "b.md").exists()
    # Named, the report is built with its assumptions.
    assert main(["report", str(directory), "--out", str(tmp_path / "b.md"), "--scenario",
                 results.meta["scenario"]]) == 0
    assert "SRC-" in (tmp_path / "b.md").read_text(encoding="utf-8")


def test_reference_forecast_says_what_changed(results, tmp_path):
    scenario = sim.load(results.meta["scenario"])
    late = sim.run(with_delay(scenario, ["adoption"], 120), n=results.n, seed=results.meta["seed"], progress=False)
    text = build_report(late, tmp_path / "r.md", format="md", reference=results)[0].read_text(encoding="utf-8")
    assert "### What changed since the reference forecast" in text
    section = text[text.index("### What changed"):]
    assert "Regulation adopted" in section[: section.index("\n\n*")]
    assert "→" in section
