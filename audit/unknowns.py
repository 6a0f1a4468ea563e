"""Pulumi's unknown values: what a preview writes for an output that exists only after deploy.

The engine serializes a computed value as one of these sentinel strings (pulumi/pulumi
``sdk/go/common/resource/plugin/rpc.go``; the Python SDK's ``pulumi.runtime.rpc.UNKNOWN`` is
the string one). A fact property that rests on one is *unknown*, never a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["UNKNOWN", "UNKNOWN_SENTINELS", "contains_unknown", "is_unknown"]

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""Pulumi's generic unknown value (``pulumi.runtime.rpc.UNKNOWN``)."""

UNKNOWN_SENTINELS: frozenset[str] = frozenset(
    {
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (and the generic unknown)
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # bool
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


def is_unknown(value: Any) -> bool:
    """True for a sentinel itself (or a provider/URN reference ending in one)."""
    return isinstance(value, str) and (
        value in UNKNOWN_SENTINELS or value[-36:] in UNKNOWN_SENTINELS
    )


_LEAVES = (bool, int, float, type(None))


def contains_unknown(value: Any) -> bool:
    """True when the value or anything nested in it is unknown."""
    # JSON's own types first, by exact type (reading a state walks every property; the ABC
    # check below costs more than the walk); anything else takes the general path.
    kind = type(value)
    if kind is str:
        return value in UNKNOWN_SENTINELS or value[-36:] in UNKNOWN_SENTINELS
    if kind is dict:
        return any(map(contains_unknown, value.values()))
    if kind is list:
        return any(map(contains_unknown, value))
    if kind in _LEAVES:
        return False
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False
