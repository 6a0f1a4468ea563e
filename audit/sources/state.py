"""``state``: a ``pulumi stack export`` (deployment v3) or ``pulumi preview --json`` file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.safe_load import UnsafeDocumentError, decode_utf8, load_json

from ..context import default_context
from ..errors import InputError
from ..facts import AuditContext, Facts
from ..pulumi_facts import MalformedResourceError, PulumiResource, facts_from_pulumi_resources
from ..unknowns import UNKNOWN

__all__ = ["facts_from_state_document", "facts_from_state_file", "read_json_file"]

_SECRET_SIG = "4dabf18193072939515e22adb298388d"


def read_json_file(path: str | Path) -> Any:
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except OSError as error:
        raise InputError(f"{file}: cannot read ({error.strerror})") from None
    try:
        text = decode_utf8(data)
        if not text.strip():
            raise InputError(f"{file}: the file is empty; expected Pulumi state or preview JSON")
        return load_json(text)
    except UnsafeDocumentError as error:
        raise InputError(error.located(file)) from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"{file}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def _unwrap(value: Any) -> Any:
    """Secrets exported with ``--show-secrets`` carry ``plaintext``; any other secret is
    unknown to the auditor (a rule resting on it errors), never absent."""
    if isinstance(value, dict):
        if value.get(_SECRET_SIG) == "1b47061264138c4ac30d75fd1eb44270":
            plaintext = value.get("plaintext")
            if isinstance(plaintext, str):
                try:
                    return _unwrap(json.loads(plaintext))
                except json.JSONDecodeError:
                    return plaintext
            # Exported without --show-secrets: the value exists but the auditor cannot see it.
            return UNKNOWN
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def _provider_regions(states: list[Mapping[str, Any]], default: str | None) -> dict[str, str]:
    regions = {}
    for state in states:
        if str(state.get("type", "")).startswith("pulumi:providers:aws"):
            props = {**(state.get("inputs") or {}), **(state.get("outputs") or {})}
            region = props.get("region") or default
            if region:
                regions[f"{state.get('urn')}::{state.get('id')}"] = str(region)
    return regions


def _resources(
    states: list[tuple[str, Mapping[str, Any]]], default_region: str | None, description: str
) -> list[PulumiResource]:
    for pointer, state in states:
        for key in ("inputs", "outputs"):
            if state.get(key) is not None and not isinstance(state[key], Mapping):
                raise InputError(
                    f"{description}#{pointer}/{key}: must be an object "
                    f"(got {type(state[key]).__name__})"
                )
    providers = _provider_regions([s for _, s in states], default_region)
    resources = []
    for pointer, state in states:
        type_ = state.get("type")
        urn = state.get("urn")
        if not isinstance(type_, str) or not isinstance(urn, str):
            raise InputError(
                f"{description}#{pointer}: a resource without 'type' or 'urn': not Pulumi state"
            )
        if not state.get("custom", True) or type_.startswith("pulumi:"):
            continue
        properties = _unwrap({**(state.get("inputs") or {}), **(state.get("outputs") or {})})
        properties.pop("__defaults", None)
        provider = state.get("provider")
        dependencies = state.get("propertyDependencies")
        resources.append(
            PulumiResource(
                urn=urn,
                type=type_,
                id=str(state["id"]) if state.get("id") else None,
                properties=properties,
                source=urn,
                pointer=pointer,
                provider_region=providers.get(str(provider), default_region)
                if provider
                else default_region,
                dependencies={
                    str(key): tuple(str(u) for u in urns)
                    for key, urns in dependencies.items()
                    if isinstance(urns, list)
                }
                if isinstance(dependencies, Mapping)
                else {},
            )
        )
    return resources


def facts_from_state_document(
    document: Any, description: str, context: AuditContext | None = None
) -> Facts:
    """Pure: one parsed export or preview document -> facts."""
    if not isinstance(document, Mapping):
        raise InputError(f"{description}: expected a JSON object (a stack export or preview)")
    if isinstance(document.get("deployment"), Mapping):
        deployment = document["deployment"]
        version = document.get("version")
        if version not in (1, 2, 3):
            raise InputError(f"{description}: unsupported deployment version {version!r}")
        raw_states = deployment.get("resources") or []
        if not isinstance(raw_states, list) or not raw_states:
            raise InputError(
                f"{description}#/deployment/resources: no resources (an empty stack export "
                "proves nothing; export a deployed stack)"
            )
        states = [(f"/deployment/resources/{i}", s) for i, s in enumerate(raw_states)]
        kind = f"stack export v{version}"
        default_region = None
    elif isinstance(document.get("steps"), list):
        states = [
            (f"/steps/{i}/newState", s["newState"])
            for i, s in enumerate(document["steps"])
            if isinstance(s, Mapping) and isinstance(s.get("newState"), Mapping)
        ]
        config = document.get("config") or {}
        default_region = config.get("aws:region") if isinstance(config, Mapping) else None
        kind = "preview"
    else:
        raise InputError(
            f"{description}: neither a 'pulumi stack export' (no 'deployment') nor a "
            "'pulumi preview --json' document (no 'steps')"
        )
    for pointer, state in states:
        if not isinstance(state, Mapping):
            raise InputError(f"{description}#{pointer}: must be an object")
    try:
        facts = facts_from_pulumi_resources(_resources(states, default_region, description))
    except MalformedResourceError as error:
        raise InputError(f"{description}#{error.resource.pointer}: {error}") from None
    return Facts(
        source_description=f"{kind} {description} ({len(states)} resources)",
        context=context or default_context(),
        facts=tuple(facts),
    )


def facts_from_state_file(path: str | Path, context: AuditContext | None = None) -> Facts:
    return facts_from_state_document(read_json_file(path), Path(path).name, context)
