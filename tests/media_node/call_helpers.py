"""Test helpers: a media node on a free port, an API client, and aiortc call participants."""

from __future__ import annotations

import asyncio
import io
import secrets
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import aiohttp
import av
from aiohttp import web
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from infra.config import StackConfig
from media_node.app import create_app
from media_node.auth import BOUND_ROLES, issue_token
from media_node.node import Node
from media_node.node_config import IceSettings, NodeConfig
from media_node.passthrough import install
from media_node.vault.keys import KeyProvider
from media_node.vault.store import ObjectStore
from tests.servers import RunningTurnServer, free_port


def node_config(
    state_dir: Path,
    stack: StackConfig,
    turn: RunningTurnServer | None,
    **overrides: Any,
) -> NodeConfig:
    ice = (
        IceSettings(
            transport_policy="relay",
            turn_urls=(f"turn:{turn.host}:{turn.port}?transport=udp",),
            turn_secret=turn.secret,
        )
        if turn
        else IceSettings(transport_policy="all")
    )
    config = NodeConfig(
        host="127.0.0.1",
        port=free_port(),
        stack=stack,
        state_dir=state_dir,
        ice=ice,
        token_secret=secrets.token_bytes(32),
        key_provider={"type": "local", "path": str(state_dir / "vault.key")},
        store={"type": "local", "path": str(state_dir / "store")},
    )
    return replace(config, **overrides)


@dataclass
class RunningNode:
    node: Node
    url: str

    def token(self, role: str, subject: str, ttl: int = 600) -> str:
        """A signed token. A customer's is bound to no open session here (as one from another
        session would be): a customer of a session gets theirs from :func:`customer_api`."""
        secret = self.node.config.token_secret
        if role in BOUND_ROLES:
            session, credential = "ses-" + "0" * 24, "jc-" + "0" * 16
            return issue_token(
                secret, role, subject, ttl=ttl, session=session, credential=credential
            )
        return issue_token(secret, role, subject, ttl=ttl)


@asynccontextmanager
async def running_node(
    config: NodeConfig,
    *,
    key_provider: KeyProvider | None = None,
    store: ObjectStore | None = None,
) -> AsyncIterator[RunningNode]:
    install()
    node = Node(config, key_provider=key_provider, store=store)
    runner = web.AppRunner(create_app(node))
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    try:
        yield RunningNode(node, f"http://{config.host}:{config.port}")
    finally:
        await runner.cleanup()


class Api:
    """The node's API as one participant or staff member sees it."""

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self._http = http
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        async with self._http.request(
            method, self._url + path, json=body, headers=self._headers, **kw
        ) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.read()


def join_code(link: str) -> str:
    """The join code in a join link (``/join/<session>#c=<code>``)."""
    fragment = urllib.parse.parse_qs(urllib.parse.urlsplit(link).fragment)
    return fragment["c"][0]


async def redeem(http: aiohttp.ClientSession, url: str, link: str) -> tuple[int, Any]:
    """What the join page does: exchange the link's join code (no bearer token)."""
    session_id = urllib.parse.urlsplit(link).path.rsplit("/", 1)[-1]
    async with http.post(
        f"{url}/v1/sessions/{session_id}/join", json={"code": join_code(link)}
    ) as response:
        return response.status, await response.json()


async def customer_api(
    http: aiohttp.ClientSession, url: str, created: dict[str, Any], participant: str
) -> Api:
    """The customer's API, with the token their browser gets by redeeming their join link."""
    status, body = await redeem(http, url, created["join"][participant])
    assert status == 200, body
    return Api(http, url, body["token"])


async def join_call(
    api: Api,
    session_id: str,
    participant: str,
    ice_servers: list[dict[str, Any]],
    *,
    audio: bool = True,
    video: bool = True,
    relay_only: bool = True,
    video_codec: str | None = None,
    video_track: Any = None,
) -> RTCPeerConnection:
    """Offer audio and/or video; ``video_codec`` (e.g. ``H264``) is the only video codec
    offered (codec preferences, as a browser's setCodecPreferences)."""
    servers = [RTCIceServer(**server) for server in ice_servers]
    policy = RTCIceTransportPolicy.RELAY if relay_only and servers else RTCIceTransportPolicy.ALL
    pc = RTCPeerConnection(RTCConfiguration(iceServers=servers, iceTransportPolicy=policy))
    if audio:
        pc.addTrack(AudioStreamTrack())
    if video:
        sender = pc.addTrack(video_track or VideoStreamTrack())
        if video_codec is not None:
            codecs = RTCRtpSender.getCapabilities("video").codecs
            wanted = [c for c in codecs if c.mimeType.lower() == f"video/{video_codec.lower()}"]
            transceiver = next(t for t in pc.getTransceivers() if t.sender is sender)
            transceiver.setCodecPreferences(wanted)
    await pc.setLocalDescription(await pc.createOffer())
    status, answer = await api.call(
        "POST",
        f"/v1/sessions/{session_id}/offer",
        {"participant": participant, "sdp": pc.localDescription.sdp, "type": "offer"},
    )
    if status != 200:
        await pc.close()
        raise AssertionError(f"offer refused: {status} {answer}")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    return pc


async def wait_connected(*pcs: RTCPeerConnection, timeout: float = 20.0) -> None:
    async def one(pc: RTCPeerConnection) -> None:
        while pc.connectionState != "connected":
            if pc.connectionState in ("failed", "closed"):
                raise AssertionError(f"peer connection {pc.connectionState}")
            await asyncio.sleep(0.05)

    await asyncio.wait_for(asyncio.gather(*(one(pc) for pc in pcs)), timeout)


def decode_all(media: bytes) -> dict[str, Any]:
    """Decode every packet of every stream; any decoder error raises."""
    container = av.open(io.BytesIO(media), "r")
    streams: dict[int, dict[str, Any]] = {}
    for stream in container.streams:
        stream.codec_context.options = {"err_detect": "explode"}
        streams[stream.index] = {
            "codec": stream.codec_context.name,
            "packets": 0,
            "frames": 0,
            "sizes": [],
            "last": 0.0,
        }
    for packet in container.demux():
        info = streams[packet.stream.index]
        if packet.size == 0:
            continue
        info["packets"] += 1
        info["last"] = max(
            info["last"], float((packet.pts or 0) * (packet.time_base or Fraction(0)))
        )
        for frame in packet.decode():
            info["frames"] += 1
            if isinstance(frame, av.VideoFrame):
                info["sizes"].append((frame.width, frame.height))
    return {"format": container.format.name, "streams": list(streams.values())}
