"""Which role is which workload, from what the role is and does, never from its name.

* ``media-node``: the role whose instance profile is attached to a host (instance or launch
  template) that runs the media node (``media_node`` on the host fact); or, failing that, a
  role whose statements can write recordings and nothing else of them.
* ``dpo`` (a recording reader): a role whose statements can read, delete or directly decrypt
  the recordings: a recording bucket's objects under a meeting type's prefix, or the key they
  are encrypted with. Such a role is judged by the DPO role's rule, whatever it is called.

The recordings are the buckets :mod:`audit.scope` derives (the same facts as CV-SCP-*), after
the media-node role has been found by its hosts. A role whose statements or managed policies
are unknown has an unknown workload (its rules then error). The role's name suffix and
``workload`` tag stay as ``workload_hint``, shown in the report and never deciding.

Pure: facts and context in, facts out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from .facts import AuditContext, Fact
from .scope import RECORDING_PURPOSE, derive_recording_scope

__all__ = [
    "derive_workloads",
    "media_node_hosts",
    "profile_name",
    "runs_media_node",
    "workload_hint",
]

_HOST_KINDS = ("instance", "launch_template")
_ACCESS_ACTIONS = {
    "write": ("s3:PutObject",),
    "read": ("s3:GetObject", "s3:GetObjectVersion"),
    "delete": ("s3:DeleteObject", "s3:DeleteObjectVersion"),
}
_DECRYPT = "kms:Decrypt"
# AWS managed policies that grant reading every bucket's objects.
_READING_MANAGED = frozenset(
    {
        "AdministratorAccess",
        "PowerUserAccess",
        "ReadOnlyAccess",
        "AmazonS3FullAccess",
        "AmazonS3ReadOnlyAccess",
    }
)
_AWS_MANAGED = "arn:aws:iam::aws:policy/"


_MEDIA_NODE_CONFIG = "/etc/callvault/media-node.yaml"
# The node's command (or its module) run as a service, or its package installed with the
# node's extra.
_MEDIA_NODE_RUN = re.compile(r"\bmedia-node\s+serve\b|-m\s+media_node\b|callvault\[node\]")


def runs_media_node(user_data: str, files: Mapping[str, str]) -> bool:
    """Whether a host's cloud-init installs or runs the media node: it writes the node's config,
    runs ``media-node serve`` (or ``python -m media_node``) or installs ``callvault[node]``
    (in a script or a written file)."""
    return _MEDIA_NODE_CONFIG in files or any(
        _MEDIA_NODE_RUN.search(text) for text in (user_data, *files.values())
    )


def workload_hint(name: str, tags: Mapping[str, str]) -> str | None:
    """What a role's name suffix or ``workload`` tag claims: shown, never deciding."""
    claimed = next((w for w in ("media-node", "dpo") if name.endswith(f"-{w}")), None)
    return claimed or tags.get("workload")


def profile_name(reference: str) -> str:
    """An instance profile's name from its name or ARN (``...:instance-profile/path/name``)."""
    return reference.rsplit(":instance-profile/", 1)[-1].rsplit("/", 1)[-1]


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    """An IAM wildcard pattern (``*``, ``?``; nothing else is special) as a regex."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), re.S)


def _matches_action(patterns: Iterable[str], action: str) -> bool:
    return any(_glob(p.lower()).fullmatch(action.lower()) for p in patterns)


def _grants(statement: Mapping[str, Any], action: str) -> bool:
    if statement.get("not_actions"):
        return not _matches_action(statement["not_actions"], action)
    return _matches_action(statement.get("actions") or [], action)


def _reaches_prefix(pattern: str, prefix: str) -> bool:
    """Whether the pattern matches some name starting with ``prefix``."""
    for i, char in enumerate(pattern):
        if char == "*":
            return True
        if i == len(prefix):
            return True
        if char != "?" and char != prefix[i]:
            return False
    return len(pattern) >= len(prefix)


def _covers_prefix(pattern: str, prefix: str) -> bool:
    """Whether the pattern matches every name starting with ``prefix``."""
    if not pattern.endswith("*"):
        return False
    head = _glob(pattern[:-1])
    return any(head.fullmatch(prefix[:i]) for i in range(len(prefix) + 1))


def _on(statement: Mapping[str, Any], target: str, *, prefix: bool) -> bool:
    """Whether the statement's resources reach ``target`` (a name prefix, or an exact ARN)."""
    if statement.get("not_resources"):
        excluded = statement["not_resources"]
        if prefix:
            return not any(_covers_prefix(p, target) for p in excluded)
        return not any(_glob(p).fullmatch(target) for p in excluded)
    resources = statement.get("resources") or []
    if prefix:
        return any(_reaches_prefix(r, target) for r in resources)
    return any(_glob(r).fullmatch(target) for r in resources)


def media_node_hosts(facts: Sequence[Fact]) -> list[Fact]:
    """Instances and launch templates whose user data installs or runs the media node."""
    return [f for f in facts if f.kind in _HOST_KINDS and f.properties.get("media_node") is True]


def _recording_targets(facts: Sequence[Fact], context: AuditContext) -> tuple[list[str], list[str]]:
    """Object ARN prefixes of the recordings, and the ARNs of the keys that encrypt them."""
    prefixes = sorted({str(mt.get("prefix") or "") for mt in context.meeting_types.values()})
    buckets = [f for f in facts if f.kind == "bucket" and f.properties.get("holds_recordings")]
    objects = [f"arn:aws:s3:::{b.id}/{p}" for b in buckets for p in prefixes or [""]]
    key_refs = {
        str((b.properties.get("encryption") or {}).get("kms_key_id") or "") for b in buckets
    } - {""}
    keys = set()
    for f in facts:
        if f.kind != "kms_key":
            continue
        arn = str(f.properties.get("arn") or "")
        if f.properties.get("purpose") == RECORDING_PURPOSE or any(
            ref in (f.id, arn) or ref.endswith(f"/{f.id}") for ref in key_refs
        ):
            keys.add(arn or f.id)
    # A bucket key the facts do not hold (another account's, or an alias) is still its key.
    keys |= {k for k in key_refs if k.startswith("arn:aws:kms:")}
    return objects, sorted(keys)


def _access(
    role: Fact, objects: Sequence[str], keys: Sequence[str]
) -> tuple[set[str] | None, list[str]]:
    """What the role may do to the recordings (``None``: unknown), with the evidence."""
    props = role.properties
    managed = props.get("managed_policy_arns")
    statements = props.get("statements")
    if not isinstance(statements, list) or not isinstance(managed, list):
        return None, ["its statements or managed policies are unknown"]
    access: set[str] = set()
    evidence = []
    for arn in managed:
        if arn.startswith(_AWS_MANAGED) and arn.rsplit("/", 1)[-1] not in _READING_MANAGED:
            continue
        if not arn.startswith(_AWS_MANAGED):
            # The account's own policy: every source joins its document into `statements`,
            # or makes them unknown when it cannot show it (handled above).
            continue
        access |= {"read", "write", "delete"}
        evidence.append(f"managed policy {arn} reads every bucket")
    allows = [s for s in statements if s.get("effect") == "Allow"]
    for kind, actions in _ACCESS_ACTIONS.items():
        for statement in allows:
            hit = next(
                (
                    (a, o)
                    for a in actions
                    for o in objects
                    if _grants(statement, a) and _on(statement, o, prefix=True)
                ),
                None,
            )
            if hit:
                access.add(kind)
                evidence.append(f"{hit[0]} on {hit[1]}*")
                break
    for statement in allows:
        # A decrypt only a service may make on the role's behalf (kms:ViaService) needs that
        # service's own access (s3:GetObject above) to reach a recording.
        if "kms:viaservice" in statement.get("condition_keys", ()):
            continue
        if not _grants(statement, _DECRYPT):
            continue
        key = next((k for k in keys if _on(statement, k, prefix=False)), None)
        if key:
            access.add("decrypt")
            evidence.append(f"kms:Decrypt on {key}")
            break
    return access, evidence


def _with(fact: Fact, **properties: Any) -> Fact:
    return Fact(fact.kind, fact.id, fact.region, fact.source, {**fact.properties, **properties})


def _unknown_workload(role: Fact, why: str) -> Fact:
    props = role.properties
    return _with(
        role,
        workload=None,
        workload_evidence=[why],
        recording_access=None,
        unknown=sorted({*props.get("unknown", ()), "workload"}),
        unknown_reasons={**props.get("unknown_reasons", {}), "workload": why},
    )


def _media_node_roles(facts: Sequence[Fact]) -> dict[str, list[str]]:
    """Role id -> the media-node hosts whose instance profile holds it."""
    by_profile: dict[str, list[str]] = {}
    for host in media_node_hosts(facts):
        profile = host.properties.get("instance_profile")
        if isinstance(profile, str) and profile:
            by_profile.setdefault(profile_name(profile), []).append(host.id)
    roles: dict[str, list[str]] = {}
    for f in facts:
        if f.kind == "iam_role":
            for profile in f.properties.get("instance_profiles") or []:
                roles.setdefault(f.id, []).extend(by_profile.get(profile_name(profile), []))
    return {role: sorted(set(hosts)) for role, hosts in roles.items() if hosts}


def derive_workloads(facts: Sequence[Fact], context: AuditContext) -> list[Fact]:
    """Every role fact gains ``workload``, ``workload_evidence`` and ``recording_access``;
    every bucket fact gains the recording scope (:func:`audit.scope.derive_recording_scope`)."""
    on_hosts = _media_node_roles(facts)
    placed = [
        _with(
            f,
            workload="media-node",
            workload_evidence=[f"instance profile of media-node host {h}" for h in on_hosts[f.id]],
        )
        if f.kind == "iam_role" and f.id in on_hosts
        else f
        for f in facts
    ]
    scoped = derive_recording_scope(placed, context)
    objects, keys = _recording_targets(scoped, context)
    result = []
    for f in scoped:
        if f.kind != "iam_role" or f.properties.get("unlisted"):
            result.append(f)
            continue
        access, evidence = _access(f, objects, keys)
        if f.id in on_hosts:
            f = _with(f, recording_access=sorted(access) if access is not None else None)
        elif access is None:
            f = _unknown_workload(f, evidence[0])
        else:
            workload = (
                "dpo"
                if access & {"read", "delete", "decrypt"}
                else "media-node"
                if "write" in access
                else None
            )
            f = _with(
                f,
                workload=workload,
                workload_evidence=evidence,
                recording_access=sorted(access),
            )
        result.append(f)
    return result
