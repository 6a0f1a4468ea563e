"""Unknown is not absent: values a preview does not have yet make a rule error, never pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi.runtime.rpc

from audit.catalogue import Library
from audit.cli import main
from audit.engines.opa_embedded import OpaEmbeddedEngine
from audit.evaluate import evaluate
from audit.facts import AuditContext, Fact, Facts
from audit.unknowns import UNKNOWN_SENTINELS, contains_unknown

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _audit(
    document: Any, tmp_path: Path, name: str = "stack.json"
) -> tuple[int, list[dict[str, Any]]]:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    out = tmp_path / "out"
    code = main(["state", str(path), "--out", str(out)])
    return code, json.loads((out / "report.json").read_text())["findings"]


def _statuses(findings: list[dict[str, Any]], rule_id: str, resource_id: str) -> set[str]:
    return {
        f["status"]
        for f in findings
        if f["rule_id"] == rule_id and f["resource"]["id"] == resource_id
    }


def test_the_string_sentinel_is_pulumis() -> None:
    assert pulumi.runtime.rpc.UNKNOWN in UNKNOWN_SENTINELS
    assert contains_unknown({"a": [{"b": pulumi.runtime.rpc.UNKNOWN}]})
    assert not contains_unknown({"a": [{"b": "04da6b54"}]})


def test_stratify_preview_fails_admin_policies_on_docs_handler(real_fixtures, tmp_path) -> None:
    document = json.loads((real_fixtures / "stratify-sample-preview-creates.json").read_text())
    _, findings = _audit(document, tmp_path, "preview.json")
    statuses = _statuses(findings, "CV-IAM-002", "docsHandler-ae85f73")
    assert statuses == {"fail"}, statuses
    message = next(
        f["message"]
        for f in findings
        if f["rule_id"] == "CV-IAM-002" and f["resource"]["id"] == "docsHandler-ae85f73"
    )
    assert "AmazonS3FullAccess" in message


def _state(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"version": 3, "deployment": {"resources": list(resources)}}


def _resource(
    type_: str, name: str, inputs: dict[str, Any], id_: str | None = None
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "urn": f"urn:pulumi:dev::callvault::{type_}::{name}",
        "type": type_,
        "custom": True,
        "inputs": inputs,
        "outputs": {},
    }
    if id_:
        resource["id"] = id_
    return resource


BUCKET = _resource(
    "aws:s3/bucket:Bucket", "rec", {"bucket": "rec", "region": "eu-central-1"}, "rec"
)


def test_public_policy_on_unknown_bucket_is_not_a_pass(tmp_path) -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
        ]
    }
    document = _state(
        BUCKET,
        _resource(
            "aws:s3/bucketPolicy:BucketPolicy",
            "p",
            {"bucket": UNKNOWN, "policy": json.dumps(policy)},
        ),
    )
    code, findings = _audit(document, tmp_path)
    assert _statuses(findings, "CV-PUB-003", "rec") & {"fail", "error"}
    assert "pass" not in _statuses(findings, "CV-PUB-003", "rec")
    assert code in (1, 3)


def test_public_acl_on_unknown_bucket_is_not_a_pass(tmp_path) -> None:
    document = _state(
        BUCKET,
        _resource("aws:s3/bucketAclV2:BucketAclV2", "a", {"bucket": UNKNOWN, "acl": "public-read"}),
    )
    _, findings = _audit(document, tmp_path)
    assert _statuses(findings, "CV-PUB-002", "rec") & {"fail", "error"}
    assert "pass" not in _statuses(findings, "CV-PUB-002", "rec")


def test_ssh_rule_on_unknown_group_is_not_a_pass(tmp_path) -> None:
    document = _state(
        _resource(
            "aws:ec2/securityGroup:SecurityGroup",
            "sg",
            {"region": "eu-central-1", "ingress": []},
            "sg-1",
        ),
        _resource(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "ssh",
            {
                "type": "ingress",
                "securityGroupId": UNKNOWN,
                "protocol": "tcp",
                "fromPort": 22,
                "toPort": 22,
                "cidrBlocks": ["0.0.0.0/0"],
            },
        ),
    )
    _, findings = _audit(document, tmp_path)
    statuses = _statuses(findings, "CV-NET-001", "sg-1")
    assert statuses & {"fail", "error"} and "pass" not in statuses, statuses


def test_role_policy_on_unknown_role_is_not_a_pass(tmp_path) -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    document = _state(
        _resource("aws:iam/role:Role", "r", {"name": "worker"}, "worker"),
        _resource(
            "aws:iam/rolePolicy:RolePolicy", "rp", {"role": UNKNOWN, "policy": json.dumps(policy)}
        ),
    )
    _, findings = _audit(document, tmp_path)
    statuses = _statuses(findings, "CV-IAM-002", "worker")
    assert statuses & {"fail", "error"} and "pass" not in statuses, statuses


def test_unknown_rotation_is_an_error_naming_the_property(tmp_path) -> None:
    document = _state(
        _resource(
            "aws:kms/key:Key",
            "k",
            {"region": "eu-central-1", "enableKeyRotation": "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"},
            "k-1",
        )
    )
    code, findings = _audit(document, tmp_path)
    finding = next(f for f in findings if f["rule_id"] == "CV-KEY-001")
    assert finding["status"] == "error"
    assert "cannot be decided before deploy: rotation_enabled is unknown" in finding["message"]
    assert code == 3


def _key_fact(source: str, reasons: dict[str, str]) -> Fact:
    return Fact(
        "kms_key",
        "k-1",
        "eu-central-1",
        source,
        {
            "tags": {},
            "purpose": None,
            "rotation_enabled": None,
            "multi_region": False,
            "deletion_window_days": 30,
            "key_usage": "ENCRYPT_DECRYPT",
            "policy_readable": True,
            "policy_public": False,
            "policy_grants_all_actions": False,
            "unknown": ["rotation_enabled"],
            "unknown_reasons": reasons,
            "aws_defaults": [],
        },
    )


def test_an_unknown_in_the_live_account_is_not_called_unknown_before_deploy(
    engine: OpaEmbeddedEngine, library: Library
) -> None:
    reason = "AccessDenied on kms:GetKeyRotationStatus"
    live = _key_fact("arn:aws:kms:eu-central-1:123456789012:key/k-1", {"rotation_enabled": reason})
    planned = _key_fact("urn:pulumi:dev::callvault::aws:kms/key:Key::k", {})
    context = AuditContext(("eu-central-1",), {}, 400)
    findings = evaluate(Facts("both", context, (live, planned)), library, engine).findings
    messages = {
        f.resource_source: f.message
        for f in findings
        if f.rule_id == "CV-KEY-001" and f.status == "error"
    }
    assert messages[live.source].endswith(
        "; cannot be decided in the live account: rotation_enabled is unknown "
        f"(rotation_enabled: {reason})"
    )
    assert "before deploy" not in messages[live.source]
    assert messages[planned.source].endswith(
        "; cannot be decided before deploy: rotation_enabled is unknown"
    )


def test_a_managed_policy_list_unknown_as_a_whole_is_not_a_pass(tmp_path) -> None:
    document = _state(
        _resource(
            "aws:iam/role:Role",
            "r",
            {"name": "worker", "assumeRolePolicy": "{}", "managedPolicyArns": UNKNOWN},
            "worker",
        )
    )
    _, findings = _audit(document, tmp_path)
    statuses = _statuses(findings, "CV-IAM-002", "worker")
    assert statuses == {"error"}, statuses
