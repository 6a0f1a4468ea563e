"""Holes in how facts are read from Pulumi resources, each reproduced from the resource shape
that slipped through and judged by its rule on the real engine."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from audit.catalogue import POLICY_ROOT
from audit.evaluate import evaluate
from audit.facts import Facts
from audit.pulumi_facts import PulumiResource, facts_from_pulumi_resources
from infra.turn_config import TurnServerSettings, render_turnserver_conf

from .conftest import load_fixture

CONTEXT = load_fixture(POLICY_ROOT / "retention" / "lifecycle_current.pass.json").context
REGION = "eu-central-1"
BUCKET_ARN = "arn:aws:s3:::rec"


def _resource(type_: str, logical: str, **properties: Any) -> PulumiResource:
    return PulumiResource(
        urn=f"urn:pulumi:holes::callvault::{type_}::{logical}",
        type=type_,
        id=logical,
        properties={"region": REGION, **properties},
        source=f"urn:pulumi:holes::callvault::{type_}::{logical}",
    )


def _statuses(engine, library, rule_id: str, *resources: PulumiResource) -> dict[str, str]:
    facts = Facts("holes", CONTEXT, tuple(facts_from_pulumi_resources(resources)))
    evaluation = evaluate(facts, library, engine, only_rules=[rule_id])
    return {f.resource_id: f.status for f in evaluation.findings if f.rule_id == rule_id}


def _bucket(*statements: dict[str, Any], purpose: str = "call-recording") -> PulumiResource:
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return _resource(
        "aws:s3/bucket:Bucket", "rec", bucket="rec", policy=policy, tags={"purpose": purpose}
    )


PUBLIC_READ = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"{BUCKET_ARN}/*",
}


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"aws:UserAgent": "*"}},
        {"StringEquals": {"aws:SourceVpce": "*"}},
        {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
        {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        {"Bool": {"aws:SecureTransport": "true"}},
    ],
)
def test_public_allow_with_a_condition_that_does_not_narrow_is_public(
    condition, engine, library
) -> None:
    bucket = _bucket({**PUBLIC_READ, "Condition": condition})
    assert _statuses(engine, library, "CV-PUB-003", bucket) == {"rec": "fail"}


def test_public_allow_narrowed_to_a_vpc_endpoint_is_private(engine, library) -> None:
    bucket = _bucket({**PUBLIC_READ, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}})
    assert _statuses(engine, library, "CV-PUB-003", bucket) == {"rec": "pass"}


def test_public_key_policy_with_a_condition_that_does_not_narrow_is_public(engine, library) -> None:
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringLike": {"aws:UserAgent": "*"}},
            }
        ]
    }
    key = _resource("aws:kms/key:Key", "k", keyId="k", policy=json.dumps(policy))
    assert _statuses(engine, library, "CV-KEY-003", key) == {"k": "fail"}


TLS_DENY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


@pytest.mark.parametrize(
    "statement",
    [
        {**TLS_DENY, "Principal": {"AWS": "arn:aws:iam::111122223333:role/one"}},
        {**TLS_DENY, "Resource": BUCKET_ARN},
        {**TLS_DENY, "Resource": "arn:aws:s3:::other/*"},
        {**TLS_DENY, "Action": "s3:PutObject"},
    ],
    ids=["one-role", "bucket-arn-alone", "other-bucket", "one-action"],
)
def test_tls_deny_that_does_not_cover_everyone_and_every_object_is_not_tls_only(
    statement, engine, library
) -> None:
    assert _statuses(engine, library, "CV-EIT-001", _bucket(statement)) == {"rec": "fail"}


@pytest.mark.parametrize(
    "statement", [TLS_DENY, {**TLS_DENY, "Principal": {"AWS": "*"}, "Resource": f"{BUCKET_ARN}*"}]
)
def test_tls_deny_for_everyone_on_bucket_and_objects_is_tls_only(
    statement, engine, library
) -> None:
    assert _statuses(engine, library, "CV-EIT-001", _bucket(statement)) == {"rec": "pass"}


def _lifecycle(filter_: dict[str, Any], days: int = 7) -> PulumiResource:
    return _resource(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "rec-lifecycle",
        bucket="rec",
        rules=[
            {
                "id": "short",
                "status": "Enabled",
                "filter": filter_,
                "expiration": {"days": days},
                "noncurrentVersionExpiration": {"noncurrentDays": 1},
            }
        ],
    )


@pytest.mark.parametrize(
    "filter_",
    [
        {"tag": {"key": "classification", "value": "scratch"}},
        {"and": {"prefix": "", "tags": {"classification": "scratch"}}},
        {"objectSizeGreaterThan": 1048576},
    ],
    ids=["tag", "and-tags", "size"],
)
@pytest.mark.parametrize(
    ("rule_id", "purpose"),
    [
        ("CV-RET-001", "call-recording"),
        ("CV-RET-002", "call-recording"),
        ("CV-RET-005", "access-logs"),
    ],
)
def test_lifecycle_rule_filtered_on_objects_is_not_whole_bucket(
    filter_, rule_id, purpose, engine, library
) -> None:
    days = 365 if purpose == "access-logs" else 7  # within the log retention bounds
    statuses = _statuses(
        engine, library, rule_id, _bucket(purpose=purpose), _lifecycle(filter_, days)
    )
    assert statuses == {"rec": "fail"}


@pytest.mark.parametrize(
    ("rule_id", "purpose"),
    [
        ("CV-RET-001", "call-recording"),
        ("CV-RET-002", "call-recording"),
        ("CV-RET-005", "access-logs"),
    ],
)
def test_lifecycle_rule_on_whole_bucket_counts(rule_id, purpose, engine, library) -> None:
    statuses = _statuses(
        engine,
        library,
        rule_id,
        _bucket(purpose=purpose),
        _lifecycle({"prefix": ""}, 365 if purpose == "access-logs" else 7),
    )
    assert statuses == {"rec": "pass"}


@pytest.mark.parametrize("rule_id", ["CV-KEY-003", "CV-KEY-004"])
def test_key_without_policy_has_the_default_policy_granting_kms_all(
    rule_id, engine, library
) -> None:
    key = _resource("aws:kms/key:Key", "k", keyId="k", enableKeyRotation=True)
    expected = "fail" if rule_id == "CV-KEY-004" else "pass"
    assert _statuses(engine, library, rule_id, key) == {"k": expected}


def _trail(*selectors: dict[str, Any], advanced: bool = False) -> PulumiResource:
    key = "advancedEventSelectors" if advanced else "eventSelectors"
    return _resource(
        "aws:cloudtrail/trail:Trail",
        "trail",
        name="trail",
        isMultiRegionTrail=True,
        **{key: list(selectors)},
    )


def _selector(read_write: str, *values: str) -> dict[str, Any]:
    return {
        "readWriteType": read_write,
        "includeManagementEvents": True,
        "dataResources": [{"type": "AWS::S3::Object", "values": list(values)}],
    }


@pytest.mark.parametrize(
    "trail",
    [
        _trail(_selector("WriteOnly", "arn:aws:s3:::other/")),
        _trail(_selector("All", "arn:aws:s3:::other/")),
        _trail(_selector("WriteOnly", f"{BUCKET_ARN}/")),
        _trail(_selector("ReadOnly", f"{BUCKET_ARN}/")),
        _trail(
            {
                "fieldSelectors": [
                    {"field": "eventCategory", "equals": ["Data"]},
                    {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                    {"field": "readOnly", "equals": ["false"]},
                ]
            },
            advanced=True,
        ),
    ],
    ids=["write-only-other", "all-other", "write-only", "read-only", "advanced-write-only"],
)
def test_data_events_must_record_reads_and_writes_of_each_recording_bucket(
    trail, engine, library
) -> None:
    statuses = _statuses(engine, library, "CV-LOG-003", _bucket(), trail)
    assert statuses == {"trail": "fail"}


@pytest.mark.parametrize(
    "trail",
    [
        _trail(_selector("All", f"{BUCKET_ARN}/")),
        _trail(_selector("ReadOnly", f"{BUCKET_ARN}/"), _selector("WriteOnly", "arn:aws:s3")),
        _trail(
            {
                "fieldSelectors": [
                    {"field": "eventCategory", "equals": ["Data"]},
                    {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                    {"field": "resources.ARN", "startsWith": [f"{BUCKET_ARN}/"]},
                ]
            },
            advanced=True,
        ),
    ],
    ids=["all", "read-and-write", "advanced"],
)
def test_data_events_of_reads_and_writes_pass(trail, engine, library) -> None:
    assert _statuses(engine, library, "CV-LOG-003", _bucket(), trail) == {"trail": "pass"}


HARDENED_TURN = render_turnserver_conf(
    TurnServerSettings(
        realm="turn.example.eu",
        static_auth_secret="0123456789abcdef0123",
        relay_port_min=49152,
        relay_port_max=65535,
        allowed_peer_ips=("10.40.128.0-10.40.191.255",),
    )
)


def _turn_host(conf: str) -> list[PulumiResource]:
    """A TURN instance writing ``conf``, and a media-node group in 10.40.128.0/18."""
    user_data = "#cloud-config\n" + yaml.safe_dump(
        {"write_files": [{"path": "/etc/turnserver.conf", "content": conf}]}
    )
    media_data = "#cloud-config\n" + yaml.safe_dump(
        {"write_files": [{"path": "/etc/callvault/media-node.yaml", "content": "{}"}]}
    )
    return [
        _resource("aws:ec2/instance:Instance", "turn", userData=user_data),
        _resource("aws:ec2/launchTemplate:LaunchTemplate", "media-lt", userData=media_data),
        _resource("aws:ec2/subnet:Subnet", "subnet-media", cidrBlock="10.40.128.0/18"),
        _resource(
            "aws:autoscaling/group:Group",
            "media-asg",
            launchTemplate={"id": "media-lt"},
            vpcZoneIdentifiers=["subnet-media"],
        ),
    ]


TURN_ID = "turn:/etc/turnserver.conf"
TURN_RULES = ["CV-MIN-002", "CV-TURN-001", "CV-TURN-002", "CV-TURN-003", "CV-TURN-004"]


@pytest.mark.parametrize("rule_id", TURN_RULES)
def test_hardened_turn_config_passes(rule_id, engine, library) -> None:
    statuses = _statuses(engine, library, rule_id, *_turn_host(HARDENED_TURN))
    assert statuses == {TURN_ID: "pass"}


def _without(conf: str, *options: str) -> str:
    return "".join(
        line + "\n" for line in conf.splitlines() if line.partition("=")[0] not in options
    )


@pytest.mark.parametrize(
    ("rule_id", "conf"),
    [
        # no log-file: coturn writes /var/log/turn_<pid>_<date>.log despite no-stdout-log
        ("CV-MIN-002", _without(HARDENED_TURN, "log-file")),
        # log-file=/dev/null without simple-log: coturn writes /dev/null_<date>.log
        ("CV-MIN-002", _without(HARDENED_TURN, "simple-log")),
        ("CV-TURN-001", _without(HARDENED_TURN, "denied-peer-ip")),
        ("CV-TURN-002", HARDENED_TURN + "allowed-peer-ip=169.254.169.254\n"),
        ("CV-TURN-002", HARDENED_TURN + "allowed-peer-ip=10.0.0.0-10.255.255.255\n"),
        ("CV-TURN-003", HARDENED_TURN + "allow-loopback-peers\n"),
        ("CV-TURN-004", _without(HARDENED_TURN, "no-cli")),
    ],
    ids=[
        "no-log-file",
        "dev-null-without-simple-log",
        "no-denied-peer-ip",
        "allowed-imds",
        "allowed-private-net",
        "loopback-peers",
        "cli-on",
    ],
)
def test_turn_config_holes_fail(rule_id, conf, engine, library) -> None:
    assert _statuses(engine, library, rule_id, *_turn_host(conf)) == {TURN_ID: "fail"}


def test_allowed_peers_without_known_media_node_subnets_fail(engine, library) -> None:
    turn_only = _turn_host(HARDENED_TURN)[:1]
    assert _statuses(engine, library, "CV-TURN-002", *turn_only) == {TURN_ID: "fail"}
