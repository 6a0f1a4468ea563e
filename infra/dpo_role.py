"""The DPO/exporter role: answers data subject requests (Art. 15 export, Art. 17 erasure and
redaction) and runs the retention sweeper. Separate from the write-only media-node role.

It may read and list recordings (every version), decrypt envelopes only with the recording
encryption context, write back redacted recordings and the rights records under
``recordings/_*``, delete objects and their versions (bypassing governance-mode retention) and
set legal holds -- all under ``<bucket>/recordings/`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.policy_documents import ENVELOPE_CONTEXT_KEYS, ENVELOPE_PURPOSE, to_json

__all__ = ["DpoRole", "DpoRoleArgs", "dpo_role_name", "dpo_role_policy"]

DPO_S3_OBJECT_ACTIONS = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:BypassGovernanceRetention",
    "s3:GetObjectLegalHold",
    "s3:PutObjectLegalHold",
)


def dpo_role_name(name_prefix: str) -> str:
    return f"{name_prefix}-dpo"


def dpo_role_policy(
    bucket_arn: str, key_arn: str, recordings_prefix: str = "recordings/"
) -> dict[str, Any]:
    """Least privilege for answering requests and sweeping retention (see module docstring)."""
    context = {
        "StringEquals": {"kms:EncryptionContext:purpose": ENVELOPE_PURPOSE},
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(ENVELOPE_CONTEXT_KEYS)},
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RecordingsReadRedactDelete",
                "Effect": "Allow",
                "Action": list(DPO_S3_OBJECT_ACTIONS),
                "Resource": f"{bucket_arn}/{recordings_prefix}*",
            },
            {
                "Sid": "ListRecordingsAndVersions",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": [f"{recordings_prefix}*"]}},
            },
            {
                # Decrypt to read and export; GenerateDataKey to seal a redacted recording.
                "Sid": "EnvelopeKeysForRecordings",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key_arn,
                "Condition": context,
            },
        ],
    }


@dataclass(frozen=True)
class DpoRoleArgs:
    account_id: pulumi.Input[str]
    """Account whose principals (the DPO's SSO users) may assume the role."""
    recording_bucket_arn: pulumi.Input[str]
    recording_key_arn: pulumi.Input[str]
    name_prefix: str
    tags: Mapping[str, str]
    """Resource tags; ``workload: dpo`` is added so the auditor finds the role."""


class DpoRole(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: DpoRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:DpoRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=dpo_role_name(args.name_prefix),
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: to_json(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                                "Action": "sts:AssumeRole",
                                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                            }
                        ],
                    }
                )
            ),
            max_session_duration=3600,
            tags={**args.tags, "workload": "dpo"},
            opts=child,
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=pulumi.Output.all(args.recording_bucket_arn, args.recording_key_arn).apply(
                lambda values: to_json(dpo_role_policy(values[0], values[1]))
            ),
            opts=child,
        )
        self.register_outputs({"role_arn": self.role.arn})
