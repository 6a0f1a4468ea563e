"""The facts model: normalized, source-independent facts the policies read (docs/facts.md).

A fact is a JSON object with ``kind``, ``id``, ``region`` (None for global things), ``source``
(a Pulumi URN, an ARN, or ``file#/json/pointer``) and kind-specific properties. Adapters (plan,
state, and later the live scan) do every join in Python; policies never see provider types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FACT_KINDS", "AuditContext", "Fact", "Facts"]

FACT_KINDS: tuple[str, ...] = (
    "bucket",
    "kms_key",
    "trail",
    "security_group",
    "instance",
    "launch_template",
    "iam_role",
    "log_group",
    "ssm_parameter",
    "vpc",
    "turn_config",
    "meeting_type",
    "processor",
    "stack",
    "resource",
    "detective_controls",
)


@dataclass(frozen=True)
class Fact:
    kind: str
    """One of :data:`FACT_KINDS`."""
    id: str
    """Stable identifier: bucket name, key id, role name, meeting-type name ..."""
    region: str | None
    """AWS region, ``None`` when the thing is global or the source does not say."""
    source: str
    """Where the fact came from, so a finding points at the thing to fix."""
    properties: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific properties (docs/facts.md)."""

    def __post_init__(self) -> None:
        if self.kind not in FACT_KINDS:
            raise ValueError(f"'kind' must be in {list(FACT_KINDS)} (got '{self.kind}')")
        if not self.id:
            raise ValueError(f"fact of kind '{self.kind}' from {self.source} has an empty id")

    def to_json(self) -> dict[str, Any]:
        document = dict(self.properties)
        document.update(kind=self.kind, id=self.id, region=self.region, source=self.source)
        return document


@dataclass(frozen=True)
class AuditContext:
    """What the rules compare facts against: the stack's declared intent."""

    allowed_regions: tuple[str, ...]
    meeting_types: Mapping[str, Mapping[str, Any]]
    """Meeting-type name -> ``{prefix, retention_days, legal_basis, recording, mode}``."""
    max_log_retention_days: int
    stack: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "allowed_regions": list(self.allowed_regions),
            "meeting_types": {name: dict(mt) for name, mt in self.meeting_types.items()},
            "max_log_retention_days": self.max_log_retention_days,
            "stack": self.stack,
        }


@dataclass(frozen=True)
class Facts:
    """Everything one source produced, plus the context it is judged against."""

    source_description: str
    context: AuditContext
    facts: tuple[Fact, ...]

    def of_kind(self, kind: str) -> list[Fact]:
        return [f for f in self.facts if f.kind == kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source_description,
            "context": self.context.to_json(),
            "facts": [f.to_json() for f in self.facts],
        }

    @staticmethod
    def merge(parts: Iterable[Facts]) -> Facts:
        items = list(parts)
        if not items:
            raise ValueError("nothing to merge")
        return Facts(
            source_description=" + ".join(p.source_description for p in items),
            context=items[0].context,
            facts=tuple(f for p in items for f in p.facts),
        )
