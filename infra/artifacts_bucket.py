"""ArtifactsBucket: the private, EU bucket holding the media node's wheel, uploaded by `pulumi up`.

Hardened like every CallVault bucket (media_node.private_bucket): SSE-KMS with the platform key,
all public access blocked, owner-enforced, TLS 1.2+ only, puts must name the key, versioned,
access-logged. The node installs the object by its sha256, never a package by name from an index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra.policy_documents import recording_bucket_policy, to_json
from infra.private_bucket import AccessLogTarget, ExpiryRule, declare_private_bucket

__all__ = ["ArtifactsBucket", "ArtifactsBucketArgs", "sha256_of", "wheel_key"]

# Wheels replaced by a newer deploy stay restorable this long.
NONCURRENT_DAYS = 30


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def wheel_key(sha256: str, filename: str) -> str:
    """Content-addressed: a new wheel is a new key, so a launch template never changes under
    running instances."""
    return f"wheels/{sha256}/{filename}"


@dataclass(frozen=True)
class ArtifactsBucketArgs:
    region: str
    """EU region of the bucket (the nodes' region)."""
    kms_key_arn: pulumi.Input[str]
    """Platform key: SSE-KMS of the wheel."""
    wheel: Path
    """The wheel of this project to upload."""
    access_log_bucket: pulumi.Input[str]
    tags: Mapping[str, str]


class ArtifactsBucket(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: ArtifactsBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:ArtifactsBucket", name, None, opts)
        key_arn = pulumi.Output.from_input(args.kms_key_arn)
        self.resources = declare_private_bucket(
            name,
            region=args.region,
            tags=args.tags,
            kms_key_arn=args.kms_key_arn,
            policy=lambda arn: key_arn.apply(
                lambda key: to_json(recording_bucket_policy(arn, key))
            ),
            expiry_rules=[ExpiryRule("old-wheels", "wheels/", 3650, NONCURRENT_DAYS)],
            access_log=AccessLogTarget(args.access_log_bucket, f"s3-access/{name}/"),
            parent=self,
        )
        self.wheel_sha256 = sha256_of(args.wheel)
        self.wheel_filename = args.wheel.name
        self.wheel_key = wheel_key(self.wheel_sha256, args.wheel.name)
        self.wheel = aws.s3.BucketObjectv2(
            f"{name}-wheel",
            region=args.region,
            bucket=self.resources.bucket.id,
            key=self.wheel_key,
            source=pulumi.FileAsset(str(args.wheel)),
            server_side_encryption="aws:kms",
            kms_key_id=args.kms_key_arn,
            content_type="application/zip",
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.resources.policy]),
        )
        self.bucket_name = self.resources.bucket.id
        self.bucket_arn = self.resources.bucket.arn
        self.register_outputs(
            {"bucket": self.bucket_name, "wheel_key": self.wheel_key, "sha256": self.wheel_sha256}
        )
