"""Pulumi resources (from a plan or a state file) -> facts. Pure; every join happens here.

Both pulumi-aws shapes are understood: version 7's separate ``BucketServerSideEncryption
Configuration``, ``BucketPublicAccessBlock`` ... resources joined to their bucket, and the older
inline properties of ``aws:s3/bucket:Bucket`` (``serverSideEncryptionConfiguration``,
``versioning``, ``loggings``, ``lifecycleRules`` ...).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from infra.safe_load import UnsafeDocumentError, load_yaml

from .facts import Fact
from .policy_analysis import (
    allows_public_access,
    denies_insecure_transport,
    denies_unencrypted_puts,
    normalize_statements,
    parse_policy,
)
from .turn_facts import ranges_outside, turn_config_properties

__all__ = ["MalformedResourceError", "PulumiResource", "facts_from_pulumi_resources"]

_ARN_REGION = re.compile(r"^arn:aws[a-zA-Z-]*:[a-z0-9-]+:([a-z0-9-]*):")
_DOMAIN_REGION = re.compile(r"\.s3[.-]([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com")
_PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
_ALL_USERS = ("http://acs.amazonaws.com/groups/global/AllUsers", "AuthenticatedUsers")
_WORLD = {"0.0.0.0/0", "::/0"}


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
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def region_of(resource: PulumiResource) -> str | None:
    props = resource.properties
    region = props.get("region")
    if isinstance(region, str) and region:
        return region
    for key in ("arn", "kmsKeyArn"):
        arn = props.get(key)
        if isinstance(arn, str):
            match = _ARN_REGION.match(arn)
            if match and match.group(1):
                return match.group(1)
    domain = props.get("bucketRegionalDomainName")
    if isinstance(domain, str):
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


def _fact(
    kind: str,
    resource: PulumiResource,
    fact_id: str,
    properties: Mapping[str, Any],
    *,
    regional: bool = True,
) -> Fact:
    """A fact of ``kind`` from ``resource``, with the tags and purpose every kind carries."""
    tags = _tags(resource.properties)
    return Fact(
        kind,
        fact_id,
        region_of(resource) if regional else None,
        resource.source,
        {"tags": tags, "purpose": tags.get("purpose"), **properties},
    )


class _Index:
    """Resources by type, and attachments keyed by what they attach to."""

    def __init__(self, resources: Sequence[PulumiResource]) -> None:
        self.by_type: dict[str, list[PulumiResource]] = defaultdict(list)
        for resource in resources:
            self.by_type[resource.type].append(resource)

    def attached(self, type_: str, key: str, aliases: set[str]) -> list[PulumiResource]:
        return [r for r in self.by_type.get(type_, []) if str(r.properties.get(key)) in aliases]


def _bucket_aliases(bucket: PulumiResource) -> set[str]:
    props = bucket.properties
    names = {bucket.name, str(props.get("bucket") or ""), str(bucket.id or "")}
    return {n for n in names if n}


def _encryption(bucket: PulumiResource, index: _Index, aliases: set[str]) -> dict[str, Any]:
    config: Any = None
    for sse in index.attached(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "bucket",
        aliases,
    ) + index.attached(
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        "bucket",
        aliases,
    ):
        config = {"rule": sse.properties.get("rules")}
    if config is None:
        config = _first(bucket.properties.get("serverSideEncryptionConfiguration"))
    rule = _first((config or {}).get("rule") or (config or {}).get("rules"))
    default = _first((rule or {}).get("applyServerSideEncryptionByDefault")) or {}
    algorithm = default.get("sseAlgorithm") or None
    return {
        "algorithm": algorithm,
        "kms_key_id": default.get("kmsMasterKeyId") or None,
        "bucket_key": _truthy((rule or {}).get("bucketKeyEnabled")),
    }


def _public_access_block(index: _Index, aliases: set[str]) -> dict[str, bool] | None:
    for block in index.attached(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "bucket", aliases
    ):
        props = block.properties
        return {
            "block_public_acls": _truthy(props.get("blockPublicAcls")),
            "block_public_policy": _truthy(props.get("blockPublicPolicy")),
            "ignore_public_acls": _truthy(props.get("ignorePublicAcls")),
            "restrict_public_buckets": _truthy(props.get("restrictPublicBuckets")),
        }
    return None


def _versioning(bucket: PulumiResource, index: _Index, aliases: set[str]) -> bool:
    for resource in index.attached(
        "aws:s3/bucketVersioning:BucketVersioning", "bucket", aliases
    ) + index.attached("aws:s3/bucketVersioningV2:BucketVersioningV2", "bucket", aliases):
        configuration = _first(resource.properties.get("versioningConfiguration")) or {}
        return str(configuration.get("status", "")).lower() == "enabled"
    inline = _first(bucket.properties.get("versioning")) or {}
    return _truthy(inline.get("enabled"))


def _logging(bucket: PulumiResource, index: _Index, aliases: set[str]) -> dict[str, Any]:
    for resource in index.attached(
        "aws:s3/bucketLogging:BucketLogging", "bucket", aliases
    ) + index.attached("aws:s3/bucketLoggingV2:BucketLoggingV2", "bucket", aliases):
        return {"enabled": True, "target_bucket": resource.properties.get("targetBucket")}
    inline = _first(bucket.properties.get("loggings") or bucket.properties.get("logging"))
    if inline and inline.get("targetBucket"):
        return {"enabled": True, "target_bucket": inline.get("targetBucket")}
    return {"enabled": False, "target_bucket": None}


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


def _lifecycle(bucket: PulumiResource, index: _Index, aliases: set[str]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for resource in index.attached(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "bucket", aliases
    ) + index.attached(
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "bucket", aliases
    ):
        rules += [_lifecycle_rule(r) for r in resource.properties.get("rules") or []]
    rules += [_lifecycle_rule(r) for r in bucket.properties.get("lifecycleRules") or []]
    return rules


def _bucket_policy(bucket: PulumiResource, index: _Index, aliases: set[str]) -> dict[str, Any]:
    text = None
    for resource in index.attached("aws:s3/bucketPolicy:BucketPolicy", "bucket", aliases):
        text = resource.properties.get("policy")
    if text is None:
        text = bucket.properties.get("policy")
    policy, readable = _safe_policy(text)
    return {
        "present": policy is not None,
        "readable": readable,
        "public": allows_public_access(policy),
        "tls_only": denies_insecure_transport(
            policy,
            [f"arn:aws:s3:::{name}" for name in aliases]
            + [str(arn) for arn in [bucket.properties.get("arn")] if arn],
        ),
        "denies_unencrypted_puts": denies_unencrypted_puts(policy),
    }


def _acl_public(bucket: PulumiResource, index: _Index, aliases: set[str]) -> bool:
    acls = [str(bucket.properties.get("acl") or "private")]
    grants = list(bucket.properties.get("grants") or [])
    for resource in index.attached("aws:s3/bucketAclV2:BucketAclV2", "bucket", aliases):
        acls.append(str(resource.properties.get("acl") or "private"))
        policy = _first(resource.properties.get("accessControlPolicy")) or {}
        grants += list(policy.get("grants") or [])
    if any(acl in _PUBLIC_ACLS for acl in acls):
        return True
    for grant in grants:
        grantee = _first(grant.get("grantee")) or grant
        uri = str(grantee.get("uri") or "")
        if any(uri.endswith(u.rsplit("/", 1)[-1]) for u in _ALL_USERS):
            return True
    return False


def _object_lock(bucket: PulumiResource, index: _Index, aliases: set[str]) -> bool:
    props = bucket.properties
    if _truthy(props.get("objectLockEnabled")):
        return True
    inline = _first(props.get("objectLockConfiguration")) or {}
    if str(inline.get("objectLockEnabled", "")).lower() == "enabled":
        return True
    return bool(
        index.attached(
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "bucket", aliases
        )
    )


def _replication(
    bucket: PulumiResource, index: _Index, aliases: set[str], regions: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    configs = [
        r.properties
        for r in index.attached(
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "bucket", aliases
        )
    ]
    inline = _first(bucket.properties.get("replicationConfiguration"))
    if inline:
        configs.append(inline)
    destinations = []
    for config in configs:
        for rule in config.get("rules") or []:
            destination = _first(rule.get("destination")) or {}
            arn = str(destination.get("bucket") or "")
            name = arn.rsplit(":", 1)[-1]
            destinations.append(
                {"destination_bucket": name, "destination_region": regions.get(name)}
            )
    return destinations


def _bucket_fact(
    bucket: PulumiResource, index: _Index, bucket_regions: Mapping[str, str | None]
) -> Fact:
    aliases = _bucket_aliases(bucket)
    return _fact(
        "bucket",
        bucket,
        str(bucket.properties.get("bucket") or bucket.id or bucket.name),
        {
            "meeting_type_tag": _tags(bucket.properties).get("meeting-type"),
            "encryption": _encryption(bucket, index, aliases),
            "public_access_block": _public_access_block(index, aliases),
            "acl_public": _acl_public(bucket, index, aliases),
            "policy": _bucket_policy(bucket, index, aliases),
            "versioning": _versioning(bucket, index, aliases),
            "logging": _logging(bucket, index, aliases),
            "lifecycle": _lifecycle(bucket, index, aliases),
            "object_lock": _object_lock(bucket, index, aliases),
            "replication": _replication(bucket, index, aliases, bucket_regions),
        },
    )


# What AWS attaches to a key created without a policy: the account may do everything.
_DEFAULT_KEY_POLICY = {
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Action": "kms:*",
            "Principal": {"AWS": "arn:aws:iam::<account>:root"},
            "Resource": "*",
        }
    ]
}


def _kms_fact(key: PulumiResource) -> Fact:
    props = key.properties
    policy, readable = _safe_policy(props.get("policy"))
    if policy is None and readable:
        policy = _DEFAULT_KEY_POLICY
    statements = normalize_statements(policy)
    return _fact(
        "kms_key",
        key,
        str(props.get("keyId") or key.id or key.name),
        {
            "rotation_enabled": _truthy(props.get("enableKeyRotation")),
            "multi_region": _truthy(props.get("multiRegion")),
            "deletion_window_days": _int_or_none(props.get("deletionWindowInDays")) or 30,
            "key_usage": props.get("keyUsage") or "ENCRYPT_DECRYPT",
            "policy_readable": readable,
            "policy_public": allows_public_access(policy),
            "policy_grants_all_actions": any(
                s["effect"] == "Allow" and ("kms:*" in s["actions"] or "*" in s["actions"])
                for s in statements
            ),
        },
    )


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


def _trail_fact(trail: PulumiResource, recording_buckets: Sequence[str]) -> Fact:
    props = trail.properties
    s3_selectors = _s3_data_selectors(props)
    return _fact(
        "trail",
        trail,
        str(props.get("name") or trail.id or trail.name),
        {
            "logging_enabled": _truthy(props.get("enableLogging", True)),
            "log_file_validation": _truthy(props.get("enableLogFileValidation")),
            "kms_key_id": props.get("kmsKeyId") or None,
            "multi_region": _truthy(props.get("isMultiRegionTrail")),
            "s3_data_events": bool(s3_selectors),
            "s3_data_selectors": s3_selectors,
            # Rules see one kind at a time: the buckets whose reads and writes it must record.
            "recording_buckets": sorted(recording_buckets),
            "s3_bucket": props.get("s3BucketName"),
        },
    )


def _sg_rule(raw: Mapping[str, Any]) -> dict[str, Any]:
    cidrs = [str(c) for c in (raw.get("cidrBlocks") or []) + (raw.get("ipv6CidrBlocks") or [])]
    for key in ("cidrIpv4", "cidrIpv6"):
        if raw.get(key):
            cidrs.append(str(raw[key]))
    protocol = str(raw.get("protocol", raw.get("ipProtocol", "-1"))).lower()
    from_port = _int_or_none(raw.get("fromPort"))
    to_port = _int_or_none(raw.get("toPort"))
    all_ports = protocol in ("-1", "all") or (
        from_port in (None, 0) and to_port in (None, 0, 65535)
    )
    return {
        "protocol": "all" if protocol in ("-1", "all") else protocol,
        "from_port": 0 if all_ports else from_port,
        "to_port": 65535 if all_ports else to_port,
        "cidrs": cidrs,
        "open_to_world": any(c in _WORLD for c in cidrs),
        "description": str(raw.get("description") or ""),
    }


def _security_group_fact(group: PulumiResource, index: _Index) -> Fact:
    props = group.properties
    ingress = [_sg_rule(r) for r in props.get("ingress") or []]
    aliases = {str(group.id)} if group.id else set()
    for rule in index.attached(
        "aws:ec2/securityGroupRule:SecurityGroupRule", "securityGroupId", aliases
    ):
        if rule.properties.get("type") == "ingress":
            ingress.append(_sg_rule(rule.properties))
    for rule in index.attached(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "securityGroupId", aliases
    ):
        ingress.append(_sg_rule(rule.properties))
    return _fact(
        "security_group",
        group,
        str(group.id or group.name),
        {"name": group.name, "ingress": ingress},
    )


def _imdsv2(props: Mapping[str, Any]) -> bool:
    options = _first(props.get("metadataOptions")) or {}
    return (
        str(options.get("httpTokens", "")).lower() == "required"
        or str(options.get("httpEndpoint", "")).lower() == "disabled"
    )


def _user_data(props: Mapping[str, Any]) -> str | None:
    if props.get("userData"):
        text = str(props["userData"])
        try:
            decoded = base64.b64decode(text, validate=True).decode()
            return decoded if decoded.startswith("#") else text
        except (binascii.Error, UnicodeDecodeError):
            return text
    if props.get("userDataBase64"):
        try:
            return base64.b64decode(str(props["userDataBase64"])).decode()
        except (binascii.Error, UnicodeDecodeError):
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


def _instance_fact(instance: PulumiResource) -> Fact:
    props = instance.properties
    root = _first(props.get("rootBlockDevice")) or {}
    volumes = [root, *(props.get("ebsBlockDevices") or [])]
    return _fact(
        "instance",
        instance,
        str(instance.id or instance.name),
        {
            "name": instance.name,
            "imdsv2_required": _imdsv2(props),
            "ebs_encrypted": all(_truthy(v.get("encrypted")) for v in volumes if v is not None),
            "public_ip": _truthy(props.get("associatePublicIpAddress")),
        },
    )


def _launch_template_fact(template: PulumiResource) -> Fact:
    props = template.properties
    mappings = props.get("blockDeviceMappings") or []
    return _fact(
        "launch_template",
        template,
        str(template.id or template.name),
        {
            "name": template.name,
            "imdsv2_required": _imdsv2(props),
            "ebs_encrypted": bool(mappings)
            and all(_truthy((_first(m.get("ebs")) or {}).get("encrypted")) for m in mappings),
        },
    )


def _role_fact(role: PulumiResource, index: _Index) -> Fact:
    props = role.properties
    name = str(props.get("name") or role.id or role.name)
    aliases = {name, str(role.id or ""), str(props.get("arn") or "")} - {""}
    documents = [p.get("policy") for p in props.get("inlinePolicies") or [] if p.get("policy")]
    documents += [
        r.properties.get("policy")
        for r in index.attached("aws:iam/rolePolicy:RolePolicy", "role", aliases)
    ]
    statements: list[dict[str, Any]] = []
    readable = True
    for document in documents:
        policy, ok = _safe_policy(document)
        readable = readable and ok
        statements += normalize_statements(policy)
    managed = list(props.get("managedPolicyArns") or [])
    managed += [
        str(r.properties.get("policyArn"))
        for r in index.attached(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "role", aliases
        )
    ]
    trust, trust_readable = _safe_policy(props.get("assumeRolePolicy"))
    tags = _tags(props)
    return _fact(
        "iam_role",
        role,
        name,
        {
            "workload": "media-node" if name.endswith("-media-node") else tags.get("workload"),
            "statements": statements,
            "policies_readable": readable and trust_readable,
            "managed_policy_arns": sorted(set(managed)),
            "trust_public": allows_public_access(trust),
        },
        regional=False,
    )


def _log_group_fact(group: PulumiResource) -> Fact:
    props = group.properties
    return _fact(
        "log_group",
        group,
        str(props.get("name") or group.id or group.name),
        {
            "retention_days": _int_or_none(props.get("retentionInDays")) or 0,
            "kms_key_id": props.get("kmsKeyId") or None,
        },
    )


def _vpc_fact(vpc: PulumiResource, index: _Index) -> Fact:
    aliases = {str(vpc.id)} if vpc.id else set()
    flow_logs = index.attached("aws:ec2/flowLog:FlowLog", "vpcId", aliases)
    return _fact(
        "vpc",
        vpc,
        str(vpc.id or vpc.name),
        {
            "name": vpc.name,
            "flow_logs": [
                {"traffic_type": str(f.properties.get("trafficType") or "")} for f in flow_logs
            ],
        },
    )


_MEDIA_NODE_CONFIG = "/etc/callvault/media-node.yaml"


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
        if _MEDIA_NODE_CONFIG in _written_files(_user_data(r.properties))
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


def facts_from_pulumi_resources(resources: Sequence[PulumiResource]) -> list[Fact]:
    """Every supported resource as a fact; unsupported types are skipped (they hold no data)."""
    index = _Index(resources)
    buckets = index.by_type.get("aws:s3/bucket:Bucket", []) + index.by_type.get(
        "aws:s3/bucketV2:BucketV2", []
    )
    bucket_regions = {alias: region_of(b) for b in buckets for alias in _bucket_aliases(b)}
    facts = _each(_bucket_fact, buckets, index, bucket_regions)
    facts += _each(_kms_fact, index.by_type.get("aws:kms/key:Key", []))
    recording_buckets = [
        f.id
        for f in facts
        if f.kind == "bucket" and f.properties.get("purpose") == "call-recording"
    ]
    facts += _each(
        _trail_fact, index.by_type.get("aws:cloudtrail/trail:Trail", []), recording_buckets
    )
    facts += _each(
        _security_group_fact, index.by_type.get("aws:ec2/securityGroup:SecurityGroup", []), index
    )
    instances = index.by_type.get("aws:ec2/instance:Instance", [])
    templates = index.by_type.get("aws:ec2/launchTemplate:LaunchTemplate", [])
    facts += _each(_instance_fact, instances)
    facts += _each(_launch_template_fact, templates)
    facts += _each(_role_fact, index.by_type.get("aws:iam/role:Role", []), index)
    facts += _each(_log_group_fact, index.by_type.get("aws:cloudwatch/logGroup:LogGroup", []))
    facts += _each(_vpc_fact, index.by_type.get("aws:ec2/vpc:Vpc", []), index)
    media_node_cidrs = _media_node_cidrs(index)
    hosts = [r for r in (*instances, *templates) if _turnserver_conf(r) is not None]
    facts += _each(_turn_fact, hosts, media_node_cidrs)
    return facts
