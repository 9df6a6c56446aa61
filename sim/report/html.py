"""The briefing as one self-contained HTML file.

Headline, headline targets, where action matters, a sortable and filterable table of every target, the charts
as inline SVG, the assumptions with their sources.

Nothing is referenced outside the file — no stylesheet, script, font or image is fetched — so it opens offline
and can be mailed as it is. Charts are matplotlib SVG with text kept as text (``svg.fonttype: none``: smaller,
searchable, rendered in the reader's sans-serif font); their XML prologue, DOCTYPE (which names an external DTD)
and RDF metadata are dropped, and element ids are prefixed per chart so that charts never share an id.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import charts
from ..formatting import fmt_date, iso, pct, pct_range, rag_status, target_status
from ..labels import observable_unit
from .briefing import ACTION_ROWS, IN_PLAY, PP_NOTE, RUN_KEYS, Briefing, rows, since_reference
from .pages import chart_targets
from .since import change_line, changes, facts_line
from .words import headline, headline_detail, run_line, target_line

__all__ = ["html_briefing", "svg_of"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1280px;
padding:24px;color:#1a1a1a;line-height:1.4}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;border-bottom:1px solid #ccc}
.headline{font-size:2.2rem;font-weight:700;margin:.4rem 0}.muted{color:#555;font-size:.9rem}
.note{color:#8a3b00}.cols{display:flex;gap:32px;flex-wrap:wrap}.cols>div{flex:1 1 520px}
table{border-collapse:collapse;width:100%;font-size:.88rem}th,td{padding:4px 6px;border-bottom:1px solid #e3e3e3;
text-align:left;vertical-align:top}th{background:#f3f3f3;position:sticky;top:0}td.num,th.num{text-align:right}
.rag{display:inline-block;min-width:4.2em;text-align:center;font-weight:700;font-size:.75rem;padding:2px 4px;
border-radius:3px;color:#fff}.GREEN{background:#009E73}.AMBER{background:#E69F00;color:#000}.RED{background:#D55E00}.MET{background:#4d4d4d}.MISSED{background:#1a1a1a}
#targets th{cursor:pointer;user-select:none}#targets th[aria-sort=ascending]::after{content:" ▲"}
#targets th[aria-sort=descending]::after{content:" ▼"}.filters{display:flex;gap:12px;margin:.5rem 0;flex-wrap:wrap}
.filters input{flex:1 1 260px;padding:4px}.chart{margin:1rem 0}.chart svg{max-width:100%;height:auto}
code{font-size:.8rem;color:#444}td.date{white-space:nowrap}ol li{margin-bottom:.5rem}
"""

_JS = """
(function(){
  var table=document.getElementById('targets'),body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
  var text=document.getElementById('filter-text'),section=document.getElementById('filter-section'),
      status=document.getElementById('filter-status'),count=document.getElementById('filter-count');
  function apply(){
    var q=text.value.toLowerCase(),s=section.value,r=status.value,shown=0;
    rows.forEach(function(row){
      var ok=(!q||row.textContent.toLowerCase().indexOf(q)>=0)&&(!s||row.dataset.section===s)&&(!r||row.dataset.status===r);
      row.style.display=ok?'':'none';if(ok){shown++;}
    });
    count.textContent=shown+' of '+rows.length+' targets';
  }
  [text,section,status].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=th.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      rows.sort(function(a,b){
        var x=a.cells[i].dataset.v,y=b.cells[i].dataset.v,nx=parseFloat(x),ny=parseFloat(y);
        var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:String(x).localeCompare(String(y));
        return asc?c:-c;
      });
      rows.forEach(function(row){body.appendChild(row);});
    });
  });
  apply();
})();
"""

_ID = re.compile(r'\bid="([^"]+)"')

CHANGES_SHOWN = 6  # changes listed beside the headline table; the others under a fold


def svg_of(fig: Figure, prefix: str) -> str:
    """A matplotlib figure as an inline ``<svg>`` element: no prologue, DOCTYPE or metadata, ids prefixed."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", facecolor="white", bbox_inches="tight", pad_inches=0.1,
                    metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    ids = set(_ID.findall(text))
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = re.sub(r'(xlink:href|href)="#([^"]+)"',
                  lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"' if m.group(2) in ids else m.group(0), text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})" if m.group(1) in ids else m.group(0),
                  text)
    # Scale with the page: drop the fixed size in points, keep the viewBox.
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1', text, count=1)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _rag(p: float, thresholds: tuple[float, float]) -> str:
    status = rag_status(float(p), thresholds)
    return f'<span class="rag {status}">{status}</span>'


def _date_cell(value: object) -> str:
    d = iso(value)
    return (f'<td class="date" data-v="{d.isoformat() if d else "9999-12-31"}">'
            f'{_e(fmt_date(d)) if d else "after horizon"}</td>')


def _head(b: Briefing) -> list[str]:
    """The document's head, the title, the headline with its detail and the run line."""
    title = f"Readiness briefing — {b.results.meta.get('title', '')}"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{_e(title)}</title>",
           f"<style>{_CSS}</style></head><body>", f"<h1>{_e(title)}</h1>",
           f'<p class="headline" id="headline">{_e(headline(b))}</p>', f"<p>{_e(headline_detail(b))}</p>",
           f'<p class="muted">{_e(run_line(b.results))}</p>']
    if b.scenario_note:
        out.append(f'<p class="note">{_e(b.scenario_note)}</p>')
    return out


def _headline_targets(b: Briefing) -> list[str]:
    th = b.thresholds
    out = ['<div class="cols"><div><h2>The roadmap\'s headline targets</h2><table id="headline-targets">'
           '<thead><tr><th>Status</th><th>Target</th><th>Deadline</th><th class="num">Chance</th>'
           '<th>95 % interval</th><th>P50 date</th></tr></thead><tbody>']
    for row in rows(b.headline):
        out.append(f"<tr><td>{_rag(row.p_met, th)}</td><td>{_e(row.title)}</td>{_date_cell(row.deadline)}"
                   f'<td class="num"><b>{_e(pct(float(row.p_met), th))}</b></td>'
                   f"<td>{_e(pct_range(float(row.ci_low), float(row.ci_high)))}</td>{_date_cell(row.p50)}</tr>")
    out.append("</tbody></table></div>")
    return out


def _where_action_matters(b: Briefing) -> list[str]:
    low, high = IN_PLAY
    out = [f'<div><h2>Where action matters</h2><p class="muted">{b.in_play} targets are still in play (chance '
           f"{_e(pct(low))}–{_e(pct(high))}); those whose main driver moves them most, with the lever:</p>"
           '<ol id="actions">']
    for a in b.with_lever[:ACTION_ROWS]:
        levers = "; ".join(f"{_e(name)} (up to {gain:.0f} pp)" for name, gain in a.levers(2, 200))
        out.append(f"<li><b>{_e(a.title)}</b> — {_e(target_line(a.row))}<br>Lever: {levers}</li>")
    out.append("</ol>")
    head, _ = since_reference(b)
    if head:
        items = [f'<li><b>{_e(c.title)}</b>: {_e(change_line(c))}<br><span class="muted">Facts: '
                 f"{_e(facts_line(c, b.scenario))}</span></li>" for c in changes(b)]
        out.append(f'<h3>What changed since the reference forecast</h3><p>{_e(head)}</p><ul id="changes">')
        out += items[:CHANGES_SHOWN] + ["</ul>"]
        if len(items) > CHANGES_SHOWN:  # the rest folded: the column stays beside the headline table
            out += [f"<details><summary>{len(items) - CHANGES_SHOWN} more changes</summary><ul>"]
            out += items[CHANGES_SHOWN:] + ["</ul></details>"]
    out.append(f'<p class="muted">{_e(PP_NOTE)}</p></div></div>')
    return out


def _filters(sections: list[str]) -> str:
    """The filters over the targets table: words, section, status, and how many targets are shown."""
    return ('<h2>Every target</h2><div class="filters">'
            '<input id="filter-text" type="search" placeholder="Filter by words in the title or id…" '
            'aria-label="Filter targets">'
            '<select id="filter-section" aria-label="Section"><option value="">All sections</option>'
            + "".join(f'<option value="{_e(s)}">{_e(s.replace("_", " "))}</option>' for s in sections)
            + '</select><select id="filter-status" aria-label="Status"><option value="">All statuses</option>'
            '<option>GREEN</option><option>AMBER</option><option>RED</option><option>MET</option><option>MISSED</option>'
            '</select><span id="filter-count" class="muted"></span></div>')


def _target_row(row: Any, th: tuple[float, float]) -> str:
    """One row of the targets table; ``data-v`` holds the value a column sorts by."""
    section = str(row.section or "other")
    status = target_status(float(row.p_met), getattr(row, "status", "open"), th)
    return (f'<tr data-section="{_e(section)}" data-status="{status}">'
            f'<td data-v="{_e(section)}">{_e(section.replace("_", " "))}</td>'
            f'<td data-v="{_e(row.title)}">{_e(row.title)}</td><td data-v="{_e(row.target)}">'
            f"<code>{_e(row.target)}</code></td>{_date_cell(row.deadline)}"
            f'<td class="num" data-v="{float(row.p_met):.6f}">{_e(pct(float(row.p_met), th))}</td>'
            f'<td data-v="{float(row.ci_low):.6f}">{_e(pct_range(float(row.ci_low), float(row.ci_high)))}</td>'
            f'<td data-v="{float(row.p_met):.6f}"><span class="rag {status}">{status}</span></td>'
            f"{_date_cell(row.p50)}{_date_cell(row.p80)}</tr>")


def _every_target(b: Briefing) -> list[str]:
    """Every target: sortable (click a header) and filterable (text, section, status)."""
    targets = b.results.targets
    sections = list(dict.fromkeys(targets["section"].fillna("other").astype(str)))
    out = [_filters(sections)
           + '<table id="targets"><thead><tr><th>Section</th><th>Target</th><th>Id</th><th>Deadline</th>'
           '<th class="num">Chance</th><th>95 % interval</th><th>Status</th><th>P50</th><th>P80</th></tr></thead>'
           "<tbody>"]
    out += [_target_row(row, b.thresholds) for row in rows(targets)]
    out.append(f"</tbody></table><script>{_JS}</script>")
    return out


def _charts(b: Briefing) -> list[str]:
    out = ["<h2>Charts</h2>"]
    for i, (caption, fig) in enumerate(_figures(b, chart_targets(b))):
        try:
            out.append(f'<figure class="chart"><figcaption class="muted">{_e(caption)}</figcaption>'
                       f"{svg_of(fig, f'c{i}')}</figure>")
        finally:
            fig.clear()
    return out


def _closing(b: Briefing) -> list[str]:
    """The assumptions with their sources, the conventions and the run."""
    meta = b.results.meta
    out = ['<h2>The assumptions that drive the results, and their sources</h2><table id="assumptions"><thead>'
           "<tr><th>Assumption</th><th>Assumed</th><th>Source</th><th>Drives</th></tr></thead><tbody>"]
    for a, drives in b.assumptions:
        moved_text = "; ".join(f"{t} ({effect})" for t, effect in drives)
        out.append(f"<tr><td>{_e(a.label)}</td><td>{_e(a.assumed)}</td><td>{_e(a.source or '(none given)')}</td>"
                   f"<td>{_e(moved_text)}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<h2>Conventions</h2><p>{_e(meta.get('conventions', '(not recorded)'))}</p><h2>Run</h2><ul>")
    out += [f"<li>{_e(k)}: <code>{_e(json.dumps(meta[k], default=str))}</code></li>" for k in RUN_KEYS if k in meta]
    out.append("</ul></body></html>")
    return out


def html_briefing(b: Briefing) -> str:
    """The briefing ``b`` (:class:`sim.report.Briefing`) as one self-contained HTML document (a string)."""
    out = (_head(b) + _headline_targets(b) + _where_action_matters(b) + _every_target(b) + _charts(b)
           + _closing(b))
    return "\n".join(out) + "\n"


def _figures(b: Briefing, targets: list[str]) -> Iterator[tuple[str, Figure]]:
    """(caption, figure) of every chart of the HTML briefing, built outside pyplot."""
    r, th = b.results, b.thresholds
    with charts.unmanaged_figures():
        yield "Every target by section, least likely first", _figure(charts.plot_dashboard(r, th))
        yield "Milestone timeline", _figure(charts.plot_timeline(r, thresholds=th))
        for t in targets:
            yield "When it is done", _figure(charts.plot_s_curve(r, t, thresholds=th))
            action = next(a for a in b.actions if a.target == t)
            yield "What drives it", _figure(charts.plot_tornado(r, t, table=action.drivers))
        for o in charts.fan_observables(r, b.scenario):
            yield "Over time", _figure(charts.plot_fan(r, o, targets=charts.indicator_targets(b.scenario, o, r),
                                                       label=charts.observable_label(r, o, b.scenario),
                                                       unit=observable_unit(o, b.scenario)))
        if b.comparison is not None:
            yield "Scenario comparison", _figure(charts.plot_comparison(b.comparison, thresholds=th))


def _figure(ax: Axes) -> Figure:
    """The figure a chart was drawn on."""
    fig = ax.get_figure()
    assert isinstance(fig, Figure), "charts are drawn on figures of their own"
    return fig
