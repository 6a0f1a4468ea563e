"""The live scan's read-only access as part of the stack (opt-in: ``callvault:auditReader``).

The policy document is ``audit/data/live-readonly-policy.json``, the same file the README
ships and the live tests hold the collectors to, so the two cannot drift apart. It becomes a
customer-managed policy (``<prefix>-audit-read-only``) to attach to a principal of your own,
e.g. an SSO permission set; with ``trustedPrincipals`` also a role (``<prefix>-audit-reader``)
that those principals may assume, with that policy attached (the auditor reads the documents
of the account's own attached policies as the role's statements, CV-IAM-002).

Named List/Describe/Get actions only, no wildcard actions. ``Resource`` is ``*`` because
``ListBuckets``, ``DescribeRegions``, ``ListKeys``, ``DescribeParameters`` ... take no
resource ARN; nothing in it reads data (no ``s3:GetObject``, ``ssm:GetParameter*``,
``kms:Decrypt``, ``logs:GetLogEvents``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.policy_documents import to_json

__all__ = [
    "READ_ONLY_POLICY_FILE",
    "AuditReader",
    "AuditReaderArgs",
    "audit_reader_role_name",
    "read_only_policy",
    "reader_trust_policy",
]

READ_ONLY_POLICY_FILE = (
    Path(__file__).resolve().parents[1] / "audit" / "data" / "live-readonly-policy.json"
)


def read_only_policy() -> dict[str, Any]:
    document = json.loads(READ_ONLY_POLICY_FILE.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{READ_ONLY_POLICY_FILE}: not an IAM policy document")
    return document


def audit_reader_role_name(name_prefix: str) -> str:
    return f"{name_prefix}-audit-reader"


def reader_trust_policy(principals: Sequence[str], external_id: str | None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": list(principals)},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


@dataclass(frozen=True)
class AuditReaderArgs:
    name_prefix: str
    tags: Mapping[str, str]
    trusted_principals: tuple[str, ...] = ()
    """None: only the managed policy is created."""
    external_id: str | None = None


class AuditReader(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: AuditReaderArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:AuditReader", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        document = to_json(read_only_policy())
        tags = {**args.tags, "workload": "audit-reader"}
        self.policy = aws.iam.Policy(
            f"{name}-policy",
            name=f"{args.name_prefix}-audit-read-only",
            description="gdpr-audit live: read-only, reads no data",
            policy=document,
            tags=tags,
            opts=child,
        )
        self.role: aws.iam.Role | None = None
        if args.trusted_principals:
            self.role = aws.iam.Role(
                f"{name}-role",
                name=audit_reader_role_name(args.name_prefix),
                assume_role_policy=to_json(
                    reader_trust_policy(args.trusted_principals, args.external_id)
                ),
                max_session_duration=3600,
                tags=tags,
                opts=child,
            )
            aws.iam.RolePolicyAttachment(
                f"{name}-attachment", role=self.role.name, policy_arn=self.policy.arn, opts=child
            )
        self.register_outputs(
            {"policy_arn": self.policy.arn, "role_arn": self.role.arn if self.role else None}
        )
