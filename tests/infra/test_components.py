"""Security properties of every component, asserted on the synthesized dev stack (Pulumi mocks).

Each assertion message names the URN, so a failure says which resource lost which property.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import yaml

from infra.config import StackConfig, eu_regions
from infra.synth import DeclaredResource

Resources = list[DeclaredResource]


def of_type(resources: Resources, type_: str, name_part: str = "") -> list[DeclaredResource]:
    return [r for r in resources if r.type == type_ and name_part in r.name]


def one(resources: Resources, type_: str, name_part: str = "") -> DeclaredResource:
    found = of_type(resources, type_, name_part)
    assert len(found) == 1, (
        f"expected one {type_} named *{name_part}*, got {[r.name for r in found]}"
    )
    return found[0]


def children(resources: Resources, parent: DeclaredResource) -> list[DeclaredResource]:
    return [r for r in resources if r.parent == parent.urn]


def policy(resource: DeclaredResource, field: str = "policy") -> dict[str, Any]:
    document = json.loads(resource.inputs[field])
    assert isinstance(document, dict)
    return document


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    for item in document["Statement"]:
        if item.get("Sid") == sid:
            return item  # type: ignore[no-any-return]
    raise AssertionError(f"no statement {sid!r} in {document}")


# --- the whole stack -----------------------------------------------------------------------------


def test_every_aws_resource_names_an_eu_region(dev_resources: Resources) -> None:
    global_types = {
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/instanceProfile:InstanceProfile",
    }
    for r in dev_resources:
        if r.custom and r.type not in global_types:
            assert r.region in eu_regions(), f"{r.urn} must set an EU region (got {r.region})"


def test_components_use_callvault_type_tokens_and_parent_their_children(
    dev_resources: Resources,
) -> None:
    components = [r for r in dev_resources if not r.custom]
    assert {r.type for r in components} == {
        "callvault:index:EuKmsKey",
        "callvault:index:RecordingBucket",
        "callvault:index:AccessLogBucket",
        "callvault:index:AuditTrail",
        "callvault:index:Network",
        "callvault:index:TurnServer",
        "callvault:index:MediaNode",
        "callvault:index:DpoRole",
        "callvault:index:ArtifactsBucket",
    }
    component_urns = {r.urn for r in components}
    for r in dev_resources:
        if r.custom:
            assert r.parent in component_urns, f"{r.urn} must be parented to a component"


def test_taggable_resources_carry_controller_purpose_and_classification(
    dev_resources: Resources,
) -> None:
    for r in dev_resources:
        if r.custom and "tags" in r.inputs:
            tags = r.inputs["tags"]
            if isinstance(tags, list):  # auto-scaling groups: [{key, value, propagateAtLaunch}]
                tags = {t["key"]: t["value"] for t in tags if t["propagateAtLaunch"]}
            for key in ("controller", "purpose", "data-classification"):
                assert tags.get(key), f"{r.urn} must carry the {key!r} tag"
    recordings = one(dev_resources, "aws:s3/bucket:Bucket", "recordings")
    assert recordings.inputs["tags"]["meeting-type"] == "all"
    assert recordings.inputs["tags"]["data-classification"] == "special-category"


# --- EuKmsKey ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["recordings", "platform"])
def test_kms_keys_rotate_stay_single_region_and_wait_before_deletion(
    dev_resources: Resources, name: str
) -> None:
    key = one(dev_resources, "aws:kms/key:Key", name)
    assert key.inputs["enableKeyRotation"] is True, f"{key.urn} must rotate"
    assert key.inputs["multiRegion"] is False, f"{key.urn} must not be multi-region"
    assert key.inputs["deletionWindowInDays"] >= 7, f"{key.urn} deletion window must be >= 7"
    assert key.inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"


def test_recording_key_is_usable_only_by_the_media_node_and_dpo_roles(
    dev_resources: Resources,
) -> None:
    key = one(dev_resources, "aws:kms/key:Key", "recordings")
    document = policy(key)
    admin = statement(document, "KeyAdministrationByAccount")
    assert not {"kms:Decrypt", "kms:GenerateDataKey", "kms:*", "kms:Encrypt"} & set(
        admin["Action"]
    ), f"{key.urn}: the account root must administer, not use, the key"
    users = [s for s in document["Statement"] if s["Sid"] != "KeyAdministrationByAccount"]
    assert [s["Principal"] for s in users] == [
        {"AWS": "arn:aws:iam::123456789012:role/callvault-dev-media-node"},
        {"AWS": "arn:aws:iam::123456789012:role/callvault-dev-dpo"},
    ]
    for s in document["Statement"]:
        assert s["Principal"] != "*" and s["Principal"] != {"AWS": "*"}, f"{key.urn} is public"


def test_platform_key_grants_each_service_only_its_own_context(dev_resources: Resources) -> None:
    key = one(dev_resources, "aws:kms/key:Key", "platform")
    document = policy(key)
    trail = statement(document, "CloudTrailEncryptsLogs")
    assert "kms:EncryptionContext:aws:cloudtrail:arn" in trail["Condition"]["StringLike"]
    logs = statement(document, "CloudWatchLogsEncryptsLogGroups")
    assert logs["Principal"] == {"Service": "logs.eu-central-1.amazonaws.com"}
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]


# --- buckets -------------------------------------------------------------------------------------


def bucket_parts(resources: Resources, name: str) -> dict[str, DeclaredResource]:
    bucket = one(resources, "aws:s3/bucket:Bucket", name)
    parts = {"bucket": bucket}
    for r in resources:
        if r.inputs.get("bucket") == bucket.inputs.get("bucket", bucket.name) and r is not bucket:
            parts[r.type.split(":")[-1]] = r
    return parts


@pytest.mark.parametrize("name", ["recordings", "access-logs", "audit-logs"])
def test_every_bucket_blocks_public_access_enforces_ownership_and_versions(
    dev_resources: Resources, name: str
) -> None:
    parts = bucket_parts(dev_resources, name)
    block = parts["BucketPublicAccessBlock"].inputs
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block[flag] is True, f"bucket {parts['bucket'].urn} must set {flag}"
    ownership = parts["BucketOwnershipControls"].inputs["rule"]["objectOwnership"]
    assert ownership == "BucketOwnerEnforced", f"{parts['bucket'].urn}: ACLs must be disabled"
    status = parts["BucketVersioning"].inputs["versioningConfiguration"]["status"]
    assert status == "Enabled", f"{parts['bucket'].urn} must be versioned"
    document = policy(parts["BucketPolicy"])
    deny = statement(document, "DenyInsecureTransport")
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement(document, "DenyTlsBelow12")["Condition"] == {
        "NumericLessThan": {"s3:TlsVersion": "1.2"}
    }
    for rule in parts["BucketLifecycleConfiguration"].inputs["rules"]:
        assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 1


def test_recording_bucket_is_sse_kms_with_the_recording_key_and_bucket_key(
    dev_resources: Resources,
) -> None:
    parts = bucket_parts(dev_resources, "recordings")
    key = one(dev_resources, "aws:kms/key:Key", "recordings")
    rule = parts["BucketServerSideEncryptionConfiguration"].inputs["rules"][0]
    default = rule["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == "aws:kms", f"{parts['bucket'].urn} must use SSE-KMS"
    assert default["kmsMasterKeyId"].startswith("arn:aws:kms:eu-central-1:")
    assert key.inputs["description"].startswith("CallVault call recordings")
    assert rule["bucketKeyEnabled"] is True


def test_recording_bucket_policy_refuses_unencrypted_or_wrongly_keyed_puts(
    dev_resources: Resources,
) -> None:
    parts = bucket_parts(dev_resources, "recordings")
    document = policy(parts["BucketPolicy"])
    unencrypted = statement(document, "DenyPutWithoutSseKms")
    assert unencrypted["Effect"] == "Deny" and unencrypted["Action"] == "s3:PutObject"
    assert unencrypted["Condition"]["StringNotEquals"] == {
        "s3:x-amz-server-side-encryption": "aws:kms"
    }
    wrong_key = statement(document, "DenyPutWithOtherKey")
    key_arn = wrong_key["Condition"]["StringNotEquals"][
        "s3:x-amz-server-side-encryption-aws-kms-key-id"
    ]
    sse = parts["BucketServerSideEncryptionConfiguration"].inputs["rules"][0]
    assert key_arn == sse["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]


def test_recording_lifecycle_never_exceeds_each_meeting_types_retention(
    dev_resources: Resources, dev_config: StackConfig
) -> None:
    parts = bucket_parts(dev_resources, "recordings")
    rules = {
        r["filter"]["prefix"]: r for r in parts["BucketLifecycleConfiguration"].inputs["rules"]
    }
    for meeting_type in dev_config.meeting_types:
        if not meeting_type.records:
            assert meeting_type.prefix not in rules
            continue
        rule = rules[meeting_type.prefix]
        assert rule["status"] == "Enabled"
        assert rule["expiration"]["days"] == meeting_type.retention_days
        noncurrent = rule["noncurrentVersionExpiration"]["noncurrentDays"]
        assert noncurrent <= meeting_type.retention_days
        assert noncurrent <= 7, "erased recordings must not linger as noncurrent versions"


def test_recording_and_trail_buckets_log_access_to_the_separate_log_bucket(
    dev_resources: Resources,
) -> None:
    log_bucket = one(dev_resources, "aws:s3/bucket:Bucket", "access-logs")
    for name in ("recordings", "audit-logs"):
        parts = bucket_parts(dev_resources, name)
        logging = parts["BucketLogging"].inputs
        assert logging["targetBucket"] == log_bucket.name
        assert logging["targetPrefix"].startswith("s3-access/")
    # The log bucket itself: SSE-S3 (the only encryption log delivery supports), bounded.
    log_parts = bucket_parts(dev_resources, "access-logs")
    sse = log_parts["BucketServerSideEncryptionConfiguration"].inputs["rules"][0]
    assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    expiry = log_parts["BucketLifecycleConfiguration"].inputs["rules"][0]["expiration"]["days"]
    assert expiry == 365
    writer = statement(policy(log_parts["BucketPolicy"]), "AllowS3ServerAccessLogs")
    assert writer["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


# --- AuditTrail ----------------------------------------------------------------------------------


def test_trail_validates_log_files_encrypts_and_logs_recording_data_events(
    dev_resources: Resources,
) -> None:
    trail = one(dev_resources, "aws:cloudtrail/trail:Trail")
    assert trail.inputs["enableLogFileValidation"] is True, f"{trail.urn} must validate log files"
    assert trail.inputs["kmsKeyId"].startswith("arn:aws:kms:eu-central-1:")
    assert trail.inputs["isMultiRegionTrail"] is True
    selector = trail.inputs["eventSelectors"][0]
    assert selector["readWriteType"] == "All"
    assert selector["dataResources"] == [
        {"type": "AWS::S3::Object", "values": ["arn:aws:s3:::callvault-dev-recordings/"]}
    ]
    trail_bucket = bucket_parts(dev_resources, "audit-logs")
    assert trail.inputs["s3BucketName"] == trail_bucket["bucket"].name
    sse = trail_bucket["BucketServerSideEncryptionConfiguration"].inputs["rules"][0]
    assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"


# --- Network -------------------------------------------------------------------------------------


def test_network_spans_two_azs_with_private_subnets(dev_resources: Resources) -> None:
    private = [
        s
        for s in of_type(dev_resources, "aws:ec2/subnet:Subnet")
        if s.inputs["tags"]["tier"] == "private"
    ]
    zones = {s.inputs["availabilityZone"] for s in private}
    assert len(zones) >= 2
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in private)


def test_flow_logs_go_to_a_kms_encrypted_bounded_log_group(dev_resources: Resources) -> None:
    flow_log = one(dev_resources, "aws:ec2/flowLog:FlowLog")
    group = one(dev_resources, "aws:cloudwatch/logGroup:LogGroup", "flow-logs")
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestination"].endswith(f"log-group:{group.inputs['name']}")
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:eu-central-1:")
    assert 1 <= group.inputs["retentionInDays"] <= 400


def test_default_security_group_has_no_rules(dev_resources: Resources) -> None:
    default = one(dev_resources, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not default.inputs.get("ingress") and not default.inputs.get("egress")


# --- TurnServer ----------------------------------------------------------------------------------


def test_turn_security_group_opens_only_turn_ports_and_no_ssh(
    dev_resources: Resources, dev_config: StackConfig
) -> None:
    sg = one(dev_resources, "aws:ec2/securityGroup:SecurityGroup", "turn")
    opened = {(r["protocol"], r["fromPort"], r["toPort"]) for r in sg.inputs["ingress"]}
    assert opened == {
        ("udp", 3478, 3478),
        ("tcp", 3478, 3478),
        ("tcp", 5349, 5349),
        ("udp", dev_config.turn.relay_port_min, dev_config.turn.relay_port_max),
    }, f"{sg.urn} opens more than the TURN ports"
    for rule in sg.inputs["ingress"]:
        assert not rule["fromPort"] <= 22 <= rule["toPort"] or rule["protocol"] == "udp"


@pytest.mark.parametrize("name", ["turn-0", "turn-1"])
def test_turn_instances_require_imdsv2_and_encrypted_ebs(
    dev_resources: Resources, name: str
) -> None:
    instance = one(dev_resources, "aws:ec2/instance:Instance", name)
    assert instance.inputs["metadataOptions"]["httpTokens"] == "required", instance.urn
    assert instance.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
    assert instance.inputs["rootBlockDevice"]["encrypted"] is True, instance.urn
    assert instance.inputs["rootBlockDevice"]["kmsKeyId"].startswith("arn:aws:kms:")


def test_turn_cloud_init_installs_hardened_coturn_without_the_secret(
    dev_resources: Resources,
) -> None:
    instance = one(dev_resources, "aws:ec2/instance:Instance", "turn-0")
    user_data = base64.b64decode(instance.inputs["userDataBase64"]).decode()
    assert user_data.startswith("#cloud-config\n")
    document = yaml.safe_load(user_data)
    assert "coturn" in document["packages"]
    conf = next(
        f["content"] for f in document["write_files"] if f["path"] == "/etc/turnserver.conf"
    )
    for line in (
        "use-auth-secret",
        "no-tlsv1",
        "no-tlsv1_1",
        "no-cli",
        "no-multicast-peers",
        "denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255",
        "denied-peer-ip=10.0.0.0-10.255.255.255",
        "allowed-peer-ip=10.40.128.0-10.40.191.255",
    ):
        assert line in conf.splitlines(), f"turnserver.conf must contain {line!r}"
    assert not {"verbose", "Verbose", "extra-verbose"} & set(conf.splitlines())
    assert "synth-placeholder" not in user_data, "the TURN secret must not be in user data"
    parameter = one(dev_resources, "aws:ssm/parameter:Parameter")
    assert parameter.inputs["type"] == "SecureString"


# --- MediaNode -----------------------------------------------------------------------------------


def test_media_node_role_may_only_write_recordings_and_use_the_key_with_context(
    dev_resources: Resources,
) -> None:
    role_policy = one(dev_resources, "aws:iam/rolePolicy:RolePolicy", "media-role-policy")
    document = policy(role_policy)
    write = statement(document, "WriteRecordings")
    assert write["Action"] == ["s3:PutObject", "s3:AbortMultipartUpload"]
    assert write["Resource"] == "arn:aws:s3:::callvault-dev-recordings/recordings/*"
    envelope = statement(document, "EnvelopeKeysForRecordings")
    assert set(envelope["Action"]) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert envelope["Condition"]["StringEquals"] == {
        "kms:EncryptionContext:purpose": "call-recording"
    }
    via_s3 = statement(document, "SseKmsThroughS3")
    assert via_s3["Condition"]["StringEquals"] == {
        "kms:ViaService": "s3.eu-central-1.amazonaws.com"
    }
    actions = [
        a
        for s in document["Statement"]
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]
    assert not [a for a in actions if a.endswith("*")], "no wildcard actions"


def test_media_launch_template_requires_imdsv2_and_encrypted_ebs(dev_resources: Resources) -> None:
    template = one(dev_resources, "aws:ec2/launchTemplate:LaunchTemplate")
    assert template.inputs["metadataOptions"]["httpTokens"] == "required", template.urn
    ebs = template.inputs["blockDeviceMappings"][0]["ebs"]
    assert ebs["encrypted"] == "true", f"{template.urn} must encrypt EBS"
    assert ebs["kmsKeyId"].startswith("arn:aws:kms:eu-central-1:")
    user_data = yaml.safe_load(base64.b64decode(template.inputs["userData"]).decode())
    files = {f["path"]: f["content"] for f in user_data["write_files"]}
    node_config = yaml.safe_load(files["/etc/callvault/media-node.yaml"])
    assert node_config["key_provider"]["type"] == "kms"


def test_media_asg_spans_the_private_subnets(
    dev_resources: Resources, dev_config: StackConfig
) -> None:
    group = one(dev_resources, "aws:autoscaling/group:Group")
    private = {s.name for s in of_type(dev_resources, "aws:ec2/subnet:Subnet", "private")}
    assert len(group.inputs["vpcZoneIdentifiers"]) == len(private) == 2
    assert group.inputs["minSize"] == dev_config.media_node.min_size


def test_media_security_group_takes_media_only_from_turn(dev_resources: Resources) -> None:
    sg = one(dev_resources, "aws:ec2/securityGroup:SecurityGroup", "media")
    turn_sg = one(dev_resources, "aws:ec2/securityGroup:SecurityGroup", "turn")
    for rule in sg.inputs["ingress"]:
        assert "0.0.0.0/0" not in rule.get("cidrBlocks", []), f"{sg.urn} is open to the world"
    udp = [r for r in sg.inputs["ingress"] if r["protocol"] == "udp"]
    assert udp and all(r["securityGroups"] == [turn_sg.urn and r["securityGroups"][0]] for r in udp)
    assert udp[0]["securityGroups"][0].startswith("sg-")
