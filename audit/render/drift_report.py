"""Drift reports: ``drift.json``, ``drift.md`` and ``drift.html``. Deterministic for a given
:class:`~audit.drift.DriftReport`."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any

from ..drift import DriftItem, DriftReport

__all__ = ["DRIFT_REPORTERS", "render_html", "render_json", "render_markdown"]


def render_json(report: DriftReport) -> bytes:
    return (json.dumps(report.to_json(), indent=2, sort_keys=True, default=str) + "\n").encode()


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _name(item: DriftItem) -> str:
    if item.planned_id and item.live_id and item.planned_id != item.live_id:
        return f"{item.planned_id} → {item.live_id}"
    return str(item.planned_id or item.live_id)


def _verdicts(item: DriftItem) -> str:
    return ", ".join(f"{v.rule_id}: {v.planned or '-'} → {v.live or '-'}" for v in item.verdicts)


def render_markdown(report: DriftReport) -> bytes:
    counts = report.counts()
    lines = [
        "# Drift report",
        "",
        f"* Planned: {_cell(report.planned_source)}",
        f"* Live: {_cell(report.live_source)}",
        f"* Generated: {report.generated_at}",
        "",
        "| missing | unexpected | changed | in-sync |",
        "|---|---|---|---|",
        f"| {counts['missing']} | {counts['unexpected']} | {counts['changed']} | "
        f"{counts['in-sync']} |",
        "",
        "| status | kind | resource | region | what changed | rule verdicts changed |",
        "|---|---|---|---|---|---|",
    ]
    for item in report.drifted:
        changes = "; ".join(
            f"`{c.property}`: {_value(c.planned)} → {_value(c.live)}" for c in item.changes
        )
        lines.append(
            f"| {item.status} | {item.kind} | {_cell(_name(item))} | {item.region or ''} | "
            f"{_cell(changes)} | {_cell(_verdicts(item))} |"
        )
    return ("\n".join(lines) + "\n").encode()


def render_html(report: DriftReport) -> bytes:
    counts = report.counts()
    rows = []
    for item in report.drifted:
        changes = "".join(
            f"<li><code>{escape(c.property)}</code>: planned <code>{escape(_value(c.planned))}"
            f"</code>, live <code>{escape(_value(c.live))}</code></li>"
            for c in item.changes
        )
        rows.append(
            f'<tr class="{escape(item.status)}"><td>{escape(item.status)}</td>'
            f"<td>{escape(item.kind)}</td><td><b>{escape(_name(item))}</b><br>"
            f"<small>{escape(item.live_source or item.planned_source or '')}</small></td>"
            f"<td>{escape(item.region or '')}</td><td><ul>{changes}</ul></td>"
            f"<td>{escape(_verdicts(item))}</td></tr>"
        )
    summary = " · ".join(f"{n} {s}" for s, n in counts.items())
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Drift report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}}
tr.missing td:first-child,tr.unexpected td:first-child{{color:#b00}}
tr.changed td:first-child{{color:#a60}}</style></head><body>
<h1>Drift report</h1>
<p>Planned: {escape(report.planned_source)}<br>Live: {escape(report.live_source)}<br>
Generated: {escape(report.generated_at)}</p>
<p><b>{escape(summary)}</b></p>
<table><thead><tr><th>status</th><th>kind</th><th>resource</th><th>region</th>
<th>what changed</th><th>rule verdicts changed</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table></body></html>
"""
    return html.encode()


DRIFT_REPORTERS: dict[str, Callable[[DriftReport], bytes]] = {
    "drift.json": render_json,
    "drift.md": render_markdown,
    "drift.html": render_html,
}
