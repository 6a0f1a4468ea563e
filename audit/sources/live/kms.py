"""KMS: customer-managed keys of one region with rotation, policy, aliases and tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...facts import Fact
from ...policy_analysis import allows_public_access, normalize_statements, parse_policy
from .client import Api, Unavailable
from .props import LiveProps, tags_of
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect", "facts"]


def _aws_managed(metadata: Mapping[str, Any], aliases: Any) -> bool:
    """``alias/aws/*`` names are reserved for AWS-managed keys (moto reports its default EBS
    key as customer-managed, AWS does not)."""
    if metadata.get("KeyManager") == "AWS":
        return True
    return isinstance(aliases, list) and any(a.startswith("alias/aws/") for a in aliases)


def collect(api: Api, region: str) -> tuple[list[LiveRecord], list[Unlisted]]:
    keys = api.pages("kms", region, "list_keys", "Keys")
    if isinstance(keys, Unavailable):
        return [], [Unlisted("kms_key", region, keys)]
    aliases = api.pages("kms", region, "list_aliases", "Aliases")
    records = []
    for key in keys:
        key_id = str(key["KeyId"])
        described = api.call("kms", region, "describe_key", KeyId=key_id)
        metadata = described.get("KeyMetadata", {}) if isinstance(described, Mapping) else {}
        data: dict[str, Any] = {"describe_key": described}
        data["aliases"] = (
            aliases
            if isinstance(aliases, Unavailable)
            else sorted(str(a["AliasName"]) for a in aliases if a.get("TargetKeyId") == key_id)
        )
        if _aws_managed(metadata, data["aliases"]):
            continue  # rotated by AWS, not configurable
        data["get_key_rotation_status"] = api.call(
            "kms", region, "get_key_rotation_status", KeyId=key_id
        )
        data["get_key_policy"] = api.call(
            "kms", region, "get_key_policy", KeyId=key_id, PolicyName="default"
        )
        data["list_resource_tags"] = api.call("kms", region, "list_resource_tags", KeyId=key_id)
        arn = str(key.get("KeyArn") or metadata.get("Arn") or key_id)
        records.append(LiveRecord("kms_key", key_id, region, arn, data))
    return records, []


def _policy(props: LiveProps, response: Any) -> None:
    names = ("policy_readable", "policy_public", "policy_grants_all_actions")
    if isinstance(response, Unavailable):
        for name in names:
            props.unknown_because(name, response)
        return
    if not isinstance(response, Mapping):
        response = {}  # no policy document: AWS's default key policy applies
    try:
        policy, readable = parse_policy(response.get("Policy")), True
    except ValueError:
        policy, readable = None, False
    statements = normalize_statements(policy)
    props.set("policy_readable", readable)
    props.set("policy_public", allows_public_access(policy))
    props.set(
        "policy_grants_all_actions",
        any(
            s["effect"] == "Allow" and ("kms:*" in s["actions"] or "*" in s["actions"])
            for s in statements
        ),
    )


def _key_fact(record: LiveRecord) -> Fact:
    data = record.data
    props = LiveProps()
    tags_of(props, data.get("list_resource_tags"), key="Tags")
    described = data.get("describe_key")
    if isinstance(described, Unavailable):
        for name in ("multi_region", "key_usage", "deletion_window_days"):
            props.unknown_because(name, described)
    else:
        metadata = described.get("KeyMetadata", {}) if isinstance(described, Mapping) else {}
        props.set("multi_region", bool(metadata.get("MultiRegion")))
        props.set("key_usage", str(metadata.get("KeyUsage") or "ENCRYPT_DECRYPT"))
        window = metadata.get("PendingDeletionWindowInDays")
        # Only a key pending deletion shows its window; otherwise ScheduleKeyDeletion's default.
        props.set("deletion_window_days", int(window) if window else 30, default=not window)
        props.set("key_state", metadata.get("KeyState"))
    props.read(
        "rotation_enabled",
        data.get("get_key_rotation_status"),
        lambda r: bool(r.get("KeyRotationEnabled")),
        False,
    )
    _policy(props, data.get("get_key_policy"))
    aliases = data.get("aliases")
    if isinstance(aliases, Unavailable):
        props.unknown_because("aliases", aliases)
    else:
        props.set("aliases", list(aliases or []))
    return Fact("kms_key", record.id, record.region, record.arn, props.to_dict())


def facts(records: Sequence[LiveRecord]) -> list[Fact]:
    return [_key_fact(r) for r in records if r.kind == "kms_key"]
