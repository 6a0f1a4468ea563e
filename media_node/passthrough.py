"""Encoded frames out of aiortc, without decoding: the recorder's decoder bypass.

aiortc 1.16 has no encoded-frame API. Each ``RTCRtpReceiver`` starts ``decoder_worker`` in a
thread that turns reassembled ``JitterFrame``s into decoded ``av`` frames on the track's queue.
:func:`install` replaces that worker (once, process-wide) with one that looks up the track's
queue: queues registered with :func:`passthrough` get :class:`EncodedFrame`s (no decode, no
copy beyond the frame bytes), queues registered with :func:`discard` get nothing, and every
other receiver keeps aiortc's own decoder. The module is tied to the pinned aiortc version.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import aiortc
from aiortc import rtcrtpreceiver

__all__ = [
    "SUPPORTED_AIORTC",
    "EncodedFrame",
    "discard",
    "install",
    "is_keyframe",
    "passthrough",
    "vp8_dimensions",
]

SUPPORTED_AIORTC = "1.16.0"

_MODES: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_ORIGINAL = rtcrtpreceiver.decoder_worker


@dataclass(frozen=True)
class EncodedFrame:
    codec: str
    """``opus``, ``vp8`` or ``h264`` (lower-case MIME subtype)."""
    kind: str
    """``audio`` or ``video``."""
    data: bytes
    """The depayloaded frame: what a decoder would get."""
    timestamp: int
    """RTP timestamp, re-based to start at 0 (aiortc's TimestampMapper)."""
    clock_rate: int
    keyframe: bool


def vp8_dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 keyframe header (RFC 6386 section 9.1), else None."""
    if len(data) < 10 or data[0] & 1 or data[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return (width, height) if width and height else None


def _h264_nal_types(data: bytes) -> set[int]:
    types = set()
    index = data.find(b"\x00\x00\x01")
    while index != -1 and index + 3 < len(data):
        types.add(data[index + 3] & 0x1F)
        index = data.find(b"\x00\x00\x01", index + 3)
    return types


def is_keyframe(codec: str, data: bytes) -> bool:
    if codec == "vp8":
        return bool(data) and not data[0] & 1
    if codec == "h264":
        return 5 in _h264_nal_types(data)
    return True  # audio frames are independently decodable


def _worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    with _LOCK:
        mode = _MODES.get(output_q)
    if mode is None:
        _ORIGINAL(loop, input_q, output_q, decode_error)
        return
    while True:
        task = input_q.get()
        if task is None:
            asyncio.run_coroutine_threadsafe(output_q.put(None), loop)
            return
        if mode == "discard":
            continue
        codec, jitter_frame = task
        name = codec.mimeType.split("/")[1].lower()
        frame = EncodedFrame(
            codec=name,
            kind=codec.mimeType.split("/")[0].lower(),
            data=jitter_frame.data,
            timestamp=jitter_frame.timestamp,
            clock_rate=codec.clockRate,
            keyframe=is_keyframe(name, jitter_frame.data),
        )
        asyncio.run_coroutine_threadsafe(output_q.put(frame), loop)


def install() -> None:
    """Put the bypass in place (idempotent). Refuses an aiortc it was not verified with."""
    if aiortc.__version__ != SUPPORTED_AIORTC:
        raise RuntimeError(
            f"the passthrough recorder is verified with aiortc {SUPPORTED_AIORTC} "
            f"(got {aiortc.__version__}); pin it in pyproject.toml"
        )
    rtcrtpreceiver.decoder_worker = _worker


def _register(track: Any, mode: str) -> None:
    track_queue = getattr(track, "_queue", None)
    if not isinstance(track_queue, asyncio.Queue):
        raise TypeError("expected an aiortc RemoteStreamTrack")
    with _LOCK:
        _MODES[track_queue] = mode


def passthrough(track: Any) -> None:
    """``track.recv()`` yields :class:`EncodedFrame`s. Call from the ``track`` event."""
    _register(track, "passthrough")


def discard(track: Any) -> None:
    """The track's frames are dropped unread (media a meeting type must not store)."""
    _register(track, "discard")
