"""EuKmsKey: a customer-managed KMS key that stays in one EU region."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.policy_documents import KeyGrant, kms_key_policy, to_json

__all__ = ["EuKmsKey", "EuKmsKeyArgs"]

MIN_DELETION_WINDOW_DAYS = 7


@dataclass(frozen=True)
class EuKmsKeyArgs:
    region: str
    """EU region the key lives in (single-region: it never leaves it)."""
    account_id: pulumi.Input[str]
    """Account that administers the key."""
    description: str
    """What the key protects."""
    grants: Callable[[str], Sequence[KeyGrant]]
    """Given the account id: who may use the key, and for what. Nobody else can, whatever their
    IAM policy says."""
    tags: Mapping[str, str]
    deletion_window_days: int = 30
    """Days between scheduling deletion and deletion (7-30): time to notice a mistake."""

    def __post_init__(self) -> None:
        if not MIN_DELETION_WINDOW_DAYS <= self.deletion_window_days <= 30:
            raise ValueError(
                f"'deletion_window_days' must be between 7 and 30 (got {self.deletion_window_days})"
            )


class EuKmsKey(pulumi.ComponentResource):
    """Symmetric CMK with rotation on, not multi-region, and a least-use key policy."""

    key: aws.kms.Key
    alias: aws.kms.Alias

    def __init__(
        self, name: str, args: EuKmsKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:EuKmsKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        policy = pulumi.Output.from_input(args.account_id).apply(
            lambda account_id: to_json(kms_key_policy(account_id, args.grants(account_id)))
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            region=args.region,
            description=args.description,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            multi_region=False,
            deletion_window_in_days=args.deletion_window_days,
            bypass_policy_lockout_safety_check=False,
            policy=policy,
            tags=dict(args.tags),
            opts=child,
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            region=args.region,
            name=f"alias/{name}",
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.key.arn, "alias": self.alias.name})
