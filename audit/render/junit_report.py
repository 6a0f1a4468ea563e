"""junit.xml: one test case per rule x resource, for CI dashboards."""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from ..findings import Finding, Report

__all__ = ["render"]


def _coverage_suite(root: ET.Element, report: Report) -> None:
    """What was not assessed, as skipped cases, so a dashboard shows it beside the rules."""
    cases = [
        (
            f"unassessed:{u['type']}",
            f"{u['count']} {u['category']} resource(s) not read"
            + (f" (inert: {u['inert_reason']})" if u["inert_reason"] else ""),
        )
        for u in report.unassessed_types
    ] + [(f"idle-rule:{r}", "applied to nothing in this input") for r in report.idle_rules]
    suite = ET.SubElement(
        root, "testsuite", name="coverage", tests=str(len(cases)), skipped=str(len(cases))
    )
    for name, message in cases:
        ET.SubElement(
            ET.SubElement(suite, "testcase", classname="coverage", name=name),
            "skipped",
            message=message,
        )


def render(report: Report) -> bytes:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_rule[finding.rule_id].append(finding)
    root = ET.Element("testsuites", name="gdpr-audit", tests=str(len(report.findings)))
    for rule_id in sorted(by_rule):
        cases = by_rule[rule_id]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{rule_id} {cases[0].title}",
            tests=str(len(cases)),
            failures=str(sum(c.status == "fail" for c in cases)),
            errors=str(sum(c.status == "error" for c in cases)),
            skipped=str(sum(c.status in ("waived", "manual") for c in cases)),
        )
        for case in cases:
            element = ET.SubElement(
                suite,
                "testcase",
                classname=rule_id,
                name=f"{case.resource_kind}:{case.resource_id}",
            )
            if case.status == "fail":
                failure = ET.SubElement(
                    element, "failure", message=case.message, type=case.severity
                )
                failure.text = (
                    f"{case.message}\nRemediation: {case.remediation}\n"
                    f"Source: {case.resource_source}"
                )
            elif case.status == "error":
                ET.SubElement(element, "error", message=case.message)
            elif case.status in ("waived", "manual"):
                ET.SubElement(element, "skipped", message=f"{case.status}: {case.message}")
    _coverage_suite(root, report)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"
