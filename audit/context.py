"""The audit context and the config facts (meeting types, processors) from a stack file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.config import ConfigError, StackConfig, eu_regions, load_stack_file
from media_node.recording_rules import stored_media_kinds

from .errors import InputError
from .facts import AuditContext, Fact

__all__ = [
    "DEFAULT_MAX_LOG_RETENTION_DAYS",
    "context_from_stack",
    "default_context",
    "read_stack_config",
    "stack_facts",
]

DEFAULT_MAX_LOG_RETENTION_DAYS = 400
"""Log retention bound used when no stack config says otherwise (a year plus slack)."""


def read_stack_config(path: str | Path, stack: str | None = None) -> StackConfig:
    """A validated stack file; an unreadable or invalid one is bad input (exit 2)."""
    try:
        return load_stack_file(path, stack)
    except ConfigError as error:
        message = str(error)  # file-level errors already start with the path
        raise InputError(
            message if message.startswith(str(path)) else f"{path}: {message}"
        ) from None


def default_context() -> AuditContext:
    """No stack config: every EU region is allowed, no meeting types are known."""
    return AuditContext(
        allowed_regions=tuple(sorted(eu_regions())),
        meeting_types={},
        max_log_retention_days=DEFAULT_MAX_LOG_RETENTION_DAYS,
    )


def context_from_stack(config: StackConfig) -> AuditContext:
    return AuditContext(
        allowed_regions=config.allowed_regions,
        meeting_types={
            mt.name: {
                "prefix": mt.prefix,
                "retention_days": mt.retention_days,
                "legal_basis": mt.legal_basis,
                "recording": mt.recording,
                "mode": mt.mode,
            }
            for mt in config.meeting_types
        },
        max_log_retention_days=config.log_retention_days,
        stack=config.stack,
    )


def stack_facts(config: StackConfig, source_file: str) -> list[Fact]:
    """Meeting types and processors as facts, each pointing at its place in the stack file."""
    facts: list[Fact] = []
    for index, mt in enumerate(config.meeting_types):
        properties: dict[str, Any] = {
            "purpose": mt.purpose,
            "legal_basis": mt.legal_basis,
            "recording": mt.recording,
            "mode": mt.mode,
            "retention_days": mt.retention_days,
            "access_roles": list(mt.access_roles),
            "notice": mt.notice,
            "stored_media": sorted(stored_media_kinds(mt.mode)),
        }
        facts.append(
            Fact(
                "meeting_type",
                mt.name,
                None,
                f"{source_file}#/config/callvault:meetingTypes/{index}",
                properties,
            )
        )
    for index, processor in enumerate(config.processors):
        facts.append(
            Fact(
                "processor",
                processor.name,
                None,
                f"{source_file}#/config/callvault:processors/{index}",
                {
                    "role": processor.role,
                    "services": list(processor.services),
                    "regions": list(processor.regions),
                    "dpa_reference": processor.dpa_reference,
                },
            )
        )
    return facts
