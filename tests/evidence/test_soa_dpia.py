"""SoA and DPIA annex as pure functions of findings, scenarios and attestations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from audit.catalogue import load_library
from audit.evidence import art30, dpia, soa
from audit.evidence.model import EvidenceInput, load_annex, load_measures
from audit.evidence.naming import natural_key
from audit.evidence.scenarios import ScenarioResult
from audit.exceptions_files import Attestation
from audit.findings import Finding
from infra.config import load_stack_file

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 23)


def _finding(rule_id: str, status: str, iso: tuple[str, ...], topic: str, message: str) -> Finding:
    return Finding(
        rule_id=rule_id,
        title="t",
        status=status,
        severity="high",
        topic=topic,
        gdpr=("Art. 5(1)(e)",),
        iso27001=iso,
        resource_kind="bucket",
        resource_id="callvault-dev-recordings",
        resource_region="eu-central-1",
        resource_source="urn:x",
        message=message,
        remediation="fix it",
    )


def _data(findings, scenarios=(), attestations=()) -> EvidenceInput:
    annex, themes = load_annex()
    measures, special = load_measures()
    return EvidenceInput(
        stack=load_stack_file(REPO / "Pulumi.dev.yaml"),
        library=load_library(),
        annex=annex,
        themes=themes,
        measures=measures,
        special_categories=special,
        findings=tuple(findings),
        scenarios=tuple(scenarios),
        attestations=tuple(attestations),
        waivers=(),
        today=TODAY,
        runtime=False,
    )


def _scenario(status: str, meeting_type: str | None) -> ScenarioResult:
    return ScenarioResult(
        feature="Recordings are kept no longer than necessary",
        feature_file="features/retention.feature",
        name="Recordings are deleted",
        test_id=f"test_deleted[{meeting_type}]",
        meeting_type=meeting_type,
        tags=("iso27001_a_8_10",),
        status=status,
        failed_step="Then x" if status == "failed" else None,
        error="boom" if status == "failed" else None,
        gdpr=("Art. 5(1)(e)",),
        iso27001=("A.8.10",),
    )


def test_manual_controls_stay_open_until_a_valid_attestation() -> None:
    rows = {r.control.id: r for r in soa.statement_of_applicability(_data([]))}
    assert rows["A.5.1"].status == "open" and rows["A.6.1"].status == "open"
    assert rows["A.8.30"].status == "not-applicable" and rows["A.8.30"].justification
    attested = [
        Attestation("A.5.1", "CISO", dt.date(2026, 10, 1), "DMS-1 policy", dt.date(2027, 9, 30)),
        Attestation("A.6.1", "HR", dt.date(2025, 1, 1), "DMS-2 screening", dt.date(2026, 1, 1)),
    ]
    rows = {r.control.id: r for r in soa.statement_of_applicability(_data([], (), attested))}
    assert rows["A.5.1"].status == "attested" and "DMS-1 policy" in rows["A.5.1"].attestations[0]
    assert rows["A.6.1"].status == "open", "an expired attestation does not count"
    assert [r.control.id for r in rows.values()] == sorted(rows, key=natural_key)


def test_a_failing_finding_or_scenario_makes_the_control_and_measure_fail() -> None:
    passing = _finding("CV-RET-001", "pass", ("A.8.10",), "retention", "holds")
    rows = {r.control.id: r for r in soa.statement_of_applicability(_data([passing]))}
    assert rows["A.8.10"].status == "implemented"
    failing = _finding(
        "CV-RET-001", "fail", ("A.8.10",), "retention", "no rule under recordings/customer-support/"
    )
    data = _data([failing], [_scenario("passed", "claims-inspection")])
    rows = {r.control.id: r for r in soa.statement_of_applicability(data)}
    assert rows["A.8.10"].status == "failing" and "customer-support" in rows["A.8.10"].detail
    annexes = {a.meeting_type.name: a for a in dpia.dpia_annex(data)}
    m06 = {m.measure.id: m for m in annexes["customer-support"].measures}["M-06"]
    assert m06.status == "failing" and "fix it" in m06.failures()[0]
    # The finding names another meeting type's prefix: claims-inspection's M-06 holds on its
    # passing scenario.
    m06_claims = {m.measure.id: m for m in annexes["claims-inspection"].measures}["M-06"]
    assert m06_claims.status == "holds"
    data = _data([passing], [_scenario("failed", "financial-advice")])
    rows = {r.control.id: r for r in soa.statement_of_applicability(data)}
    assert rows["A.8.10"].status == "failing" and "boom" in rows["A.8.10"].detail


def test_dpia_and_art30_describe_each_meeting_type() -> None:
    data = _data([])
    annexes = dpia.dpia_annex(data)
    by_name = {a.meeting_type.name: a for a in annexes}
    assert any("video" in c for c in by_name["claims-inspection"].data_categories)
    assert not any("video" in c for c in by_name["customer-support"].data_categories)
    assert by_name["medical-consultation"].special_categories
    assert "never recorded" in by_name["medical-consultation"].data_categories[0]
    assert all(m.status == "not evidenced" for m in by_name["claims-inspection"].measures)
    text = dpia.render_markdown(annexes, data.stack).decode()
    assert "AWS GDPR Data Processing Addendum" in text and "1095 days" in text
    record = art30.render_markdown(data.stack, annexes).decode()
    assert "datenschutz@beispiel-versicherung.example" in record
    assert "customer-support: 30 days" in record and "medical-consultation: not stored" in record
