"""The parts of the briefing one by one: an input's assumption and source, the shared sentences, A4 layout, page
one, the Markdown, writing files atomically, and finding the scenario file of a run read back from its folder."""

import dataclasses
import os
import stat

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import sim  # noqa: E402
from sim import charts  # noqa: E402
from sim.atomic import write_atomic  # noqa: E402
from sim.load import load_recorded  # noqa: E402
from sim.report.assumptions import NOT_AVAILABLE, Assumption, assumption_of, days_text, spread  # noqa: E402
from sim.report.briefing import Briefing, briefing, rows, scenario_note, since_reference  # noqa: E402
from sim.report.layout import A4, TextPage, Writer, a4, chars, wrap  # noqa: E402
from sim.report.markdown import cell, markdown  # noqa: E402
from sim.report.page_one import page_one  # noqa: E402
from sim.report.words import drives_text, headline, p_date, run_line, target_line  # noqa: E402
from sim.report.write import FORMATS, build_report  # noqa: E402

SCENARIO = """\
title: Parts test
start: 2026-01-01
horizon: end-2029
seed: 5
drivers:
  politics:
    title: Political cohesion
    factor: {pert: {min: 0.8, mode: 1.0, max: 1.8}}
    applies_to: [political]
    source: "SRC-driver"
milestones:
  proposal:
    title: Proposal tabled
    tags: [political]
    deadline: 2026-03-31
    duration: {triangular: {min: 20 days, mode: 60 days, max: 150 days}}
    source: "SRC-proposal"
  adoption:
    title: Regulation adopted
    tags: [political]
    after: [proposal]
    deadline: 2026-12-31
    duration: {lognormal: {median: 8 months, p90: 16 months}}
    source: "SRC-adoption"
risks:
  veto:
    title: A member state vetoes
    probability: 0.3
    window: {from: 2026-01-01, to: 2026-06-30}
    delay: {uniform: {min: 3 months, max: 9 months}}
    affects: {milestones: [adoption]}
    source: "SRC-veto"
"""


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("parts") / "parts.yaml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture(scope="module")
def results(scenario_file):
    return sim.run(sim.load(scenario_file), n=300, seed=2, progress=False)


@pytest.fixture(scope="module")
def b(results) -> Briefing:
    return briefing(results)


@pytest.fixture(autouse=True)
def no_open_figures():
    before = set(plt.get_fignums())  # figures another test of this worker left open are not this test's
    yield
    assert set(plt.get_fignums()) <= before, "the report must not leave pyplot figures behind"


# ---------------------------------------------------------------------------------------------- assumptions


def test_days_text():
    assert days_text(45) == "45 days"
    assert days_text(100) == "3.3 months"
    assert days_text(400) == "13 months"
    assert days_text(float("inf")) == "never"


def test_spread_of_a_fixed_value_is_the_value():
    class Fixed:
        def ppf(self, q):
            return q * 0 + 2.0

    assert spread(Fixed(), lambda v: f"{v:.1f} x") == "2.0 x"
    assert spread(None, str) == ""
    assert spread(3.5, str) == "float"  # not a distribution: say what it is


def test_assumptions_name_their_element_and_source(results):
    scenario = results.scenario
    duration = assumption_of(scenario, "milestone:adoption:duration")
    assert duration.source == "SRC-adoption"
    assert duration.element == "milestone adoption"
    assert duration.assumed.startswith("median 8.0 months (P10–P90 ")
    occurs = assumption_of(scenario, "risk:veto:occurs", "Veto")
    assert occurs == Assumption("risk:veto:occurs", "Veto", occurs.assumed, "SRC-veto", "risk veto")
    assert occurs.assumed.startswith("probability 30 % in 2026-01-01..2026-06-30; delay median ")
    assert assumption_of(scenario, "risk:veto:time").assumed == "uniform over 2026-01-01..2026-06-30"
    driver = assumption_of(scenario, "driver:politics")
    assert driver.assumed.startswith("durations median ×")
    assert driver.source == "SRC-driver"
    assert assumption_of(scenario, "milestone:nowhere:duration").source == "(source not found in the scenario)"


def test_without_the_scenario_only_the_label_is_known():
    a = assumption_of(None, "risk:veto:delay", "Veto delay")
    assert (a.label, a.assumed, a.source, a.element) == ("Veto delay", "", NOT_AVAILABLE, "risk veto")


# ---------------------------------------------------------------------------------------------- briefing, words


def test_the_briefing_uses_the_scenario_the_results_carry(results, b):
    assert b.scenario is results.scenario
    assert b.scenario_note == ""
    assert sum(b.counts.values()) == len(results.targets)
    assert all(a.p_met == float(a.row["p_met"]) and a.title == a.row["title"] for a in b.actions)


def test_without_a_scenario_the_note_says_how_to_give_it(results):
    note = scenario_note(results, None)
    assert "--scenario FILE" in note
    assert "sim.load(FILE)" in note
    assert briefing(dataclasses.replace(results, scenario=None)).scenario_note == note


def test_since_reference(results, b):
    assert since_reference(b) == ("", [])
    later = briefing(results, reference=dataclasses.replace(results, targets=results.targets.assign(p_met=0.0)))
    head, moved = since_reference(later, k=1)
    assert head.startswith("Reference forecast Parts test")
    assert len(moved) == 1
    assert moved[0][1] == 0.0


def test_shared_sentences(results, b):
    low, count, high = b.on_track
    assert headline(b).endswith(f"of {len(results.targets)} targets on track")
    assert headline(dataclasses.replace(b, on_track=(3, 3, 3))).startswith("3 of ")
    assert run_line(results).startswith(f"{results.n} replications · seed 2 · start 2026-01-01")
    assert p_date("") == "beyond the horizon"
    assert p_date("2027-01-31") == "31 Jan 2027"
    row = results.targets.iloc[0]
    assert f"P50 {p_date(row['p50'])}" in target_line(row)
    assert drives_text([("A title", "+3 pp"), ("B", "−1 pp")], 60) == "A title (+3 pp); B (−1 pp)"
    assert [r.target for r in rows(results.targets)] == list(results.targets["target"])


# ---------------------------------------------------------------------------------------------- layout, pages


def test_wrap_cuts_at_words_and_marks_what_is_left_out():
    text = "one two three four five six seven eight nine ten " * 4
    lines = wrap(text, 1.0, 10, lines=2)
    assert len(lines) == 2
    assert lines[-1].endswith("…")
    assert all(len(line) <= chars(1.0, 10) for line in lines)
    assert wrap("", 1.0, 10) == [""]


def test_text_page_measures_its_lines():
    page = TextPage(A4[0])
    page.add("Heading", size=12, weight="bold", before=10)
    page.add("word " * 200, size=9)
    assert len(page.lines) > 2
    assert page.height_pt == pytest.approx(sum(s * 1.35 + before for _, s, _, _, before in page.lines) + 8)


def test_writer_places_text_in_inches_from_the_top_left():
    fig = a4(layout=None)
    w = Writer(fig)
    text = w.text(1.0, 2.0, "here")
    assert text.get_position() == pytest.approx((1.0 / A4[0], 1 - 2.0 / A4[1]))
    w.box(0.5, 0.5, 1, 1, "#000000")
    w.rule(0.5, 3, 2)
    assert len(fig.patches) == 1
    assert len(fig.artists) == 1


def test_page_one_is_a4_with_the_headline(b):
    with charts.unmanaged_figures():
        fig = page_one(b)
    assert tuple(fig.get_size_inches()) == pytest.approx(A4)
    assert [t.get_text() for t in fig.texts if t.get_gid() == "headline"] == [headline(b)]
    fig.clear()


def test_markdown_cells_and_sections(b):
    assert cell("a | b\nc") == "a \\| b c"
    text = markdown(b)
    assert text.startswith("# Readiness briefing — Parts test\n")
    assert text.endswith("\n")
    assert "## Scenario comparison" not in text
    assert "SRC-adoption" in text or "SRC-veto" in text or "SRC-driver" in text


# ---------------------------------------------------------------------------------------------- writing


def test_build_report_reports_its_stages_and_leaves_no_partial_file(results, tmp_path):
    stages = []
    out = build_report(results, tmp_path / "b.md", format="md", progress=stages.append)
    assert out == [tmp_path / "b.md"]
    assert [p.name for p in tmp_path.iterdir()] == ["b.md"]
    assert stages[0].startswith("[")
    assert "analysis" in stages[0]
    assert "pdf" in FORMATS


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "sub" / "f.txt"
    write_atomic(path, lambda tmp: tmp.write_text("first"))
    assert path.read_text() == "first"
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask  # shared like any file, not private like mkstemp's

    def fail(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, fail)
    assert path.read_text() == "first"
    assert [p.name for p in path.parent.iterdir()] == ["f.txt"]


# ---------------------------------------------------------------------------------------------- locating


def scenario_of(results):
    """What the command line does for a run read back from a folder: find the scenario file it names."""
    return load_recorded(results.meta.get("scenario"), results.meta.get("scenario_sha256"))


def test_the_scenario_file_a_run_names_is_found(results, scenario_file, tmp_path):
    found, note = scenario_of(results)
    assert found is not None
    assert found.sha256 == results.scenario.sha256
    assert note == ""
    gone = dataclasses.replace(results, meta={**results.meta, "scenario": str(tmp_path / "gone.yaml")})
    assert scenario_of(gone)[0] is None
    assert "not found" in scenario_of(gone)[1]
    unnamed = dataclasses.replace(results, meta={k: v for k, v in results.meta.items() if k != "scenario"})
    assert scenario_of(unnamed) == (None, "The run does not name its scenario file: assumptions and sources cannot "
                                          "be listed.")
    changed = tmp_path / "changed.yaml"
    changed.write_text(SCENARIO.replace("SRC-veto", "SRC-veto-new"))
    moved = dataclasses.replace(results, meta={**results.meta, "scenario": str(changed)})
    scenario, note = scenario_of(moved)
    assert scenario is not None
    assert "has changed since the run" in note
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [\n")
    assert "no longer loads" in scenario_of(dataclasses.replace(results, meta={**results.meta,
                                                                               "scenario": str(broken)}))[1]
