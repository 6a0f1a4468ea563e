"""The hardening every CallVault bucket shares, declared as pulumi-aws 7 sibling resources.

Used by RecordingBucket, AccessLogBucket and AuditTrail: one place decides what "a private,
encrypted, versioned, TLS-only bucket" means.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

__all__ = ["AccessLogTarget", "ExpiryRule", "PrivateBucket", "declare_private_bucket"]


@dataclass(frozen=True)
class ExpiryRule:
    """Lifecycle expiry for the objects under one prefix."""

    rule_id: str
    prefix: str
    """Key prefix; '' for the whole bucket."""
    days: int
    """Current versions expire after this many days."""
    noncurrent_days: int
    """Noncurrent versions (overwritten or erased objects) are purged after this many days."""


@dataclass(frozen=True)
class AccessLogTarget:
    bucket: pulumi.Input[str]
    prefix: str


@dataclass(frozen=True)
class PrivateBucket:
    bucket: aws.s3.Bucket
    encryption: aws.s3.BucketServerSideEncryptionConfiguration
    public_access_block: aws.s3.BucketPublicAccessBlock
    ownership: aws.s3.BucketOwnershipControls
    versioning: aws.s3.BucketVersioning
    lifecycle: aws.s3.BucketLifecycleConfiguration
    policy: aws.s3.BucketPolicy
    logging: aws.s3.BucketLogging | None


def declare_private_bucket(
    name: str,
    *,
    region: str,
    tags: Mapping[str, str],
    kms_key_arn: pulumi.Input[str] | None,
    policy: Callable[[str], pulumi.Input[str]],
    expiry_rules: Sequence[ExpiryRule],
    access_log: AccessLogTarget | None,
    parent: pulumi.Resource,
) -> PrivateBucket:
    """Declare a bucket with SSE (KMS when ``kms_key_arn`` is given, else SSE-S3), all four
    public-access-block flags, BucketOwnerEnforced, versioning, lifecycle expiry, a policy built
    from the bucket ARN, and server access logging when ``access_log`` is given."""
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(name, region=region, force_destroy=False, tags=dict(tags), opts=child)
    if kms_key_arn is not None:
        sse: aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgsDict = {  # noqa: E501
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": kms_key_arn,
        }
    else:
        # S3 server access logging can only deliver to SSE-S3 buckets.
        sse = {"sse_algorithm": "AES256"}
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-sse",
        region=region,
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": sse,
                "bucket_key_enabled": kms_key_arn is not None,
            }
        ],
        opts=child,
    )
    public_access_block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        region=region,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    ownership = aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        region=region,
        bucket=bucket.id,
        rule={"object_ownership": "BucketOwnerEnforced"},
        opts=child,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning",
        region=region,
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
        opts=child,
    )
    lifecycle = aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle",
        region=region,
        bucket=bucket.id,
        rules=[
            {
                "id": rule.rule_id,
                "status": "Enabled",
                "filter": {"prefix": rule.prefix},
                "expiration": {"days": rule.days},
                "noncurrent_version_expiration": {"noncurrent_days": rule.noncurrent_days},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
            }
            for rule in expiry_rules
        ],
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[versioning]),
    )
    bucket_policy = aws.s3.BucketPolicy(
        f"{name}-policy",
        region=region,
        bucket=bucket.id,
        policy=bucket.arn.apply(policy),
        # The public-access block must exist first so the policy is never briefly public.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[public_access_block]),
    )
    logging = None
    if access_log is not None:
        logging = aws.s3.BucketLogging(
            f"{name}-logging",
            region=region,
            bucket=bucket.id,
            target_bucket=access_log.bucket,
            target_prefix=access_log.prefix,
            opts=child,
        )
    return PrivateBucket(
        bucket,
        encryption,
        public_access_block,
        ownership,
        versioning,
        lifecycle,
        bucket_policy,
        logging,
    )
