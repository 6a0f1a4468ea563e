"""RecordingBucket: the EU bucket that holds encrypted call recordings and their manifests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from infra.config import MeetingType
from infra.policy_documents import recording_bucket_policy, to_json
from infra.private_bucket import AccessLogTarget, ExpiryRule, declare_private_bucket

__all__ = ["RecordingBucket", "RecordingBucketArgs", "retention_rules"]

# Erased or overwritten recordings survive as noncurrent versions at most this long.
MAX_NONCURRENT_DAYS = 7


@dataclass(frozen=True)
class RecordingBucketArgs:
    region: str
    """EU region of the bucket."""
    kms_key_arn: pulumi.Input[str]
    """Customer-managed key every object must be encrypted with (SSE-KMS, bucket key)."""
    meeting_types: Sequence[MeetingType]
    """Each recorded meeting type gets its prefix and a lifecycle expiry of its retention."""
    access_log_bucket: pulumi.Input[str]
    """Bucket receiving this bucket's server access logs."""
    tags: Mapping[str, str]


def retention_rules(meeting_types: Sequence[MeetingType]) -> list[ExpiryRule]:
    """One expiry rule per recorded meeting type; never longer than its retention."""
    return [
        ExpiryRule(
            rule_id=f"retention-{m.name}",
            prefix=m.prefix,
            days=m.retention_days,
            noncurrent_days=min(MAX_NONCURRENT_DAYS, m.retention_days),
        )
        for m in meeting_types
        if m.records
    ]


class RecordingBucket(pulumi.ComponentResource):
    """SSE-KMS with the CMK, no public access, owner-enforced, TLS-only, puts must name the
    key, versioned, per-meeting-type retention, access-logged."""

    def __init__(
        self, name: str, args: RecordingBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:RecordingBucket", name, None, opts)
        key_arn = pulumi.Output.from_input(args.kms_key_arn)
        rules = retention_rules(args.meeting_types)
        if not rules:
            raise ValueError("RecordingBucket needs at least one meeting type that records")
        self.resources = declare_private_bucket(
            name,
            region=args.region,
            tags=args.tags,
            kms_key_arn=args.kms_key_arn,
            policy=lambda arn: key_arn.apply(
                lambda key: to_json(recording_bucket_policy(arn, key))
            ),
            expiry_rules=rules,
            access_log=AccessLogTarget(args.access_log_bucket, f"s3-access/{name}/"),
            parent=self,
        )
        self.bucket_name = self.resources.bucket.id
        self.bucket_arn = self.resources.bucket.arn
        self.register_outputs({"bucket": self.bucket_name, "arn": self.bucket_arn})
