"""The recording rules of a meeting type: when a recording may start, when it must stop, and
which media it may hold. Pure; shared by the media node and the auditor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "RECORDING_MODES",
    "start_refusal",
    "stored_media_kinds",
    "withdrawal_stops_recording",
]

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


def start_refusal(
    recording: str,
    legal_basis: str,
    participants: Sequence[str],
    consent_granted: Mapping[str, bool],
    *,
    already_recording: bool,
) -> str | None:
    """Why a recording may not start now, or None. Pure: the API answers 409 with this text."""
    if recording == "forbidden":
        return "the meeting type forbids recording"
    if already_recording:
        return "already recording"
    if legal_basis == "consent":
        missing = [p for p in participants if not consent_granted.get(p, False)]
        if missing:
            return (
                "consent is the legal basis and participant "
                f"{', '.join(sorted(missing))} has not granted it"
            )
    return None


def withdrawal_stops_recording(legal_basis: str) -> bool:
    """A withdrawn consent stops the recording at once when consent is its legal basis."""
    return legal_basis == "consent"
