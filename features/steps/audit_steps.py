"""Configuration steps: they read the auditor's findings and facts for the stack."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from audit.evidence.scoping import relevant_to_meeting_type
from features.audit_run import AuditRun
from infra.config import MeetingType

RECORDING_PURPOSE = "call-recording"


def _problems(findings: list[dict[str, Any]]) -> list[str]:
    return [
        f"{f['status'].upper()} {f['rule_id']} {f['resource']['kind']} {f['resource']['id']}: "
        f"{f['message']} (fix: {f['remediation']})"
        for f in findings
        if f["status"] in ("fail", "error")
    ]


@given("the audited infrastructure of the stack", target_fixture="audit")
def audited_infrastructure(audit_run: AuditRun) -> AuditRun:
    return audit_run


@given("a meeting type from the stack's configuration", target_fixture="meeting_type")
def meeting_type_from_config(audit_run: AuditRun, meeting_type_name: str) -> MeetingType:
    return audit_run.meeting_type(meeting_type_name)


@pytest.fixture
def judged() -> list[dict[str, Any]]:
    """The findings of the rules a scenario's When steps applied."""
    return []


@when(parsers.parse('it is checked that "{text}" ({rule_id})'))
def checked_against(audit: AuditRun, judged: list[dict[str, Any]], text: str, rule_id: str) -> None:
    """The rule is found by its stable id; the quoted text is its title for the reader."""
    judged.extend(audit.rule_findings(rule_id))


@then("every resource it applies to complies")
def every_resource_complies(judged: list[dict[str, Any]]) -> None:
    assert judged, "no rule was applied"
    problems = _problems(judged)
    assert not problems, "\n".join(problems)
    assert any(f["status"] == "pass" for f in judged), "nothing was checked: no resource passed"


@then("the meeting type complies")
def meeting_type_complies(
    audit: AuditRun, judged: list[dict[str, Any]], meeting_type: MeetingType
) -> None:
    relevant = [
        f for f in judged if relevant_to_meeting_type(f, meeting_type.name, audit.prefixes())
    ]
    problems = _problems(relevant)
    assert not problems, "\n".join(problems)
    assert relevant, f"no finding covers meeting type {meeting_type.name}"


@then("no finding about its recordings fails")
def no_failure_about_its_recordings(
    audit: AuditRun, judged: list[dict[str, Any]], meeting_type: MeetingType
) -> None:
    """The positive evidence comes from the step that reads the observed lifecycle rules."""
    assert judged, "no rule was applied"
    relevant = [
        f for f in judged if relevant_to_meeting_type(f, meeting_type.name, audit.prefixes())
    ]
    problems = _problems(relevant)
    assert not problems, "\n".join(problems)


@then("the recording bucket deletes its recordings when its retention ends")
def bucket_expires_within_retention(audit: AuditRun, meeting_type: MeetingType) -> None:
    buckets = [
        f for f in audit.facts if f["kind"] == "bucket" and f.get("purpose") == RECORDING_PURPOSE
    ]
    assert buckets, "no recording bucket in the audited infrastructure"
    for bucket in buckets:
        rules = [
            rule
            for rule in bucket.get("lifecycle") or []
            if rule.get("enabled")
            and meeting_type.prefix.startswith(rule.get("prefix") or "")
            and isinstance(rule.get("expiration_days"), int)
            and rule["expiration_days"] <= meeting_type.retention_days
        ]
        assert rules, (
            f"bucket {bucket['id']} has no enabled lifecycle rule expiring {meeting_type.prefix} "
            f"within {meeting_type.retention_days} days (observed: {bucket.get('lifecycle')})"
        )


@then("the meeting type never records")
def never_records(meeting_type: MeetingType, audit: AuditRun) -> None:
    assert meeting_type.recording == "forbidden"
    fact = next(
        f for f in audit.facts if f["kind"] == "meeting_type" and f["id"] == meeting_type.name
    )
    assert fact["recording"] == "forbidden", fact
