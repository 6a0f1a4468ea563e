"""The media node's state: config, key provider, object store, sessions, recordings index."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import MeetingType
from infra.turn_config import turn_rest_credentials

from .access_log import AccessLog
from .aws_clients import aws_client_config
from .node_config import NodeConfig
from .recorder import Recorder, recording_keys
from .recording_rules import stored_media_kinds
from .rights.consents import ConsentLedger
from .rights.subject_index import MANIFEST_SUFFIX, index_manifest
from .session import Session
from .session_host import RecordedSession
from .vault.context import recording_context
from .vault.keys import (
    KeyProvider,
    KeyProviderError,
    KmsKeyProvider,
    LocalKeyProvider,
    create_local_key_file,
)
from .vault.manifest import Manifest
from .vault.spool import flush_pending
from .vault.store import LocalDirectoryStore, ObjectStore, ObjectStoreError, S3ObjectStore

__all__ = ["IndexedRecording", "Node", "build_key_provider", "build_store"]

logger = logging.getLogger("media_node")


def build_key_provider(settings: dict[str, Any]) -> KeyProvider:
    if settings["type"] == "local":
        path = Path(settings["path"])
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            create_local_key_file(path)
        return LocalKeyProvider(path)
    import boto3

    client = boto3.client(
        "kms",
        region_name=settings.get("region"),
        endpoint_url=settings.get("endpoint_url"),
        config=aws_client_config(),
    )
    return KmsKeyProvider(client, str(settings["key_id"]))


def build_store(settings: dict[str, Any]) -> ObjectStore:
    if settings["type"] == "local":
        return LocalDirectoryStore(Path(settings["path"]))
    import boto3

    client = boto3.client(
        "s3",
        region_name=settings.get("region"),
        endpoint_url=settings.get("endpoint_url"),
        config=aws_client_config(),
    )
    return S3ObjectStore(client, str(settings["bucket"]), kms_key_id=settings.get("kms_key_id"))


@dataclass(frozen=True)
class IndexedRecording:
    recording_id: str
    meeting_type: str
    session_id: str
    agents: tuple[str, ...]


class Node:
    def __init__(
        self,
        config: NodeConfig,
        *,
        key_provider: KeyProvider | None = None,
        store: ObjectStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.key_provider = key_provider or build_key_provider(config.key_provider)
        self.store = store or build_store(config.store)
        self.spool_dir = config.state_dir / "spool"
        self._remove_torn_spool_files()
        self.access_log = AccessLog(
            config.state_dir / "access.log", anchor_path=config.access_log_anchor
        )
        self.consent_ledger = ConsentLedger(
            self.store,
            self.key_provider,
            self.spool_dir,
            on_stored_late=lambda key: self.access_log.record(
                "node", "system", "consent.stored-late", f"{key.session_id}/{key.consent_id}"
            ),
        )
        self.sessions: dict[str, Session] = {}
        self.recordings: dict[str, IndexedRecording] = {}
        self._clock = clock
        self._sweeper: asyncio.Task[None] | None = None
        self._consent_retrier: asyncio.Task[None] | None = None
        self.consent_retry_seconds = 2.0

    def start(self) -> None:
        """Start the idle-session sweeper (call on the event loop)."""
        if self._sweeper is None:
            self._sweeper = asyncio.ensure_future(self._sweep_idle())
        if self._consent_retrier is None:
            self._consent_retrier = asyncio.ensure_future(self._retry_consents())

    async def _retry_consents(self) -> None:
        """Store the withdrawals the store or key provider refused (media_node.rights.consents)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.consent_retry_seconds)
            if self.consent_ledger.waiting:
                await loop.run_in_executor(None, self.consent_ledger.retry)

    async def _sweep_idle(self) -> None:
        idle = self.config.idle_session_seconds
        period = max(0.25, min(30.0, idle / 4))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for session in list(self.sessions.values()):
                if session.idle_for(now) >= idle:
                    self.sessions.pop(session.session_id, None)
                    await session.close()
                    self.access_log.record("node", "system", "session.expire", session.session_id)
                    logger.info("session %s closed after %d s idle", session.session_id, idle)

    def _remove_torn_spool_files(self) -> None:
        """A ``.partial`` spool file is a recording cut off by a crash before its final chunk:
        it can never authenticate (STREAM), so it is deleted, and the deletion logged."""
        if not self.spool_dir.is_dir():
            return
        for path in self.spool_dir.glob("*.partial"):
            path.unlink()
            logger.warning("removed %s: a recording cut off by a crash", path.name)

    # -- TURN ----------------------------------------------------------------------------

    def ice_servers(self, pseudonym: str) -> list[dict[str, Any]]:
        ice = self.config.ice
        if not ice.turn_urls or not ice.turn_secret:
            return []
        credentials = turn_rest_credentials(
            ice.turn_secret, pseudonym, now=int(self._clock()), ttl_seconds=ice.credential_ttl
        )
        return [
            {
                "urls": list(ice.turn_urls),
                "username": credentials.username,
                "credential": credentials.password,
            }
        ]

    # -- recordings ----------------------------------------------------------------------

    def probe_key_provider(self, meeting_type: str) -> str | None:
        """None if a data key can be had now, else why not (the agent must know before the call)."""
        try:
            self.key_provider.generate_data_key(
                recording_context("probe-key-provider", meeting_type)
            ).wipe()
        except KeyProviderError as error:
            return f"key provider unavailable ({error})"
        return None

    def new_recorder(
        self,
        *,
        recording_id: str,
        meeting_type: MeetingType,
        subjects: tuple[str, ...],
        consent_refs: tuple[str, ...],
        expected_tracks: int,
        agents: tuple[str, ...] = (),
        on_late_track: Callable[[str], None],
        request_keyframe: Callable[[Any], None],
        loop: asyncio.AbstractEventLoop,
    ) -> Recorder:
        return Recorder(
            recording_id=recording_id,
            meeting_type=meeting_type.name,
            legal_basis=meeting_type.legal_basis,
            retention_days=meeting_type.retention_days,
            stored_kinds=stored_media_kinds(meeting_type.mode),
            subjects=subjects,
            consent_refs=consent_refs,
            agents=agents,
            key_provider=self.key_provider,
            store=self.store,
            spool_dir=self.spool_dir,
            expected_tracks=expected_tracks,
            on_late_track=on_late_track,
            request_keyframe=request_keyframe,
            chunk_size=self.config.encryption_chunk_size,
            max_queued_frames=self.config.max_queued_frames,
            loop=loop,
        )

    def index_recording(self, recording_id: str, session: RecordedSession) -> None:
        agents = tuple(p for p, role in session.participants.items() if role == "agent")
        self.recordings[recording_id] = IndexedRecording(
            recording_id, session.meeting_type.name, session.session_id, agents
        )

    def find_manifest(self, recording_id: str) -> tuple[Manifest, str] | None:
        """The stored manifest and ciphertext key of a recording, or None."""
        indexed = self.recordings.get(recording_id)
        names = (
            [indexed.meeting_type] if indexed else [m.name for m in self.config.stack.meeting_types]
        )
        for name in names:
            object_key, manifest_key = recording_keys(name, recording_id)
            try:
                return Manifest.from_json(self.store.get_bytes(manifest_key)), object_key
            except ObjectStoreError:
                continue
        return None

    def flush_spool(self) -> list[str]:
        def content_type(key: str) -> str:
            return (
                "application/json"
                if key.endswith(".json")
                else "application/vnd.callvault.recording"
            )

        def index_first(key: str, path: Path) -> None:
            # As on the direct path: a manifest reaches the store only after its subjects'
            # index entries, so an access export or an erasure finds the recording.
            if key.endswith(MANIFEST_SUFFIX):
                index_manifest(self.store, Manifest.from_json(path.read_bytes()))

        return flush_pending(self.store, self.spool_dir, content_type, before_upload=index_first)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        if self._consent_retrier is not None:
            self._consent_retrier.cancel()
            await asyncio.gather(self._consent_retrier, return_exceptions=True)
            self._consent_retrier = None
        if self.consent_ledger.waiting:
            logger.error(
                "%d consent withdrawals not stored yet: sealed ones stay in the spool and are "
                "uploaded at the next start; unsealed ones (key provider down) are lost",
                self.consent_ledger.waiting,
            )
        for session in list(self.sessions.values()):
            await session.close()
        self.sessions.clear()
