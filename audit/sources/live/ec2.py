"""EC2 of one region: security groups (the default group too), instances, launch templates,
VPCs with their flow logs, subnets, and the account's EBS encryption default."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...cidrs import is_world
from ...facts import Fact
from ...pulumi_facts import _user_data, _written_files
from ...turn_facts import ranges_outside, turn_config_properties
from ...workloads import profile_name, runs_media_node
from .client import Api, Unavailable
from .props import LiveProps, tags_of
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect", "facts"]

_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_TURN_CONFIG = "/etc/turnserver.conf"


def _arn(region: str, account: str, kind: str, id_: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind}/{id_}"


def collect(api: Api, region: str, account: str) -> tuple[list[LiveRecord], list[Unlisted]]:
    records: list[LiveRecord] = []
    unlisted: list[Unlisted] = []
    ebs_default = api.call("ec2", region, "get_ebs_encryption_by_default")
    subnets = api.pages("ec2", region, "describe_subnets", "Subnets")
    volumes = api.pages("ec2", region, "describe_volumes", "Volumes")
    groups = api.pages("ec2", region, "describe_security_groups", "SecurityGroups")
    if isinstance(groups, Unavailable):
        unlisted.append(Unlisted("security_group", region, groups))
    else:
        for g in groups:
            records.append(
                LiveRecord(
                    "security_group",
                    str(g["GroupId"]),
                    region,
                    _arn(region, account, "security-group", str(g["GroupId"])),
                    {"group": g},
                )
            )
    reservations = api.pages("ec2", region, "describe_instances", "Reservations")
    if isinstance(reservations, Unavailable):
        unlisted.append(Unlisted("instance", region, reservations))
    else:
        for reservation in reservations:
            for instance in reservation.get("Instances") or []:
                if (instance.get("State") or {}).get("Name") == "terminated":
                    continue
                id_ = str(instance["InstanceId"])
                user_data = api.call(
                    "ec2",
                    region,
                    "describe_instance_attribute",
                    InstanceId=id_,
                    Attribute="userData",
                )
                records.append(
                    LiveRecord(
                        "instance",
                        id_,
                        region,
                        _arn(region, account, "instance", id_),
                        {
                            "instance": instance,
                            "user_data": user_data,
                            "subnets": subnets,
                            "volumes": volumes,
                            "ebs_default": ebs_default,
                        },
                    )
                )
    templates = api.pages("ec2", region, "describe_launch_templates", "LaunchTemplates")
    if isinstance(templates, Unavailable):
        unlisted.append(Unlisted("launch_template", region, templates))
    else:
        for template in templates:
            id_ = str(template["LaunchTemplateId"])
            version = api.call(
                "ec2",
                region,
                "describe_launch_template_versions",
                LaunchTemplateId=id_,
                Versions=["$Latest"],
            )
            records.append(
                LiveRecord(
                    "launch_template",
                    id_,
                    region,
                    _arn(region, account, "launch-template", id_),
                    {"template": template, "version": version, "ebs_default": ebs_default},
                )
            )
    vpcs = api.pages("ec2", region, "describe_vpcs", "Vpcs")
    flow_logs = api.pages("ec2", region, "describe_flow_logs", "FlowLogs")
    if isinstance(vpcs, Unavailable):
        unlisted.append(Unlisted("vpc", region, vpcs))
    else:
        for vpc in vpcs:
            id_ = str(vpc["VpcId"])
            records.append(
                LiveRecord(
                    "vpc",
                    id_,
                    region,
                    _arn(region, account, "vpc", id_),
                    {"vpc": vpc, "flow_logs": flow_logs, "subnets": subnets},
                )
            )
    return records, unlisted


def _tags(props: LiveProps, raw: Mapping[str, Any]) -> dict[str, str]:
    return tags_of(props, raw.get("Tags") or [])


def _ingress(permission: Mapping[str, Any]) -> dict[str, Any]:
    cidrs = [str(r["CidrIp"]) for r in permission.get("IpRanges") or []]
    cidrs += [str(r["CidrIpv6"]) for r in permission.get("Ipv6Ranges") or []]
    protocol = str(permission.get("IpProtocol", "-1")).lower()
    protocol = _PROTOCOLS.get(protocol, protocol)
    from_port = permission.get("FromPort")
    to_port = permission.get("ToPort")
    all_ports = protocol == "all" or (
        from_port in (None, 0, -1) and to_port in (None, 0, -1, 65535)
    )
    descriptions = [
        str(r.get("Description") or "")
        for key in ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs")
        for r in permission.get(key) or []
    ]
    return {
        "protocol": protocol,
        "from_port": 0 if all_ports else from_port,
        "to_port": 65535 if all_ports else to_port,
        "cidrs": cidrs,
        "open_to_world": any(is_world(c) for c in cidrs),
        "description": next((d for d in descriptions if d), ""),
    }


def _security_group_fact(record: LiveRecord) -> Fact:
    group = record.data["group"]
    props = LiveProps()
    _tags(props, group)
    props.set("name", str(group.get("GroupName") or record.id))
    props.set("vpc_id", group.get("VpcId"))
    props.set("ingress", [_ingress(p) for p in group.get("IpPermissions") or []])
    return Fact("security_group", record.id, record.region, record.arn, props.to_dict())


def _ebs_encrypted(props: LiveProps, encrypted: list[bool | None], ebs_default: Any) -> None:
    """Volumes without an explicit flag follow the account's encryption-by-default setting."""
    if all(e is True for e in encrypted) and encrypted:
        props.set("ebs_encrypted", True)
        return
    if any(e is False for e in encrypted):
        props.set("ebs_encrypted", False)
        return
    if isinstance(ebs_default, Unavailable):
        props.unknown_because("ebs_encrypted", ebs_default)
        return
    props.set("ebs_encrypted", bool(ebs_default.get("EbsEncryptionByDefault")), default=True)


def _instance_fact(record: LiveRecord) -> Fact:
    instance = record.data["instance"]
    props = LiveProps()
    tags = _tags(props, instance)
    props.set("name", tags.get("Name") or record.id)
    metadata = instance.get("MetadataOptions") or {}
    props.set(
        "imdsv2_required",
        metadata.get("HttpTokens") == "required" or metadata.get("HttpEndpoint") == "disabled",
    )
    volumes = record.data["volumes"]
    if isinstance(volumes, Unavailable):
        props.unknown_because("ebs_encrypted", volumes)
    else:
        encrypted = {str(v["VolumeId"]): bool(v.get("Encrypted")) for v in volumes}
        mapped: list[bool | None] = [
            encrypted.get(str((m.get("Ebs") or {}).get("VolumeId")))
            for m in instance.get("BlockDeviceMappings") or []
        ]
        _ebs_encrypted(props, mapped, record.data["ebs_default"])
    props.set("public_ip", bool(instance.get("PublicIpAddress")))
    _media_node(props, record, instance.get("IamInstanceProfile"))
    return Fact("instance", record.id, record.region, record.arn, props.to_dict())


def _template_data(record: LiveRecord) -> Mapping[str, Any] | Unavailable:
    version = record.data["version"]
    if isinstance(version, Unavailable):
        return version
    versions = version.get("LaunchTemplateVersions") or [{}]
    data: Mapping[str, Any] = versions[0].get("LaunchTemplateData") or {}
    return data


def _template_fact(record: LiveRecord) -> Fact:
    template = record.data["template"]
    props = LiveProps()
    _tags(props, template)
    props.set("name", str(template.get("LaunchTemplateName") or record.id))
    data = _template_data(record)
    if isinstance(data, Unavailable):
        props.unknown_because("imdsv2_required", data)
        props.unknown_because("ebs_encrypted", data)
    else:
        metadata = data.get("MetadataOptions") or {}
        props.set(
            "imdsv2_required",
            metadata.get("HttpTokens") == "required" or metadata.get("HttpEndpoint") == "disabled",
            default=not metadata,
        )
        flags = [
            (m.get("Ebs") or {}).get("Encrypted") for m in data.get("BlockDeviceMappings") or []
        ]
        _ebs_encrypted(props, flags, record.data["ebs_default"])
    _media_node(
        props, record, data if isinstance(data, Unavailable) else data.get("IamInstanceProfile")
    )
    return Fact("launch_template", record.id, record.region, record.arn, props.to_dict())


def _vpc_fact(record: LiveRecord) -> Fact:
    vpc = record.data["vpc"]
    props = LiveProps()
    tags = _tags(props, vpc)
    props.set("name", tags.get("Name") or record.id)
    flow_logs = record.data["flow_logs"]
    if isinstance(flow_logs, Unavailable):
        props.unknown_because("flow_logs", flow_logs)
    else:
        props.set(
            "flow_logs",
            [
                {"traffic_type": str(f.get("TrafficType") or "")}
                for f in flow_logs
                if f.get("ResourceId") == record.id
            ],
        )
    return Fact("vpc", record.id, record.region, record.arn, props.to_dict())


def _raw_user_data(record: LiveRecord) -> str | Unavailable | None:
    """A host's user data as AWS gives it (base64), or why it could not be read."""
    if record.kind == "instance":
        raw = record.data["user_data"]
        if isinstance(raw, Unavailable):
            return raw
        return (raw.get("UserData") or {}).get("Value")
    data = _template_data(record)
    return data if isinstance(data, Unavailable) else data.get("UserData")


def _text(record: LiveRecord) -> str:
    value = _raw_user_data(record)
    if not isinstance(value, str) or not value:
        return ""
    return _user_data({"userDataBase64": value}) or ""


def _files(record: LiveRecord) -> dict[str, str]:
    return _written_files(_text(record))


def _media_node(props: LiveProps, record: LiveRecord, profile: Any) -> None:
    """Whether the host runs the media node (audit/workloads.py), and its instance profile."""
    value = _raw_user_data(record)
    if isinstance(value, Unavailable):
        props.unknown_because("media_node", value)
    else:
        props.set("media_node", runs_media_node(_text(record), _files(record)))
    if isinstance(profile, Unavailable):
        props.unknown_because("instance_profile", profile)
        return
    reference = (profile or {}).get("Arn") or (profile or {}).get("Name")
    props.set("instance_profile", profile_name(str(reference)) if reference else None)


def _turn_facts(hosts: Sequence[LiveRecord], media_node_cidrs: list[str] | None) -> list[Fact]:
    facts = []
    for host in hosts:
        content = _files(host).get(_TURN_CONFIG)
        if content is None:
            continue
        properties = turn_config_properties(content)
        properties["media_node_cidrs"] = media_node_cidrs
        properties["allowed_peers_outside_media_nodes"] = (
            ranges_outside(properties["allowed_peer_ranges"], media_node_cidrs or [])
            if media_node_cidrs is not None or not properties["allowed_peer_ranges"]
            else None
        )
        facts.append(
            Fact(
                "turn_config",
                f"{host.id}:{_TURN_CONFIG}",
                host.region,
                f"{host.arn}#/userData/write_files{_TURN_CONFIG}",
                properties,
            )
        )
    return facts


def media_node_cidrs(records: Sequence[LiveRecord]) -> list[str] | None:
    """CIDRs of the subnets media nodes run in (hosts whose cloud-init writes the media-node
    config, and the subnets of the auto-scaling groups launching such templates)."""
    hosts = [r for r in records if r.kind in ("instance", "launch_template")]
    media = [h for h in hosts if runs_media_node(_text(h), _files(h))]
    template_ids = {h.id for h in media if h.kind == "launch_template"}
    subnet_ids = [str(h.data["instance"].get("SubnetId")) for h in media if h.kind == "instance"]
    for group in (r for r in records if r.kind == "autoscaling_group"):
        template = group.data["group"].get("LaunchTemplate") or {}
        if template.get("LaunchTemplateId") in template_ids:
            subnet_ids += str(group.data["group"].get("VPCZoneIdentifier") or "").split(",")
    cidrs: dict[str, str] = {}
    for record in records:
        subnets = record.data.get("subnets")
        if isinstance(subnets, list):
            cidrs.update({str(s["SubnetId"]): str(s["CidrBlock"]) for s in subnets})
    found = [cidrs.get(s.strip()) for s in subnet_ids if s.strip()]
    if not found or not all(found):
        return None
    return sorted({str(c) for c in found})


def facts(records: Sequence[LiveRecord]) -> list[Fact]:
    result = [_security_group_fact(r) for r in records if r.kind == "security_group"]
    result += [_instance_fact(r) for r in records if r.kind == "instance"]
    result += [_template_fact(r) for r in records if r.kind == "launch_template"]
    result += [_vpc_fact(r) for r in records if r.kind == "vpc"]
    hosts = [r for r in records if r.kind in ("instance", "launch_template")]
    result += _turn_facts(hosts, media_node_cidrs(records))
    return result
