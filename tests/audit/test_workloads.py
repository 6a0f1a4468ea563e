"""audit/workloads.py: which role is which workload, by behaviour (pure, on hand-made facts)."""

from __future__ import annotations

from typing import Any

import pytest

from audit.facts import AuditContext, Fact
from audit.workloads import derive_workloads, profile_name, runs_media_node

CONTEXT = AuditContext(
    allowed_regions=("eu-central-1",),
    meeting_types={"claims": {"prefix": "recordings/claims/"}},
    max_log_retention_days=365,
    stack="t",
)
KEY = "arn:aws:kms:eu-central-1:1:key/k"


def _statement(actions: list[str], resources: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "effect": "Allow",
        "actions": actions,
        "not_actions": [],
        "resources": resources,
        "not_resources": [],
        "condition_keys": [],
        "conditions": {},
        **extra,
    }


def _role(name: str, *statements: dict[str, Any], **props: Any) -> Fact:
    base = {
        "statements": list(statements),
        "managed_policy_arns": [],
        "instance_profiles": [],
        "workload_hint": None,
        "unknown": [],
    }
    return Fact("iam_role", name, None, name, {**base, **props})


def _estate(*roles: Fact, host: dict[str, Any] | None = None) -> dict[str, Fact]:
    bucket = Fact(
        "bucket",
        "rec",
        "eu-central-1",
        "rec",
        {"purpose": "call-recording", "encryption": {"kms_key_id": KEY}, "unknown": []},
    )
    key = Fact("kms_key", "k", "eu-central-1", "k", {"arn": KEY, "unknown": []})
    lt = Fact("launch_template", "lt-1", "eu-central-1", "lt", {"unknown": [], **(host or {})})
    derived = derive_workloads([bucket, key, lt, *roles], CONTEXT)
    return {f.id: f for f in derived if f.kind == "iam_role"}


def test_the_role_on_a_media_node_host_is_the_media_node_whatever_its_name() -> None:
    host = {"media_node": True, "instance_profile": "p-1"}
    roles = _estate(_role("anything", instance_profiles=["p-1"], workload_hint="dpo"), host=host)
    assert roles["anything"].properties["workload"] == "media-node"
    assert roles["anything"].properties["workload_hint"] == "dpo"


@pytest.mark.parametrize(
    ("statement", "access"),
    [
        (_statement(["s3:GetObject"], ["arn:aws:s3:::rec/recordings/claims/*"]), "read"),
        (_statement(["s3:get*"], ["arn:aws:s3:::re?/*"]), "read"),
        (_statement(["s3:GetObject"], ["arn:aws:s3:::rec/recordings/claims/2026/*"]), "read"),
        (_statement(["*"], ["*"]), "read"),
        (_statement([], [], not_actions=["iam:*"], not_resources=["arn:aws:s3:::x"]), "read"),
        (_statement(["s3:DeleteObjectVersion"], ["*"]), "delete"),
        (_statement(["kms:Decrypt"], ["arn:aws:kms:*"]), "decrypt"),
    ],
)
def test_a_role_that_reaches_the_recordings_is_a_reader(
    statement: dict[str, Any], access: str
) -> None:
    role = _estate(_role("x", statement))["x"].properties
    assert role["workload"] == "dpo"
    assert access in role["recording_access"]


@pytest.mark.parametrize(
    "statement",
    [
        _statement(["s3:GetObject"], ["arn:aws:s3:::rec/access-logs/*"]),
        _statement(["s3:GetObject"], ["arn:aws:s3:::rec"]),
        _statement(["s3:GetObject"], ["arn:aws:s3:::other/*"]),
        _statement(["s3:ListBucket"], ["*"]),
        _statement(["kms:Decrypt"], [KEY], condition_keys=["kms:viaservice"]),
        _statement([], ["*"], not_actions=["s3:*", "kms:*"]),
        _statement(["s3:GetObject"], [], not_resources=["arn:aws:s3:::rec/*"]),
    ],
)
def test_a_role_that_cannot_reach_them_is_not(statement: dict[str, Any]) -> None:
    assert _estate(_role("x", statement))["x"].properties["workload"] is None


def test_a_writer_off_the_media_node_hosts_is_held_to_the_write_only_rule() -> None:
    role = _estate(_role("w", _statement(["s3:PutObject"], ["arn:aws:s3:::rec/*"])))["w"]
    assert role.properties["workload"] == "media-node"
    assert role.properties["recording_access"] == ["write"]


@pytest.mark.parametrize(
    ("props", "why"),
    [
        ({"statements": None, "unknown": ["statements"]}, "unknown"),
        ({"managed_policy_arns": None, "unknown": ["managed_policy_arns"]}, "unknown"),
    ],
)
def test_unreadable_access_makes_the_workload_unknown(props: dict[str, Any], why: str) -> None:
    role = _estate(_role("u", **props))["u"].properties
    assert role["workload"] is None
    assert "workload" in role["unknown"]
    assert why in role["unknown_reasons"]["workload"]


def test_a_customer_managed_policy_is_judged_by_its_document_in_the_statements() -> None:
    """Plan, state and live join the account's own attached policies' documents into
    `statements` (or make them unknown): the ARN alone decides nothing."""
    mine = ["arn:aws:iam::1:policy/mine"]
    reading = _statement(["s3:GetObject"], ["arn:aws:s3:::rec/*"])
    assert _estate(_role("c", reading, managed_policy_arns=mine))["c"].properties[
        "workload"
    ] == "dpo"
    assert _estate(_role("d", managed_policy_arns=mine))["d"].properties["workload"] is None


def test_an_aws_managed_policy_that_reads_every_bucket_makes_a_reader() -> None:
    arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    assert _estate(_role("m", managed_policy_arns=[arn]))["m"].properties["workload"] == "dpo"


def test_profile_names_and_media_node_hosts() -> None:
    assert profile_name("arn:aws:iam::1:instance-profile/path/p-1") == "p-1"
    assert profile_name("p-1") == "p-1"
    assert runs_media_node("", {"/etc/callvault/media-node.yaml": ""})
    assert runs_media_node("#!/bin/sh\n/opt/x/bin/media-node serve --config /c.yaml\n", {})
    assert runs_media_node("", {"/r.txt": "callvault[node] @ file:///w.whl"})
    assert runs_media_node("#!/bin/sh\nexec python3 -m media_node serve\n", {})
    assert not runs_media_node("#!/bin/sh\nturnserver -c /etc/turnserver.conf\n", {})
