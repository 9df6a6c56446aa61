"""The HTML briefing module on its own: inline SVG whose ids never clash between charts, and the document's parts."""

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import sim  # noqa: E402
from sim.report.briefing import briefing  # noqa: E402
from sim.report.html import html_briefing, svg_of  # noqa: E402

SCENARIO = """\
title: HTML test
start: 2026-01-01
horizon: end-2028
milestones:
  a: {title: Alpha <agreed> & signed, section: law, deadline: 2026-09-30, duration: {uniform: {min: 100 days, max: 400 days}}}
  b: {title: Beta adopted, section: law, after: [a], deadline: 2027-06-30, duration: {uniform: {min: 60 days, max: 300 days}}}
"""


def _chart() -> Figure:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], clip_on=True)
    ax.set_title("A chart")
    return fig


def test_svg_of_is_inline_with_prefixed_ids():
    fig = _chart()
    one, two = svg_of(fig, "c0"), svg_of(fig, "c1")
    for svg, prefix in ((one, "c0"), (two, "c1")):
        assert svg.startswith("<svg")
        assert "<?xml" not in svg
        assert "<!DOCTYPE" not in svg
        assert "<metadata>" not in svg
        ids = re.findall(r'\bid="([^"]+)"', svg)
        assert ids
        assert all(i.startswith(prefix + "-") for i in ids)
        for ref in re.findall(r'url\(#([^)]+)\)', svg) + re.findall(r'href="#([^"]+)"', svg):
            assert ref in ids  # every in-file reference points at an id of the same chart
        assert re.match(r'<svg[^>]*\bwidth="', svg) is None  # scales with the page: only the viewBox
    assert not set(re.findall(r'\bid="([^"]+)"', one)) & set(re.findall(r'\bid="([^"]+)"', two))


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "h.yaml"
    path.write_text(SCENARIO)
    return html_briefing(briefing(sim.run(sim.load(path), n=200, seed=1, progress=False)))


def test_the_document_escapes_titles_and_has_every_part(document):
    assert document.startswith("<!DOCTYPE html>")
    assert document.endswith("</html>\n")
    assert "Alpha &lt;agreed&gt; &amp; signed" in document
    assert "<agreed>" not in document
    for part in ('id="headline"', 'id="headline-targets"', 'id="actions"', 'id="targets"', "<h2>Charts</h2>",
                 'id="assumptions"', "<h2>Run</h2>"):
        assert part in document
    assert document.count('<tr data-section="law"') == 2
