"""The synthesized dev stack written out as ``pulumi stack export`` would leave it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pulumi

Mutation = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]

# Pulumi's signature key and value for a serialized asset (sdk/go/common/resource/asset).
ASSET_SIG_KEY = "4dabf18193072939515e22adb298388d"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"


def _plain(value: Any) -> Any:
    """Deep copy with file assets (the node's wheel) in the export's serialized asset form."""
    if isinstance(value, pulumi.FileAsset):
        return {ASSET_SIG_KEY: ASSET_SIG, "path": str(value.path)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return copy.deepcopy(value)


def stack_export(dev_resources, mutate: Mutation = lambda states: states) -> dict[str, Any]:
    states = [
        {
            "urn": r.urn,
            "type": r.type,
            "id": r.id,
            "custom": True,
            "inputs": _plain(r.inputs),
            "outputs": _plain(r.outputs),
        }
        for r in dev_resources
        if r.custom
    ]
    document = {"version": 3, "deployment": {"resources": mutate(states)}}
    json.dumps(document)  # fails here, not in the test, if something is not JSON
    return document
