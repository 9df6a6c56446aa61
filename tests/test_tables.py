"""The terminal tables and their Jupyter view: sorting, section filters, facts of a status date, scenario targets."""

import re

import pytest

import sim
from sim.tables import SORTS, TargetsView, run_table, scenario_targets_table

SCENARIO = """\
title: Tables test
start: 2026-01-01
horizon: end-2029
milestones:
  a: {title: Alpha agreed, section: law, deadline: 2026-09-30, duration: {uniform: {min: 100 days, max: 400 days}}}
  b: {title: Beta adopted, section: law, after: [a], deadline: 2027-06-30, duration: {uniform: {min: 60 days, max: 300 days}}}
  c: {title: Gamma delivered, section: industrial_base, deadline: 2027-12-31, duration: {uniform: {min: 1 year, max: 3 years}}}
targets:
  both: {title: Beta and Gamma, all_of: [b, c], deadline: end-2028}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("tables") / "t.yaml"
    path.write_text(SCENARIO)
    return sim.load(path)


@pytest.fixture(scope="module")
def results(scenario):
    return sim.run(scenario, n=200, seed=3, progress=False)


def _ids(table: str, results) -> list[str]:
    known = set(results.targets["target"])
    return [line.split()[0] for line in table.splitlines() if line.split() and line.split()[0] in known]


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_lists_every_target_once(results, sort):
    assert sorted(_ids(run_table(results, sort=sort, width=120), results)) == sorted(results.targets["target"])


def test_sort_by_id_and_deadline(results):
    assert _ids(run_table(results, sort="id", width=120), results) == sorted(results.targets["target"])
    by_deadline = _ids(run_table(results, sort="deadline", width=120), results)
    deadlines = results.targets.set_index("target")["deadline"]
    assert [deadlines[t] for t in by_deadline] == sorted(deadlines)


def test_sections_match_whatever_the_case_and_separators(results):
    assert set(_ids(run_table(results, section="Industrial Base", width=120), results)) == {"c"}
    assert set(_ids(run_table(results, section="industrial-base", width=120), results)) == {"c"}
    assert "── industrial base " in run_table(results, width=120)
    with pytest.raises(ValueError, match="sections are law, industrial_base, combined"):
        run_table(results, section="money")


def test_bad_sort_is_refused_with_the_choices(results):
    with pytest.raises(ValueError, match="section, p, deadline, id"):
        run_table(results, sort="chance")
    with pytest.raises(ValueError, match="sort"):
        TargetsView(results, sort="chance")


def test_a_resolved_target_reads_as_a_fact(results):
    targets = results.targets.copy()
    targets.loc[targets["target"] == "a", ["status", "status_date"]] = ["met", "2026-05-01"]
    import dataclasses

    table = run_table(dataclasses.replace(results, targets=targets), width=120)
    line = next(x for x in table.splitlines() if x.startswith("a "))
    assert re.search(r"fact\s+on 2026-05-01\s+MET", line)
    assert "MET/MISSED: resolved by the facts of the status date." in table
    assert "MET/MISSED" not in run_table(results, width=120)


def test_targets_view_filters_a_section_like_the_text_table(results):
    view = TargetsView(results, section="LAW")
    page = view._repr_html_()
    assert page.count("<tr><td><code>") == 2
    assert "<code>c</code>" not in page
    assert repr(view) == run_table(results, section="LAW")


def test_scenario_targets_table_lists_every_declared_target_by_section(scenario):
    table = scenario_targets_table(scenario, width=100)
    assert table.startswith("Tables test: 4 targets")
    assert table.index("── law") < table.index("── industrial base") < table.index("── combined")
    assert re.search(r"^both\s+2028-12-31\s+all-of\s+Beta and Gamma$", table, flags=re.M)
