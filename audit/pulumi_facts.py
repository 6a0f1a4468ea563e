"""Pulumi resources (from a plan or a state file) -> facts. Pure; every join happens here.

Both pulumi-aws shapes are understood: version 7's separate ``BucketServerSideEncryption
Configuration``, ``BucketPublicAccessBlock`` ... resources joined to their bucket, and the older
inline properties of ``aws:s3/bucket:Bucket`` (``serverSideEncryptionConfiguration``,
``versioning``, ``loggings``, ``lifecycleRules`` ...).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from infra.safe_load import UnsafeDocumentError, load_yaml

from .cidrs import is_world
from .coverage import unassessed_fact
from .facts import Fact
from .policy_analysis import (
    allows_public_access,
    denies_insecure_transport,
    denies_unencrypted_puts,
    normalize_statements,
    parse_policy,
)
from .turn_facts import ranges_outside, turn_config_properties
from .unknowns import contains_unknown, is_unknown
from .workloads import profile_name, runs_media_node, workload_hint

__all__ = [
    "MODELLED_TYPES",
    "MalformedResourceError",
    "PulumiResource",
    "facts_from_pulumi_resources",
]

_ARN_REGION = re.compile(r"^arn:aws[a-zA-Z-]*:[a-z0-9-]+:([a-z0-9-]*):")
_DOMAIN_REGION = re.compile(r"\.s3[.-]([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com")
_PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
_ALL_USERS = ("http://acs.amazonaws.com/groups/global/AllUsers", "AuthenticatedUsers")


@dataclass(frozen=True)
class PulumiResource:
    """One resource as a plan or a state file describes it."""

    urn: str
    type: str
    id: str | None
    properties: Mapping[str, Any]
    """Outputs where known (state), else inputs; camelCase as Pulumi writes them."""
    source: str
    """The URN, or ``file#/pointer`` when the URN alone would be ambiguous."""
    provider_region: str | None = None
    """The region of the resource's provider (explicit provider config or ``aws:region``)."""
    dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """``propertyDependencies``: input name -> URNs its value came from (resolves unknown ids)."""
    pointer: str = ""
    """JSON pointer of the resource in its source file (``/deployment/resources/3``)."""

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


class MalformedResourceError(ValueError):
    """A resource (or one joined to it) whose properties do not have the shape AWS gives them."""

    def __init__(self, resource: PulumiResource, error: Exception) -> None:
        super().__init__(
            f"{resource.type} '{resource.name}' (or a resource joined to it) has a property "
            f"of an unexpected shape ({type(error).__name__}: {str(error)[:120]})"
        )
        self.resource = resource


def _each(
    build: Callable[..., Fact], resources: Iterable[PulumiResource], *args: Any
) -> list[Fact]:
    """``build(resource, *args)`` for each resource; a shape error names the resource."""
    facts = []
    for resource in resources:
        try:
            facts.append(build(resource, *args))
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
            raise MalformedResourceError(resource, error) from None
    return facts


def _truthy(value: Any) -> bool:
    """Pulumi sometimes writes booleans as strings (launch-template EBS flags)."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _first(value: Any) -> Any:
    """pulumi-aws 5 wraps single nested blocks in one-element lists."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _known_str(value: Any) -> str | None:
    """A non-empty string that is not one of Pulumi's unknowns."""
    return value if isinstance(value, str) and value and not is_unknown(value) else None


def region_of(resource: PulumiResource) -> str | None:
    props = resource.properties
    if contains_unknown(props.get("region")):
        return None  # set explicitly, and not known before deploy: never the provider's
    region = _known_str(props.get("region"))
    if region:
        return region
    for key in ("arn", "kmsKeyArn"):
        arn = _known_str(props.get(key))
        if arn:
            match = _ARN_REGION.match(arn)
            if match and match.group(1):
                return match.group(1)
    domain = _known_str(props.get("bucketRegionalDomainName"))
    if domain:
        match = _DOMAIN_REGION.search(domain)
        if match:
            return match.group(1)
    return resource.provider_region


def _tags(props: Mapping[str, Any]) -> dict[str, str]:
    raw = props.get("tags") or props.get("tagsAll") or {}
    if isinstance(raw, list):  # autoscaling groups: [{key, value, propagateAtLaunch}]
        return {str(t.get("key")): str(t.get("value")) for t in raw if isinstance(t, Mapping)}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    return {}


def _safe_policy(text: Any) -> tuple[dict[str, Any] | None, bool]:
    """(policy, readable). An unreadable policy is reported, not treated as absent."""
    try:
        return parse_policy(text), True
    except ValueError:
        return None, False


class _Props:
    """A fact's properties, each known, unknown (null + listed in ``unknown``) or absent and
    standing for its AWS default (listed in ``aws_defaults``, docs/facts.md says which)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.unknown: set[str] = set()
        self.defaults: set[str] = set()

    def set(self, name: str, value: Any, *, unknown: bool = False, default: bool = False) -> None:
        if unknown:
            self.values[name] = None
            self.unknown.add(name)
            return
        self.values[name] = value
        if default:
            self.defaults.add(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.values,
            "unknown": sorted(self.unknown),
            "aws_defaults": sorted(self.defaults),
        }


def _fact(
    kind: str,
    resource: PulumiResource,
    fact_id: str,
    props: _Props,
    *,
    regional: bool = True,
) -> Fact:
    """A fact of ``kind`` from ``resource``, with the tags and purpose every kind carries."""
    raw_tags = resource.properties.get("tags") or resource.properties.get("tagsAll")
    tags = _tags(resource.properties)
    tags_unknown = contains_unknown(raw_tags)
    props.set("tags", {k: v for k, v in tags.items() if not is_unknown(v)})
    props.set("purpose", _known_str(tags.get("purpose")), unknown=is_unknown(tags.get("purpose")))
    if tags_unknown and not props.values["purpose"]:
        props.set("purpose", None, unknown=True)
    return Fact(
        kind,
        fact_id,
        region_of(resource) if regional else None,
        resource.source,
        props.to_dict(),
    )


class _Index:
    """Resources by type, and attachments keyed by what they attach to."""

    def __init__(self, resources: Sequence[PulumiResource]) -> None:
        self.by_type: dict[str, list[PulumiResource]] = defaultdict(list)
        for resource in resources:
            self.by_type[resource.type].append(resource)

    def attached(
        self, types: Sequence[str], key: str, parent: PulumiResource, aliases: set[str]
    ) -> tuple[list[PulumiResource], bool]:
        """(attachments whose ``key`` names ``parent``, whether some attachment's ``key`` is
        unknown and could name it). An unknown id is resolved through ``propertyDependencies``
        where the engine recorded them; otherwise the join is unknown, never empty."""
        found: list[PulumiResource] = []
        unresolved = False
        for type_ in types:
            for resource in self.by_type.get(type_, []):
                value = resource.properties.get(key)
                if not contains_unknown(value):
                    if str(value) in aliases:
                        found.append(resource)
                    continue
                origins = resource.dependencies.get(key, ())
                if parent.urn in origins:
                    found.append(resource)
                elif not origins:
                    unresolved = True
        return found, unresolved


def _bucket_aliases(bucket: PulumiResource) -> set[str]:
    props = bucket.properties
    names = {bucket.name, _known_str(props.get("bucket")) or "", str(bucket.id or "")}
    arn = _known_str(props.get("arn"))
    if arn:
        names.add(arn)
    return {n for n in names if n and not is_unknown(n)}


_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
_PAB = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
_VERSIONING = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
)
_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
_LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
_POLICY = ("aws:s3/bucketPolicy:BucketPolicy",)
_ACL = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
_OBJECT_LOCK = (
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
)
_REPLICATION = ("aws:s3/bucketReplicationConfig:BucketReplicationConfig",)


class _Joined:
    """One bucket's separate configuration resources, joined on ``bucket``."""

    def __init__(self, bucket: PulumiResource, index: _Index) -> None:
        self.bucket = bucket
        self.index = index
        self.aliases = _bucket_aliases(bucket)

    def get(self, types: Sequence[str]) -> tuple[list[PulumiResource], bool]:
        return self.index.attached(types, "bucket", self.bucket, self.aliases)


def _unknown(resources: Iterable[PulumiResource], *keys: str) -> bool:
    return any(contains_unknown(r.properties.get(k)) for r in resources for k in keys)


def _encryption(j: _Joined, props: _Props) -> None:
    found, unresolved = j.get(_SSE)
    inline = j.bucket.properties.get("serverSideEncryptionConfiguration")
    if unresolved or _unknown(found, "rules") or contains_unknown(inline):
        props.set("encryption", None, unknown=True)
        return
    config: Any = None
    for sse in found:
        config = {"rule": sse.properties.get("rules")}
    if config is None:
        config = _first(inline)
    rule = _first((config or {}).get("rule") or (config or {}).get("rules"))
    default = _first((rule or {}).get("applyServerSideEncryptionByDefault")) or {}
    # No configuration: since January 2023 S3 encrypts every new object with SSE-S3.
    props.set(
        "encryption",
        {
            "algorithm": default.get("sseAlgorithm") or ("AES256" if config is None else None),
            "kms_key_id": default.get("kmsMasterKeyId") or None,
            "bucket_key": _truthy((rule or {}).get("bucketKeyEnabled")),
        },
        default=config is None,
    )


_PAB_FLAGS = {
    "block_public_acls": "blockPublicAcls",
    "block_public_policy": "blockPublicPolicy",
    "ignore_public_acls": "ignorePublicAcls",
    "restrict_public_buckets": "restrictPublicBuckets",
}


def _public_access_block(j: _Joined, props: _Props) -> None:
    found, unresolved = j.get(_PAB)
    if unresolved or _unknown(found, *_PAB_FLAGS.values()):
        props.set("public_access_block", None, unknown=True)
        return
    for block in found:
        props.set(
            "public_access_block",
            {name: _truthy(block.properties.get(key)) for name, key in _PAB_FLAGS.items()},
        )
        return
    props.set("public_access_block", None)


def _versioning(j: _Joined, props: _Props) -> None:
    found, unresolved = j.get(_VERSIONING)
    inline = j.bucket.properties.get("versioning")
    if unresolved or _unknown(found, "versioningConfiguration") or contains_unknown(inline):
        props.set("versioning", None, unknown=True)
        return
    for resource in found:
        configuration = _first(resource.properties.get("versioningConfiguration")) or {}
        props.set("versioning", str(configuration.get("status", "")).lower() == "enabled")
        return
    # Absent: S3 buckets are created unversioned.
    props.set("versioning", _truthy((_first(inline) or {}).get("enabled")), default=not inline)


def _logging(j: _Joined, props: _Props) -> None:
    found, unresolved = j.get(_LOGGING)
    inline = _first(j.bucket.properties.get("loggings") or j.bucket.properties.get("logging"))
    if unresolved or _unknown(found, "targetBucket") or contains_unknown(inline):
        props.set("logging", None, unknown=True)
        return
    for resource in found:
        props.set(
            "logging", {"enabled": True, "target_bucket": resource.properties.get("targetBucket")}
        )
        return
    if inline and inline.get("targetBucket"):
        props.set("logging", {"enabled": True, "target_bucket": inline.get("targetBucket")})
        return
    props.set("logging", {"enabled": False, "target_bucket": None}, default=True)


def _lifecycle_rule(raw: Mapping[str, Any]) -> dict[str, Any]:
    expiration = _first(raw.get("expiration")) or {}
    noncurrent = (
        _first(raw.get("noncurrentVersionExpiration") or raw.get("noncurrentVersionExpirations"))
        or {}
    )
    filter_ = _first(raw.get("filter")) or {}
    and_ = _first(filter_.get("and")) or {}
    prefix = raw.get("prefix") if raw.get("prefix") is not None else filter_.get("prefix")
    if prefix is None:
        prefix = and_.get("prefix")
    # Tags or object sizes select some objects only: such a rule never covers a whole prefix.
    object_filter = any(
        block.get(key)
        for block in (raw, filter_, and_)
        for key in ("tag", "tags", "objectSizeGreaterThan", "objectSizeLessThan")
    )
    enabled = (
        raw.get("status", "Enabled") == "Enabled"
        if "status" in raw
        else _truthy(raw.get("enabled", True))
    )
    return {
        "id": str(raw.get("id") or ""),
        "prefix": str(prefix or ""),
        "object_filter": bool(object_filter),
        "enabled": enabled,
        "expiration_days": _int_or_none(expiration.get("days")),
        "noncurrent_expiration_days": _int_or_none(
            noncurrent.get("noncurrentDays", noncurrent.get("days"))
        ),
    }


def _lifecycle(j: _Joined, props: _Props) -> None:
    found, unresolved = j.get(_LIFECYCLE)
    inline = j.bucket.properties.get("lifecycleRules")
    if unresolved or _unknown(found, "rules") or contains_unknown(inline):
        props.set("lifecycle", None, unknown=True)
        return
    rules: list[dict[str, Any]] = []
    for resource in found:
        rules += [_lifecycle_rule(r) for r in resource.properties.get("rules") or []]
    rules += [_lifecycle_rule(r) for r in inline or []]
    props.set("lifecycle", rules, default=not found and not inline)


def _bucket_policy(j: _Joined, props: _Props) -> None:
    found, unresolved = j.get(_POLICY)
    inline = j.bucket.properties.get("policy")
    if unresolved or _unknown(found, "policy") or contains_unknown(inline):
        props.set("policy", None, unknown=True)
        return
    text = inline
    for resource in found:
        text = resource.properties.get("policy")
    policy, readable = _safe_policy(text)
    props.set(
        "policy",
        {
            "present": policy is not None,
            "readable": readable,
            "public": allows_public_access(policy),
            "tls_only": denies_insecure_transport(
                policy,
                [f"arn:aws:s3:::{name}" for name in j.aliases if ":" not in name]
                + [name for name in j.aliases if name.startswith("arn:")],
            ),
            "denies_unencrypted_puts": denies_unencrypted_puts(policy),
        },
        default=text is None,
    )


def _acl_public(j: _Joined, props: _Props) -> None:
    found, unresolved = j.get(_ACL)
    bucket = j.bucket.properties
    if (
        unresolved
        or _unknown(found, "acl", "accessControlPolicy")
        or contains_unknown(bucket.get("acl"))
        or contains_unknown(bucket.get("grants"))
    ):
        props.set("acl_public", None, unknown=True)
        return
    # Absent: S3 creates buckets with the private canned ACL.
    acls = [str(bucket.get("acl") or "private")]
    grants = list(bucket.get("grants") or [])
    for resource in found:
        acls.append(str(resource.properties.get("acl") or "private"))
        policy = _first(resource.properties.get("accessControlPolicy")) or {}
        grants += list(policy.get("grants") or [])
    public = any(acl in _PUBLIC_ACLS for acl in acls)
    for grant in grants:
        grantee = _first(grant.get("grantee")) or grant
        uri = str(grantee.get("uri") or "")
        if any(uri.endswith(u.rsplit("/", 1)[-1]) for u in _ALL_USERS):
            public = True
    props.set("acl_public", public, default=not found and not bucket.get("acl") and not grants)


def _object_lock(j: _Joined, props: _Props) -> None:
    found, unresolved = j.get(_OBJECT_LOCK)
    bucket = j.bucket.properties
    raw = (bucket.get("objectLockEnabled"), bucket.get("objectLockConfiguration"))
    if unresolved or contains_unknown(list(raw)):
        props.set("object_lock", None, unknown=True)
        return
    inline = _first(raw[1]) or {}
    enabled = (
        _truthy(raw[0])
        or str(inline.get("objectLockEnabled", "")).lower() == "enabled"
        or bool(found)
    )
    # Absent: S3 creates buckets without object lock.
    props.set("object_lock", enabled, default=raw == (None, None) and not found)


def _replication(j: _Joined, props: _Props, regions: Mapping[str, str | None]) -> None:
    found, unresolved = j.get(_REPLICATION)
    inline = _first(j.bucket.properties.get("replicationConfiguration"))
    if unresolved or _unknown(found, "rules") or contains_unknown(inline):
        props.set("replication", None, unknown=True)
        return
    configs = [r.properties for r in found] + ([inline] if inline else [])
    destinations = []
    for config in configs:
        for rule in config.get("rules") or []:
            destination = _first(rule.get("destination")) or {}
            arn = str(destination.get("bucket") or "")
            name = arn.rsplit(":", 1)[-1]
            destinations.append(
                {"destination_bucket": name, "destination_region": regions.get(name)}
            )
    # Absent: S3 replicates nothing.
    props.set("replication", destinations, default=not configs)


def _bucket_fact(
    bucket: PulumiResource, index: _Index, bucket_regions: Mapping[str, str | None]
) -> Fact:
    j = _Joined(bucket, index)
    props = _Props()
    tag = _tags(bucket.properties).get("meeting-type")
    props.set("meeting_type_tag", _known_str(tag), unknown=is_unknown(tag))
    _encryption(j, props)
    _public_access_block(j, props)
    _acl_public(j, props)
    _bucket_policy(j, props)
    _versioning(j, props)
    _logging(j, props)
    _lifecycle(j, props)
    _object_lock(j, props)
    _replication(j, props, bucket_regions)
    return _fact(
        "bucket",
        bucket,
        _known_str(bucket.properties.get("bucket")) or bucket.id or bucket.name,
        props,
    )


def _optional(
    props: _Props,
    raw: Mapping[str, Any],
    key: str,
    name: str,
    read: Any,
    aws_default: Any,
) -> None:
    """``name`` from ``raw[key]``: unknown, read, or absent and standing for ``aws_default``."""
    value = raw.get(key)
    if contains_unknown(value):
        props.set(name, None, unknown=True)
    elif value is None or value == "":
        props.set(name, aws_default, default=True)
    else:
        props.set(name, read(value))


def _kms_fact(key: PulumiResource) -> Fact:
    raw = key.properties
    props = _Props()
    props.set("arn", _known_str(raw.get("arn")))
    _optional(props, raw, "enableKeyRotation", "rotation_enabled", _truthy, False)
    _optional(props, raw, "multiRegion", "multi_region", _truthy, False)
    _optional(props, raw, "deletionWindowInDays", "deletion_window_days", _int_or_none, 30)
    _optional(props, raw, "keyUsage", "key_usage", str, "ENCRYPT_DECRYPT")
    document = raw.get("policy")
    if contains_unknown(document):
        for name in ("policy_readable", "policy_public", "policy_grants_all_actions"):
            props.set(name, None, unknown=True)
    elif document is None or document == "":
        # AWS's default key policy: the account root may do kms:* (and so may any principal
        # of the account that an IAM policy allows).
        props.set("policy_readable", True, default=True)
        props.set("policy_public", False, default=True)
        props.set("policy_grants_all_actions", True, default=True)
    else:
        policy, readable = _safe_policy(document)
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
    key_id = _known_str(raw.get("keyId")) or key.id or key.name
    return _fact("kms_key", key, key_id, props)


def _s3_data_selectors(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    """S3 object-level selectors as ``{reads, writes, arn_prefixes}`` (``arn:aws:s3`` = all)."""
    selectors = []
    for selector in props.get("eventSelectors") or []:
        read_write = str(selector.get("readWriteType") or "All")
        for resource in selector.get("dataResources") or []:
            if resource.get("type") == "AWS::S3::Object":
                selectors.append(
                    {
                        "reads": read_write in ("All", "ReadOnly"),
                        "writes": read_write in ("All", "WriteOnly"),
                        "arn_prefixes": [str(v) for v in resource.get("values") or []],
                    }
                )
    for selector in props.get("advancedEventSelectors") or []:
        fields = {str(f.get("field")): f for f in selector.get("fieldSelectors") or []}
        if "AWS::S3::Object" not in (fields.get("resources.type") or {}).get("equals", []):
            continue
        read_only = [str(v).lower() for v in (fields.get("readOnly") or {}).get("equals") or []]
        arn = fields.get("resources.ARN") or {}
        narrowed = set(fields) - {"eventCategory", "resources.type", "readOnly", "resources.ARN"}
        narrowed |= {k for k in arn if k.startswith("not")}  # exclusions we do not evaluate
        selectors.append(
            {
                "reads": not narrowed and read_only in ([], ["true"]),
                "writes": not narrowed and read_only in ([], ["false"]),
                "arn_prefixes": [str(v) for v in arn.get("startsWith") or arn.get("equals") or []]
                if arn
                else ["arn:aws:s3"],
            }
        )
    return selectors


def _trail_fact(trail: PulumiResource, recording_buckets: Sequence[str] | None) -> Fact:
    raw = trail.properties
    props = _Props()
    # pulumi-aws starts logging unless enableLogging is false.
    _optional(props, raw, "enableLogging", "logging_enabled", _truthy, True)
    _optional(props, raw, "enableLogFileValidation", "log_file_validation", _truthy, False)
    _optional(props, raw, "isMultiRegionTrail", "multi_region", _truthy, False)
    _optional(props, raw, "kmsKeyId", "kms_key_id", str, None)
    _optional(props, raw, "s3BucketName", "s3_bucket", str, None)
    selectors = [raw.get("eventSelectors"), raw.get("advancedEventSelectors")]
    if contains_unknown(selectors):
        props.set("s3_data_events", None, unknown=True)
        props.set("s3_data_selectors", None, unknown=True)
    else:
        s3_selectors = _s3_data_selectors(raw)
        props.set("s3_data_events", bool(s3_selectors))
        # Absent: a trail records management events only.
        props.set("s3_data_selectors", s3_selectors, default=not any(selectors))
    # Rules see one kind at a time: the buckets whose reads and writes it must record.
    if recording_buckets is None:
        props.set("recording_buckets", None, unknown=True)
    else:
        props.set("recording_buckets", sorted(recording_buckets))
    return _fact("trail", trail, _known_str(raw.get("name")) or trail.id or trail.name, props)


_PROTOCOLS = {"-1": "all", "all": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def _sg_rule(raw: Mapping[str, Any]) -> dict[str, Any]:
    cidrs = [str(c) for c in (raw.get("cidrBlocks") or []) + (raw.get("ipv6CidrBlocks") or [])]
    for key in ("cidrIpv4", "cidrIpv6"):
        if raw.get(key):
            cidrs.append(str(raw[key]))
    protocol = str(raw.get("protocol", raw.get("ipProtocol", "-1"))).lower()
    protocol = _PROTOCOLS.get(protocol, protocol)
    from_port = _int_or_none(raw.get("fromPort"))
    to_port = _int_or_none(raw.get("toPort"))
    all_ports = protocol == "all" or (from_port in (None, 0) and to_port in (None, 0, 65535))
    return {
        "protocol": protocol,
        "from_port": 0 if all_ports else from_port,
        "to_port": 65535 if all_ports else to_port,
        "cidrs": cidrs,
        "open_to_world": any(is_world(c) for c in cidrs),
        "description": str(raw.get("description") or ""),
    }


_SG_RULES = ("aws:ec2/securityGroupRule:SecurityGroupRule",)
_SG_INGRESS = ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",)


def _security_group_fact(group: PulumiResource, index: _Index) -> Fact:
    raw = group.properties
    aliases = {str(group.id)} if group.id else set()
    rules, unresolved_rules = index.attached(_SG_RULES, "securityGroupId", group, aliases)
    ingress_rules, unresolved_ingress = index.attached(
        _SG_INGRESS, "securityGroupId", group, aliases
    )
    props = _Props()
    props.set("name", group.name)
    type_unknown = any(contains_unknown(r.properties.get("type")) for r in rules)
    rules = [r for r in rules if r.properties.get("type") == "ingress"]
    if (
        type_unknown
        or unresolved_rules
        or unresolved_ingress
        or contains_unknown(raw.get("ingress"))
        or _unknown([*rules, *ingress_rules], *_SG_RULE_KEYS)
    ):
        props.set("ingress", None, unknown=True)
    else:
        ingress = [_sg_rule(r) for r in raw.get("ingress") or []]
        ingress += [_sg_rule(r.properties) for r in [*rules, *ingress_rules]]
        # Absent: a new security group allows no inbound traffic.
        props.set("ingress", ingress, default="ingress" not in raw and not ingress)
    return _fact("security_group", group, str(group.id or group.name), props)


_SG_RULE_KEYS = (
    "protocol",
    "ipProtocol",
    "fromPort",
    "toPort",
    "cidrBlocks",
    "ipv6CidrBlocks",
    "cidrIpv4",
    "cidrIpv6",
    "type",
)


def _imdsv2(props: _Props, raw: Mapping[str, Any]) -> None:
    options = raw.get("metadataOptions")
    if contains_unknown(options):
        props.set("imdsv2_required", None, unknown=True)
        return
    first = _first(options) or {}
    # Absent: EC2 accepts IMDSv1 unless the AMI says otherwise.
    props.set(
        "imdsv2_required",
        str(first.get("httpTokens", "")).lower() == "required"
        or str(first.get("httpEndpoint", "")).lower() == "disabled",
        default=not first,
    )


def _decode_user_data(data: bytes) -> str | None:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def _user_data(props: Mapping[str, Any]) -> str | None:
    """Cloud-init user data as text: plain, base64, gzip or base64(gzip)."""
    if props.get("userData"):
        text = str(props["userData"])
        try:
            decoded = _decode_user_data(base64.b64decode(text, validate=True))
        except binascii.Error:
            return text
        return decoded if decoded is not None and decoded.startswith("#") else text
    if props.get("userDataBase64"):
        try:
            return _decode_user_data(base64.b64decode(str(props["userDataBase64"])))
        except binascii.Error:
            return None
    return None


def _written_files(user_data: str | None) -> dict[str, str]:
    if not user_data or not user_data.startswith("#cloud-config"):
        return {}
    try:
        document = load_yaml(user_data)
    except (yaml.YAMLError, UnsafeDocumentError):
        return {}
    files = document.get("write_files") if isinstance(document, Mapping) else None
    return {
        str(f.get("path")): str(f.get("content") or "")
        for f in files or []
        if isinstance(f, Mapping)
    }


def _public_ip(props: _Props, instance: PulumiResource, index: _Index) -> None:
    raw = instance.properties.get("associatePublicIpAddress")
    if contains_unknown(raw):
        props.set("public_ip", None, unknown=True)
        return
    if raw is not None:
        props.set("public_ip", _truthy(raw))
        return
    subnet_id = instance.properties.get("subnetId")
    if subnet_id is None:
        # Absent with no subnet: the default VPC's default subnet assigns public IPs.
        props.set("public_ip", True, default=True)
        return
    subnets = [
        s
        for s in index.by_type.get("aws:ec2/subnet:Subnet", [])
        if str(s.id) == str(subnet_id) or instance.dependencies.get("subnetId", ()) == (s.urn,)
    ]
    if len(subnets) != 1 or contains_unknown(subnets[0].properties.get("mapPublicIpOnLaunch")):
        props.set("public_ip", None, unknown=True)
        return
    # Absent on the subnet: a non-default subnet does not map public IPs.
    props.set("public_ip", _truthy(subnets[0].properties.get("mapPublicIpOnLaunch")), default=True)


def _turn_host(props: _Props, resource: PulumiResource) -> None:
    """Whether the host runs a TURN relay (tagged ``media-relay`` or installs coturn), and
    whether its coturn config could be read from its user data."""
    raw = resource.properties
    if contains_unknown([raw.get("userData"), raw.get("userDataBase64")]):
        props.set("turn_config_found", None, unknown=True)
        user_data = ""
    else:
        user_data = _user_data(raw) or ""
        props.set("turn_config_found", "/etc/turnserver.conf" in _written_files(user_data))
    props.set(
        "turn_relay",
        _tags(raw).get("purpose") == "media-relay"
        or any(word in user_data for word in ("coturn", "turnserver")),
    )
    if "turn_config_found" in props.unknown:
        props.set("media_node", None, unknown=True)
    else:
        props.set("media_node", runs_media_node(user_data, _written_files(user_data)))
    profile = raw.get("iamInstanceProfile")
    if contains_unknown(profile):
        props.set("instance_profile", None, unknown=True)
    else:
        # An instance names its profile; a launch template gives ``{name}`` or ``{arn}``.
        first = _first(profile)
        if isinstance(first, Mapping):
            first = first.get("name") or first.get("arn")
        props.set("instance_profile", profile_name(str(first)) if first else None)


def _instance_fact(instance: PulumiResource, index: _Index) -> Fact:
    raw = instance.properties
    props = _Props()
    props.set("name", instance.name)
    _turn_host(props, instance)
    _imdsv2(props, raw)
    root = raw.get("rootBlockDevice")
    devices = raw.get("ebsBlockDevices")
    if contains_unknown([root, devices]):
        props.set("ebs_encrypted", None, unknown=True)
    else:
        volumes = [_first(root) or {}, *(devices or [])]
        # Absent: EBS volumes are unencrypted unless the account turns encryption by default on.
        props.set(
            "ebs_encrypted",
            all(_truthy(v.get("encrypted")) for v in volumes),
            default=not root and not devices,
        )
    _public_ip(props, instance, index)
    return _fact("instance", instance, str(instance.id or instance.name), props)


def _launch_template_fact(template: PulumiResource) -> Fact:
    raw = template.properties
    props = _Props()
    props.set("name", template.name)
    _turn_host(props, template)
    _imdsv2(props, raw)
    mappings = raw.get("blockDeviceMappings") or []
    if contains_unknown(mappings):
        props.set("ebs_encrypted", None, unknown=True)
    else:
        props.set(
            "ebs_encrypted",
            bool(mappings)
            and all(_truthy((_first(m.get("ebs")) or {}).get("encrypted")) for m in mappings),
            default=not mappings,
        )
    return _fact("launch_template", template, str(template.id or template.name), props)


_ROLE_POLICY = ("aws:iam/rolePolicy:RolePolicy",)
_INSTANCE_PROFILE = ("aws:iam/instanceProfile:InstanceProfile",)
_ROLE_ATTACHMENT = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",)
_MANAGED_POLICY = "aws:iam/policy:Policy"
AWS_MANAGED_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
"""AWS's own managed policies: judged by name (CV-IAM-002); the account's own by document."""


def _attached_documents(
    attachments: Sequence[PulumiResource], arns: Sequence[Any], index: _Index
) -> tuple[list[Any], bool]:
    """(documents of the account's own managed policies attached to a role, by attachment
    resources or the role's ``managedPolicyArns``; whether some cannot be shown). A policy
    declared in the stack is matched by ARN or, when the ARN is not known yet, by
    ``propertyDependencies``; one the stack does not declare (made elsewhere) has permissions
    the source does not show."""
    policies = index.by_type.get(_MANAGED_POLICY, [])
    documents: list[Any] = []
    hidden = False
    sources = [
        (a.properties.get("policyArn"), a.dependencies.get("policyArn", ())) for a in attachments
    ]
    sources += [(arn, ()) for arn in arns]
    for arn, origins in sources:
        if not contains_unknown(arn) and AWS_MANAGED_POLICY.match(str(arn)):
            continue
        if contains_unknown(arn):
            found = [p for p in policies if p.urn in set(origins)]
        else:
            found = [p for p in policies if str(arn) in {p.id, p.properties.get("arn")}]
        if not found:
            hidden = True
        documents += [p.properties.get("policy") for p in found]
    return documents, hidden


def _role_fact(role: PulumiResource, index: _Index) -> Fact:
    raw = role.properties
    name = _known_str(raw.get("name")) or role.id or role.name
    aliases = {name, str(role.id or ""), _known_str(raw.get("arn")) or ""} - {""}
    inline_policies, unresolved_inline = index.attached(_ROLE_POLICY, "role", role, aliases)
    attachments, unresolved_attachments = index.attached(_ROLE_ATTACHMENT, "role", role, aliases)
    props = _Props()
    tags = _tags(raw)
    # The name and tag are a hint for the report; audit/workloads.py decides by behaviour.
    props.set("workload_hint", workload_hint(name, tags))
    profiles, unresolved_profiles = index.attached(_INSTANCE_PROFILE, "role", role, aliases)
    if unresolved_profiles:
        props.set("instance_profiles", None, unknown=True)
    else:
        props.set(
            "instance_profiles",
            sorted({_known_str(p.properties.get("name")) or str(p.id or p.name) for p in profiles}),
        )
    documents = [p.get("policy") for p in raw.get("inlinePolicies") or [] if p.get("policy")]
    documents += [r.properties.get("policy") for r in inline_policies]
    attached_documents, hidden = _attached_documents(
        attachments, list(raw.get("managedPolicyArns") or []), index
    )
    documents += attached_documents
    if (
        unresolved_inline
        or unresolved_attachments
        or hidden
        or contains_unknown(documents)
        or contains_unknown(raw.get("inlinePolicies"))
    ):
        props.set("statements", None, unknown=True)
        readable = True
    else:
        statements: list[dict[str, Any]] = []
        readable = True
        for document in documents:
            policy, ok = _safe_policy(document)
            readable = readable and ok
            statements += normalize_statements(policy)
        props.set("statements", statements)
    managed = [str(a) for a in raw.get("managedPolicyArns") or []]
    managed += [str(r.properties.get("policyArn")) for r in attachments]
    if unresolved_attachments or any(is_unknown(a) for a in managed):
        props.set("managed_policy_arns", None, unknown=True)
    else:
        props.set("managed_policy_arns", sorted(set(managed)))
    trust_document = raw.get("assumeRolePolicy")
    if contains_unknown(trust_document):
        props.set("trust_public", None, unknown=True)
        trust_readable = True
    else:
        trust, trust_readable = _safe_policy(trust_document)
        props.set("trust_public", allows_public_access(trust))
    props.set("policies_readable", readable and trust_readable)
    return _fact("iam_role", role, name, props, regional=False)


def _log_group_fact(group: PulumiResource) -> Fact:
    raw = group.properties
    props = _Props()
    # Absent: CloudWatch keeps log events forever (0 here).
    _optional(props, raw, "retentionInDays", "retention_days", _int_or_none, 0)
    _optional(props, raw, "kmsKeyId", "kms_key_id", str, None)
    return _fact("log_group", group, _known_str(raw.get("name")) or group.id or group.name, props)


SSM_DEFAULT_KEY = "alias/aws/ssm"
"""The AWS-managed key a SecureString without a ``keyId`` is encrypted with."""


def _ssm_parameter_fact(parameter: PulumiResource) -> Fact:
    """Type and key only: the value is never read into a fact."""
    raw = parameter.properties
    props = _Props()
    name = _known_str(raw.get("name")) or parameter.id or parameter.name
    props.set("name", name, unknown=contains_unknown(raw.get("name")))
    type_ = raw.get("type")
    props.set("type", _known_str(type_), unknown=contains_unknown(type_))
    if type_ == "SecureString" or contains_unknown(type_):
        _optional(props, raw, "keyId", "kms_key_id", str, SSM_DEFAULT_KEY)
    else:
        props.set("kms_key_id", None)  # String and StringList are not encrypted with a key
    fact = _fact("ssm_parameter", parameter, name, props)
    if contains_unknown(raw.get("tags") or raw.get("tagsAll")):
        # CV-EAR-007 decides "holds no secret" from the tags: a partly known set cannot show it
        unknown = sorted({*fact.properties["unknown"], "tags"})
        return replace(fact, properties={**fact.properties, "tags": None, "unknown": unknown})
    return fact


_FLOW_LOG = ("aws:ec2/flowLog:FlowLog",)


def _vpc_fact(vpc: PulumiResource, index: _Index) -> Fact:
    aliases = {str(vpc.id)} if vpc.id else set()
    flow_logs, unresolved = index.attached(_FLOW_LOG, "vpcId", vpc, aliases)
    props = _Props()
    props.set("name", vpc.name)
    if unresolved or _unknown(flow_logs, "trafficType"):
        props.set("flow_logs", None, unknown=True)
    else:
        props.set(
            "flow_logs",
            [{"traffic_type": str(f.properties.get("trafficType") or "")} for f in flow_logs],
        )
    return _fact("vpc", vpc, str(vpc.id or vpc.name), props)


def _media_node_cidrs(index: _Index) -> list[str] | None:
    """Subnets the media nodes run in: hosts whose cloud-init installs the media node, and the
    subnets of the auto-scaling groups launching them. ``None`` when none is found or a subnet
    does not resolve (a relay's allowed peers then cannot be checked)."""
    subnets = {
        str(s.id): s.properties.get("cidrBlock")
        for s in index.by_type.get("aws:ec2/subnet:Subnet", [])
    }
    hosts = [
        r
        for type_ in ("aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance")
        for r in index.by_type.get(type_, [])
        if runs_media_node(_user_data(r.properties) or "", _written_files(_user_data(r.properties)))
    ]
    subnet_ids = [str(h.properties.get("subnetId")) for h in hosts if "subnetId" in h.properties]
    template_ids = {str(h.id) for h in hosts if h.id}
    for group in index.by_type.get("aws:autoscaling/group:Group", []):
        template = _first(group.properties.get("launchTemplate"))
        if isinstance(template, Mapping) and str(template.get("id")) in template_ids:
            subnet_ids += [str(s) for s in group.properties.get("vpcZoneIdentifiers") or []]
    cidrs = [subnets.get(s) for s in subnet_ids]
    if not cidrs or not all(isinstance(c, str) for c in cidrs):
        return None
    return sorted({str(c) for c in cidrs})


def _turnserver_conf(resource: PulumiResource) -> str | None:
    return _written_files(_user_data(resource.properties)).get("/etc/turnserver.conf")


def _turn_fact(resource: PulumiResource, media_node_cidrs: list[str] | None) -> Fact:
    properties = turn_config_properties(_turnserver_conf(resource) or "")
    properties["media_node_cidrs"] = media_node_cidrs
    properties["allowed_peers_outside_media_nodes"] = (
        ranges_outside(properties["allowed_peer_ranges"], media_node_cidrs or [])
        if media_node_cidrs is not None or not properties["allowed_peer_ranges"]
        else None
    )
    return Fact(
        "turn_config",
        f"{resource.id or resource.name}:/etc/turnserver.conf",
        region_of(resource),
        f"{resource.source}#/userData/write_files/etc/turnserver.conf",
        properties,
    )


_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
_SECURITY_GROUPS = (
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
)
_OBJECTS = ("aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketObject:BucketObject")
_PRIVATE_ACLS = frozenset({"private", "bucket-owner-full-control"})


def _object_judged_by_its_bucket(obj: PulumiResource, buckets: Sequence[PulumiResource]) -> bool:
    """Whether a bucket object adds nothing its bucket's rules do not judge: it names (or, in a
    preview, depends on) a bucket the model reads, sets no ACL beyond private, and either leaves
    encryption to the bucket's default or asks for SSE-KMS with a known key. Any other object
    (public ACL, SSE-S3, an unknown setting, an unread bucket) stays unassessed and fails
    closed (CV-COV-001)."""
    props = obj.properties
    if any(contains_unknown(props.get(k)) for k in ("acl", "serverSideEncryption", "kmsKeyId")):
        return False
    acl = props.get("acl")
    if acl not in (None, "") and acl not in _PRIVATE_ACLS:
        return False
    sse = props.get("serverSideEncryption")
    kms = sse in ("aws:kms", "aws:kms:dsse") and bool(props.get("kmsKeyId"))
    if sse not in (None, "") and not kms:
        return False
    target = props.get("bucket")
    if contains_unknown(target):
        origins = set(obj.dependencies.get("bucket", ()))
        return any(b.urn in origins for b in buckets)
    return any(str(target) in _bucket_aliases(b) for b in buckets)


MODELLED_TYPES: frozenset[str] = frozenset(
    {
        *_BUCKETS,
        *_SSE,
        *_PAB,
        *_VERSIONING,
        *_LOGGING,
        *_LIFECYCLE,
        *_POLICY,
        *_ACL,
        *_OBJECT_LOCK,
        *_REPLICATION,
        "aws:kms/key:Key",
        "aws:cloudtrail/trail:Trail",
        *_SECURITY_GROUPS,
        *_SG_RULES,
        *_SG_INGRESS,
        "aws:ec2/instance:Instance",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:iam/role:Role",
        *_ROLE_POLICY,
        *_ROLE_ATTACHMENT,
        *_INSTANCE_PROFILE,
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:ssm/parameter:Parameter",
        "aws:ec2/vpc:Vpc",
        *_FLOW_LOG,
        "aws:ec2/subnet:Subnet",
        "aws:autoscaling/group:Group",
    }
)
"""Resource types read into facts (alone or joined into another resource's fact)."""


def facts_from_pulumi_resources(resources: Sequence[PulumiResource]) -> list[Fact]:
    """Every modelled resource as a fact (types outside :data:`MODELLED_TYPES` are reported
    by :mod:`audit.coverage`, never silently dropped)."""
    index = _Index(resources)
    buckets = [b for t in _BUCKETS for b in index.by_type.get(t, [])]
    bucket_regions = {alias: region_of(b) for b in buckets for alias in _bucket_aliases(b)}
    facts = _each(_bucket_fact, buckets, index, bucket_regions)
    facts += _each(_kms_fact, index.by_type.get("aws:kms/key:Key", []))
    recording_buckets: list[str] | None = [
        f.id
        for f in facts
        if f.kind == "bucket" and f.properties.get("purpose") == "call-recording"
    ]
    if any(f.kind == "bucket" and "purpose" in f.properties["unknown"] for f in facts):
        recording_buckets = None
    facts += _each(
        _trail_fact, index.by_type.get("aws:cloudtrail/trail:Trail", []), recording_buckets
    )
    facts += _each(
        _security_group_fact,
        [g for t in _SECURITY_GROUPS for g in index.by_type.get(t, [])],
        index,
    )
    instances = index.by_type.get("aws:ec2/instance:Instance", [])
    templates = index.by_type.get("aws:ec2/launchTemplate:LaunchTemplate", [])
    facts += _each(_instance_fact, instances, index)
    facts += _each(_launch_template_fact, templates)
    facts += _each(_role_fact, index.by_type.get("aws:iam/role:Role", []), index)
    facts += _each(_log_group_fact, index.by_type.get("aws:cloudwatch/logGroup:LogGroup", []))
    facts += _each(_ssm_parameter_fact, index.by_type.get("aws:ssm/parameter:Parameter", []))
    facts += _each(_vpc_fact, index.by_type.get("aws:ec2/vpc:Vpc", []), index)
    media_node_cidrs = _media_node_cidrs(index)
    hosts = [r for r in (*instances, *templates) if _turnserver_conf(r) is not None]
    facts += _each(_turn_fact, hosts, media_node_cidrs)
    # Types outside the model are reported and judged (CV-COV-001/002), never dropped.
    facts += [
        unassessed_fact(r.type, r.name, r.source, region_of(r), r.id)
        for r in resources
        if r.type not in MODELLED_TYPES
        and not (r.type in _OBJECTS and _object_judged_by_its_bucket(r, buckets))
    ]
    return facts
