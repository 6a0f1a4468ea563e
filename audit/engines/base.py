"""The engine interface: compile the library, evaluate batches of facts, report per package.

A batch is one chunk of facts (all of one kind) and the rule packages that apply to it. The
result maps each package either to its ``{"applicable": [...], "deny": [...]}`` object or to
an :class:`PackageError`; an engine never turns an error into an empty (passing) result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "Batch",
    "BatchResult",
    "PackageError",
    "PackageResult",
    "PolicyEngine",
    "parse_package_result",
    "query_for",
]


@dataclass(frozen=True)
class Batch:
    facts: Sequence[Mapping[str, Any]]
    packages: tuple[str, ...]


@dataclass(frozen=True)
class PackageResult:
    applicable: frozenset[str]
    deny: Mapping[str, tuple[str, ...]]
    """Fact ref -> messages."""


@dataclass(frozen=True)
class PackageError:
    message: str


BatchResult = dict[str, PackageResult | PackageError]


class PolicyEngine(Protocol):
    name: str
    """Shown in the summary and in report.json, with the engine's version."""
    version: str
    chunk_size: int
    """Facts per batch this engine evaluates best (measured in bench/policy_eval.py)."""

    def load(self, modules: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Compile ``(path, text)`` modules; returns path -> error for those that do not."""
        ...

    def evaluate(
        self, batches: Sequence[Batch], context: Mapping[str, Any]
    ) -> Iterable[BatchResult]:
        """One result per batch, in order; may be produced while the caller consumes it."""
        ...

    def close(self) -> None: ...


def query_for(packages: Sequence[str]) -> str:
    """One query binding ``x`` to an object of every package's rule document."""
    members = ", ".join(f'"{p}": data.callvault.rules.{p}' for p in packages)
    return f"x := {{{members}}}"


def parse_package_result(package: str, value: Any) -> PackageResult | PackageError:
    """Validate one package's document; anything malformed is an error, never a pass."""
    if not isinstance(value, Mapping):
        return PackageError(f"package {package} evaluated to {json.dumps(value)[:80]}")
    applicable = value.get("applicable", [])
    deny = value.get("deny", [])
    if not isinstance(applicable, list) or not isinstance(deny, list):
        return PackageError(f"package {package}: 'applicable' and 'deny' must be sets")
    messages: dict[str, list[str]] = {}
    for item in deny:
        if not isinstance(item, Mapping) or not isinstance(item.get("ref"), str):
            return PackageError(f"package {package}: deny entries must be {{ref, msg}} objects")
        messages.setdefault(item["ref"], []).append(str(item.get("msg", "")))
    return PackageResult(
        applicable=frozenset(str(a) for a in applicable),
        deny={ref: tuple(sorted(msgs)) for ref, msgs in messages.items()},
    )
