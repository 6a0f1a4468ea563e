"""AuditTrail: CloudTrail with log-file validation, KMS, and S3 data events for recordings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.policy_documents import to_json, trail_bucket_policy
from infra.private_bucket import AccessLogTarget, ExpiryRule, declare_private_bucket

__all__ = ["AuditTrail", "AuditTrailArgs"]


@dataclass(frozen=True)
class AuditTrailArgs:
    region: str
    """EU region of the trail's home and its bucket."""
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    """Key the log files are encrypted with."""
    recording_bucket_arn: pulumi.Input[str]
    """Every read and write of a recording object is logged as a data event."""
    access_log_bucket: pulumi.Input[str]
    retention_days: int
    """Days trail log files are kept."""
    tags: Mapping[str, str]


class AuditTrail(pulumi.ComponentResource):
    """A multi-region trail (activity in any region is seen) stored in one EU bucket."""

    def __init__(
        self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:AuditTrail", name, None, opts)
        account_id = pulumi.Output.from_input(args.account_id)
        trail_name = f"{name}-trail"
        trail_arn = account_id.apply(
            lambda account: f"arn:aws:cloudtrail:{args.region}:{account}:trail/{trail_name}"
        )
        self.storage = declare_private_bucket(
            f"{name}-logs",
            region=args.region,
            tags=args.tags,
            kms_key_arn=args.kms_key_arn,
            policy=lambda arn: pulumi.Output.all(trail_arn, account_id).apply(
                lambda values: to_json(trail_bucket_policy(arn, values[0], values[1]))
            ),
            expiry_rules=[ExpiryRule("expire-trail-logs", "", args.retention_days, 1)],
            access_log=AccessLogTarget(args.access_log_bucket, f"s3-access/{name}-logs/"),
            parent=self,
        )
        recording_objects = pulumi.Output.from_input(args.recording_bucket_arn).apply(
            lambda arn: f"{arn}/"
        )
        self.trail = aws.cloudtrail.Trail(
            trail_name,
            region=args.region,
            name=trail_name,
            s3_bucket_name=self.storage.bucket.id,
            kms_key_id=args.kms_key_arn,
            enable_log_file_validation=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_logging=True,
            event_selectors=[
                {
                    "read_write_type": "All",
                    "include_management_events": True,
                    "data_resources": [{"type": "AWS::S3::Object", "values": [recording_objects]}],
                }
            ],
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.storage.policy]),
        )
        self.register_outputs({"trail": self.trail.arn, "bucket": self.storage.bucket.id})
