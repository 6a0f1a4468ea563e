"""Which buckets hold recordings, derived from the facts, never taken from a tag alone.

A bucket holds recordings when the media-node role may write to it, when it is encrypted with
the recordings key (a key the media-node role may use, or one tagged ``call-recording``), when
its lifecycle rules sit under a meeting type's prefix, or when it is tagged
``purpose=call-recording``. Pure: facts and context in, facts out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .facts import AuditContext, Fact

__all__ = ["RECORDING_PURPOSE", "derive_recording_scope"]

RECORDING_PURPOSE = "call-recording"
_WRITE_ACTIONS = {"s3:putobject", "s3:*", "*", "s3:put*"}
_KEY_ACTIONS = {"kms:generatedatakey", "kms:*", "*", "kms:generatedatakey*"}


def _media_node_statements(facts: Sequence[Fact]) -> list[Mapping[str, Any]]:
    return [
        statement
        for f in facts
        if f.kind == "iam_role" and f.properties.get("workload") == "media-node"
        for statement in f.properties.get("statements") or []
        if statement.get("effect") == "Allow"
    ]


def _written_buckets(statements: Sequence[Mapping[str, Any]]) -> set[str]:
    buckets = set()
    for statement in statements:
        if not {a.lower() for a in statement.get("actions", [])} & _WRITE_ACTIONS:
            continue
        for resource in statement.get("resources", []):
            if resource.startswith("arn:aws:s3:::"):
                buckets.add(resource.removeprefix("arn:aws:s3:::").split("/", 1)[0])
    return buckets


def _recording_keys(facts: Sequence[Fact], statements: Sequence[Mapping[str, Any]]) -> set[str]:
    used = {
        resource
        for statement in statements
        if {a.lower() for a in statement.get("actions", [])} & _KEY_ACTIONS
        for resource in statement.get("resources", [])
        if resource.startswith("arn:aws:kms:")
    }
    keys = set()
    for f in facts:
        if f.kind != "kms_key":
            continue
        names = {f.id, str(f.properties.get("arn") or "")} - {""}
        if names & used or any(u.endswith(f"/{f.id}") for u in used):
            keys |= names
        elif f.properties.get("purpose") == RECORDING_PURPOSE:
            keys |= names
    return keys


def _evidence(
    bucket: Fact, written: set[str], keys: set[str], prefixes: Sequence[str]
) -> list[str]:
    props = bucket.properties
    evidence = []
    if bucket.id in written:
        evidence.append("written by the media-node role")
    kms_key = str((props.get("encryption") or {}).get("kms_key_id") or "")
    if kms_key and (kms_key in keys or any(kms_key.endswith(f"/{k}") for k in keys)):
        evidence.append("encrypted with the recordings key")
    lifecycle_prefixes = [str(r.get("prefix") or "") for r in props.get("lifecycle") or []]
    if prefixes and any(p and p.startswith(m) for p in lifecycle_prefixes for m in prefixes):
        evidence.append("lifecycle rules under meeting-type prefixes")
    if props.get("purpose") == RECORDING_PURPOSE:
        evidence.append("tagged purpose=call-recording")
    return evidence


def derive_recording_scope(facts: Sequence[Fact], context: AuditContext) -> list[Fact]:
    """Every bucket fact gains ``holds_recordings`` and ``recording_evidence``."""
    statements = _media_node_statements(facts)
    written = _written_buckets(statements)
    keys = _recording_keys(facts, statements)
    prefixes = [str(mt.get("prefix") or "") for mt in context.meeting_types.values()]
    result = []
    for f in facts:
        if f.kind == "bucket":
            evidence = _evidence(f, written, keys, prefixes)
            f = Fact(
                f.kind,
                f.id,
                f.region,
                f.source,
                {
                    **f.properties,
                    "holds_recordings": bool(evidence),
                    "recording_evidence": evidence,
                },
            )
        result.append(f)
    return result
