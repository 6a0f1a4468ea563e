"""The ``stack`` fact: controls that must exist somewhere in the stack, so that removing one
fails instead of making the rules about it stop applying. Pure: facts in, one fact out.

Properties (docs/facts.md): ``recording_buckets``, ``multi_region_trails``,
``recording_buckets_without_trail`` (no multi-region, logging trail records both reads and
writes of its objects), ``vpcs``, ``vpcs_without_all_flow_logs``, ``turn_hosts``,
``turn_hosts_without_config``, ``processors``, ``meeting_types``; ``unknown`` as on every fact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .facts import AuditContext, Fact, Facts
from .scope import derive_recording_scope

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
        "processors": sorted(f.id for f in _of(facts, "processor")),
        "meeting_types": sorted(f.id for f in _of(facts, "meeting_type")),
    }
    for name in unknown:
        properties[name] = None
    properties["unknown"] = sorted(unknown)
    return Fact("stack", context.stack or "stack", None, source, properties)


def complete_facts(facts: Facts) -> Facts:
    """Derive the recording scope, point each trail at the buckets it must cover, and add the
    ``stack`` fact. Run once on everything a source produced (after merging)."""
    scoped = derive_recording_scope(facts.facts, facts.context)
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
