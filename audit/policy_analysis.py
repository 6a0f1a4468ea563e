"""Pure readings of AWS JSON policy documents (bucket, key, IAM) into facts the rules can use.

Rego could walk the statements too, but the shapes vary (string or list, ``"*"`` or
``{"AWS": "*"}``), so the normalization happens here once and every source shares it.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .cidrs import is_world

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
                # An everything-but grant: rules treat it as a grant on every resource.
                "not_resources": [str(r) for r in _as_list(raw.get("NotResource"))],
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


# Condition keys that tie a request to a known network, account or organisation. Only these
# make an Allow to ``*`` non-public (the same list S3 and IAM Access Analyzer use); any other
# condition (``aws:UserAgent``, ``aws:SecureTransport`` ...) leaves it open to anyone.
_NARROWING_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceip",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:userid",
        "kms:calleraccount",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
# Positive operators only: a negated (``StringNotEquals``) or ``...IfExists`` test lets
# requests without the key, or with any other value, through.
_NARROWING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)


def _narrowing_value(value: Any) -> bool:
    text = str(value)
    if not text or "*" in text or "?" in text:
        return False
    return not ("/" in text and is_world(text))


def _narrows_principal(statement: Mapping[str, Any]) -> bool:
    """Some condition pins the caller to fixed accounts, networks or organisations."""
    return any(
        str(operator).lower() in _NARROWING_OPERATORS
        and str(key).lower() in _NARROWING_KEYS
        and _as_list(values)
        and all(_narrowing_value(v) for v in _as_list(values))
        for operator, block in statement["conditions"].items()
        if isinstance(block, Mapping)
        for key, values in block.items()
    )


def allows_public_access(policy: Mapping[str, Any] | None) -> bool:
    """An Allow to ``*`` (anyone), or to everyone but some (``NotPrincipal``), with no
    condition pinning the caller to known accounts, networks or organisations."""
    return any(
        s["effect"] == "Allow"
        and ("*" in s["principals"] or bool(s["not_principals"]))
        and not _narrows_principal(s)
        for s in normalize_statements(policy)
    )


def _covers(patterns: Iterable[str], name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def denies_insecure_transport(policy: Mapping[str, Any] | None, bucket_arns: Iterable[str]) -> bool:
    """A Deny, for everyone, of every S3 action on the bucket and all its objects when
    ``aws:SecureTransport`` is false, with no other condition narrowing it."""
    arns = list(bucket_arns)
    return any(
        s["effect"] == "Deny"
        and "*" in s["principals"]
        and ("s3:*" in s["actions"] or "*" in s["actions"])
        and s["condition_keys"] == ["aws:securetransport"]
        and _condition_value(s, "Bool", "aws:SecureTransport") == ["false"]
        and any(
            _covers(s["resources"], arn) and _covers(s["resources"], f"{arn}/*") for arn in arns
        )
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
