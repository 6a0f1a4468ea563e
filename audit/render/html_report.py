"""report.html: one self-contained page (no CDN, no external fonts) for security teams.

Summary by status, by GDPR article and by ISO 27001 control, then every finding with filters
by status, article and severity (a few lines of inline JavaScript; the table reads without it).
"""

from __future__ import annotations

from html import escape

from ..findings import STATUSES, Report, summarize

__all__ = ["render"]

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2330}
h1{margin:0 0 .2rem}h2{margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
.meta{color:#556}.cards{display:flex;gap:.8rem;margin:1rem 0;flex-wrap:wrap}
.card{border-radius:8px;padding:.6rem 1rem;min-width:6rem;background:#f3f4f8}
.card b{display:block;font-size:1.6rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #e4e6ee;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f7f8fb;position:sticky;top:0}
.s-pass{color:#19703a}.s-fail{color:#b3261e;font-weight:600}.s-error{color:#7a0e96;font-weight:600}
.s-waived{color:#8a6d00}.s-manual{color:#35608f}
.sev-critical,.sev-high{font-weight:600}.src{font-family:ui-monospace,monospace;font-size:12px;color:#556;word-break:break-all}
.filters{display:flex;gap:1rem;align-items:center;margin:.5rem 0;flex-wrap:wrap}
"""

_JS = """
function applyFilters(){
  const s=document.getElementById('f-status').value,a=document.getElementById('f-article').value,
        v=document.getElementById('f-severity').value;let shown=0;
  for(const row of document.querySelectorAll('#findings tbody tr')){
    const ok=(!s||row.dataset.status===s)&&(!v||row.dataset.severity===v)&&
             (!a||row.dataset.articles.split('|').includes(a));
    row.hidden=!ok;if(ok)shown++;}
  document.getElementById('shown').textContent=shown;}
for(const id of ['f-status','f-article','f-severity'])
  document.getElementById(id).addEventListener('change',applyFilters);
"""


def _options(values: list[str]) -> str:
    return '<option value="">all</option>' + "".join(
        f'<option value="{escape(v)}">{escape(v)}</option>' for v in values
    )


def _summary_table(title: str, rows: dict[str, dict[str, int]], names: dict[str, str]) -> str:
    head = "".join(f"<th>{s}</th>" for s in STATUSES)
    body = "".join(
        f"<tr><td>{escape(label)}</td><td>{escape(names.get(label, ''))}</td>"
        + "".join(f'<td class="s-{s}">{counts[s] or ""}</td>' for s in STATUSES)
        + "</tr>"
        for label, counts in rows.items()
    )
    return f"<h2>{title}</h2><table><thead><tr><th>id</th><th>title</th>{head}</tr></thead><tbody>{body}</tbody></table>"


def _coverage(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{escape(u['type'])}</td><td>{escape(u['category'])}</td><td>{u['count']}</td>"
        f"<td>{escape(u['inert_reason'] or 'not read: fails closed (CV-COV-001/002)')}</td></tr>"
        for u in report.unassessed_types
    )
    table = (
        "<table><thead><tr><th>resource type</th><th>category</th><th>count</th>"
        f"<th>why no rule of its own</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>Every resource type in the input was read.</p>"
    )
    idle = ", ".join(escape(r) for r in report.idle_rules) or "none"
    return f"<h2>Not assessed</h2>{table}<p>Rules that applied to nothing: {idle}.</p>"


def render(report: Report) -> bytes:
    summary = summarize(report)
    cards = "".join(
        f'<div class="card s-{s}"><b>{summary["by_status"][s]}</b>{s}</div>' for s in STATUSES
    )
    articles = sorted(summary["by_gdpr_article"])
    rows = []
    for f in report.findings:
        rows.append(
            f'<tr data-status="{f.status}" data-severity="{f.severity}" '
            f'data-articles="{escape("|".join(f.gdpr))}">'
            f'<td class="s-{f.status}">{f.status}</td>'
            f'<td class="sev-{f.severity}">{f.severity}</td>'
            f"<td>{escape(f.rule_id)}<br>{escape(f.title)}</td>"
            f"<td>{escape(f.resource_kind)} <b>{escape(f.resource_id)}</b>"
            f"{'<br>' + escape(f.resource_region) if f.resource_region else ''}"
            f'<div class="src">{escape(f.resource_source)}</div></td>'
            f"<td>{escape(f.message)}"
            f"{'<br><i>Fix: ' + escape(f.remediation) + '</i>' if f.status in ('fail', 'error', 'manual') else ''}</td>"
            f"<td>{escape(', '.join(f.mapped(f.gdpr)))}</td>"
            f"<td>{escape(', '.join(f.mapped(f.iso27001)))}</td></tr>"
        )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>GDPR audit — {escape(report.source)}</title><style>{_CSS}</style></head><body>
<h1>GDPR audit report</h1>
<div class="meta">{escape(report.source)} · {escape(report.generated_at)} · gdpr-audit {escape(report.tool_version)} ({escape(report.engine)}) · {summary["rules_evaluated"]} rules evaluated · fail-on {escape(report.fail_on)} · exit code {report.exit_code}</div>
<div class="cards">{cards}</div>
{_summary_table("By GDPR article", summary["by_gdpr_article"], report.gdpr_titles)}
{_summary_table("By ISO/IEC 27001:2022 Annex A control", summary["by_iso27001_control"], report.iso_titles)}
{_coverage(report)}
<h2>Findings (<span id="shown">{len(report.findings)}</span> shown)</h2>
<div class="filters">
<label>Status <select id="f-status">{_options(list(STATUSES))}</select></label>
<label>GDPR article <select id="f-article">{_options(articles)}</select></label>
<label>Severity <select id="f-severity">{_options(["critical", "high", "medium", "low"])}</select></label>
</div>
<table id="findings"><thead><tr><th>status</th><th>severity</th><th>rule</th><th>resource</th><th>message</th><th>GDPR</th><th>ISO 27001</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<script>{_JS}</script>
</body></html>
"""
    return page.encode()
