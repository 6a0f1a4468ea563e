"""Builds real recordings for the rights tests: WebM files encoded with PyAV (Opus + VP8 per
participant, streams titled ``<participant>/<kind>/<n>`` as the node writes them), sealed with
the real envelope into a real store, with manifest and index entries."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import av

from media_node.rights.archive_keys import PassphraseKeyProvider
from media_node.rights.consents import ConsentLedger, StoredConsent
from media_node.rights.subject_index import index_manifest, manifest_key
from media_node.vault.context import recording_context
from media_node.vault.keys import KeyProvider
from media_node.vault.manifest import MANIFEST_SCHEMA_VERSION, Manifest
from media_node.vault.store import ObjectStore
from media_node.vault.stream import decrypt_stream, encrypt_stream

PASSPHRASE = "correct horse battery staple"


def webm(participants: Iterable[str]) -> bytes:
    buffer = io.BytesIO()
    out = av.open(buffer, "w", format="webm")
    pairs = []
    for number, who in enumerate(participants):
        audio = out.add_stream("libopus", rate=48000, layout="mono")
        audio.metadata["title"] = f"{who}/audio/{2 * number}"
        video = out.add_stream("libvpx", rate=15)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.metadata["title"] = f"{who}/video/{2 * number + 1}"
        pairs.append((audio, video))
    for audio, video in pairs:
        for index in range(10):
            frame = av.VideoFrame(64, 48, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([index * 20]) * plane.buffer_size)
            frame.pts = index
            for packet in video.encode(frame):
                out.mux(packet)
        for index in range(25):
            sound = av.AudioFrame(format="s16", layout="mono", samples=960)
            sound.planes[0].update(bytes(sound.planes[0].buffer_size))
            sound.sample_rate = 48000
            sound.pts = index * 960
            for packet in audio.encode(sound):
                out.mux(packet)
    for audio, video in pairs:
        for stream in (audio, video):
            for packet in stream.encode(None):
                out.mux(packet)
    out.close()
    return buffer.getvalue()


def store_recording(
    store: ObjectStore,
    provider: KeyProvider,
    recording_id: str,
    participants: tuple[str, ...],
    *,
    meeting_type: str = "sales-call",
    legal_basis: str = "consent",
    retention_until: str = "2030-01-01",
    schema_version: int = MANIFEST_SCHEMA_VERSION,
    consent_refs: tuple[str, ...] = (),
) -> Manifest:
    """``schema_version=1`` stores it as the node did before the stream digest: the manifest
    names the object by the SHA-256 of all of it (``ciphertext_sha256``)."""
    media = f"recordings/{meeting_type}/{recording_id}.cvr"
    with store.writer(media, "application/octet-stream") as sink:
        sealed = encrypt_stream(
            provider,
            sink,
            recording_context(recording_id, meeting_type),
            [webm(participants)],
            whole_sha256=schema_version == 1,
        )
    manifest = Manifest(
        recording_id=recording_id,
        meeting_type=meeting_type,
        legal_basis=legal_basis,
        subjects=participants,
        consent_refs=consent_refs,
        started_at="2026-11-01T10:00:00Z",
        ended_at="2026-11-01T10:01:00Z",
        retention_until=retention_until,
        key_provider=sealed.key_provider,
        key_ref=sealed.key_ref,
        ciphertext_digest=(
            f"sha256:{sealed.ciphertext_sha256}"
            if schema_version == 1
            else sealed.ciphertext_digest
        ),
        ciphertext_size=sealed.ciphertext_size,
        container="webm",
        codecs=("opus", "vp8"),
        schema_version=schema_version,
    )
    index_manifest(store, manifest)
    store.put_bytes(
        manifest_key(meeting_type, recording_id), manifest.to_json(), "application/json"
    )
    return manifest


def titles(data: bytes) -> list[str]:
    with av.open(io.BytesIO(data)) as container:
        return [str(s.metadata.get("title")) for s in container.streams]


def decoded_frames(data: bytes) -> int:
    with av.open(io.BytesIO(data), "r") as container:
        return sum(1 for _ in container.decode(*container.streams))


def recording_plaintext(store: ObjectStore, provider: KeyProvider, key: str) -> bytes:
    return b"".join(decrypt_stream(store.read(key), {provider.provider_id: provider}))


def open_archive(path: Path, passphrase: str = PASSPHRASE) -> zipfile.ZipFile:
    provider = PassphraseKeyProvider(passphrase)
    data = b"".join(decrypt_stream([path.read_bytes()], {"passphrase": provider}))
    return zipfile.ZipFile(io.BytesIO(data))


def snapshot(store: ObjectStore, provider: KeyProvider, keys: Iterable[str]) -> dict[str, Any]:
    """What a test compares: for each key, absent, or its manifest's subjects / media tracks."""
    state: dict[str, Any] = {}
    for key in sorted(keys):
        if not store.exists(key):
            state[key] = None
        elif key.endswith(".manifest.json"):
            state[key] = Manifest.from_json(store.get_bytes(key)).subjects
        elif key.endswith(".cvr"):
            state[key] = titles(recording_plaintext(store, provider, key))
        else:
            state[key] = "present"
    return state


def store_consent(
    store: ObjectStore,
    provider: KeyProvider,
    consent_id: str,
    participant: str,
    *,
    session_id: str = "ses-000000000001",
    granted: bool = True,
    at: str = "2026-11-01T09:59:00.000Z",
    keep_until: str = "2026-12-01",
    meeting_type: str = "sales-call",
    via: str | None = "join-code:jc-0123456789abcdef",
) -> StoredConsent:
    """One consent record, stored through the node's own write path."""
    record = StoredConsent(
        consent_id=consent_id,
        participant=participant,
        session_id=session_id,
        meeting_type=meeting_type,
        granted=granted,
        at=at,
        text_version="v1",
        notice_version=f"{meeting_type}@0123456789ab",
        notice_text="With your consent we record this call.",
        notice_sha256_shown=None,
        keep_until=keep_until,
        via=via,
    )
    ConsentLedger(store, provider, Path("/nonexistent-spool")).store_grant(record)
    return record
