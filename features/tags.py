"""Scenario tags: every GDPR provision and every ISO 27001:2022 Annex A control is a pytest
marker derived from the framework data, so a tag naming a provision or control that does not
exist fails collection under ``--strict-markers``."""

from __future__ import annotations

import yaml

from audit.catalogue import POLICY_ROOT
from audit.evidence.naming import gdpr_marker, iso_marker

__all__ = ["SUITE_MARKERS", "gdpr_marker", "iso_marker", "marker_lines"]

FRAMEWORKS = POLICY_ROOT / "frameworks"

SUITE_MARKERS = {
    "runtime": "runs a real media node, coturn and moto (gdpr-audit evidence --runtime)",
    "per_meeting_type": "one test per meeting type of the stack config",
    "per_recorded_meeting_type": "one test per meeting type that may record",
    "per_required_meeting_type": "one test per meeting type whose recording is required",
    "per_consent_meeting_type": "one test per meeting type whose legal basis is consent",
    "per_forbidden_meeting_type": "one test per meeting type that must never record",
    "per_audio_meeting_type": "one test per audio-only meeting type that may record",
}


def marker_lines() -> list[str]:
    gdpr = yaml.safe_load((FRAMEWORKS / "gdpr.yaml").read_text())["provisions"]
    annex = yaml.safe_load((FRAMEWORKS / "iso27001_annex_a.yaml").read_text())["controls"]
    lines = [f"{name}: {text}" for name, text in SUITE_MARKERS.items()]
    articles = sorted({p["id"].split("(")[0] for p in gdpr})
    for provision in [p["id"] for p in gdpr] + articles:
        lines.append(f"{gdpr_marker(provision)}: GDPR {provision}")
    lines += [f"{iso_marker(c['id'])}: ISO/IEC 27001:2022 {c['id']} {c['title']}" for c in annex]
    return sorted(set(lines))
