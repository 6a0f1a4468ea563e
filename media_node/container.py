"""Encoded frames -> one WebM (or Matroska for H.264) stream of bytes, without transcoding.

PyAV's ``add_mux_stream`` creates streams that carry pre-encoded packets; nothing is decoded
or encoded. Every track's timestamps are placed on one clock: the track's first frame sits at
its arrival time since the recording started, later frames follow its RTP clock. Video waits
for its first keyframe (H.264: an IDR whose SPS and PPS are known, see media_node.h264). With an
H.264 stream the header is written at the first H.264 packet, whose in-band SPS/PPS PyAV turns
into the stream's ``avcC`` setup data. A frame one stream cannot take (a malformed SPS, a mux
error) ends that stream with a reason (:class:`StreamFailed`); the others go on. Not
thread-safe: the recorder drives it from one writer thread.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av

from .h264 import NAL_SPS, ParameterSets, nal_type, nal_units, parse_sps
from .passthrough import EncodedFrame, vp8_dimensions

__all__ = ["ContainerWriter", "StreamFailed", "TrackSpec", "container_format", "video_dimensions"]

_MUX_CODECS = {"opus": "opus", "vp8": "vp8", "h264": "h264"}


@dataclass(frozen=True)
class TrackSpec:
    key: str
    """Stable id of the track within the recording, e.g. ``cust-7f3a/video``."""
    codec: str
    kind: str
    width: int = 0
    height: int = 0


class StreamFailed(Exception):
    """One stream of a recording can take no more frames; the others are unaffected."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"stream {key} failed: {reason}")
        self.key = key
        self.reason = reason


def container_format(codecs: set[str]) -> str:
    """WebM holds Opus and VP8; H.264 needs Matroska."""
    return "matroska" if "h264" in codecs else "webm"


class _Sink(io.RawIOBase):
    """A non-seekable file object handing every write to ``write``."""

    def __init__(self, write: Callable[[bytes], None]) -> None:
        super().__init__()
        self._write = write

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._write(bytes(data))
        return len(data)


@dataclass
class _Track:
    spec: TrackSpec
    stream: av.stream.Stream
    first_rtp: int | None = None
    offset: float = 0.0
    last_pts: int = -1
    waiting_for_keyframe: bool = True
    frames: int = 0
    h264: ParameterSets | None = None
    failed: str | None = None


class ContainerWriter:
    def __init__(self, write: Callable[[bytes], None], tracks: list[TrackSpec]) -> None:
        if not tracks:
            raise ValueError("a recording needs at least one track")
        self.format = container_format({t.codec for t in tracks})
        self._container = av.open(_Sink(write), "w", format=self.format)
        self._tracks: dict[str, _Track] = {}
        for spec in tracks:
            if spec.codec not in _MUX_CODECS:
                raise ValueError(f"codec must be in {sorted(_MUX_CODECS)} (got '{spec.codec}')")
            if spec.kind == "audio":
                stream = self._container.add_mux_stream(_MUX_CODECS[spec.codec], rate=48000)
            else:
                stream = self._container.add_mux_stream(
                    _MUX_CODECS[spec.codec], width=spec.width, height=spec.height
                )
            # "<participant>/<kind>": lets the rights tools attribute (and redact) each track.
            stream.metadata["title"] = spec.key
            self._tracks[spec.key] = _Track(
                spec,
                stream,
                waiting_for_keyframe=spec.kind == "video",
                h264=ParameterSets() if spec.codec == "h264" else None,
            )
        if "h264" not in {t.codec for t in tracks}:
            self._container.start_encoding()
        # else PyAV writes the header at the first H.264 packet, with its SPS/PPS as extradata
        self.codecs = tuple(sorted({t.codec for t in tracks}))

    def write(self, key: str, frame: EncodedFrame, arrival: float) -> bool:
        """Mux one frame; ``arrival`` is seconds since the recording started. False if dropped.
        Raises :class:`StreamFailed` when the frame ends its stream (later frames are dropped)."""
        track = self._tracks.get(key)
        if track is None or track.failed is not None:
            return False
        data, keyframe = frame.data, frame.keyframe
        if track.h264 is not None:
            try:
                data, keyframe = track.h264.update(data)
            except ValueError as error:
                self._fail(track, f"malformed H.264 parameter set: {error}")
        if track.waiting_for_keyframe:
            if not keyframe:
                return False
            track.waiting_for_keyframe = False
        if track.first_rtp is None:
            track.first_rtp = frame.timestamp
            track.offset = max(0.0, arrival)
        seconds = track.offset + (frame.timestamp - track.first_rtp) / frame.clock_rate
        time_base = track.stream.time_base or Fraction(1, 1000)
        pts = max(int(seconds / time_base), track.last_pts + 1)
        packet = av.Packet(data)
        packet.stream = track.stream
        packet.time_base = time_base
        packet.pts = packet.dts = pts
        packet.is_keyframe = keyframe
        self._mux(track, packet)
        track.last_pts = pts
        track.frames += 1
        return True

    def _mux(self, track: _Track, packet: av.Packet[Any]) -> None:
        """The mux step (a seam for tests that break one stream's muxing)."""
        try:
            self._container.mux(packet)
        except (av.FFmpegError, ValueError) as error:
            self._fail(track, f"mux error: {error}")

    def _fail(self, track: _Track, reason: str) -> None:
        track.failed = reason
        raise StreamFailed(track.spec.key, reason)

    def failures(self) -> dict[str, str]:
        """Streams that ended early, with the reason."""
        return {key: t.failed for key, t in self._tracks.items() if t.failed is not None}

    def frame_counts(self) -> dict[str, int]:
        return {key: track.frames for key, track in self._tracks.items()}

    def close(self) -> None:
        self._container.close()


def video_dimensions(frame: EncodedFrame) -> tuple[int, int]:
    """Dimensions for the container header. VP8: (0, 0) lets the player read them from the
    stream; H.264: (0, 0) when the frame carries no (valid) SPS, and Matroska cannot start then."""
    if frame.codec == "vp8":
        return vp8_dimensions(frame.data) or (0, 0)
    if frame.codec == "h264":
        for unit in nal_units(frame.data):
            if nal_type(unit) == NAL_SPS:
                try:
                    info = parse_sps(unit)
                except ValueError:
                    return (0, 0)
                return (info.width, info.height)
    return (0, 0)
