"""Tags every CallVault resource carries (Art. 5(1)(b) purpose, Art. 28 controller)."""

from __future__ import annotations

from infra.config import PROJECT, StackConfig

__all__ = ["resource_tags"]


def resource_tags(
    config: StackConfig,
    *,
    purpose: str,
    data_classification: str,
    meeting_type: str | None = None,
) -> dict[str, str]:
    """The tag set of one resource. ``meeting-type`` only where a resource serves one type;
    ``all`` where it serves several."""
    tags = {
        "controller": config.controller.id,
        "purpose": purpose,
        "data-classification": data_classification,
        "stack": config.stack,
        "managed-by": PROJECT,
    }
    if meeting_type is not None:
        tags["meeting-type"] = meeting_type
    return tags
