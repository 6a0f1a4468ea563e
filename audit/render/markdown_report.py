"""report.md: a summary for pull requests and tickets."""

from __future__ import annotations

from ..findings import STATUSES, Report, summarize

__all__ = ["render"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> bytes:
    summary = summarize(report)
    lines = [
        "# GDPR audit report",
        "",
        f"* Source: {_cell(report.source)}",
        f"* Generated: {report.generated_at} by gdpr-audit {report.tool_version} ({report.engine})",
        f"* Rules evaluated: {summary['rules_evaluated']}; findings: {summary['total']}",
        "",
        "| " + " | ".join(STATUSES) + " |",
        "|" + "---|" * len(STATUSES),
        "| " + " | ".join(str(summary["by_status"][s]) for s in STATUSES) + " |",
        "",
        "## By GDPR article",
        "",
        "| article | " + " | ".join(STATUSES) + " |",
        "|---|" + "---|" * len(STATUSES),
    ]
    for article, counts in summary["by_gdpr_article"].items():
        lines.append(f"| {article} | " + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    rules = {f.rule_id: f for f in report.findings if f.mapping}
    lines += [
        "",
        "## Rules and what they cover",
        "",
        "full: the rule checks everything the provision asks of the resource's configuration; "
        "partial: one part of it.",
        "",
        "| rule | GDPR | ISO/IEC 27001:2022 |",
        "|---|---|---|",
    ]
    for rule_id in sorted(rules):
        f = rules[rule_id]
        lines.append(
            f"| {rule_id} | {_cell(', '.join(f.mapped(f.gdpr)))} | "
            f"{_cell(', '.join(f.mapped(f.iso27001)))} |"
        )
    lines += ["", "## Not assessed", ""]
    if report.unassessed_types:
        lines += [
            "| resource type | category | count | why no rule of its own |",
            "|---|---|---|---|",
        ]
        for u in report.unassessed_types:
            lines.append(
                f"| {_cell(u['type'])} | {u['category']} | {u['count']} | "
                f"{_cell(u['inert_reason'] or 'not read: fails closed (CV-COV-001/002)')} |"
            )
    else:
        lines.append("Every resource type in the input was read.")
    lines += [
        "",
        "Rules that applied to nothing: "
        + (", ".join(report.idle_rules) if report.idle_rules else "none")
        + ".",
    ]
    problems = [f for f in report.findings if f.status in ("fail", "error", "manual")]
    lines += ["", "## Findings to act on", ""]
    if not problems:
        lines.append("None.")
    else:
        lines += ["| status | severity | rule | resource | message |", "|---|---|---|---|---|"]
        for f in problems:
            lines.append(
                f"| {f.status} | {f.severity} | {f.rule_id} | {_cell(f.resource_kind)} "
                f"{_cell(f.resource_id)} | {_cell(f.message)} |"
            )
    return ("\n".join(lines) + "\n").encode()
