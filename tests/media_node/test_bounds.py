"""Bounded resources (issue 11): session caps, idle sessions, AWS client timeouts, and a
recorder whose object store hangs."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from infra.config import StackConfig
from media_node.node import build_key_provider, build_store
from media_node.passthrough import EncodedFrame, passthrough
from media_node.recorder import Recorder
from media_node.vault.keys import LocalKeyProvider, create_local_key_file
from media_node.vault.spool import pending_uploads
from media_node.vault.store import ObjectStoreError, ObjectWriter, _WriterBase

from .call_helpers import Api, node_config, running_node
from .parties import create_session, participants

pytestmark = pytest.mark.integration


def _participants(agent: str) -> list[dict[str, str]]:
    return participants(agent, f"cust-of-{agent}")


def test_sessions_up_to_the_cap_and_past_it(tmp_path: Path, dev_config: StackConfig) -> None:
    config = replace(
        node_config(tmp_path / "node", dev_config, None), max_sessions=12, max_sessions_per_agent=5
    )

    async def scenario() -> dict[str, Any]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:

            async def create(agent: str) -> tuple[int, Any]:
                api = Api(http, node.url, node.token("agent", agent))
                return await create_session(api, "customer-support", _participants(agent))

            first = [await create("agent-load-a") for _ in range(6)]
            others = ["agent-load-b", "agent-load-c", "agent-load-d", "agent-load-e"]
            rest = await asyncio.gather(*(create(agent) for agent in others for _ in range(3)))
            supervisor = Api(http, node.url, node.token("supervisor", "sup-load-01"))
            full = await create_session(supervisor, "customer-support", _participants("agent-x"))
            sid = first[0][1]["session_id"]
            agent_a = Api(http, node.url, node.token("agent", "agent-load-a"))
            assert (await agent_a.call("DELETE", f"/v1/sessions/{sid}"))[0] == 200
            after_delete = await create("agent-load-a")
            return {"first": first, "rest": rest, "full": full, "after": after_delete}

    result = asyncio.run(scenario())
    assert [s for s, _ in result["first"]] == [201] * 5 + [429], result["first"]
    assert "at most 5" in result["first"][5][1]["error"]
    statuses = [s for s, _ in result["rest"]]
    assert sorted(statuses) == [201] * 7 + [503] * 5, statuses
    assert result["full"][0] == 503 and "capacity" in result["full"][1]["error"]
    assert result["after"][0] == 201, result["after"]


def test_an_idle_session_is_closed(tmp_path: Path, dev_config: StackConfig) -> None:
    config = replace(node_config(tmp_path / "node", dev_config, None), idle_session_seconds=1)

    async def scenario() -> tuple[int, int, int]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            agent = Api(http, node.url, node.token("agent", "agent-idle-01"))
            status, created = await create_session(
                agent, "customer-support", _participants("agent-idle-01")
            )
            assert status == 201, created
            sid = created["session_id"]
            busy = (await agent.call("GET", f"/v1/sessions/{sid}"))[0]
            await asyncio.sleep(4.0)  # idle for 1 s, swept within a second after (margin)
            gone = (await agent.call("GET", f"/v1/sessions/{sid}"))[0]
            return busy, gone, len(node.node.sessions)

    busy, gone, left = asyncio.run(scenario())
    assert (busy, gone, left) == (200, 404, 0)


def test_aws_clients_use_standard_retries_and_short_timeouts(tmp_path: Path) -> None:
    store = build_store({"type": "s3", "bucket": "b", "region": "eu-central-1"})
    provider = build_key_provider({"type": "kms", "key_id": "k", "region": "eu-central-1"})
    for client in (store.client, provider._client):  # type: ignore[attr-defined]
        config = client.meta.config
        assert config.retries["mode"] == "standard", config.retries
        assert config.connect_timeout <= 5 and config.read_timeout <= 15


# -- a recorder whose object store hangs --------------------------------------------------


class _HangingWriter(_WriterBase):
    """S3 that accepts the connection and answers nothing until the client's read timeout."""

    def __init__(self, hang: threading.Event, timeout: float) -> None:
        self._hang = hang
        self._timeout = timeout

    def write(self, data: bytes) -> None:
        self._hang.wait(self._timeout)
        raise ObjectStoreError("Read timeout on endpoint URL")

    def commit(self) -> None:
        raise ObjectStoreError("Read timeout on endpoint URL")

    def abort(self) -> None:
        pass


class _HangingStore:
    def __init__(self, timeout: float) -> None:
        self.hang = threading.Event()
        self.timeout = timeout

    def writer(self, key: str, content_type: str) -> ObjectWriter:
        return _HangingWriter(self.hang, self.timeout)

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        raise ObjectStoreError("Read timeout")

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.hang.wait(self.timeout)
        raise ObjectStoreError("Read timeout")

    def get_bytes(self, key: str) -> bytes:
        raise ObjectStoreError("Read timeout")

    def delete(self, key: str) -> None:
        raise ObjectStoreError("Read timeout")

    def exists(self, key: str) -> bool:
        return False


class _FastAudioTrack:
    """A received Opus track delivering 20 ms frames ten times faster than real time."""

    kind = "audio"
    readyState = "live"

    def __init__(self, frames: int) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._left = frames
        self._timestamp = 0

    async def recv(self) -> EncodedFrame:
        from aiortc.mediastreams import MediaStreamError

        if self._left == 0:
            await asyncio.sleep(3600)
            raise MediaStreamError
        self._left -= 1
        self._timestamp += 960
        await asyncio.sleep(0.002)
        return EncodedFrame("opus", "audio", os.urandom(1000), self._timestamp, 48000, True)


def test_a_hanging_store_neither_blocks_the_recorder_nor_grows_its_memory(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "vault.key"
    create_local_key_file(key_file)
    store = _HangingStore(timeout=60.0)  # hangs until the test lets it time out
    frames = 2000  # 2 MB of audio, 40 s of call

    async def scenario() -> tuple[Any, int, int]:
        track = _FastAudioTrack(frames)
        passthrough(track, max_queued=64)
        recorder = Recorder(
            recording_id="rec-hang-0001",
            meeting_type="customer-support",
            legal_basis="consent",
            retention_days=30,
            stored_kinds=frozenset({"audio"}),
            subjects=("agent-hang-01",),
            consent_refs=("cns-1",),
            key_provider=LocalKeyProvider(key_file),
            store=store,
            spool_dir=tmp_path / "spool",
            expected_tracks=1,
            grace_seconds=0.1,
            chunk_size=64 * 1024,
            max_queued_frames=64,
            loop=asyncio.get_running_loop(),
        )
        recorder.add_track("agent-hang-01", track)
        peak = 0
        deadline = time.monotonic() + 30
        while sum(recorder.frame_counts().values()) + recorder.dropped_frames() < frames:
            peak = max(peak, recorder.queued_frames())
            assert time.monotonic() < deadline, "the recorder stalled behind the object store"
            await asyncio.sleep(0.01)
        store.hang.set()  # the client's read timeout: from now on every call fails at once
        result = await recorder.stop()
        return result, peak, recorder.dropped_frames()

    result, peak, dropped = asyncio.run(scenario())
    assert peak <= 64, f"the recorder's queue grew to {peak} frames behind a hanging store"
    assert dropped == 0, f"{dropped} frames lost although only the store was slow"
    assert result.state == "pending-upload", result
    assert result.frames and sum(result.frames.values()) == frames
    spooled = pending_uploads(tmp_path / "spool")
    assert [key for key, _ in spooled][0].endswith("rec-hang-0001.cvr"), spooled
    assert spooled[0][1].stat().st_size > frames * 1000
