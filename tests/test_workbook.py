"""The Excel workbook module on its own: the sheets, percentages kept as numbers, a clear error without openpyxl."""

import builtins

import pytest

import sim
from sim.report.briefing import briefing
from sim.report.workbook import SHEETS, MissingDependency, require_openpyxl, write_workbook

SCENARIO = """\
title: Workbook test
start: 2026-01-01
horizon: end-2028
milestones:
  a: {title: Alpha, section: law, deadline: 2026-09-30, duration: {uniform: {min: 100 days, max: 400 days}},
      source: SRC-a}
  b: {title: Beta, section: law, after: [a], deadline: 2027-06-30, duration: {uniform: {min: 60 days, max: 300 days}}}
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "w.yaml"
    path.write_text(SCENARIO)
    return sim.run(sim.load(path), n=200, seed=1, progress=False)


def test_workbook_sheets_keep_numbers(results, tmp_path):
    pd = pytest.importorskip("pandas")
    openpyxl = pytest.importorskip("openpyxl")
    path = write_workbook(briefing(results), tmp_path / "w.xlsx")
    book = pd.read_excel(path, sheet_name=None)
    assert list(book) == list(SHEETS)
    assert book["targets"]["rag"].isin(["GREEN", "AMBER", "RED"]).all()
    assert book["targets"]["p_met"].tolist() == pytest.approx(results.targets["p_met"].tolist())
    assert "SRC-a" in set(book["assumptions"]["source"])
    sheet = openpyxl.load_workbook(path)["targets"]
    column = [c.column_letter for c in sheet[1] if c.value == "p_met"][0]
    assert sheet[f"{column}2"].number_format == "0.0%"
    assert sheet.freeze_panes == "A2"


def test_without_openpyxl_the_error_says_how_to_install_it(monkeypatch):
    real = builtins.__import__

    def no_openpyxl(name, *args, **kwargs):
        if name == "openpyxl":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    with pytest.raises(MissingDependency, match=r"pip install 'readiness-sim\[excel\]'"):
        require_openpyxl()
