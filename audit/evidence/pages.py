"""The bundle's HTML pages: index.html (what a security team opens first), soa.html,
dpia-annex.html and scenarios.html. Pure functions of the evidence data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from infra.config import StackConfig

from ..catalogue import SEVERITIES
from ..findings import Finding
from .dpia import ProcessingAnnex, _retention
from .html import bars, e, page
from .model import EvidenceInput
from .naming import natural_key
from .scenarios import ScenarioResult
from .soa import SOA_STATUSES, SoaRow, by_theme

__all__ = ["render_dpia", "render_index", "render_scenarios", "render_soa"]

_FINDING_STATUSES = ("fail", "error", "waived", "manual", "pass")
_FILES = (
    ("report.html", "the audit report: every finding, filterable"),
    (
        "scenarios.html",
        "the Gherkin scenarios and their results (cucumber.json, junit-scenarios.xml)",
    ),
    ("soa.html", "ISO/IEC 27001:2022 Statement of Applicability (soa.md, soa.json)"),
    ("dpia-annex.html", "DPIA annex per meeting type (dpia-annex.md)"),
    ("art30-record.md", "record of processing activities extract (Art. 30(1))"),
    (
        "manifest.json",
        "every file's SHA-256, the run identity and criteria; signed in manifest.sig.json",
    ),
)


def _severity_rank(finding: Finding) -> int:
    return -SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else 0


def _finding_rows(findings: Sequence[Finding], with_fix: bool) -> str:
    rows = []
    for f in findings:
        fix = f'<div class="fix"><b>Fix:</b> {e(f.remediation)}</div>' if with_fix else ""
        rows.append(
            f'<tr><td class="st" style="color:{"#c62828" if f.status in ("fail", "error") else "#2e8b57"}">'
            f"{e(f.status)}<br>{e(f.severity)}</td><td>{e(f.rule_id)}<br>{e(f.title)}</td>"
            f"<td>{e(f.resource_kind)} <b>{e(f.resource_id)}</b>"
            f'<div class="mono">{e(f.resource_source)}</div></td>'
            f"<td>{e(f.message)}{fix}</td>"
            f"<td>{e(', '.join(f.gdpr))}</td><td>{e(', '.join(f.iso27001))}</td></tr>"
        )
    head = (
        "<tr><th>status</th><th>rule</th><th>resource</th><th>observed</th>"
        "<th>GDPR</th><th>ISO 27001</th></tr>"
    )
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def by_article(
    findings: Sequence[Finding], scenarios: Sequence[ScenarioResult]
) -> dict[str, dict[str, int]]:
    """Per GDPR provision: finding statuses plus scenarios (passed -> pass, failed -> fail)."""
    table: dict[str, Counter[str]] = {}
    for f in findings:
        for provision in f.gdpr:
            table.setdefault(provision, Counter())[f.status] += 1
    for s in scenarios:
        status = {"passed": "pass", "failed": "fail"}.get(s.status)
        if status:
            for provision in s.gdpr:
                table.setdefault(provision, Counter())[status] += 1
    return {k: dict(table[k]) for k in sorted(table, key=natural_key)}


def render_index(
    data: EvidenceInput,
    soa: Sequence[SoaRow],
    run: Mapping[str, Any],
) -> bytes:
    findings = data.findings
    failing = sorted(
        (f for f in findings if f.status in ("fail", "error")),
        key=lambda f: (
            f.status != "error",
            _severity_rank(f),
            natural_key(f.rule_id),
            f.resource_id,
        ),
    )
    failed_scenarios = [s for s in data.scenarios if s.status == "failed"]
    open_controls = [r for r in soa if r.status == "open"]
    severities = Counter(f.severity for f in failing)
    if failing or failed_scenarios:
        parts = [f"{len(failing)} failing finding(s)"]
        if severities:
            parts[0] += (
                " ("
                + ", ".join(f"{severities[s]} {s}" for s in reversed(SEVERITIES) if severities[s])
                + ")"
            )
        parts.append(f"{len(failed_scenarios)} failing scenario(s)")
        verdict = (
            f'<div class="verdict bad" id="verdict">NOT COMPLIANT: {e("; ".join(parts))}</div>'
        )
    else:
        verdict = (
            '<div class="verdict good" id="verdict">COMPLIANT with every checked rule and '
            f"scenario: {sum(1 for f in findings if f.status == 'pass')} passing findings, "
            f"{sum(1 for s in data.scenarios if s.status == 'passed')} passing scenarios; "
            f"{len(open_controls)} Annex A controls await attestation</div>"
        )
    articles = by_article(findings, data.scenarios)
    gdpr_chart = bars(
        "By GDPR provision",
        [(k, data.library.gdpr.get(k, ""), v) for k, v in articles.items()],
        _FINDING_STATUSES,
        "chart-gdpr",
    )
    themes = by_theme(tuple(soa))
    theme_chart = bars(
        "By ISO/IEC 27001:2022 Annex A theme (Statement of Applicability)",
        [(data.themes[t], "", themes.get(t, {})) for t in data.themes],
        SOA_STATUSES,
        "chart-themes",
    )
    scenario_rows = "".join(
        f'<tr><td class="st" style="color:#c62828">failed</td><td>{e(s.feature)}</td>'
        f'<td>{e(s.title)}</td><td>{e(s.failed_step or "")}<div class="mono">{e(s.error or "")}</div></td></tr>'
        for s in failed_scenarios
    )
    passes = sorted(
        (f for f in findings if f.status not in ("fail", "error")),
        key=lambda f: (natural_key(f.rule_id), f.resource_id),
    )
    identity = " · ".join(
        f"{k.replace('_', ' ')}: {e(v)}"
        for k, v in run.items()
        if k
        in (
            "declared_time",
            "tool_version",
            "engine",
            "engine_version",
            "policies_commit",
            "source",
        )
    )
    files = "".join(f'<li><a href="{e(n)}">{e(n)}</a> — {e(t)}</li>' for n, t in _FILES)
    judged = {f.rule_id for f in findings}
    unjudged = [r for r in data.library.rules if r.id not in judged]
    not_assessed = (
        "<ul>"
        + "".join(
            f"<li>{e(r.id)} {e(r.title)} ({e(', '.join(r.applies_to))})</li>" for r in unjudged
        )
        + "</ul>"
        if unjudged
        else "<p>Every rule judged at least one resource.</p>"
    )
    body = f"""<h1>CallVault compliance evidence — stack {e(data.stack.stack)}</h1>
<div class="meta">{identity}</div>
{verdict}
{gdpr_chart}
{theme_chart}
<h2>Failing findings, most severe first ({len(failing)})</h2>
{_finding_rows(failing, True) if failing else "<p>None.</p>"}
<h2>Failing scenarios ({len(failed_scenarios)})</h2>
{"<table><thead><tr><th>status</th><th>feature</th><th>scenario</th><th>failed step</th></tr></thead><tbody>" + scenario_rows + "</tbody></table>" if failed_scenarios else "<p>None.</p>"}
<h2>Annex A controls awaiting attestation ({len(open_controls)})</h2>
<p>{e(", ".join(r.control.id for r in open_controls)) or "None."}</p>
{_register(data)}
<h2>Not assessed in this run</h2><p>Rules that found no resource of their kinds to judge:</p>{not_assessed}
{"" if data.runtime else "<p><b>Runtime scenarios were not run</b> (gdpr-audit evidence --runtime).</p>"}
<details><summary>Passing, waived and manual findings ({len(passes)})</summary>
{_finding_rows(passes, False)}</details>
<h2>In this bundle</h2><ul>{files}</ul>"""
    return page(f"CallVault evidence — {data.stack.stack}", body)


def _register(data: EvidenceInput) -> str:
    """The waivers and attestations this run applied, each marked valid or expired."""
    waivers = "".join(
        f'<tr><td>{e(w.rule)}</td><td class="mono">{e(w.resource)}</td><td>{e(w.justification)}</td>'
        f"<td>{e(w.approver)}</td><td>{e(w.expires)}</td>"
        f"<td>{'valid' if w.expires >= data.today else 'EXPIRED'}</td></tr>"
        for w in data.waivers
    )
    attestations = "".join(
        f"<tr><td>{e(a.control)}</td><td>{e(a.evidence)}</td><td>{e(a.attested_by)}</td>"
        f"<td>{e(a.attested_on)}</td><td>{e(a.valid_until)}</td>"
        f"<td>{'valid' if a.attested_on <= data.today <= a.valid_until else 'EXPIRED'}</td></tr>"
        for a in data.attestations
    )
    return (
        "<h2>Waivers and attestations register</h2>"
        + (
            "<table><thead><tr><th>rule</th><th>resource</th><th>justification</th><th>approver</th>"
            f"<th>expires</th><th>state</th></tr></thead><tbody>{waivers}</tbody></table>"
            if waivers
            else "<p>No waivers.</p>"
        )
        + (
            "<table><thead><tr><th>control</th><th>evidence</th><th>attested by</th><th>on</th>"
            f"<th>valid until</th><th>state</th></tr></thead><tbody>{attestations}</tbody></table>"
            if attestations
            else "<p>No attestations.</p>"
        )
    )


def render_soa(rows: Sequence[SoaRow], themes: Mapping[str, str]) -> bytes:
    counts = by_theme(tuple(rows))
    chart = bars(
        "Status per theme",
        [(themes[t], "", counts.get(t, {})) for t in themes],
        SOA_STATUSES,
        "chart-soa",
    )
    sections = []
    for theme, title in themes.items():
        body = "".join(
            f"<tr><td><b>{e(r.control.id)}</b> {e(r.control.title)}</td>"
            f"<td>{'yes' if r.applicable else 'no'}</td><td>{e(r.justification)}</td>"
            f"<td>{e(', '.join([*r.rules, *r.scenarios, *r.attestations]) or '—')}</td>"
            f'<td class="st">{e(r.status)}<div>{e(r.detail)}</div></td>'
            f'<td class="mono">{"<br>".join(e(x) for x in r.evidence) or "—"}</td></tr>'
            for r in rows
            if r.control.theme == theme
        )
        sections.append(
            f"<h2>{e(title)}</h2><table><thead><tr><th>control</th><th>applicable</th>"
            "<th>justification</th><th>implemented by</th><th>status</th><th>evidence</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
        )
    return page(
        "Statement of Applicability",
        "<h1>Statement of Applicability — ISO/IEC 27001:2022 Annex A</h1>"
        + chart
        + "".join(sections),
    )


def render_dpia(annexes: Sequence[ProcessingAnnex], stack: StackConfig) -> bytes:
    sections = []
    for a in annexes:
        mt = a.meeting_type
        measures = "".join(
            f"<tr><td><b>{e(m.measure.id)}</b> {e(m.measure.title)}</td><td>{e(', '.join(m.measure.gdpr))}</td>"
            f'<td class="st" style="color:{"#c62828" if m.status == "failing" else "#2e8b57"}">{e(m.status)}</td>'
            f"<td>{''.join(f'<div><b>{e(p)}</b></div>' for p in m.failures())}"
            f"{sum(1 for f in m.findings if f.status == 'pass')} passing findings; scenarios: "
            f"{e(', '.join(f'{s.title} ({s.status})' for s in m.scenarios) or '—')}</td></tr>"
            for m in a.measures
        )
        facts = [
            ("Purpose", mt.purpose),
            ("Legal basis", mt.legal_basis),
            ("Recording", f"{mt.recording}, mode {mt.mode}"),
            ("Data categories", "; ".join(a.data_categories)),
            (
                "Special categories",
                "; ".join(a.special_categories) or "none indicated by the purpose",
            ),
            ("Recipients and processors", "; ".join(a.recipients)),
            ("Transfers outside the EU", a.transfers),
            ("Retention", _retention(mt)),
        ]
        rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
        sections.append(
            f"<h2>{e(mt.name)}</h2><table>{rows}</table><h3>Technical measures (Art. 35(7)(d))</h3>"
            "<table><thead><tr><th>measure</th><th>GDPR</th><th>status</th><th>evidence</th></tr></thead>"
            f"<tbody>{measures}</tbody></table>"
        )
    intro = (
        f"<p>Controller {e(stack.controller.name)} (DPO: {e(stack.controller.dpo_contact)}), "
        f"stack <b>{e(stack.stack)}</b>.</p>"
    )
    return page(
        "DPIA annex",
        "<h1>DPIA annex — processing and measures per meeting type</h1>"
        + intro
        + "".join(sections),
    )


def render_scenarios(scenarios: Sequence[ScenarioResult], runtime: bool) -> bytes:
    counts = Counter(s.status for s in scenarios)
    features: dict[str, list[ScenarioResult]] = {}
    for s in scenarios:
        features.setdefault(s.feature, []).append(s)
    sections = []
    for feature, items in sorted(features.items(), key=lambda kv: kv[1][0].feature_file):
        failed = [s for s in items if s.status != "passed"]
        passed = [s for s in items if s.status == "passed"]
        fail_rows = "".join(
            f'<li><b style="color:#c62828">{e(s.status)}</b> {e(s.title)} — {e(s.failed_step or "")}'
            f'<div class="mono">{e(s.error or "")}</div></li>'
            for s in failed
        )
        pass_rows = "".join(
            f'<li>{e(s.title)} <span class="mono">{e(" ".join("@" + t for t in s.tags))}</span></li>'
            for s in passed
        )
        sections.append(
            f'<h2>{e(feature)}</h2><div class="mono">{e(items[0].feature_file)}</div>'
            + (f"<ul>{fail_rows}</ul>" if fail_rows else "")
            + f"<details><summary>{len(passed)} passed</summary><ul>{pass_rows}</ul></details>"
        )
    note = (
        ""
        if runtime
        else (
            "<p><b>Runtime scenarios were not run</b> (real media node, coturn, moto): run "
            "<code>gdpr-audit evidence --runtime</code> to include them.</p>"
        )
    )
    verdict_class = "bad" if counts.get("failed") else "good"
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return page(
        "Scenarios",
        f'<h1>Gherkin scenarios</h1><div class="verdict {verdict_class}" id="verdict">{e(summary)}</div>'
        + note
        + "".join(sections),
    )
