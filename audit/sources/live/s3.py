"""S3: every bucket of the account, wherever it lives (ListBuckets is global; each bucket's
configuration is read in its own region)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ...facts import Fact
from ...policy_analysis import (
    allows_public_access,
    denies_insecure_transport,
    denies_unencrypted_puts,
    parse_policy,
)
from .client import Api, Unavailable
from .props import LiveProps, tags_of
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect", "facts"]

HOME_REGION = "us-east-1"
_DETAILS = (
    "get_bucket_encryption",
    "get_public_access_block",
    "get_bucket_acl",
    "get_bucket_policy",
    "get_bucket_versioning",
    "get_bucket_lifecycle_configuration",
    "get_bucket_logging",
    "get_object_lock_configuration",
    "get_bucket_replication",
    "get_bucket_tagging",
)
_PUBLIC_GRANTEES = ("/global/AllUsers", "/global/AuthenticatedUsers")


def _bucket_region(location: Any) -> str | Unavailable:
    if isinstance(location, Unavailable):
        return location
    constraint = location.get("LocationConstraint") if isinstance(location, Mapping) else None
    # No constraint is us-east-1; "EU" is the legacy name of eu-west-1.
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def _bucket(api: Api, name: str, account_pab: Any) -> LiveRecord:
    region = _bucket_region(api.call("s3", HOME_REGION, "get_bucket_location", Bucket=name))
    client_region = region if isinstance(region, str) else HOME_REGION
    data: dict[str, Any] = {op: api.call("s3", client_region, op, Bucket=name) for op in _DETAILS}
    data["account_public_access_block"] = account_pab
    if isinstance(region, Unavailable):
        data["location"] = region
    return LiveRecord(
        "bucket",
        name,
        region if isinstance(region, str) else None,
        f"arn:aws:s3:::{name}",
        data,
    )


def collect(api: Api, account_id: str, workers: int = 8) -> tuple[list[LiveRecord], list[Unlisted]]:
    """Every bucket with its configuration; the listing refused is one :class:`Unlisted`."""
    buckets = api.pages("s3", HOME_REGION, "list_buckets", "Buckets")
    if isinstance(buckets, Unavailable):
        return [], [Unlisted("bucket", None, buckets)]
    account_pab = api.call(
        "s3control", HOME_REGION, "get_public_access_block", AccountId=account_id
    )
    names = sorted(str(b["Name"]) for b in buckets)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda n: _bucket(api, n, account_pab), names)), []


def _encryption(response: Mapping[str, Any]) -> dict[str, Any]:
    rules = (response.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or [{}]
    default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    return {
        "algorithm": default.get("SSEAlgorithm"),
        "kms_key_id": default.get("KMSMasterKeyID") or None,
        "bucket_key": bool(rules[0].get("BucketKeyEnabled")),
    }


_PAB_FLAGS = {
    "block_public_acls": "BlockPublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "ignore_public_acls": "IgnorePublicAcls",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


def _pab(response: Mapping[str, Any]) -> dict[str, bool]:
    config = response.get("PublicAccessBlockConfiguration") or {}
    return {name: bool(config.get(key)) for name, key in _PAB_FLAGS.items()}


def _acl_public(response: Mapping[str, Any]) -> bool:
    return any(
        str((g.get("Grantee") or {}).get("URI", "")).endswith(_PUBLIC_GRANTEES)
        for g in response.get("Grants") or []
    )


def _policy_reading(text: Any, name: str) -> dict[str, Any]:
    try:
        policy, readable = parse_policy(text), True
    except ValueError:
        policy, readable = None, False
    return {
        "present": policy is not None,
        "readable": readable,
        "public": allows_public_access(policy),
        "tls_only": denies_insecure_transport(policy, [f"arn:aws:s3:::{name}"]),
        "denies_unencrypted_puts": denies_unencrypted_puts(policy),
    }


def _lifecycle_rule(raw: Mapping[str, Any]) -> dict[str, Any]:
    filter_ = raw.get("Filter") or {}
    and_ = filter_.get("And") or {}
    prefix = raw.get("Prefix", filter_.get("Prefix", and_.get("Prefix")))
    # Tags or object sizes select some objects only: such a rule never covers a whole prefix.
    object_filter = any(
        block.get(key)
        for block in (filter_, and_)
        for key in ("Tag", "Tags", "ObjectSizeGreaterThan", "ObjectSizeLessThan")
    )
    expiration = (raw.get("Expiration") or {}).get("Days")
    noncurrent = (raw.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
    return {
        "id": str(raw.get("ID") or ""),
        "prefix": str(prefix or ""),
        "object_filter": bool(object_filter),
        "enabled": raw.get("Status") == "Enabled",
        "expiration_days": int(expiration) if expiration is not None else None,
        "noncurrent_expiration_days": int(noncurrent) if noncurrent is not None else None,
    }


def _replication(response: Mapping[str, Any], regions: Mapping[str, str | None]) -> list[Any]:
    destinations = []
    for rule in (response.get("ReplicationConfiguration") or {}).get("Rules") or []:
        name = str((rule.get("Destination") or {}).get("Bucket") or "").rsplit(":", 1)[-1]
        destinations.append({"destination_bucket": name, "destination_region": regions.get(name)})
    return destinations


def _bucket_fact(record: LiveRecord, regions: Mapping[str, str | None]) -> Fact:
    data = record.data
    props = LiveProps()
    tags = tags_of(props, data.get("get_bucket_tagging"))
    if "tags" in props.unknown:
        props.unknown_because("meeting_type_tag", data["get_bucket_tagging"])
    else:
        props.set("meeting_type_tag", tags.get("meeting-type"))
    # Since January 2023 S3 encrypts every new object with SSE-S3 when nothing is configured.
    props.read(
        "encryption",
        data.get("get_bucket_encryption"),
        _encryption,
        {"algorithm": "AES256", "kms_key_id": None, "bucket_key": False},
    )
    props.read("public_access_block", data.get("get_public_access_block"), _pab, None)
    props.defaults.discard("public_access_block")
    props.read("account_public_access_block", data.get("account_public_access_block"), _pab, None)
    props.read("acl_public", data.get("get_bucket_acl"), _acl_public, False)
    props.read(
        "policy",
        data.get("get_bucket_policy"),
        lambda r: _policy_reading(r.get("Policy"), record.id),
        _policy_reading(None, record.id),
    )
    props.read(
        "versioning",
        data.get("get_bucket_versioning"),
        lambda r: r.get("Status") == "Enabled",
        False,
    )
    if props.values.get("versioning") is False and "versioning" not in props.defaults:
        response = data.get("get_bucket_versioning")
        if isinstance(response, Mapping) and "Status" not in response:
            props.defaults.add("versioning")  # never configured: created unversioned
    props.read(
        "lifecycle",
        data.get("get_bucket_lifecycle_configuration"),
        lambda r: [_lifecycle_rule(rule) for rule in r.get("Rules") or []],
        [],
    )
    props.read(
        "logging",
        data.get("get_bucket_logging"),
        lambda r: {
            "enabled": "LoggingEnabled" in r,
            "target_bucket": (r.get("LoggingEnabled") or {}).get("TargetBucket"),
        },
        {"enabled": False, "target_bucket": None},
    )
    props.read(
        "object_lock",
        data.get("get_object_lock_configuration"),
        lambda r: (r.get("ObjectLockConfiguration") or {}).get("ObjectLockEnabled") == "Enabled",
        False,
    )
    props.read(
        "replication",
        data.get("get_bucket_replication"),
        lambda r: _replication(r, regions),
        [],
    )
    if isinstance(data.get("location"), Unavailable):
        props.unknown_because("region", data["location"])
    return Fact("bucket", record.id, record.region, record.arn, props.to_dict())


def facts(records: Sequence[LiveRecord]) -> list[Fact]:
    buckets = [r for r in records if r.kind == "bucket"]
    regions = {r.id: r.region for r in buckets}
    return [_bucket_fact(r, regions) for r in buckets]
