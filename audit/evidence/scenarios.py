"""The Gherkin suite's results, read from pytest-bdd's cucumber JSON.

:func:`normalize_cucumber` and :func:`normalize_junit` drop what differs between two runs of the
same suite on the same inputs (durations, timestamps, host name) so the bundle is reproducible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from .naming import gdpr_marker, iso_marker

__all__ = [
    "ScenarioResult",
    "normalize_cucumber",
    "normalize_junit",
    "scenario_results",
]

_PARAM = re.compile(r"\[([^\]]+)\]$")


@dataclass(frozen=True)
class ScenarioResult:
    feature: str
    feature_file: str
    name: str
    test_id: str
    meeting_type: str | None
    tags: tuple[str, ...]
    status: str
    """``passed``, ``failed`` or ``skipped``."""
    failed_step: str | None
    error: str | None
    gdpr: tuple[str, ...]
    iso27001: tuple[str, ...]

    @property
    def title(self) -> str:
        return f"{self.name} [{self.meeting_type}]" if self.meeting_type else self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "feature_file": self.feature_file,
            "scenario": self.name,
            "id": self.test_id,
            "meeting_type": self.meeting_type,
            "tags": list(self.tags),
            "status": self.status,
            "failed_step": self.failed_step,
            "error": self.error,
            "gdpr": list(self.gdpr),
            "iso27001": list(self.iso27001),
        }


def _status(steps: Sequence[Mapping[str, Any]]) -> tuple[str, str | None, str | None]:
    statuses = [s.get("result", {}).get("status") for s in steps]
    for step in steps:
        result = step.get("result", {})
        if result.get("status") == "failed":
            message = str(result.get("error_message", "")).strip()
            last = [line for line in message.splitlines() if line.startswith("E ")]
            summary = " ".join(line[1:].strip() for line in last[:6]) or message[-400:]
            return "failed", f"{step.get('keyword')} {step.get('name')}", summary
    if not steps or any(s != "passed" for s in statuses):
        return "skipped", None, None
    return "passed", None, None


def scenario_results(
    cucumber: Sequence[Mapping[str, Any]],
    gdpr_provisions: Sequence[str],
    iso_controls: Sequence[str],
) -> tuple[ScenarioResult, ...]:
    """Every scenario (one per meeting-type row) with its status and the provisions and
    controls its feature and scenario tags name."""
    by_gdpr = {gdpr_marker(p): p for p in gdpr_provisions}
    by_gdpr.update({gdpr_marker(p.split("(")[0]): p.split("(")[0] for p in gdpr_provisions})
    by_iso = {iso_marker(c): c for c in iso_controls}
    results = []
    for feature in cucumber:
        feature_tags = [t["name"] for t in feature.get("tags", [])]
        for element in feature.get("elements", []):
            tags = tuple(dict.fromkeys([*feature_tags, *(t["name"] for t in element["tags"])]))
            status, failed_step, error = _status(element.get("steps", []))
            match = _PARAM.search(element["id"])
            results.append(
                ScenarioResult(
                    feature=str(feature["name"]),
                    feature_file=str(feature["uri"]),
                    name=str(element["name"]),
                    test_id=str(element["id"]),
                    meeting_type=match.group(1) if match else None,
                    tags=tags,
                    status=status,
                    failed_step=failed_step,
                    error=error,
                    gdpr=tuple(by_gdpr[t] for t in tags if t in by_gdpr),
                    iso27001=tuple(by_iso[t] for t in tags if t in by_iso),
                )
            )
    results.sort(key=lambda r: (r.feature_file, r.test_id))
    return tuple(results)


def normalize_cucumber(raw: bytes) -> bytes:
    """Durations zeroed, features and scenarios in a stable order, sorted keys."""
    document = json.loads(raw)
    for feature in document:
        for element in feature.get("elements", []):
            for step in element.get("steps", []):
                if "result" in step:
                    step["result"]["duration"] = 0
        feature["elements"] = sorted(feature.get("elements", []), key=lambda e: e["id"])
    document.sort(key=lambda f: f["uri"])
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def normalize_junit(raw: bytes) -> bytes:
    """Times, timestamp and host name removed; test cases in a stable order."""
    root = ET.fromstring(raw)  # noqa: S314  (pytest's own output, written by this run)
    for element in root.iter():
        for attribute in ("time", "timestamp", "hostname"):
            element.attrib.pop(attribute, None)
    for suite in root.iter("testsuite"):
        cases = sorted(suite.findall("testcase"), key=lambda c: c.get("name", ""))
        for case in suite.findall("testcase"):
            suite.remove(case)
        for case in cases:
            suite.append(case)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
