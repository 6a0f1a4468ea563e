"""A role's attached customer-managed policies are read (``GetPolicy`` + ``GetPolicyVersion``,
once per policy) and judged as the role's permissions; AWS-managed ones by name."""

from __future__ import annotations

import json

import pytest

from audit.catalogue import load_library
from audit.context import default_context
from audit.engines.opa_embedded import OpaEmbeddedEngine
from audit.evaluate import evaluate
from audit.sources.live import Boto3ClientFactory, facts_from_live, scan
from tests.servers import RunningMotoServer

from .conftest import new_account

pytestmark = pytest.mark.integration

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}


def test_a_wildcard_in_an_attached_policy_fails_the_role(moto_server: RunningMotoServer) -> None:
    account = new_account(moto_server)
    iam = account.client("iam")
    arns = {}
    for name, document in (("wide", ADMIN), ("narrow", READ)):
        arns[name] = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))[
            "Policy"
        ]["Arn"]
    tags = [{"Key": "purpose", "Value": "worker"}, {"Key": "controller", "Value": "acme"}]
    for role, policies in (("admin-by-attachment", ["wide", "narrow"]), ("reader", ["narrow"])):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST), Tags=tags)
        for policy in policies:
            iam.attach_role_policy(RoleName=role, PolicyArn=arns[policy])

    factory = Boto3ClientFactory(
        endpoint_url=moto_server.endpoint_url,
        role_arn=f"arn:aws:iam::{account.account_id}:role/gdpr-audit",
    )
    snapshot = scan(factory, regions=[moto_server.region])
    # The narrow policy is attached twice but read once.
    assert factory.call_log.counts["iam:GetPolicyVersion"] == 2
    facts = facts_from_live(snapshot, default_context())
    reader = next(f for f in facts.facts if f.kind == "iam_role" and f.id == "reader")
    assert reader.properties["statements"][0]["actions"] == ["s3:GetObject"]

    engine = OpaEmbeddedEngine()
    try:
        findings = evaluate(facts, load_library(), engine, only_rules=["CV-IAM-002"]).findings
    finally:
        engine.close()
    verdicts = {f.resource_id: (f.status, f.message) for f in findings}
    assert verdicts["admin-by-attachment"][0] == "fail"
    assert '["*"]' in verdicts["admin-by-attachment"][1]
    assert verdicts["reader"][0] == "pass"
