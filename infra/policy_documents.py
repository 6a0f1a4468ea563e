"""IAM, KMS and bucket policy documents as pure functions of plain strings.

Components call these inside ``Output.all(...).apply(...)`` (building a document, never a
resource), and tests call them directly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ENVELOPE_CONTEXT_KEYS",
    "ENVELOPE_PURPOSE",
    "KeyGrant",
    "access_log_bucket_policy",
    "assume_role_policy",
    "kms_key_policy",
    "media_node_role_policy",
    "recording_bucket_policy",
    "to_json",
    "trail_bucket_policy",
    "turn_role_policy",
]

# The envelope encryption context the media node sends with GenerateDataKey/Decrypt.
# It names the recording and its meeting type, never a person.
ENVELOPE_PURPOSE = "call-recording"
ENVELOPE_CONTEXT_KEYS = ("purpose", "recording_id", "meeting_type")

Document = dict[str, Any]

_KEY_ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]


def to_json(document: Document) -> str:
    """Deterministic JSON (sorted keys) so previews do not show spurious diffs."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class KeyGrant:
    """One use of a KMS key granted in its key policy."""

    sid: str
    principal: dict[str, str]
    """``{"AWS": role_arn}`` or ``{"Service": "logs.eu-central-1.amazonaws.com"}``."""
    actions: tuple[str, ...]
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)


def kms_key_policy(account_id: str, grants: Sequence[KeyGrant]) -> Document:
    """Key policy: the account administers the key but only the listed grants may use it.

    The account root gets administrative actions only (no Encrypt/Decrypt/GenerateDataKey), so an
    IAM policy alone can never give a principal use of the key.
    """
    statements: list[Document] = [
        {
            "Sid": "KeyAdministrationByAccount",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": _KEY_ADMIN_ACTIONS,
            "Resource": "*",
        }
    ]
    for grant in grants:
        statement: Document = {
            "Sid": grant.sid,
            "Effect": "Allow",
            "Principal": grant.principal,
            "Action": list(grant.actions),
            "Resource": "*",
        }
        if grant.conditions:
            statement["Condition"] = grant.conditions
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def _deny_insecure_transport(bucket_arn: str) -> Document:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _deny_old_tls(bucket_arn: str) -> Document:
    return {
        "Sid": "DenyTlsBelow12",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
    }


def recording_bucket_policy(bucket_arn: str, key_arn: str) -> Document:
    """TLS 1.2+ only; every put must ask for SSE-KMS with exactly the recording key."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _deny_insecure_transport(bucket_arn),
            _deny_old_tls(bucket_arn),
            {
                "Sid": "DenyPutWithoutSseKms",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
            },
            {
                "Sid": "DenyPutWithOtherKey",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {
                    "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}
                },
            },
        ],
    }


def access_log_bucket_policy(bucket_arn: str, account_id: str) -> Document:
    """TLS only; S3 server access logging from this account may write under ``s3-access/``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _deny_insecure_transport(bucket_arn),
            _deny_old_tls(bucket_arn),
            {
                "Sid": "AllowS3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/s3-access/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ],
    }


def trail_bucket_policy(bucket_arn: str, trail_arn: str, account_id: str) -> Document:
    """TLS only; CloudTrail may write this trail's log files, nothing else."""
    source = {"StringEquals": {"aws:SourceArn": trail_arn}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            _deny_insecure_transport(bucket_arn),
            _deny_old_tls(bucket_arn),
            {
                "Sid": "AllowCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": source,
            },
            {
                "Sid": "AllowCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/AWSLogs/{account_id}/*",
                "Condition": {
                    "StringEquals": {
                        "aws:SourceArn": trail_arn,
                        "s3:x-amz-acl": "bucket-owner-full-control",
                    }
                },
            },
        ],
    }


def assume_role_policy(service: str, account_id: str) -> Document:
    """Trust policy for an AWS service, limited to this account (confused-deputy guard)."""
    statement: Document = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if service != "ec2.amazonaws.com":
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def media_node_role_policy(
    bucket_arn: str, key_arn: str, region: str, recordings_prefix: str = "recordings/"
) -> Document:
    """Least privilege for a media node: write recordings, and use the key for envelopes only
    with the recording encryption context (or through S3 for this bucket's SSE-KMS)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteRecordings",
                "Effect": "Allow",
                # AbortMultipartUpload: a failed upload must be aborted, not left orphaned.
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": f"{bucket_arn}/{recordings_prefix}*",
            },
            {
                "Sid": "EnvelopeKeysForRecordings",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {"kms:EncryptionContext:purpose": ENVELOPE_PURPOSE},
                    "ForAllValues:StringEquals": {
                        "kms:EncryptionContextKeys": list(ENVELOPE_CONTEXT_KEYS)
                    },
                },
            },
            {
                "Sid": "SseKmsThroughS3",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{bucket_arn}*"},
                },
            },
        ],
    }


def turn_role_policy(parameter_arn: str, key_arn: str, region: str) -> Document:
    """A TURN server may read its shared secret, and decrypt it only through SSM."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTurnSecret",
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": parameter_arn,
            },
            {
                "Sid": "DecryptTurnSecretThroughSsm",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}},
            },
        ],
    }
