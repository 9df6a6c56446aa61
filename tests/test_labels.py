"""Plain words: labels of inputs and observables without ids, text cut at word boundaries, levers as phrases; the
terminal tables (ids first, by section then probability) and the commands that list scenarios and targets from any
folder."""

import re
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.labels import format_value, input_labels, lever, lever_direction, observable_label, observable_unit, shorten
from sim.tables import run_table, scenario_targets_table

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def baseline():
    return sim.load(BASELINE)


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("Workers upskilled or reskilled for the defence industry", 30, "Workers upskilled or…"),
    ("EU industrial base", 7, "EU…"),
    ("short", 10, "short"),
    ("exactly ten", 11, "exactly ten"),
    ("Supercalifragilistic", 8, "Superca…"),  # one word longer than the width: nothing else to do
])
def test_shorten_cuts_at_a_word_boundary(text, width, expected):
    assert shorten(text, width) == expected


def test_shorten_never_cuts_inside_a_word(baseline):
    titles = [m.title for m in baseline.milestones] + [t.title for t in baseline.targets]
    cuts = 0
    for title in titles:
        title = " ".join(title.split())
        for width in (12, 20, 35, 58):
            cut = shorten(title, width)
            assert len(cut) <= width
            if not cut.endswith("…"):
                assert cut == title
                continue
            cuts += 1
            first = title.split()[0]
            if len(first) >= width and "-" not in first[: width - 1]:
                continue  # a first word longer than the width, without a hyphen: no boundary to cut at
            kept = cut[:-1]
            assert title.startswith(kept), (title, cut)
            after = title[len(kept):len(kept) + 1]
            assert kept.endswith("-") or after in (" ", ",", ";", ":", "–", "("), (title, cut)
    assert cuts > 50  # the test saw many cuts


def test_every_input_has_a_label_in_words(baseline):
    labels = input_labels(baseline)
    names = [name for name, _ in baseline.inputs()]
    assert set(names) <= set(labels)
    ids = {x.id for coll in (baseline.milestones, baseline.funds, baseline.lines, baseline.indicators,
                             baseline.risks) for x in coll if "-" in x.id}
    titles = " ".join(x.title for coll in (baseline.milestones, baseline.funds, baseline.lines, baseline.indicators,
                                           baseline.risks, baseline.drivers) for x in coll)
    for name in names:
        label = labels[name]
        assert ":" not in label.split(": ", 1)[-1].split("‘")[0] or " " in label, label
        leaked = [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", label) and i not in titles]
        assert not leaked, (name, label, leaked)
        assert "real/claimed" not in label, label
        assert ".disbursed" not in label, label


def test_levers_are_phrases(baseline):
    labels = input_labels(baseline)
    for name, _ in baseline.inputs():
        text = lever(name, labels[name], 60)
        assert text[:1].islower() or text[:2].isupper(), text
        assert name not in text, text
        assert len(text) <= 90, text


@pytest.mark.parametrize(("name", "direction"), [
    ("milestone:edip-adopted:duration", -1), ("risk:veto:occurs", -1), ("driver:political-cohesion", -1),
    ("funding:x:safe:lag", -1), ("risk:crm:capacity_cut", -1), ("line:shells-155:capacity", 1),
    ("line:shells-155:realisation", 1), ("fund:safe:envelope", 1), ("funding:x:safe:amount", 1),
    ("order:x:shells-155:quantity", 1)])
def test_lever_direction(name, direction):
    assert lever_direction(name) == direction


def test_observables_have_words_and_units(baseline, tmp_path):
    r = sim.run(baseline, n=20, progress=False)
    for observable in sorted(set(r.series["observable"])):
        label = observable_label(observable, baseline)
        assert observable not in label, label
        assert "." not in label.split(":")[0][-4:], label
        assert observable_unit(observable, baseline), observable
    assert observable_unit("safe.disbursed_share", baseline) == "%"
    assert observable_unit("safe.disbursed", baseline) == "€ bn"
    assert observable_unit("shells-155.capacity", baseline) == "rounds per year"
    assert observable_unit("artillery.closed", baseline) == "%"
    assert format_value(1.75e6, "rounds") == "1.75 million rounds"
    assert format_value(0.5, "€ bn") == "€0.5 bn"
    assert format_value(0.35, "%") == "35 %"


# ---------------------------------------------------------------------------------------------- terminal


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    text = """\
title: Table test
start: 2026-01-01
horizon: end-2029
milestones:
  a: {title: Alpha agreed by all member states after a long negotiation, section: law, deadline: 2026-06-30,
      duration: {uniform: {min: 2 months, max: 8 months}}}
  b: {title: Beta adopted, section: law, after: [a], deadline: 2027-06-30, duration: {uniform: {min: 1 month, max: 9 months}}}
  c: {title: Gamma built, section: industry, deadline: 2027-12-31, duration: {uniform: {min: 1 year, max: 3 years}}}
targets:
  all: {title: Everything, all_of: [b, c], deadline: end-2028, section: combined}
"""
    path = tmp_path_factory.mktemp("tables") / "t.yaml"
    path.write_text(text)
    return sim.run(sim.load(path), n=200, seed=3, progress=False)


def _rows(table: str) -> list[str]:
    return [line for line in table.splitlines() if re.match(r"^[a-z]\S*\s{2,}", line) and "deadline" not in line]


def test_run_table_has_ids_by_section_then_probability(results):
    table = run_table(results, width=120)
    rows = _rows(table)
    assert [r.split()[0] for r in rows][:2]
    assert {r.split()[0] for r in rows} == {"a", "b", "c", "all"}
    law = [r.split()[0] for r in rows if r.split()[0] in ("a", "b")]
    p = results.targets.set_index("target")["p_met"]
    assert [p[t] for t in law] == sorted(p[t] for t in law), "least likely first within a section"
    assert "── law" in table
    assert "── industry" in table


def test_run_table_rows_section_and_sort(results):
    assert len(_rows(run_table(results, rows=2, width=120))) == 2
    assert "2 more targets" in run_table(results, rows=2, width=120)
    only = _rows(run_table(results, section="LAW", width=120))
    assert {r.split()[0] for r in only} == {"a", "b"}
    by_p = [r.split()[0] for r in _rows(run_table(results, sort="p", width=120))]
    p = results.targets.set_index("target")["p_met"]
    assert [p[t] for t in by_p] == sorted(p)
    with pytest.raises(ValueError, match="sections are law, industry, combined"):
        run_table(results, section="money")
    # Titles are cut at a word boundary to fit, never mid-word.
    narrow = run_table(results, width=100)
    assert "Alpha agreed by all member states after a long negotiation" not in narrow
    assert re.search(r"Alpha agreed by all( member( states( after( a)?)?)?)?…", narrow)


def test_cli_run_section_must_exist(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("title: x\nstart: 2026-01-01\nhorizon: end-2027\nmilestones:\n"
                    "  a: {title: A, section: law, deadline: end-2026, duration: 3 months}\n")
    assert main(["run", str(path), "--section", "money", "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "sections are law" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_readiness_targets_and_list_work_from_any_folder(tmp_path, monkeypatch, capsys, baseline):
    monkeypatch.chdir(tmp_path)
    assert main(["targets", str(BASELINE)]) == 0
    out = capsys.readouterr().out
    for t in baseline.targets:
        assert re.search(rf"^{re.escape(t.id)}\s+{t.deadline.isoformat()}", out, re.M), t.id
    # As the README writes it, from another folder: the shipped scenario, said on stderr.
    assert main(["targets", "scenarios/baseline.yaml"]) == 0
    captured = capsys.readouterr()
    assert "using the shipped" in captured.err
    assert baseline.targets[0].id in captured.out
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "baseline.yaml" in out
    assert "Baseline" in out
    assert "delays" in out
    listed = Path(out.split()[0])
    assert listed.is_absolute()
    assert listed.is_file()
    assert main(["list", "--dir", str(tmp_path / "none")]) == 2


def test_scenario_targets_table_groups_by_section(baseline):
    table = scenario_targets_table(baseline, width=140)
    assert table.startswith(f"{baseline.title}: {len(baseline.targets)} targets")
    assert table.count("── ") == len({t.section for t in baseline.targets})


def test_every_package_and_the_scenarios_ship():
    """pyproject lists packages explicitly (the scenarios are mapped in as sim.scenarios): a new subpackage of sim
    that is not listed would be missing from the wheel."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    assert on_disk <= listed, f"add {sorted(on_disk - listed)} to [tool.setuptools] packages in pyproject.toml"
    assert config["package-dir"]["sim.scenarios"] == "scenarios"
    shipped = {p.relative_to(ROOT / "scenarios").as_posix() for p in (ROOT / "scenarios").rglob("*.yaml")}
    patterns = config["package-data"]["sim.scenarios"]
    from fnmatch import fnmatch

    assert all(any(fnmatch(s, pat) and s.count("/") == pat.count("/") for pat in patterns) for s in shipped)
    assert {"sim.scenarios." + d.name for d in (ROOT / "scenarios").iterdir() if d.is_dir()} <= listed


def test_targets_view_colours_the_status_and_shows_ids(results):
    from sim.charts import RAG_COLOURS, rag_status
    from sim.tables import TargetsView

    view = TargetsView(results, rows=3, sort="p")
    page = view._repr_html_()
    assert page.count("<tr><td><code>") == 3
    worst = results.targets.sort_values("p_met").iloc[0]
    status = rag_status(float(worst["p_met"]))
    assert f"<code>{worst['target']}</code>" in page
    assert RAG_COLOURS[status] in page
    assert f">{status}</span>" in page
    assert repr(view) == run_table(results, rows=3, sort="p")
    with pytest.raises(ValueError, match="sections are"):
        TargetsView(results, section="nowhere")


def test_sensitivity_factors_in_plain_words():
    from sim.labels import factor_label

    labels = {"milestone:a:duration": "Duration: A"}
    assert factor_label("milestone:a:duration", labels) == "Duration: A"
    assert factor_label("durations:flagship_air_shield") == "Durations in the flagship air shield section"
    assert factor_label("drivers") == "Shared drivers (all of them)"
    assert factor_label("risks + milestone:a:duration", labels) == "Risks (all of them) + Duration: A"
    assert factor_label("unknown:thing") == "unknown:thing"
