"""Drift: the facts of the Pulumi plan against the facts of the live account, resource by
resource. Pure: facts and findings in, a :class:`DriftReport` out.

Matching, per kind, in this order: the same id (bucket names, role names ...); a live name
that is the plan name plus Pulumi's auto-name suffix; then tags (purpose, stack, meeting-type)
when exactly one plan and one live fact are left with them. A planned resource with no match
is ``missing``; a live resource tagged for the stack (``stack`` or ``managed-by: callvault``)
with no match is ``unexpected``; other live resources are not the stack's and are not drift.
Ids and the account of matched resources are translated before values are compared, so a key
ARN the plan could only guess compares equal to the real one.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .facts import FACT_KINDS, Fact, Facts
from .findings import Finding

__all__ = ["DriftItem", "DriftReport", "PropertyChange", "VerdictChange", "compare"]

# Config facts come from the stack file, not from AWS; detective controls only from AWS; the
# stack fact and unread resources are summaries, not resources to match.
_COMPARED_KINDS = tuple(
    k
    for k in FACT_KINDS
    if k not in {"meeting_type", "processor", "stack", "resource", "detective_controls"}
)
_NOT_COMPARED = {"source", "unknown", "unknown_reasons", "aws_defaults", "ref", "name"}
_SIGNATURE_TAGS = ("purpose", "stack", "meeting-type", "Name")
_SUFFIX = re.compile(r"-[0-9a-f]{7}$")
_ACCOUNT = re.compile(r"(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)(\d{12})(:)")


@dataclass(frozen=True)
class PropertyChange:
    property: str
    planned: Any
    live: Any


@dataclass(frozen=True)
class VerdictChange:
    rule_id: str
    planned: str | None
    """The rule's status on the planned resource (``None``: not applicable there)."""
    live: str | None


@dataclass(frozen=True)
class DriftItem:
    kind: str
    status: str
    """``missing`` (planned, not found), ``unexpected`` (found, not planned), ``changed``,
    or ``in-sync``."""
    planned_id: str | None
    live_id: str | None
    region: str | None
    planned_source: str | None
    live_source: str | None
    changes: tuple[PropertyChange, ...] = ()
    verdicts: tuple[VerdictChange, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "planned": {"id": self.planned_id, "source": self.planned_source},
            "live": {"id": self.live_id, "source": self.live_source},
            "region": self.region,
            "changes": [
                {"property": c.property, "planned": c.planned, "live": c.live} for c in self.changes
            ],
            "verdict_changes": [
                {"rule_id": v.rule_id, "planned": v.planned, "live": v.live} for v in self.verdicts
            ],
        }


@dataclass(frozen=True)
class DriftReport:
    stack: str | None
    planned_source: str
    live_source: str
    generated_at: str
    items: tuple[DriftItem, ...] = field(default_factory=tuple)

    @property
    def drifted(self) -> tuple[DriftItem, ...]:
        return tuple(i for i in self.items if i.status != "in-sync")

    def counts(self) -> dict[str, int]:
        result = dict.fromkeys(("missing", "unexpected", "changed", "in-sync"), 0)
        for item in self.items:
            result[item.status] += 1
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "planned_source": self.planned_source,
            "live_source": self.live_source,
            "generated_at": self.generated_at,
            "summary": self.counts(),
            "verdict_changes": sum(len(i.verdicts) for i in self.items),
            "items": [i.to_json() for i in self.items],
        }


def _tags(fact: Fact) -> Mapping[str, str]:
    tags = fact.properties.get("tags")
    return tags if isinstance(tags, Mapping) else {}


def _signature(fact: Fact) -> tuple[str, ...]:
    tags = _tags(fact)
    return tuple(str(tags.get(t, "")) for t in _SIGNATURE_TAGS)


def _name(fact: Fact) -> str:
    return str(fact.properties.get("name") or "")


def _match_kind(planned: list[Fact], live: list[Fact]) -> list[tuple[Fact, Fact]]:
    pairs: list[tuple[Fact, Fact]] = []
    left_p, left_l = list(planned), list(live)

    def take(p: Fact, candidates: list[Fact]) -> None:
        if len(candidates) == 1:
            pairs.append((p, candidates[0]))
            left_p.remove(p)
            left_l.remove(candidates[0])

    for p in list(left_p):
        take(p, [f for f in left_l if f.id == p.id])
    for p in list(left_p):
        name = _name(p)
        if name:
            take(p, [f for f in left_l if _name(f) == name or _SUFFIX.sub("", _name(f)) == name])
    # Tags last, and only where they single out one resource on both sides.
    for p in list(left_p):
        same = [f for f in left_p if _signature(f) == _signature(p)]
        if len(same) == 1 and any(_signature(p)):
            take(p, [f for f in left_l if _signature(f) == _signature(p)])
    return pairs


def _translate(value: Any, ids: Mapping[str, str], account: str | None) -> Any:
    if isinstance(value, str):
        for planned, live in ids.items():
            value = value.replace(planned, live)
        return _ACCOUNT.sub(rf"\g<1>{account}\g<3>", value) if account else value
    if isinstance(value, Mapping):
        return {k: _translate(v, ids, account) for k, v in value.items()}
    if isinstance(value, list):
        return [_translate(v, ids, account) for v in value]
    return value


def _canonical(value: Any) -> Any:
    """Order-insensitive lists (rules, statements, flow logs come back in any order)."""
    if isinstance(value, Mapping):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def _changes(
    planned: Fact, live: Fact, ids: Mapping[str, str], account: str | None
) -> list[PropertyChange]:
    changes = []
    for name in sorted(set(planned.properties) & set(live.properties) - _NOT_COMPARED):
        want = planned.properties[name]
        got = live.properties[name]
        if name == "tags" and isinstance(got, Mapping):
            got = {k: v for k, v in got.items() if k != "Name"}  # set by hand to find hosts
            want = {k: v for k, v in (want or {}).items() if k != "Name"}
        if name in planned.properties.get("unknown", []):
            continue  # the plan cannot know it: nothing to compare against
        if name in live.properties.get("unknown", []):
            changes.append(PropertyChange(name, want, None))
            continue
        if _canonical(_translate(want, ids, account)) != _canonical(got):
            changes.append(PropertyChange(name, _translate(want, ids, account), got))
    if planned.region != live.region:
        changes.append(PropertyChange("region", planned.region, live.region))
    return changes


def _statuses(findings: Iterable[Finding]) -> dict[tuple[str, str], dict[str, str]]:
    table: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for f in findings:
        table[(f.resource_kind, f.resource_id)][f.rule_id] = f.status
    return table


def _verdicts(planned: Mapping[str, str], live: Mapping[str, str]) -> tuple[VerdictChange, ...]:
    return tuple(
        VerdictChange(rule, planned.get(rule), live.get(rule))
        for rule in sorted(set(planned) | set(live))
        if planned.get(rule) != live.get(rule)
    )


def _ours(fact: Fact, stack: str | None) -> bool:
    tags = _tags(fact)
    return (stack is not None and tags.get("stack") == stack) or tags.get(
        "managed-by"
    ) == "callvault"


def _turn_pairs(
    planned: Sequence[Fact], live: Sequence[Fact], hosts: Mapping[str, str]
) -> list[tuple[Fact, Fact]]:
    by_id = {f.id: f for f in live}
    pairs = []
    for p in planned:
        host, _, path = p.id.partition(":")
        match = by_id.get(f"{hosts.get(host, host)}:{path}")
        if match is not None:
            pairs.append((p, match))
    return pairs


def compare(
    planned: Facts,
    live: Facts,
    planned_findings: Sequence[Finding],
    live_findings: Sequence[Finding],
    *,
    account: str | None,
    generated_at: str,
) -> DriftReport:
    """Every planned and every stack-owned live resource, matched, with what changed and
    which rule verdicts the change turns."""
    planned_status = _statuses(planned_findings)
    live_status = _statuses(live_findings)
    items: list[DriftItem] = []
    ids: dict[str, str] = {}
    matched: list[tuple[Fact, Fact]] = []
    unmatched_p: list[Fact] = []
    unmatched_l: list[Fact] = []
    for kind in _COMPARED_KINDS:
        p_facts = planned.of_kind(kind)
        l_facts = [f for f in live.of_kind(kind) if not f.properties.get("unlisted")]
        if kind == "turn_config":
            pairs = _turn_pairs(p_facts, l_facts, ids)
        else:
            pairs = _match_kind(p_facts, l_facts)
        ids.update({p.id: live_fact.id for p, live_fact in pairs if p.id != live_fact.id})
        matched += pairs
        unmatched_p += [f for f in p_facts if all(f is not p for p, _ in pairs)]
        unmatched_l += [f for f in l_facts if all(f is not other for _, other in pairs)]
    for p, found in matched:
        changes = _changes(p, found, ids, account)
        items.append(
            DriftItem(
                p.kind,
                "changed" if changes else "in-sync",
                p.id,
                found.id,
                found.region,
                p.source,
                found.source,
                tuple(changes),
                _verdicts(
                    planned_status.get((p.kind, p.id), {}),
                    live_status.get((found.kind, found.id), {}),
                ),
            )
        )
    for p in unmatched_p:
        items.append(
            DriftItem(
                p.kind,
                "missing",
                p.id,
                None,
                p.region,
                p.source,
                None,
                (),
                _verdicts(planned_status.get((p.kind, p.id), {}), {}),
            )
        )
    for extra in unmatched_l:
        if _ours(extra, planned.context.stack):
            items.append(
                DriftItem(
                    extra.kind,
                    "unexpected",
                    None,
                    extra.id,
                    extra.region,
                    None,
                    extra.source,
                    (),
                    _verdicts({}, live_status.get((extra.kind, extra.id), {})),
                )
            )
    order = {"missing": 0, "changed": 1, "unexpected": 2, "in-sync": 3}
    items.sort(key=lambda i: (order[i.status], i.kind, i.planned_id or "", i.live_id or ""))
    return DriftReport(
        stack=planned.context.stack,
        planned_source=planned.source_description,
        live_source=live.source_description,
        generated_at=generated_at,
        items=tuple(items),
    )
