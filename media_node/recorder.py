"""One recording: encoded frames of a session's tracks -> WebM -> envelope encryption -> store.

The event loop only moves frames into a queue; a writer thread muxes, encrypts and uploads
(boto3 is blocking). The data key is obtained when the recorder is created, so a key provider
that is down refuses the recording before any media is accepted.

The container header needs every stream up front, but participants' tracks arrive one after
another: frames are held until each expected track has produced a usable first frame (video:
a keyframe) or ``grace_seconds`` have passed since the first frame. A track that first
produces media after the header was written is reported through ``on_late_track`` so the
session can roll over to a new recording that includes it.

A failure is reported the moment it happens (``failures``, ``on_failure``): a stream that cannot
be muxed ends with its reason and the others go on (the manifest lists it under
``missing_streams``); an error outside one stream fails the whole recording.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiortc.mediastreams import MediaStreamError

from .container import ContainerWriter, StreamFailed, TrackSpec, video_dimensions
from .passthrough import EncodedFrame, close_gate, open_gate
from .rights.subject_index import index_manifest
from .vault.context import recording_context
from .vault.keys import KeyProvider
from .vault.manifest import Manifest
from .vault.spool import SpoolingWriter
from .vault.store import ObjectStore
from .vault.stream import EncryptingWriter

__all__ = ["RecordingResult", "Recorder", "recording_keys"]

logger = logging.getLogger("media_node.recorder")

CONTENT_TYPE = "application/vnd.callvault.recording"


def recording_keys(meeting_type: str, recording_id: str) -> tuple[str, str]:
    """Object keys of the ciphertext and its manifest: under the meeting type's lifecycle prefix."""
    prefix = f"recordings/{meeting_type}/{recording_id}"
    return f"{prefix}.cvr", f"{prefix}.manifest.json"


@dataclass
class RecordingResult:
    recording_id: str
    manifest: Manifest | None
    state: str
    """``stored``, ``pending-upload`` (spooled locally, encrypted), ``empty`` or ``failed``."""
    reason: str | None = None
    frames: dict[str, int] = field(default_factory=dict)


@dataclass
class _Pending:
    key: str
    frame: EncodedFrame
    arrival: float


_TICK = _Pending("", EncodedFrame("", "", b"", 0, 1, False), -1.0)
"""Stands in for a frame when none came for 100 ms; its empty key is never written."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Recorder:
    def __init__(
        self,
        *,
        recording_id: str,
        meeting_type: str,
        legal_basis: str,
        retention_days: int,
        stored_kinds: frozenset[str],
        subjects: tuple[str, ...],
        consent_refs: tuple[str, ...],
        key_provider: KeyProvider,
        agents: tuple[str, ...] = (),
        store: ObjectStore,
        spool_dir: Path,
        expected_tracks: int,
        grace_seconds: float = 2.0,
        on_late_track: Callable[[str], None] | None = None,
        request_keyframe: Callable[[Any], None] | None = None,
        chunk_size: int = 256 * 1024,
        max_queued_frames: int = 256,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.recording_id = recording_id
        self.meeting_type = meeting_type
        self._legal_basis = legal_basis
        self._retention_days = retention_days
        self.stored_kinds = stored_kinds
        self._subjects = subjects
        self._agents = agents
        self._consent_refs = consent_refs
        self._store = store
        self._expected = max(1, expected_tracks)
        self._grace = grace_seconds
        self._on_late_track = on_late_track
        self._request_keyframe = request_keyframe
        self._added: set[int] = set()
        self._object_key, self._manifest_key = recording_keys(meeting_type, recording_id)
        self._spool_dir = spool_dir
        self._sink = SpoolingWriter(store, self._object_key, CONTENT_TYPE, spool_dir)
        try:
            # Raises KeyProviderError when the key provider is unavailable: nothing recorded.
            self._encrypting = EncryptingWriter(
                key_provider,
                self._sink,
                recording_context(recording_id, meeting_type),
                chunk_size=chunk_size,
            )
        except BaseException:
            self._sink.abort()
            raise
        self.started_at = _now()
        self._t0 = time.monotonic()
        # Frames waiting for the writer thread; a full queue drops (counted), never grows.
        self._queue: queue.Queue[_Pending | None] = queue.Queue(max_queued_frames)
        self._dropped = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._track_keys: list[str] = []
        self._tracks: list[Any] = []
        self._gates_closed = False
        self._thread = threading.Thread(
            target=self._run, name=f"recorder-{recording_id}", daemon=True
        )
        self._container: ContainerWriter | None = None
        self._error: str | None = None
        self.failures: dict[str, str] = {}
        """Stream key -> why it ended early; key ``""``: the whole recording failed. Written by
        the writer thread, read on the event loop (whole-dict reads of a str->str dict)."""
        self.on_failure: Callable[[str, str], None] | None = None
        """Called on the event loop with (stream key or ``""``, reason) when a failure happens."""
        self._late: set[str] = set()
        self._loop = loop
        self._thread.start()

    # -- event loop side -----------------------------------------------------------------

    def add_track(self, participant: str, track: Any) -> None:
        """Record ``track`` (already switched to passthrough) if its kind may be stored."""
        if self._gates_closed or track.kind not in self.stored_kinds or id(track) in self._added:
            return
        self._added.add(id(track))
        self._tracks.append(track)
        open_gate(track)  # frames from now on only: nothing received before the start
        if track.kind == "video" and self._request_keyframe is not None:
            self._request_keyframe(track)  # the container starts at a keyframe: ask for one now
        key = f"{participant}/{track.kind}/{len(self._track_keys)}"
        self._track_keys.append(key)
        self._tasks.append(asyncio.ensure_future(self._read(key, track)))

    async def _read(self, key: str, track: Any) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if not isinstance(frame, EncodedFrame) or frame.kind not in self.stored_kinds:
                continue
            try:
                self._queue.put_nowait(_Pending(key, frame, time.monotonic() - self._t0))
            except queue.Full:
                self._dropped += 1

    def queued_frames(self) -> int:
        return self._queue.qsize()

    def dropped_frames(self) -> int:
        """Frames dropped because the writer thread fell ``max_queued_frames`` behind."""
        return self._dropped

    def frame_counts(self) -> dict[str, int]:
        """Frames written per track so far."""
        container = self._container
        return dict(container.frame_counts()) if container is not None else {}

    def close_gates(self) -> None:
        """Stop taking media at once (synchronous: no frame is delivered after this returns)."""
        self._gates_closed = True
        for track in self._tracks:
            close_gate(track)

    async def stop(self) -> RecordingResult:
        """Stop reading, finish the container, encrypt the tail, upload, write the manifest."""
        self.close_gates()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._queue.put, None)  # may wait for a full queue
        await loop.run_in_executor(None, self._thread.join)
        if self._dropped:
            logger.warning(
                "recording %s: %d frames dropped (writer behind)", self.recording_id, self._dropped
            )
        return await asyncio.get_running_loop().run_in_executor(None, self._finish)

    # -- writer thread -------------------------------------------------------------------

    def _open_container(self, held: list[_Pending]) -> None:
        specs: dict[str, TrackSpec] = {}
        for item in held:
            if item.key in specs:
                continue
            width, height = (0, 0)
            if item.frame.kind == "video":
                if not self._usable(item):
                    continue
                width, height = video_dimensions(item.frame)
            specs[item.key] = TrackSpec(item.key, item.frame.codec, item.frame.kind, width, height)
        if specs:
            self._container = ContainerWriter(self._encrypting.write, list(specs.values()))

    def _usable(self, item: _Pending) -> bool:
        """Audio, a VP8 keyframe, or an H.264 IDR with its SPS (Matroska needs the size)."""
        frame = item.frame
        if frame.kind != "video":
            return True
        if frame.codec == "h264":
            return frame.keyframe and video_dimensions(frame) != (0, 0)
        return frame.keyframe

    def _report(self, key: str, reason: str) -> None:
        """Writer thread: remember a failure and tell the session on the event loop."""
        self.failures = {**self.failures, key: reason}
        logger.error("recording %s: %s failed: %s", self.recording_id, key or "recording", reason)
        self._loop.call_soon_threadsafe(self._notify, key, reason)

    def _notify(self, key: str, reason: str) -> None:
        if key == "":
            self.close_gates()  # the writer is gone: take no more media
        if self.on_failure is not None:
            self.on_failure(key, reason)

    @property
    def failed(self) -> bool:
        """The whole recording failed (nothing more is written)."""
        return "" in self.failures

    def _write(self, item: _Pending) -> bool:
        assert self._container is not None
        try:
            return self._container.write(item.key, item.frame, item.arrival)
        except StreamFailed as failed:
            self._report(failed.key, failed.reason)
            if len(self._container.failures()) == len(self._container.frame_counts()):
                raise RuntimeError(
                    f"every stream of the recording failed (last: {failed.reason})"
                ) from None
            return True

    def _run(self) -> None:
        held: list[_Pending] = []
        ready: set[str] = set()
        first_at: float | None = None
        try:
            while True:
                try:
                    item = self._queue.get(timeout=0.1)
                except queue.Empty:
                    item = _TICK  # no frame: still check whether the grace period ran out
                if item is None:
                    if self._container is None and held:
                        self._open_container(held)
                        self._drain(held)
                    return
                if self._container is not None:
                    if item.key and not self._write(item):
                        if (
                            item.key not in self._container.frame_counts()
                            and item.key not in self._late
                        ):
                            self._late.add(item.key)
                            if self._on_late_track is not None:
                                self._loop.call_soon_threadsafe(self._on_late_track, item.key)
                    continue
                if item.key:
                    held.append(item)
                    first_at = item.arrival if first_at is None else first_at
                    if self._usable(item):
                        ready.add(item.key)
                waited = (time.monotonic() - self._t0) - (first_at or 0.0)
                if first_at is not None and (len(ready) >= self._expected or waited >= self._grace):
                    self._open_container(held)
                    self._drain(held)
                    held = []
        except Exception as error:  # the recording fails; the session keeps running
            self._error = f"{type(error).__name__}: {error}"
            self._report("", self._error)

    def _drain(self, held: list[_Pending]) -> None:
        for item in held:
            self._write(item)

    def _missing_streams(self) -> dict[str, str]:
        """Streams added to the recording that are not (wholly) in it, and why."""
        assert self._container is not None
        missing = dict(self._container.failures())
        written = self._container.frame_counts()
        for key in self._track_keys:
            if key not in missing and not written.get(key):
                missing[key] = (
                    "no media written: no usable keyframe before the recording ended, or the "
                    "track started after the header (it continues in the next recording)"
                )
        return missing

    def _finish(self) -> RecordingResult:
        frames = self._container.frame_counts() if self._container else {}
        if self._container is None or self._error:
            self._encrypting.abort()
            state = "failed" if self._error else "empty"
            return RecordingResult(self.recording_id, None, state, self._error, frames)
        try:
            self._container.close()
            encrypted = self._encrypting.close()
        except Exception as error:
            self._encrypting.abort()
            return RecordingResult(self.recording_id, None, "failed", str(error), frames)
        complete = self._sink.state == "uploaded"
        ended = _now()
        retention_until = (
            dt.date.fromisoformat(ended[:10]) + dt.timedelta(days=self._retention_days)
        ).isoformat()
        manifest = Manifest(
            recording_id=self.recording_id,
            meeting_type=self.meeting_type,
            legal_basis=self._legal_basis,
            subjects=self._subjects,
            consent_refs=self._consent_refs,
            started_at=self.started_at,
            ended_at=ended,
            retention_until=retention_until,
            key_provider=encrypted.key_provider,
            key_ref=encrypted.key_ref,
            ciphertext_digest=encrypted.ciphertext_digest,
            ciphertext_size=encrypted.ciphertext_size,
            container=self._container.format,
            codecs=self._container.codecs,
            complete=complete,
            missing_streams=self._missing_streams(),
            agents=self._agents,
        )
        if not complete:
            # The manifest waits in the spool with the ciphertext (flush_pending uploads both).
            with SpoolingWriter(
                self._store, self._manifest_key, "application/json", self._spool_dir, retries=1
            ) as writer:
                writer.write(manifest.to_json())
                writer.commit()
            return RecordingResult(
                self.recording_id, manifest, "pending-upload", self._sink.store_error, frames
            )
        # Index entries first: every stored manifest is findable by subject (Art. 15/17).
        index_manifest(self._store, manifest)
        self._store.put_bytes(self._manifest_key, manifest.to_json(), "application/json")
        return RecordingResult(self.recording_id, manifest, "stored", None, frames)
