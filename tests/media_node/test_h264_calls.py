"""H.264 calls through coturn on a `required` meeting type: aiortc's H.264 encoder (libx264, as
OpenH264 in Chromium sends it: Annex B access units, SPS/PPS with each IDR) on one or both
sides. The stored recording must decode with PyAV, every packet, without errors; a stream that
breaks mid-call must end alone, visibly, while the rest of the recording goes on."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import av
import pytest
from aiortc import rtcrtpsender
from aiortc.codecs.h264 import H264Encoder
from aiortc.mediastreams import VideoStreamTrack

from media_node.container import ContainerWriter
from media_node.node_config import NodeConfig
from media_node.vault.manifest import Manifest

from .call_helpers import Api, RunningNode, decode_all, join_call, running_node, wait_connected
from .parties import Parties, run_on_node, start_recording

pytestmark = pytest.mark.integration

AGENT, CUSTOMER, SUPERVISOR = "agent-h264-01", "cust-h264-01", "super-h264-01"
MEETING_TYPE = "financial-advice"  # required, legal obligation (MiFID II), audio+video


class SizeSwitchingTrack(VideoStreamTrack):
    """640x480 frames, then 320x240 after ``switch_after`` seconds (a new SPS mid-call)."""

    def __init__(self, switch_after: float) -> None:
        super().__init__()
        self._switch_at = time.monotonic() + switch_after

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        size = (640, 480) if time.monotonic() < self._switch_at else (320, 240)
        frame = av.VideoFrame(*size, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([(pts // 3000) % 200 + 20]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def _call(
    config: NodeConfig,
    *,
    agent_codec: str,
    customer_codec: str,
    customer_track: Any = None,
    seconds: float,
    watch: bool = False,
) -> dict[str, Any]:
    """A call of ``seconds`` on a node with ``config``; ``watch`` polls the recording's state
    every 0.1 s. Returns the close's answer, each recording's manifest and media, the states."""

    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        call = await Parties.on(node, http, AGENT, CUSTOMER, MEETING_TYPE)
        agent, customer, created = call.agent, call.customer, call.created
        supervisor = Api(http, node.url, node.token("supervisor", SUPERVISOR))
        session_id = call.session_id
        _, view = await customer.call("GET", f"/v1/sessions/{session_id}")
        agent_pc = await join_call(
            agent, session_id, AGENT, created["ice_servers"], video_codec=agent_codec
        )
        customer_pc = await join_call(
            customer,
            session_id,
            CUSTOMER,
            view["ice_servers"],
            video_codec=customer_codec,
            video_track=customer_track,
        )
        states: list[tuple[float, dict[str, Any]]] = []
        try:
            await wait_connected(agent_pc, customer_pc)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                await asyncio.sleep(0.1 if watch else seconds)
                if watch:
                    _, now = await agent.call("GET", f"/v1/sessions/{session_id}")
                    states.append((time.monotonic(), now["recording"]))
            status, closed = await agent.call("DELETE", f"/v1/sessions/{session_id}")
            assert status == 200, closed
        finally:
            await agent_pc.close()
            await customer_pc.close()
        recordings = []
        for result in closed["recordings"]:
            rid = result["recording_id"]
            _, manifest = await supervisor.call("GET", f"/v1/recordings/{rid}/manifest")
            status, media = await supervisor.call("GET", f"/v1/recordings/{rid}/media")
            assert status == 200, media
            recordings.append({"result": result, "manifest": manifest, "media": media})
        return {"closed": closed, "recordings": recordings, "states": states}

    return run_on_node(config, script)


def _one_stored(result: dict[str, Any]) -> dict[str, Any]:
    states = [r["state"] for r in result["closed"]["recordings"]]
    assert states == ["stored"], result["closed"]
    recording: dict[str, Any] = result["recordings"][0]
    return recording


def test_h264_call_with_a_mid_call_resolution_change_is_recorded_and_decodes(
    relay_node_config: NodeConfig,
) -> None:
    result = _call(
        relay_node_config,
        agent_codec="H264",
        customer_codec="H264",
        customer_track=SizeSwitchingTrack(switch_after=3.0),
        seconds=6.0,
    )
    recording = _one_stored(result)
    assert recording["manifest"]["container"] == "matroska"
    assert recording["manifest"]["missing_streams"] == {}
    decoded = decode_all(recording["media"])
    video = [s for s in decoded["streams"] if s["codec"] == "h264"]
    assert len(video) == 2 and len(decoded["streams"]) == 4
    for stream in decoded["streams"]:
        assert stream["packets"] > 20 and stream["last"] >= 3.5, stream
        assert stream["frames"] >= stream["packets"] - 2, stream  # every packet decodes
    sizes = [set(s["sizes"]) for s in video]
    assert {(640, 480)} in sizes, "the agent's video keeps its size"
    assert {(640, 480), (320, 240)} in sizes, "the customer's new SPS reaches the decoder"


def test_mixed_h264_and_vp8_call_is_recorded_and_decodes(relay_node_config: NodeConfig) -> None:
    result = _call(relay_node_config, agent_codec="VP8", customer_codec="H264", seconds=5.0)
    recording = _one_stored(result)
    decoded = decode_all(recording["media"])
    assert sorted(s["codec"] for s in decoded["streams"]) == ["h264", "opus", "opus", "vp8"]
    for stream in decoded["streams"]:
        assert stream["packets"] > 20 and stream["last"] >= 3.0, stream
        assert stream["frames"] >= stream["packets"] - 2, stream


class _BreakingH264Encoder(H264Encoder):
    """Sends a truncated SPS once, ``after`` seconds into the call: the customer's stream
    becomes unusable for the recorder, nobody else's does."""

    def __init__(self, after: float, sent_at: list[float]) -> None:
        super().__init__()
        self._break_at = time.monotonic() + after
        self._sent_at = sent_at

    def _encode_frame(self, frame: av.VideoFrame, force_keyframe: bool) -> Iterator[bytes]:
        yield from super()._encode_frame(frame, force_keyframe)
        if not self._sent_at and time.monotonic() >= self._break_at:
            self._sent_at.append(time.monotonic())
            yield b"\x67\x42\xc0"  # an SPS NAL unit cut short


def test_a_broken_stream_ends_alone_and_is_visible_within_a_second(
    tmp_path: Path, relay_node_config: NodeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent_at: list[float] = []
    original = rtcrtpsender.get_encoder  # type: ignore[attr-defined]

    def get_encoder(codec: Any) -> Any:  # the sending peer only: the node never encodes
        if codec.mimeType == "video/H264":
            return _BreakingH264Encoder(2.5, sent_at)
        return original(codec)

    monkeypatch.setattr(rtcrtpsender, "get_encoder", get_encoder)

    result = _call(
        relay_node_config, agent_codec="VP8", customer_codec="H264", seconds=6.0, watch=True
    )
    assert sent_at, "the broken SPS was sent"
    degraded = [(at, s) for at, s in result["states"] if s["state"] == "degraded"]
    assert degraded, [s["state"] for _, s in result["states"]]
    first_at, status = degraded[0]
    assert first_at - sent_at[0] < 1.0, "the agent sees the failure within a second"
    ((key, reason),) = status["failed_streams"].items()
    assert key.startswith(f"{CUSTOMER}/video/") and "malformed H.264" in reason
    assert all(s["state"] == "recording" for at, s in result["states"] if at < sent_at[0])

    recording = _one_stored(result)
    manifest = Manifest.from_json(json.dumps(recording["manifest"]).encode())
    assert manifest.missing_streams == {key: reason}
    decoded = decode_all(recording["media"])
    by_codec = {s["codec"]: s for s in decoded["streams"] if s["codec"] != "opus"}
    assert by_codec["vp8"]["last"] >= 4.5, "the agent's video goes on to the end"
    assert 1.0 <= by_codec["h264"]["last"] <= 4.0, "the customer's video ends at the break"
    for stream in decoded["streams"]:
        if stream["codec"] == "opus":
            assert stream["last"] >= 4.5, "both voices go on to the end"
    log = (tmp_path / "node" / "access.log").read_text()
    assert '"action": "recording.failed"' in log


def test_a_failed_recorder_shows_failed_at_once_and_an_optional_type_restarts(
    relay_node_config: NodeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The muxer breaks for every stream of an optional, consent-based audio call: the state
    is ``failed`` with the reason within a second, and the agent's start records again."""
    config = relay_node_config
    broken: list[float] = []
    real_mux = ContainerWriter._mux

    def mux(self: ContainerWriter, track: Any, packet: av.Packet[Any]) -> None:
        if broken:
            self._fail(track, "mux error: injected by the test")
        real_mux(self, track, packet)

    monkeypatch.setattr(ContainerWriter, "_mux", mux)

    async def scenario() -> dict[str, Any]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            call = await Parties.on(node, http, AGENT, CUSTOMER, "customer-support")
            agent, customer, created, sid = call.agent, call.customer, call.created, call.session_id
            for status, _ in await call.consent_both():
                assert status == 200
            pcs = [
                await join_call(agent, sid, AGENT, created["ice_servers"], video=False),
                await join_call(customer, sid, CUSTOMER, created["ice_servers"], video=False),
            ]
            try:
                await wait_connected(*pcs)
                status, started = await start_recording(agent, sid)
                assert status == 200, started
                await asyncio.sleep(2.0)
                broken.append(time.monotonic())
                seen: dict[str, Any] = {}
                while time.monotonic() - broken[0] < 3.0:
                    _, now = await agent.call("GET", f"/v1/sessions/{sid}")
                    if now["recording"]["state"] == "failed":
                        seen = {"after": time.monotonic() - broken[0], **now["recording"]}
                        break
                    await asyncio.sleep(0.05)
                broken.clear()
                status, restarted = await start_recording(agent, sid)
                await asyncio.sleep(2.5)
                _, closed = await agent.call("DELETE", f"/v1/sessions/{sid}")
            finally:
                for pc in pcs:
                    await pc.close()
            return {"seen": seen, "restart": (status, restarted), "closed": closed}

    result = asyncio.run(scenario())
    seen = result["seen"]
    assert seen, "the state never became failed"
    assert seen["after"] < 1.0 and "injected by the test" in seen["reason"], seen
    assert result["restart"][0] == 200 and result["restart"][1]["recording"]["state"] == (
        "recording"
    )
    assert [r["state"] for r in result["closed"]["recordings"]] == ["failed", "stored"]
    assert "every stream" in result["closed"]["recordings"][0]["reason"]
