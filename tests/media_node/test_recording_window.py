"""Only media after a recording's start is recorded; media of an unrecorded call is dropped at
once. Real coturn relay, real aiortc peers, the node's own decrypt, PyAV to read timestamps."""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import av
import pytest

from infra.config import StackConfig
from media_node.node_config import NodeConfig
from media_node.recorder import recording_keys
from media_node.vault.keys import LocalKeyProvider
from media_node.vault.manifest import Manifest
from media_node.vault.store import LocalDirectoryStore
from media_node.vault.stream import decrypt_stream
from tests.servers import RunningTurnServer

from .call_helpers import Api, RunningNode, node_config, running_node, wait_connected
from .parties import Parties, consent, start_recording

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-win-01", "cust-win-01"


def _with_video_consent_type(stack: StackConfig) -> StackConfig:
    """The dev stack plus an optional, consent-based audio+video type (video keyframe checks)."""
    support = stack.meeting_type("customer-support")
    video = replace(support, name="video-support", mode="audio+video")
    return replace(stack, meeting_types=(*stack.meeting_types, video))


def _streams(node: RunningNode, meeting_type: str, recording_id: str) -> dict[str, Any]:
    """Per stream of the stored recording: codec, packet count, first/last pts (s), keyframe."""
    config = node.node.config
    store = LocalDirectoryStore(Path(config.store["path"]))
    provider = LocalKeyProvider(Path(config.key_provider["path"]))
    object_key, manifest_key = recording_keys(meeting_type, recording_id)
    assert Manifest.from_json(store.get_bytes(manifest_key)).complete
    plaintext = b"".join(decrypt_stream(store.read(object_key), {provider.provider_id: provider}))
    container = av.open(io.BytesIO(plaintext), "r")
    streams: dict[str, Any] = {}
    for packet in container.demux():
        if packet.pts is None:
            continue
        seconds = float(packet.pts * packet.time_base)
        entry = streams.setdefault(
            str(packet.stream.index),
            {
                "codec": packet.stream.codec_context.name,
                "count": 0,
                "first": seconds,
                "last": seconds,
                "first_keyframe": bool(packet.is_keyframe),
            },
        )
        entry["count"] += 1
        entry["last"] = max(entry["last"], seconds)
    return streams


async def _consent(api: Api, session_id: str, who: str, granted: bool) -> None:
    status, body = await consent(api, session_id, who, granted)
    assert status == 200, body


async def _start(api: Api, session_id: str) -> None:
    status, body = await start_recording(api, session_id)
    assert status == 200, body


def test_recording_started_after_media_flowed_holds_only_media_after_its_start(
    tmp_path: Path, dev_config: StackConfig, coturn: RunningTurnServer
) -> None:
    config = node_config(tmp_path / "node", _with_video_consent_type(dev_config), coturn)

    async def scenario() -> dict[str, Any]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            call = await Parties.on(node, http, AGENT, CUSTOMER, "video-support")
            agent, customer, sid = call.agent, call.customer, call.session_id
            pcs = await call.join()
            try:
                await wait_connected(*pcs)
                await asyncio.sleep(4.0)  # media flows, nobody consented: nothing may be kept
                await _consent(agent, sid, AGENT, True)
                await _consent(customer, sid, CUSTOMER, True)
                began = time.monotonic()
                await _start(agent, sid)
                await asyncio.sleep(2.0)
                await _consent(customer, sid, CUSTOMER, False)  # stops the first recording
                spans = [time.monotonic() - began]
                await asyncio.sleep(4.0)  # withdrawn: media flows, nothing may be kept
                await _consent(customer, sid, CUSTOMER, True)
                began = time.monotonic()
                await _start(agent, sid)
                await asyncio.sleep(1.5)
                status, closed = await agent.call("DELETE", f"/v1/sessions/{sid}")
                spans.append(time.monotonic() - began)
                assert status == 200, closed
            finally:
                for pc in pcs:
                    await pc.close()
            stored = closed["recordings"]
            return {
                "spans": spans,
                "states": [r["state"] for r in stored],
                "streams": [_streams(node, "video-support", r["recording_id"]) for r in stored],
            }

    result = asyncio.run(scenario())
    assert result["states"] == ["stored", "stored"], result["states"]
    for streams, span in zip(result["streams"], result["spans"], strict=True):
        assert len(streams) == 4, streams  # two participants x (Opus + VP8)
        for stream in streams.values():
            # At most the time from sending the start to the stop's answer (measured, so a
            # loaded machine does not matter) plus 0.5 s; the media before the start (4 s) or
            # while consent was withdrawn (4 s) would push it seconds beyond.
            assert stream["last"] <= span + 0.5, (span, streams)
            if stream["codec"] == "opus":
                assert stream["count"] <= (span + 0.5) * 50, (span, streams)  # 20 ms frames
            else:
                assert stream["first_keyframe"], f"video must begin at a keyframe: {streams}"


def test_unrecorded_call_media_is_discarded_not_queued(relay_node_config: NodeConfig) -> None:
    """A forbidden meeting type: every received frame is read and dropped at once, so the
    backlog stays empty however long the call (measured as the tracks' queued frames)."""
    config = relay_node_config

    async def scenario() -> tuple[list[int], int]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            call = await Parties.on(node, http, AGENT, CUSTOMER, "medical-consultation")
            sid = call.session_id
            pcs = await call.join()
            try:
                await wait_connected(*pcs)
                await asyncio.sleep(4.0)
                session = node.node.sessions[sid]
                backlog = [track._queue.qsize() for _, track in session.tracks]
                assert len(backlog) == 4, backlog
                assert max(backlog) <= 2, f"frames of an unrecorded call are queued: {backlog}"
                discarded = sum(session.frames_discarded().values())
            finally:
                for pc in pcs:
                    await pc.close()
            return backlog, discarded

    backlog, discarded = asyncio.run(scenario())
    assert max(backlog) <= 2, backlog
    assert discarded > 100, f"the frames were not read and counted as discarded ({discarded})"
