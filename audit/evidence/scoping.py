"""Which findings speak about one meeting type: its own meeting-type fact, and shared
infrastructure, except findings whose message names another meeting type's recordings only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["relevant_to_meeting_type"]


def relevant_to_meeting_type(
    finding: Mapping[str, Any], name: str, prefixes: Mapping[str, str]
) -> bool:
    """``finding`` in report.json shape; ``prefixes`` maps meeting type -> object-key prefix."""
    resource = finding["resource"]
    if resource["kind"] == "meeting_type":
        return bool(resource["id"] == name)
    message = str(finding["message"])
    own = prefixes.get(name)
    others: Sequence[str] = [p for n, p in prefixes.items() if n != name]
    return not (any(p in message for p in others) and (own is None or own not in message))
