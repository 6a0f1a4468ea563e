"""The pure half of the live scan: :class:`Snapshot` -> :class:`Facts` (docs/facts.md).

A listing AWS refused becomes one placeholder fact of that kind and region whose properties
are all unknown, with the refusal as reason: every rule on that kind errors there, naming the
missing permission, instead of judging an empty region.
"""

from __future__ import annotations

from ...facts import AuditContext, Fact, Facts
from . import cloudtrail, detective, ec2, iam, kms, logs, s3, ssm
from .snapshot import Snapshot, Unlisted

__all__ = ["facts_from_live"]

# What a rule of each kind may read: all unknown on an unlisted placeholder.
_PROPERTIES = {
    "bucket": (
        "tags",
        "purpose",
        "meeting_type_tag",
        "encryption",
        "public_access_block",
        "acl_public",
        "policy",
        "versioning",
        "logging",
        "lifecycle",
        "object_lock",
        "replication",
    ),
    "kms_key": (
        "tags",
        "purpose",
        "rotation_enabled",
        "multi_region",
        "deletion_window_days",
        "key_usage",
        "policy_readable",
        "policy_public",
        "policy_grants_all_actions",
    ),
    "trail": (
        "tags",
        "purpose",
        "logging_enabled",
        "log_file_validation",
        "multi_region",
        "kms_key_id",
        "s3_bucket",
        "s3_data_events",
        "s3_data_selectors",
        "recording_buckets",
    ),
    "security_group": ("tags", "purpose", "name", "ingress"),
    "instance": (
        "tags",
        "purpose",
        "name",
        "imdsv2_required",
        "ebs_encrypted",
        "public_ip",
        "media_node",
        "instance_profile",
    ),
    "launch_template": (
        "tags",
        "purpose",
        "name",
        "imdsv2_required",
        "ebs_encrypted",
        "media_node",
        "instance_profile",
    ),
    "iam_role": (
        "tags",
        "purpose",
        "workload",
        "workload_hint",
        "instance_profiles",
        "statements",
        "managed_policy_arns",
        "trust_public",
        "policies_readable",
    ),
    "log_group": ("tags", "purpose", "retention_days", "kms_key_id"),
    "ssm_parameter": ("tags", "purpose", "name", "type", "kms_key_id"),
    "vpc": ("tags", "purpose", "name", "flow_logs"),
}


def _placeholder(unlisted: Unlisted, account: str) -> Fact:
    names = _PROPERTIES.get(unlisted.kind, ())
    where = unlisted.region or "global"
    return Fact(
        unlisted.kind,
        f"unlisted:{where}",
        unlisted.region,
        f"arn:aws:iam::{account}:root#{unlisted.kind}/{where}",
        {
            **dict.fromkeys(names),
            "unknown": sorted(names),
            "unknown_reasons": dict.fromkeys(sorted(names), unlisted.why.reason),
            "aws_defaults": [],
            "unlisted": True,
        },
    )


def facts_from_live(snapshot: Snapshot, context: AuditContext) -> Facts:
    """Every resource read as a fact of the shared model; every refusal as an unknown."""
    records = snapshot.records
    facts = s3.facts(records)
    if any("purpose" in f.properties["unknown"] for f in facts) or any(
        u.kind == "bucket" for u in snapshot.unlisted
    ):
        recording_buckets: list[str] | None = None
    else:
        recording_buckets = [f.id for f in facts if f.properties.get("purpose") == "call-recording"]
    facts += kms.facts(records)
    facts += cloudtrail.facts(records, recording_buckets)
    facts += ec2.facts(records)
    facts += iam.facts(records)
    facts += logs.facts(records)
    facts += ssm.facts(records)
    facts += detective.facts(records)
    facts += [_placeholder(u, snapshot.account_id) for u in snapshot.unlisted]
    regions = ", ".join(snapshot.regions)
    return Facts(
        source_description=(
            f"live AWS account {snapshot.account_id} ({len(snapshot.regions)} regions: {regions})"
        ),
        context=context,
        facts=tuple(facts),
    )
