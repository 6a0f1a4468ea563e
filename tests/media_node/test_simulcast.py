"""Simulcast offers get their highest layer accepted (media_node.simulcast), in the node's real
answer too; the recorded resolution with a real browser is checked in tests/browser."""

from __future__ import annotations

import aiohttp
import pytest
from aiortc import RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from media_node.node_config import NodeConfig
from media_node.simulcast import answer_one_layer, highest_layers

from .call_helpers import Api, RunningNode
from .parties import create_session, participants, run_on_node

# The video section of a Chrome offer with three encodings (sendEncodings q, h, f).
CHROME_VIDEO = """m=video 9 UDP/TLS/RTP/SAVPF 96 97
c=IN IP4 0.0.0.0
a=mid:1
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
a=sendrecv
a=rtpmap:96 VP8/90000
a=rtpmap:97 rtx/90000
a=fmtp:97 apt=96
a=rid:q send
a=rid:h send
a=rid:f send
a=simulcast:send q;h;f
"""


def _offer(video: str) -> str:
    return "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\na=group:BUNDLE 1\n" + video


@pytest.mark.parametrize(
    ("rids", "simulcast", "expected"),
    [
        ("a=rid:q send\na=rid:h send\na=rid:f send", "q;h;f", "f"),
        ("a=rid:f send\na=rid:h send\na=rid:q send", "f;h;~q", "f"),
        ("a=rid:low send\na=rid:high send", "low;high", "high"),
        ("a=rid:0 send\na=rid:1 send\na=rid:2 send", "0;1;2", "2"),
        (
            "a=rid:a send max-width=1280;max-height=720\na=rid:b send max-width=320;max-height=180",
            "a;b",
            "a",
        ),
    ],
)
def test_the_highest_layer_is_chosen(rids: str, simulcast: str, expected: str) -> None:
    offer = _offer(
        f"m=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:v\n{rids}\na=simulcast:send {simulcast}\n"
    )
    assert highest_layers(offer) == {"v": expected}


def test_no_simulcast_leaves_the_answer_alone() -> None:
    answer = _offer("m=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:1\na=recvonly\n")
    assert answer_one_layer(answer, _offer("m=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:1\n")) == answer


def test_answer_accepts_one_layer_with_the_rid_extension() -> None:
    answer = _offer("m=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:1\na=recvonly\na=rtpmap:96 VP8/90000\n")
    lines = answer_one_layer(answer, _offer(CHROME_VIDEO)).splitlines()
    assert "a=simulcast:recv f" in lines and "a=rid:f recv" in lines
    assert "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id" in lines
    assert not any(line.startswith(("a=rid:q", "a=rid:h")) for line in lines)


def _with_simulcast(sdp: str) -> str:
    """A real aiortc offer turned Chrome-style: three rids on its video section."""
    out = []
    in_video = False
    for line in sdp.splitlines():
        if line.startswith("m="):
            if in_video:
                out.extend(
                    ["a=rid:q send", "a=rid:h send", "a=rid:f send", "a=simulcast:send q;h;f"]
                )
            in_video = line.startswith("m=video")
        out.append(line)
    if in_video:
        out.extend(["a=rid:q send", "a=rid:h send", "a=rid:f send", "a=simulcast:send q;h;f"])
    out.insert(
        next(i for i, line in enumerate(out) if line.startswith("m=video")) + 1,
        "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    )
    return "\r\n".join(out) + "\r\n"


@pytest.mark.integration
def test_node_answers_a_simulcast_offer_with_its_highest_layer(
    relay_node_config: NodeConfig,
) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> str:
        agent = Api(http, node.url, node.token("agent", "agent-sim-01"))
        _, created = await create_session(
            agent, "claims-inspection", participants("agent-sim-01", "cust-sim-01")
        )
        pc = RTCPeerConnection()
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(VideoStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())
        status, answer = await agent.call(
            "POST",
            f"/v1/sessions/{created['session_id']}/offer",
            {
                "participant": "agent-sim-01",
                "sdp": _with_simulcast(pc.localDescription.sdp),
                "type": "offer",
            },
        )
        await pc.close()
        assert status == 200, answer
        return str(answer["sdp"])

    answer = run_on_node(relay_node_config, script)
    video = answer[answer.index("m=video") :]
    assert "a=simulcast:recv f\r\n" in video and "a=rid:f recv\r\n" in video
    assert "a=rid:q" not in answer and "rtp-stream-id" in video
