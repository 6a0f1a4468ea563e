"""Per-participant track selection without transcoding: demux a recording's WebM/Matroska and
mux the kept streams' packets unchanged into a new container (PyAV). Every stream the node
records is titled ``<participant>/<kind>`` (``media_node/container.py``); a stream without
that title cannot be attributed, so it is an error, never silently kept or dropped."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator

import av

__all__ = ["RemuxError", "remux_tracks", "track_owners"]


class RemuxError(ValueError):
    """The recording's tracks cannot be attributed to participants, or demuxing failed."""


class _IterReader(io.RawIOBase):
    """A non-seekable file object over an iterator of byte blocks (authenticated plaintext)."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        super().__init__()
        self._blocks: Iterator[bytes] = iter(blocks)
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._rest:
            try:
                self._rest = memoryview(next(self._blocks))
            except StopIteration:
                return 0
        count = min(len(buffer), len(self._rest))
        buffer[:count] = self._rest[:count]
        self._rest = self._rest[count:]
        return count


class _Writer(io.RawIOBase):
    def __init__(self, write: Callable[[bytes], None]) -> None:
        super().__init__()
        self._write = write

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._write(bytes(data))
        return len(data)


def _owner(stream: av.stream.Stream) -> str:
    title = str(stream.metadata.get("title", ""))
    if "/" not in title:
        raise RemuxError(
            f"stream {stream.index} has no '<participant>/<kind>' title: cannot attribute it"
        )
    return title.split("/", 1)[0]


def track_owners(blocks: Iterable[bytes], container: str) -> list[str]:
    """The participant of each stream, in stream order."""
    with av.open(_IterReader(blocks), "r", format=container) as source:
        return [_owner(stream) for stream in source.streams]


def remux_tracks(
    blocks: Iterable[bytes],
    container: str,
    keep: Callable[[str], bool],
    write: Callable[[bytes], None],
) -> tuple[list[str], list[str]]:
    """Copy the streams whose owner ``keep`` accepts into a new ``container`` written through
    ``write``; returns (kept titles, dropped titles). Packets are copied, never decoded."""
    try:
        with av.open(_IterReader(blocks), "r", format=container) as source:
            streams = list(source.streams)
            owners = [_owner(stream) for stream in streams]
            kept = [s for s, owner in zip(streams, owners, strict=True) if keep(owner)]
            dropped = [str(s.metadata["title"]) for s in streams if s not in kept]
            if not kept:
                raise RemuxError("no track would remain: delete the recording instead")
            with av.open(_Writer(write), "w", format=container) as target:
                mapping = {}
                for stream in kept:
                    out = target.add_stream_from_template(stream)
                    out.metadata["title"] = str(stream.metadata["title"])
                    mapping[stream.index] = out
                for packet in source.demux(kept):
                    if packet.dts is None:  # demuxer's end-of-stream flush packet
                        continue
                    packet.stream = mapping[packet.stream.index]
                    target.mux(packet)
            return [str(s.metadata["title"]) for s in kept], dropped
    except av.FFmpegError as err:
        raise RemuxError(f"cannot remux the recording ({err})") from None
