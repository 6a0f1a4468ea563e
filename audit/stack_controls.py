"""The ``stack`` fact: controls that must exist somewhere in the stack, so that removing one
fails instead of making the rules about it stop applying. Pure: facts in, one fact out.

Properties (docs/facts.md): ``recording_buckets``, ``multi_region_trails``,
``recording_buckets_without_trail`` (no multi-region, logging trail records both reads and
writes of its objects), ``vpcs``, ``vpcs_without_all_flow_logs``, ``turn_hosts``,
``turn_hosts_without_config``, ``media_node_hosts``, ``media_node_hosts_without_role`` (a
media-node host whose instance profile holds no role the facts hold), ``processors``,
``meeting_types``; ``unknown`` as on every fact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .facts import AuditContext, Fact, Facts
from .workloads import derive_workloads, media_node_hosts, profile_name

__all__ = ["complete_facts", "stack_fact"]


def _of(facts: Sequence[Fact], kind: str) -> list[Fact]:
    return [f for f in facts if f.kind == kind]


def _records(trail: Mapping[str, Any], bucket: str, access: str) -> bool:
    prefix_target = f"arn:aws:s3:::{bucket}/"
    return any(
        selector.get(access) is True
        and any(prefix_target.startswith(p) for p in selector.get("arn_prefixes") or [])
        for selector in trail.get("s3_data_selectors") or []
    )


def _media_node_hosts_without_role(
    facts: Sequence[Fact], media_hosts: Sequence[Fact]
) -> tuple[list[str], bool]:
    """Media-node hosts no role can be found for (no instance profile, or a profile that holds
    no role of the facts), and whether that is unknown (a host whose user data or profile is
    unknown, or a role whose profiles are)."""
    hosts = [f for f in facts if f.kind in ("instance", "launch_template")]
    roles = _of(facts, "iam_role")
    unknown = any("media_node" in h.properties.get("unknown", ()) for h in hosts)
    unknown |= any("instance_profile" in h.properties.get("unknown", ()) for h in media_hosts)
    unknown |= any("instance_profiles" in r.properties.get("unknown", ()) for r in roles)
    profiles = {profile_name(p) for r in roles for p in r.properties.get("instance_profiles") or []}
    without = sorted(
        h.id
        for h in media_hosts
        if not isinstance(h.properties.get("instance_profile"), str)
        or profile_name(h.properties["instance_profile"]) not in profiles
    )
    return without, unknown


def stack_fact(facts: Sequence[Fact], context: AuditContext, source: str) -> Fact:
    unknown: set[str] = set()
    buckets = [f for f in _of(facts, "bucket") if f.properties.get("holds_recordings")]
    trails = _of(facts, "trail")
    if any(f.properties.get("unknown") for f in trails):
        unknown.add("recording_buckets_without_trail")
    good_trails = [
        t.properties
        for t in trails
        if t.properties.get("multi_region") is True and t.properties.get("logging_enabled") is True
    ]
    without_trail = [
        b.id
        for b in buckets
        if not any(_records(t, b.id, "reads") and _records(t, b.id, "writes") for t in good_trails)
    ]
    vpcs = _of(facts, "vpc")
    if any("flow_logs" in f.properties.get("unknown", ()) for f in vpcs):
        unknown.add("vpcs_without_all_flow_logs")
    without_flow_logs = [
        v.id
        for v in vpcs
        if not any(
            str(log.get("traffic_type")).upper() == "ALL"
            for log in v.properties.get("flow_logs") or []
        )
    ]
    hosts = [f for f in facts if f.kind in ("instance", "launch_template")]
    turn_hosts = [h for h in hosts if h.properties.get("turn_relay")]
    if any("turn_config_found" in h.properties.get("unknown", ()) for h in turn_hosts):
        unknown.add("turn_hosts_without_config")
    media_hosts = media_node_hosts(facts)
    without_role, roles_unknown = _media_node_hosts_without_role(facts, media_hosts)
    if roles_unknown:
        unknown.add("media_node_hosts_without_role")
    properties: dict[str, Any] = {
        "recording_buckets": sorted(b.id for b in buckets),
        "multi_region_trails": sorted(
            t.id for t in trails if t.properties.get("multi_region") is True
        ),
        "recording_buckets_without_trail": sorted(without_trail),
        "vpcs": sorted(v.id for v in vpcs),
        "vpcs_without_all_flow_logs": sorted(without_flow_logs),
        "hosts": len(hosts),
        "turn_hosts": sorted(h.id for h in turn_hosts),
        "turn_hosts_without_config": sorted(
            h.id for h in turn_hosts if h.properties.get("turn_config_found") is not True
        ),
        "media_node_hosts": sorted(h.id for h in media_hosts),
        "media_node_hosts_without_role": without_role,
        "processors": sorted(f.id for f in _of(facts, "processor")),
        "meeting_types": sorted(f.id for f in _of(facts, "meeting_type")),
    }
    for name in unknown:
        properties[name] = None
    properties["unknown"] = sorted(unknown)
    return Fact("stack", context.stack or "stack", None, source, properties)


def complete_facts(facts: Facts) -> Facts:
    """Derive the recording scope and each role's workload (audit/workloads.py), point each
    trail at the buckets it must cover, and add the ``stack`` fact. Run once on everything a
    source produced (after merging)."""
    scoped = derive_workloads(facts.facts, facts.context)
    recording = sorted(
        f.id for f in scoped if f.kind == "bucket" and f.properties.get("holds_recordings")
    )
    completed = []
    for f in scoped:
        if f.kind == "trail" and "recording_buckets" not in f.properties.get("unknown", ()):
            f = Fact(
                f.kind, f.id, f.region, f.source, {**f.properties, "recording_buckets": recording}
            )
        completed.append(f)
    completed.append(stack_fact(completed, facts.context, facts.source_description))
    return Facts(facts.source_description, facts.context, tuple(completed))
