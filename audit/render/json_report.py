"""report.json: the machine-readable report (schema_version 1)."""

from __future__ import annotations

import json
from typing import Any

from ..findings import Report, summarize

__all__ = ["SCHEMA_VERSION", "document", "render"]

SCHEMA_VERSION = 1


def document(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {
            "name": "gdpr-audit",
            "version": report.tool_version,
            "engine": report.engine,
            "engine_version": report.engine_version,
        },
        "source": report.source,
        "generated_at": report.generated_at,
        "fail_on": report.fail_on,
        "exit_code": report.exit_code,
        "summary": summarize(report),
        "coverage": {
            "unassessed_types": list(report.unassessed_types),
            "idle_rules": list(report.idle_rules),
        },
        "findings": [f.to_json() for f in report.findings],
    }


def render(report: Report) -> bytes:
    return (json.dumps(document(report), indent=2, sort_keys=True) + "\n").encode()
