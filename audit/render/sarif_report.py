"""report.sarif: SARIF 2.1.0 as GitHub code scanning accepts it.

Results are the ``fail`` and ``error`` findings (code scanning shows problems, not passes);
``waived`` ones are kept as suppressed results. Locations point at the stack file, since a
Pulumi URN is not a file; the URN goes in the logical location.
"""

from __future__ import annotations

import json
from typing import Any

from ..findings import Report

__all__ = ["render"]

_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _location(source: str) -> str:
    if "#" in source and not source.startswith("urn:"):
        return source.split("#", 1)[0]
    return "Pulumi.yaml"


def render(report: Report) -> bytes:
    shown = [f for f in report.findings if f.status in ("fail", "error", "waived")]
    rule_ids = sorted({f.rule_id for f in report.findings})
    first = {rid: next(f for f in report.findings if f.rule_id == rid) for rid in rule_ids}
    rules = [
        {
            "id": rid,
            "name": rid.replace("-", ""),
            "shortDescription": {"text": first[rid].title},
            "fullDescription": {"text": f"{first[rid].title}. GDPR {', '.join(first[rid].gdpr)}."},
            "help": {
                "text": first[rid].remediation,
                "markdown": f"**Remediation:** {first[rid].remediation}",
            },
            "defaultConfiguration": {"level": _LEVEL[first[rid].severity]},
            "properties": {
                "tags": ["security", "gdpr", first[rid].topic, *first[rid].iso27001],
                "security-severity": _SECURITY_SEVERITY[first[rid].severity],
                "gdpr": list(first[rid].gdpr),
                "iso27001": list(first[rid].iso27001),
                "mapping": dict(first[rid].mapping),
            },
        }
        for rid in rule_ids
    ]
    index = {rid: i for i, rid in enumerate(rule_ids)}
    results: list[dict[str, Any]] = []
    for f in shown:
        result: dict[str, Any] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": "error" if f.status == "error" else _LEVEL[f.severity],
            "message": {"text": f"{f.message} ({f.resource_kind} {f.resource_id})"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _location(f.resource_source)},
                        "region": {"startLine": 1},
                    },
                    "logicalLocations": [
                        {"fullyQualifiedName": f.resource_source, "kind": f.resource_kind}
                    ],
                }
            ],
            "partialFingerprints": {
                "callvault/v1": f"{f.rule_id}:{f.resource_kind}:{f.resource_id}"
            },
        }
        if f.status == "waived":
            result["suppressions"] = [{"kind": "external", "justification": f.message}]
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gdpr-audit",
                        "version": report.tool_version,
                        "informationUri": "https://github.com/callvault/callvault",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"gdpr-audit/{report.source}"},
                "properties": {
                    "unassessedTypes": list(report.unassessed_types),
                    "idleRules": list(report.idle_rules),
                },
                "results": results,
            }
        ],
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
