"""The CallVault stack: wires the components together from a validated StackConfig."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import yaml

from infra.access_log_bucket import AccessLogBucket, AccessLogBucketArgs
from infra.artifacts_bucket import ArtifactsBucket, ArtifactsBucketArgs
from infra.audit_reader import AuditReader, AuditReaderArgs
from infra.audit_trail import AuditTrail, AuditTrailArgs
from infra.config import StackConfig, to_stack_document
from infra.dpo_role import DpoRole, DpoRoleArgs, dpo_role_name
from infra.eu_kms_key import EuKmsKey, EuKmsKeyArgs
from infra.media_node import MediaNode, MediaNodeArgs, media_node_role_name
from infra.network import Network, NetworkArgs
from infra.node_wheel import node_wheel
from infra.policy_documents import KeyGrant
from infra.recording_bucket import RecordingBucket, RecordingBucketArgs
from infra.tags import resource_tags
from infra.turn_server import TurnServer, TurnServerArgs

__all__ = ["declare_stack", "platform_key_grants", "recording_key_grants"]


def recording_key_grants(account_id: str, name_prefix: str) -> list[KeyGrant]:
    """Only the media-node and DPO roles may use the recording key (their IAM policies narrow
    further: the DPO's to the recording encryption context)."""
    role = f"arn:aws:iam::{account_id}:role/{media_node_role_name(name_prefix)}"
    return [
        KeyGrant(
            sid="MediaNodeEnvelopeAndSseKms",
            principal={"AWS": role},
            actions=("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"),
        ),
        KeyGrant(
            sid="DpoReadsAndRedactsRecordings",
            principal={"AWS": f"arn:aws:iam::{account_id}:role/{dpo_role_name(name_prefix)}"},
            actions=("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"),
        ),
    ]


def platform_key_grants(account_id: str, region: str) -> list[KeyGrant]:
    """CloudTrail, CloudWatch Logs (this region) and EC2 Auto Scaling, each for its own use."""
    return [
        KeyGrant(
            sid="CloudTrailEncryptsLogs",
            principal={"Service": "cloudtrail.amazonaws.com"},
            actions=("kms:GenerateDataKey*", "kms:DescribeKey"),
            conditions={
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": (
                        f"arn:aws:cloudtrail:*:{account_id}:trail/*"
                    ),
                }
            },
        ),
        KeyGrant(
            sid="CloudWatchLogsEncryptsLogGroups",
            principal={"Service": f"logs.{region}.amazonaws.com"},
            actions=(
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ),
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:aws:logs:{region}:{account_id}:log-group:*"
                    ),
                }
            },
        ),
        KeyGrant(
            sid="AutoScalingEncryptsVolumes",
            principal={
                "AWS": f"arn:aws:iam::{account_id}:role/aws-service-role/"
                "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
            },
            actions=(
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
                "kms:CreateGrant",
            ),
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
    ]


def declare_stack(config: StackConfig, turn_shared_secret: pulumi.Input[str]) -> None:
    """Declare every resource of the stack and export what operators need."""
    region = config.region
    prefix = config.name_prefix
    account_id = aws.get_caller_identity_output().account_id

    def tags(purpose: str, classification: str, meeting_type: str | None = None) -> dict[str, str]:
        return resource_tags(
            config, purpose=purpose, data_classification=classification, meeting_type=meeting_type
        )

    recordings_key = EuKmsKey(
        f"{prefix}-recordings",
        EuKmsKeyArgs(
            region=region,
            account_id=account_id,
            description="CallVault call recordings (envelope encryption and SSE-KMS)",
            grants=lambda account: recording_key_grants(account, prefix),
            tags=tags("call-recording", "special-category", "all"),
        ),
    )
    platform_key = EuKmsKey(
        f"{prefix}-platform",
        EuKmsKeyArgs(
            region=region,
            account_id=account_id,
            description="CallVault audit trail, logs, secrets and volumes",
            grants=lambda account: platform_key_grants(account, region),
            tags=tags("platform", "confidential"),
        ),
    )
    access_logs = AccessLogBucket(
        f"{prefix}-access-logs",
        AccessLogBucketArgs(
            region=region,
            account_id=account_id,
            retention_days=config.log_retention_days,
            tags=tags("access-logs", "confidential"),
        ),
    )
    recordings = RecordingBucket(
        f"{prefix}-recordings",
        RecordingBucketArgs(
            region=region,
            kms_key_arn=recordings_key.arn,
            meeting_types=config.meeting_types,
            access_log_bucket=access_logs.bucket_name,
            tags=tags("call-recording", "special-category", "all"),
        ),
    )
    trail = AuditTrail(
        f"{prefix}-audit",
        AuditTrailArgs(
            region=region,
            account_id=account_id,
            kms_key_arn=platform_key.arn,
            recording_bucket_arn=recordings.bucket_arn,
            access_log_bucket=access_logs.bucket_name,
            retention_days=config.log_retention_days,
            tags=tags("audit-trail", "confidential"),
        ),
    )
    network = Network(
        f"{prefix}-net",
        NetworkArgs(
            region=region,
            cidr=config.network.cidr,
            account_id=account_id,
            kms_key_arn=platform_key.arn,
            flow_log_retention_days=config.network.flow_log_retention_days,
            tags=tags("network", "internal"),
        ),
    )
    turn = TurnServer(
        f"{prefix}-turn",
        TurnServerArgs(
            region=region,
            account_id=account_id,
            vpc_id=network.vpc.id,
            subnet_ids=[s.id for s in network.public_subnets],
            media_node_cidrs=network.private_cidrs,
            sizing=config.turn,
            shared_secret=turn_shared_secret,
            kms_key_arn=platform_key.arn,
            name_prefix=prefix,
            tags=tags("media-relay", "confidential", "all"),
        ),
    )
    artifacts = ArtifactsBucket(
        f"{prefix}-artifacts",
        ArtifactsBucketArgs(
            region=region,
            kms_key_arn=platform_key.arn,
            wheel=node_wheel(),
            access_log_bucket=access_logs.bucket_name,
            tags=tags("software-artifacts", "internal"),
        ),
    )
    media = MediaNode(
        f"{prefix}-media",
        MediaNodeArgs(
            region=region,
            account_id=account_id,
            vpc_id=network.vpc.id,
            vpc_cidr=config.network.cidr,
            subnet_ids=[s.id for s in network.private_subnets],
            turn_security_group_id=turn.security_group.id,
            sizing=config.media_node,
            recording_bucket=recordings.bucket_name,
            recording_bucket_arn=recordings.bucket_arn,
            recording_key_arn=recordings_key.arn,
            ebs_key_arn=platform_key.arn,
            artifacts_bucket=artifacts.bucket_name,
            artifacts_bucket_arn=artifacts.bucket_arn,
            wheel_key=artifacts.wheel_key,
            wheel_sha256=artifacts.wheel_sha256,
            wheel_filename=artifacts.wheel_filename,
            turn_realm=config.turn.realm,
            name_prefix=prefix,
            stack_config=yaml.safe_dump(to_stack_document(config), sort_keys=False),
            tags=tags("call-recording", "special-category", "all"),
        ),
    )

    dpo = DpoRole(
        f"{prefix}-dpo",
        DpoRoleArgs(
            account_id=account_id,
            recording_bucket_arn=recordings.bucket_arn,
            recording_key_arn=recordings_key.arn,
            name_prefix=prefix,
            tags=tags("call-recording", "special-category", "all"),
        ),
    )

    if config.audit_reader is not None:
        reader = AuditReader(
            f"{prefix}-audit-reader",
            AuditReaderArgs(
                name_prefix=prefix,
                tags=tags("compliance-audit", "internal"),
                trusted_principals=config.audit_reader.trusted_principals,
                external_id=config.audit_reader.external_id,
            ),
        )
        pulumi.export("audit_read_only_policy_arn", reader.policy.arn)
        if reader.role is not None:
            pulumi.export("audit_reader_role_arn", reader.role.arn)

    pulumi.export("region", region)
    pulumi.export("recording_bucket", recordings.bucket_name)
    pulumi.export("recording_key_arn", recordings_key.arn)
    pulumi.export("audit_trail_arn", trail.trail.arn)
    pulumi.export("turn_public_ips", [i.public_ip for i in turn.instances])
    pulumi.export("media_node_role_arn", media.role.arn)
    pulumi.export("dpo_role_arn", dpo.role.arn)
    pulumi.export("artifacts_bucket", artifacts.bucket_name)
    pulumi.export("media_node_wheel_sha256", artifacts.wheel_sha256)
