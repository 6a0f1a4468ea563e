"""Which media a meeting type's recordings may hold. Shared by the recorder and the auditor."""

from __future__ import annotations

__all__ = ["RECORDING_MODES", "stored_media_kinds"]

RECORDING_MODES: dict[str, frozenset[str]] = {
    "audio": frozenset({"audio"}),
    "audio+video": frozenset({"audio", "video"}),
}


def stored_media_kinds(mode: str) -> frozenset[str]:
    """The track kinds the recorder writes for ``mode``; anything else is dropped, unread."""
    try:
        return RECORDING_MODES[mode]
    except KeyError:
        raise ValueError(f"'mode' must be in {sorted(RECORDING_MODES)} (got '{mode}')") from None
