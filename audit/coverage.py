"""Coverage, fail closed: what the audit did not read, which rules judged nothing, and whether
the engine answered for every fact it was sent. Pure functions.

* :func:`unassessed_facts`: every resource of a type outside the facts model becomes a
  ``resource`` fact (type, category, region) instead of vanishing; CV-COV-001/002 judge them.
* :func:`coverage_of`: the unread types and the rules that applied to nothing, for reports.
* :func:`check_answer`: an engine answer naming facts that were never sent (regopy's unescaped
  strings turn a name with a tab into another name) is not well-formed: an error, not a pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .engines.base import PackageError, PackageResult
from .facts import Fact

__all__ = [
    "RISKY_CATEGORIES",
    "Coverage",
    "UnassessedType",
    "category_of",
    "check_answer",
    "coverage_of",
    "inert_reason",
    "unassessed_fact",
]

RISKY_CATEGORIES = frozenset({"storage", "key", "compute", "database", "network", "unknown"})
"""Categories of unread types that fail closed (CV-COV-001) unless listed as inert."""


@cache
def _types() -> Mapping[str, Any]:
    text = resources.files("audit").joinpath("data/resource_types.yaml").read_text()
    document = yaml.safe_load(text)
    if not isinstance(document, Mapping) or not {"categories", "inert"} <= set(document):
        raise ValueError("audit/data/resource_types.yaml needs 'categories' and 'inert'")
    return document


def category_of(type_: str) -> str:
    """``storage``, ``key``, ... by the longest matching ``package:module`` prefix; an AWS
    module the table does not know is ``unknown`` (fails closed); another provider ``other``."""
    module = type_.split("/", 1)[0] if "/" in type_ else type_.rsplit(":", 1)[0]
    categories: Mapping[str, str] = _types()["categories"]
    for prefix in sorted(categories, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "/"):
            return categories[prefix]
    return "unknown" if type_.startswith(("aws:", "aws-native:")) else "other"


def inert_reason(type_: str) -> str | None:
    reason = _types()["inert"].get(type_)
    return str(reason) if reason else None


def unassessed_fact(
    type_: str, name: str, urn: str, region: str | None, resource_id: str | None
) -> Fact:
    return Fact(
        "resource",
        f"{name} ({type_})",
        region,
        urn,
        {
            "type": type_,
            "category": category_of(type_),
            "inert_reason": inert_reason(type_),
            "cloud_id": resource_id,
            "unknown": [],
        },
    )


@dataclass(frozen=True)
class UnassessedType:
    type: str
    category: str
    count: int
    inert_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "category": self.category,
            "count": self.count,
            "inert_reason": self.inert_reason,
        }


@dataclass(frozen=True)
class Coverage:
    unassessed: tuple[UnassessedType, ...]
    """Resource types the facts model did not read, with how many of each."""
    idle_rules: tuple[str, ...]
    """Rules that produced no finding: nothing of their kinds was in the input."""

    def to_json(self) -> dict[str, Any]:
        return {
            "unassessed_types": [u.to_json() for u in self.unassessed],
            "idle_rules": list(self.idle_rules),
        }


def coverage_of(
    facts: Iterable[Fact], rule_ids: Iterable[str], judged: Collection[str]
) -> Coverage:
    counts: Counter[str] = Counter()
    for fact in facts:
        if fact.kind == "resource":
            counts[str(fact.properties["type"])] += 1
    unassessed = tuple(
        UnassessedType(type_, category_of(type_), count, inert_reason(type_))
        for type_, count in sorted(counts.items())
    )
    return Coverage(unassessed, tuple(sorted(set(rule_ids) - set(judged))))


def check_answer(
    package: str, outcome: PackageResult | PackageError, sent: Sequence[str]
) -> PackageResult | PackageError:
    """The answer may only name facts that were sent; anything else is malformed."""
    if isinstance(outcome, PackageError):
        return outcome
    named = set(outcome.applicable) | set(outcome.deny)
    strangers = sorted(named - set(sent))
    if strangers:
        return PackageError(
            f"package {package}: the engine answered for facts it was not sent "
            f"({strangers[0]!r}...): its answer is not well-formed"
        )
    return outcome
