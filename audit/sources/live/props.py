"""A live fact's properties, three-valued like every source's (docs/facts.md): known, unknown
(a refused call; the reason naming the missing permission goes into ``unknown_reasons``) or
absent and standing for its AWS default (``aws_defaults``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .client import ABSENT, Unavailable

__all__ = ["LiveProps", "tags_of"]


class LiveProps:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.unknown: dict[str, str] = {}
        self.defaults: set[str] = set()

    def set(self, name: str, value: Any, *, default: bool = False) -> None:
        self.values[name] = value
        if default:
            self.defaults.add(name)

    def unknown_because(self, name: str, why: Unavailable) -> None:
        self.values[name] = None
        self.unknown[name] = why.reason

    def read(
        self,
        name: str,
        response: Any,
        known: Callable[[Any], Any],
        aws_default: Any,
    ) -> None:
        """``known(response)`` when AWS answered, the AWS default when it says the
        configuration does not exist, unknown when the call was refused."""
        if isinstance(response, Unavailable):
            self.unknown_because(name, response)
        elif response is ABSENT or response is None:
            self.set(name, aws_default, default=True)
        else:
            self.set(name, known(response))

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.values,
            "unknown": sorted(self.unknown),
            "unknown_reasons": dict(sorted(self.unknown.items())),
            "aws_defaults": sorted(self.defaults),
        }


def tags_of(props: LiveProps, response: Any, key: str = "TagSet") -> dict[str, str]:
    """Sets ``tags`` and ``purpose`` (unknown when the tags could not be read)."""
    if isinstance(response, Unavailable):
        props.unknown_because("tags", response)
        props.unknown_because("purpose", response)
        return {}
    raw = [] if response is ABSENT or response is None else response
    if isinstance(raw, Mapping):
        raw = raw.get(key) or []
    tags = {
        str(t.get("Key", t.get("TagKey"))): str(t.get("Value", t.get("TagValue", "")))
        for t in raw
        if isinstance(t, Mapping)
    }
    props.set("tags", tags)
    props.set("purpose", tags.get("purpose"))
    return tags
