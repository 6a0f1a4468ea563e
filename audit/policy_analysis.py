"""Pure readings of AWS JSON policy documents (bucket, key, IAM) into facts the rules can use.

Rego could walk the statements too, but the shapes vary (string or list, ``"*"`` or
``{"AWS": "*"}``), so the normalization happens here once and every source shares it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "allows_public_access",
    "denies_insecure_transport",
    "denies_unencrypted_puts",
    "normalize_statements",
    "parse_policy",
]


def parse_policy(document: Any) -> dict[str, Any] | None:
    """A policy as a dict; ``None`` when absent. Raises ``ValueError`` on malformed JSON."""
    if document is None or document == "":
        return None
    if isinstance(document, str):
        parsed = json.loads(document)
    else:
        parsed = document
    if not isinstance(parsed, Mapping):
        raise ValueError(f"a policy document must be a JSON object (got {type(parsed).__name__})")
    return dict(parsed)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _principals(principal: Any) -> list[str]:
    if principal is None:
        return []
    if isinstance(principal, str):
        return [principal]
    if isinstance(principal, Mapping):
        return [str(v) for values in principal.values() for v in _as_list(values)]
    return [str(p) for p in _as_list(principal)]


def normalize_statements(policy: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Each statement with list-valued actions, resources and principals and condition keys."""
    if not policy:
        return []
    statements = []
    for raw in _as_list(policy.get("Statement")):
        if not isinstance(raw, Mapping):
            continue
        conditions = raw.get("Condition") or {}
        statements.append(
            {
                "sid": str(raw.get("Sid", "")),
                "effect": str(raw.get("Effect", "")),
                "actions": [str(a) for a in _as_list(raw.get("Action"))],
                "not_actions": [str(a) for a in _as_list(raw.get("NotAction"))],
                "resources": [str(r) for r in _as_list(raw.get("Resource"))],
                "principals": _principals(raw.get("Principal")),
                "not_principals": _principals(raw.get("NotPrincipal")),
                "condition_keys": sorted(
                    str(key).lower()
                    for operator in conditions.values()
                    if isinstance(operator, Mapping)
                    for key in operator
                ),
                "conditions": json.loads(json.dumps(conditions)),
            }
        )
    return statements


def _condition_value(statement: Mapping[str, Any], operator: str, key: str) -> list[str]:
    block = statement["conditions"].get(operator) or {}
    for name, value in block.items():
        if name.lower() == key.lower():
            return [str(v).lower() for v in _as_list(value)]
    return []


def allows_public_access(policy: Mapping[str, Any] | None) -> bool:
    """An Allow to ``*`` (anyone), or to everyone but some (``NotPrincipal``), with no
    condition narrowing it."""
    return any(
        s["effect"] == "Allow"
        and ("*" in s["principals"] or bool(s["not_principals"]))
        and not s["condition_keys"]
        for s in normalize_statements(policy)
    )


def denies_insecure_transport(policy: Mapping[str, Any] | None) -> bool:
    """A Deny of every S3 action when ``aws:SecureTransport`` is false."""
    return any(
        s["effect"] == "Deny"
        and ("s3:*" in s["actions"] or "*" in s["actions"])
        and _condition_value(s, "Bool", "aws:SecureTransport") == ["false"]
        for s in normalize_statements(policy)
    )


def denies_unencrypted_puts(policy: Mapping[str, Any] | None) -> bool:
    """A Deny of ``s3:PutObject`` unless the request asks for SSE-KMS."""
    return any(
        s["effect"] == "Deny"
        and "s3:PutObject" in s["actions"]
        and _condition_value(s, "StringNotEquals", "s3:x-amz-server-side-encryption") == ["aws:kms"]
        for s in normalize_statements(policy)
    )
