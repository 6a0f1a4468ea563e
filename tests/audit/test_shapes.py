"""Shapes a plan or a state may carry must read the same as the usual ones."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from audit.catalogue import POLICY_ROOT
from audit.evaluate import evaluate
from audit.facts import Facts
from audit.pulumi_facts import PulumiResource, facts_from_pulumi_resources
from audit.sources.state import facts_from_state_document

from .conftest import load_fixture


def _resource(
    type_: str, name: str, props: dict[str, Any], id_: str | None = None
) -> PulumiResource:
    urn = f"urn:pulumi:dev::callvault::{type_}::{name}"
    return PulumiResource(urn, type_, id_, {"region": "eu-central-1", **props}, urn)


def _one(kind: str, resources: list[PulumiResource]) -> dict[str, Any]:
    facts = [f.to_json() for f in facts_from_pulumi_resources(resources) if f.kind == kind]
    assert len(facts) == 1, facts
    return facts[0]


def _statuses(engine, library, resources: list[PulumiResource], rule_id: str) -> set[str]:
    context = load_fixture(POLICY_ROOT / "network/no_admin_ports_from_world.pass.json").context
    facts = Facts("test", context, tuple(facts_from_pulumi_resources(resources)))
    return {f.status for f in evaluate(facts, library, engine, only_rules=[rule_id]).findings}


def test_ssh_from_the_world_with_protocol_number_6_fails(engine, library) -> None:
    group = _resource("aws:ec2/securityGroup:SecurityGroup", "sg", {"ingress": []}, "sg-1")
    rule = _resource(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "ssh",
        {
            "type": "ingress",
            "securityGroupId": "sg-1",
            "protocol": "6",
            "fromPort": 22,
            "toPort": 22,
            "cidrBlocks": ["0.0.0.0/0"],
        },
    )
    assert _one("security_group", [group, rule])["ingress"][0]["protocol"] == "tcp"
    assert _statuses(engine, library, [group, rule], "CV-NET-001") == {"fail"}


def test_protocol_17_is_udp() -> None:
    group = _resource(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {"ingress": [{"protocol": "17", "fromPort": 3478, "toPort": 3478, "cidrBlocks": []}]},
        "sg-1",
    )
    assert _one("security_group", [group])["ingress"][0]["protocol"] == "udp"


def test_pulumi_aws_7_bucket_acl_public_read_is_public() -> None:
    bucket = _resource("aws:s3/bucket:Bucket", "b", {"bucket": "b"}, "b")
    acl = _resource("aws:s3/bucketAcl:BucketAcl", "acl", {"bucket": "b", "acl": "public-read"})
    assert _one("bucket", [bucket, acl])["acl_public"] is True


def test_allow_with_not_principal_is_public() -> None:
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ]
    }
    bucket = _resource("aws:s3/bucket:Bucket", "b", {"bucket": "b"}, "b")
    attached = _resource(
        "aws:s3/bucketPolicy:BucketPolicy", "p", {"bucket": "b", "policy": json.dumps(policy)}
    )
    assert _one("bucket", [bucket, attached])["policy"]["public"] is True


CONF = "listening-port=3478\nverbose\n"  # logs sessions, TLS 1.0 allowed


def _cloud_init() -> bytes:
    return (
        "#cloud-config\nwrite_files:\n  - path: /etc/turnserver.conf\n    content: |\n"
        + "".join(f"      {line}\n" for line in CONF.splitlines())
    ).encode()


def test_gzip_base64_user_data_yields_a_turn_config() -> None:
    encoded = base64.b64encode(gzip.compress(_cloud_init())).decode()
    for key in ("userData", "userDataBase64"):
        instance = _resource("aws:ec2/instance:Instance", "turn", {key: encoded}, "i-1")
        turn = _one("turn_config", [instance])
        assert turn["logs_client_ips"] is True
        assert turn["tls_min_version"] == "1.0"


def test_state_document_reads_gzip_user_data() -> None:
    encoded = base64.b64encode(gzip.compress(_cloud_init())).decode()
    document = {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": "urn:pulumi:dev::callvault::aws:ec2/instance:Instance::turn",
                    "type": "aws:ec2/instance:Instance",
                    "id": "i-1",
                    "inputs": {"userDataBase64": encoded, "region": "eu-central-1"},
                }
            ]
        },
    }
    facts = facts_from_state_document(document, "gz.json")
    assert [f.kind for f in facts.facts].count("turn_config") == 1
