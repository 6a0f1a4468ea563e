"""AccessLogBucket: where S3 server access logs of the other buckets go."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from infra.policy_documents import access_log_bucket_policy, to_json
from infra.private_bucket import ExpiryRule, declare_private_bucket

__all__ = ["AccessLogBucket", "AccessLogBucketArgs"]


@dataclass(frozen=True)
class AccessLogBucketArgs:
    region: str
    """EU region of the bucket."""
    account_id: pulumi.Input[str]
    """Only this account's buckets may deliver logs here."""
    retention_days: int
    """Days access logs are kept (Art. 5(1)(e): bounded)."""
    tags: Mapping[str, str]


class AccessLogBucket(pulumi.ComponentResource):
    """Private, versioned, SSE-S3 (the only encryption S3 log delivery supports), TLS-only,
    logs expire after ``retention_days``. It does not log itself (that would loop)."""

    def __init__(
        self, name: str, args: AccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:AccessLogBucket", name, None, opts)
        account_id = pulumi.Output.from_input(args.account_id)
        self.resources = declare_private_bucket(
            name,
            region=args.region,
            tags=args.tags,
            kms_key_arn=None,
            policy=lambda arn: account_id.apply(
                lambda account: to_json(access_log_bucket_policy(arn, account))
            ),
            expiry_rules=[ExpiryRule("expire-access-logs", "", args.retention_days, 1)],
            access_log=None,
            parent=self,
        )
        self.bucket_name = self.resources.bucket.id
        self.register_outputs({"bucket": self.resources.bucket.id})
