"""Encoded frames out of aiortc, without decoding: the recorder's decoder bypass.

aiortc 1.16 has no encoded-frame API. Each ``RTCRtpReceiver`` starts ``decoder_worker`` in a
thread that turns reassembled ``JitterFrame``s into decoded ``av`` frames on the track's queue.
:func:`install` replaces that worker (once, process-wide) with one that looks up the track's
queue: queues registered with :func:`passthrough` get :class:`EncodedFrame`s (no decode, no
copy beyond the frame bytes) while their :class:`Gate` is open and nothing otherwise, queues
registered with :func:`discard` get nothing, and every other receiver keeps aiortc's own
decoder. Either way the worker reads every frame as it arrives: nothing piles up unread.
The module is tied to the pinned aiortc version.
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
    "Gate",
    "close_gate",
    "discard",
    "gate_of",
    "install",
    "is_keyframe",
    "open_gate",
    "passthrough",
    "vp8_dimensions",
]

SUPPORTED_AIORTC = "1.16.0"

_GATES: weakref.WeakKeyDictionary[Any, Gate] = weakref.WeakKeyDictionary()
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


@dataclass
class Gate:
    """What happens to one received track's frames. Closed (the default), every frame is read
    off the receiver and dropped at once, so an unrecorded call holds no backlog; open, frames
    reach ``track.recv()`` starting at the first keyframe (audio: at once), at most
    ``max_queued`` waiting, the rest dropped and counted."""

    mode: str
    """``passthrough`` (encoded frames, when open) or ``discard`` (never delivered)."""
    max_queued: int = 256
    """Frames that may wait unread in the track's queue (256 = ~5 s of Opus)."""
    open: bool = False
    epoch: int = 0
    """Bumped on every open and close: a frame in flight from an older epoch is dropped."""
    discarded: int = 0
    """Frames read while closed or before the first keyframe (written by the worker thread)."""
    stale: int = 0
    """Frames that were in flight when the gate closed (written on the event loop)."""
    dropped: int = 0
    """Frames dropped because ``max_queued`` were waiting (written on the event loop)."""


def _deliver(gate: Gate, epoch: int, output_q: asyncio.Queue[Any], frame: EncodedFrame) -> None:
    if not gate.open or gate.epoch != epoch:
        gate.stale += 1
    elif output_q.qsize() >= gate.max_queued:
        gate.dropped += 1
    else:
        output_q.put_nowait(frame)


def _worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    with _LOCK:
        gate = _GATES.get(output_q)
    if gate is None:
        _ORIGINAL(loop, input_q, output_q, decode_error)
        return
    started_epoch = -1  # the epoch whose first keyframe has been delivered
    while True:
        task = input_q.get()
        if task is None:
            asyncio.run_coroutine_threadsafe(output_q.put(None), loop)
            return
        epoch = gate.epoch
        if gate.mode == "discard" or not gate.open:
            gate.discarded += 1
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
        if started_epoch != epoch:
            if frame.kind == "video" and not frame.keyframe:
                gate.discarded += 1  # a recording starts at a keyframe
                continue
            started_epoch = epoch
        loop.call_soon_threadsafe(_deliver, gate, epoch, output_q, frame)


def install() -> None:
    """Put the bypass in place (idempotent). Refuses an aiortc it was not verified with."""
    if aiortc.__version__ != SUPPORTED_AIORTC:
        raise RuntimeError(
            f"the passthrough recorder is verified with aiortc {SUPPORTED_AIORTC} "
            f"(got {aiortc.__version__}); pin it in pyproject.toml"
        )
    rtcrtpreceiver.decoder_worker = _worker


def _queue_of(track: Any) -> asyncio.Queue[Any]:
    track_queue = getattr(track, "_queue", None)
    if not isinstance(track_queue, asyncio.Queue):
        raise TypeError("expected an aiortc RemoteStreamTrack")
    return track_queue


def _register(track: Any, mode: str, max_queued: int) -> Gate:
    gate = Gate(mode, max_queued=max_queued)
    with _LOCK:
        _GATES[_queue_of(track)] = gate
    return gate


def passthrough(track: Any, *, max_queued: int = 256) -> Gate:
    """``track.recv()`` yields :class:`EncodedFrame`s once :func:`open_gate` is called; until
    then frames are dropped as they arrive. Call from the ``track`` event."""
    return _register(track, "passthrough", max_queued)


def discard(track: Any) -> Gate:
    """The track's frames are dropped as they arrive (media a meeting type must not store)."""
    return _register(track, "discard", 0)


def gate_of(track: Any) -> Gate | None:
    with _LOCK:
        return _GATES.get(_queue_of(track))


def _drain(track_queue: asyncio.Queue[Any]) -> int:
    """Drop the frames waiting in ``track_queue``; keeps the end-of-track marker."""
    drained, ended = 0, False
    while not track_queue.empty():
        if track_queue.get_nowait() is None:
            ended = True
        else:
            drained += 1
    if ended:
        track_queue.put_nowait(None)
    return drained


def open_gate(track: Any) -> None:
    """Deliver ``track``'s frames from now on (video: from the next keyframe). Event loop only."""
    gate = gate_of(track)
    if gate is None or gate.mode != "passthrough":
        raise ValueError("the track is not in passthrough mode")
    gate.stale += _drain(_queue_of(track))
    gate.epoch += 1
    gate.open = True


def close_gate(track: Any) -> None:
    """Stop delivering ``track``'s frames and drop those waiting. Event loop only."""
    gate = gate_of(track)
    if gate is None:
        return
    gate.open = False
    gate.epoch += 1
    gate.stale += _drain(_queue_of(track))
