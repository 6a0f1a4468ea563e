"""Fail closed on access, against moto enforcing IAM (``INITIAL_NO_AUTH_ACTION_COUNT``): an
auditor denied KMS gets ``error`` findings naming ``kms:ListKeys`` and the scan goes on; and
the collectors call nothing outside the shipped read-only policy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.sources.live import Boto3ClientFactory, scan
from tests.servers import RunningMotoServer, running_moto_server

from .dev_account import Account

pytestmark = pytest.mark.integration

POLICY = Path(__file__).resolve().parents[2] / "audit" / "data" / "live-readonly-policy.json"
# moto 5.2.5 maps some S3 calls to other IAM actions than AWS does (unmapped bucket
# sub-resources fall back to s3:ListBucket; S3 Control's to s3:GetPublicAccessBlock). Only the
# test's auditor gets these aliases; the shipped policy keeps AWS's names.
MOTO_ALIASES = ["s3:ListBucket", "s3:GetPublicAccessBlock"]


def _allowed_actions() -> set[str]:
    policy = json.loads(POLICY.read_text())
    return {a for s in policy["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}


@pytest.fixture(scope="module")
def enforcing_moto() -> Iterator[RunningMotoServer]:
    # Three unauthenticated calls create the admin user, its policy and its key.
    with running_moto_server(env={"INITIAL_NO_AUTH_ACTION_COUNT": "3"}) as server:
        yield server


def _user(iam: Any, name: str, policy: dict[str, Any]) -> dict[str, str]:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="audit", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


@pytest.fixture(scope="module")
def denied_kms(enforcing_moto: RunningMotoServer) -> dict[str, str]:
    import boto3

    server = enforcing_moto
    iam = boto3.client("iam", region_name=server.region, endpoint_url=server.endpoint_url)
    admin = _user(
        iam,
        "admin",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
    )
    session = boto3.Session(
        aws_access_key_id=admin["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=admin["AWS_SECRET_ACCESS_KEY"],
        region_name=server.region,
    )
    s3 = session.client("s3", endpoint_url=server.endpoint_url)
    s3.create_bucket(
        Bucket="callvault-denied-demo",
        CreateBucketConfiguration={"LocationConstraint": server.region},
    )
    session.client("kms", endpoint_url=server.endpoint_url).create_key(Description="hidden")
    policy = json.loads(POLICY.read_text())
    policy["Statement"][0]["Action"] += MOTO_ALIASES
    policy["Statement"].append({"Effect": "Deny", "Action": "kms:*", "Resource": "*"})
    return _user(session.client("iam", endpoint_url=server.endpoint_url), "auditor", policy)


def test_kms_denied_errors_name_the_permission_and_the_scan_goes_on(
    enforcing_moto: RunningMotoServer, denied_kms: dict[str, str], tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "audit.cli",
            "live",
            "--endpoint-url",
            enforcing_moto.endpoint_url,
            "--regions",
            enforcing_moto.region,
            "--out",
            str(tmp_path),
        ],
        env={**os.environ, **denied_kms},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    findings = report["findings"]
    kms = [f for f in findings if f["resource"]["kind"] == "kms_key"]
    assert kms and {f["status"] for f in kms} == {"error"}
    assert all("AccessDenied" in f["message"] and "kms:ListKeys" in f["message"] for f in kms)
    # The scan went on: the bucket was read and judged on what S3 answered.
    bucket = {
        f["rule_id"]: f["status"]
        for f in findings
        if f["resource"]["id"] == "callvault-denied-demo"
    }
    assert bucket["CV-RES-001"] == "pass"
    assert bucket["CV-RSL-001"] == "fail"  # versioning was read: off
    assert bucket["CV-PUB-001"] == "fail"  # public-access block was read: none
    assert any(f["resource"]["kind"] == "security_group" for f in findings)


def test_collectors_call_nothing_outside_the_read_only_policy(
    moto_server: RunningMotoServer, dev_account: Account
) -> None:
    account = dev_account
    factory = Boto3ClientFactory(
        endpoint_url=moto_server.endpoint_url,
        role_arn=f"arn:aws:iam::{account.account_id}:role/gdpr-audit",
    )
    # The dev plan attaches no managed policy of its own: one for this scan, removed after.
    iam = account.client("iam")
    policy = iam.create_policy(
        PolicyName="scan-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="callvault-dev-dpo", PolicyArn=policy)
    try:
        snapshot = scan(factory, home="eu-central-1")  # every enabled region
    finally:
        iam.detach_role_policy(RoleName="callvault-dev-dpo", PolicyArn=policy)
        iam.delete_policy(PolicyArn=policy)
    called = set(factory.call_log.counts)
    assert len(snapshot.regions) > 10
    assert called - _allowed_actions() == set()
    # Parameter types are read, never a value: GetParameter* is neither called nor granted.
    assert "ssm:DescribeParameters" in called and "ssm:ListTagsForResource" in called
    assert not [a for a in called | _allowed_actions() if a.startswith("ssm:GetParameter")]
    # And the policy grants nothing the scan does not use.
    assert _allowed_actions() - called == set()
