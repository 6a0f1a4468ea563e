"""What a live scan read, as plain data: the input of the pure :func:`facts_from_live`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .client import Unavailable

__all__ = ["LiveRecord", "Snapshot", "Unlisted"]


@dataclass(frozen=True)
class LiveRecord:
    """One AWS resource and the API responses that describe it."""

    kind: str
    """The fact kind it becomes (``bucket``, ``kms_key`` ...)."""
    id: str
    """Physical id: bucket name, key id, role name, group id ..."""
    region: str | None
    arn: str
    """The fact's ``source``."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """Response name -> response, ``ABSENT``, or :class:`Unavailable`."""


@dataclass(frozen=True)
class Unlisted:
    """A listing AWS refused: which resources exist there is unknown, so every rule of
    ``kind`` errors for that region (fail closed) instead of seeing an empty region."""

    kind: str
    region: str | None
    why: Unavailable


@dataclass(frozen=True)
class Snapshot:
    account_id: str
    regions: tuple[str, ...]
    """The enabled regions scanned."""
    records: tuple[LiveRecord, ...]
    unlisted: tuple[Unlisted, ...] = ()
    api_calls: int = 0
