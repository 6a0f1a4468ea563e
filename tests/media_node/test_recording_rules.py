"""Each recording rule through the real API and real aiortc peers relayed by coturn:
forbidden, consent missing, consent withdrawn mid-call, audio-only stores no video."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import av
import pytest

from media_node.node_config import NodeConfig
from media_node.recording_rules import start_refusal
from media_node.vault.manifest import Manifest
from media_node.vault.stream import decrypt_stream

from .call_helpers import Api, RunningNode, join_call, wait_connected
from .parties import consent, run_in_session, start_recording

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-rules-01", "cust-rules-01"


def _run(
    config: NodeConfig,
    meeting_type: str,
    script: Callable[[RunningNode, Api, Api, str], Awaitable[Any]],
) -> Any:
    return run_in_session(config, (AGENT, CUSTOMER), meeting_type, script)


async def _connect(agent: Api, customer: Api, session_id: str) -> tuple[Any, Any]:
    _, agent_view = await agent.call("GET", f"/v1/sessions/{session_id}")
    _, customer_view = await customer.call("GET", f"/v1/sessions/{session_id}")
    agent_pc = await join_call(agent, session_id, AGENT, agent_view["ice_servers"])
    customer_pc = await join_call(customer, session_id, CUSTOMER, customer_view["ice_servers"])
    await wait_connected(agent_pc, customer_pc)
    return agent_pc, customer_pc


def _decrypt(node: RunningNode, recording_id: str, meeting_type: str) -> tuple[Manifest, bytes]:
    store = node.node.store
    manifest = Manifest.from_json(
        store.get_bytes(f"recordings/{meeting_type}/{recording_id}.manifest.json")
    )
    provider = node.node.key_provider
    blocks = store.read(f"recordings/{meeting_type}/{recording_id}.cvr")
    return manifest, b"".join(decrypt_stream(blocks, {provider.provider_id: provider}))


def _durations(container_bytes: bytes) -> dict[str, float]:
    container = av.open(io.BytesIO(container_bytes), "r")
    last: dict[str, float] = {}
    for packet in container.demux():
        if packet.pts is not None:
            key = f"{packet.stream.index}:{packet.stream.codec_context.name}"
            last[key] = max(last.get(key, 0.0), float(packet.pts * packet.time_base))
    return last


def test_start_refusal_is_pure_and_names_the_reason() -> None:
    assert start_refusal("forbidden", "contract", ["a"], {}, already_recording=False) == (
        "the meeting type forbids recording"
    )
    assert "cust-1 has not granted" in str(
        start_refusal(
            "optional", "consent", ["ag-1", "cust-1"], {"ag-1": True}, already_recording=False
        )
    )
    assert (
        start_refusal("optional", "consent", ["a"], {"a": True}, already_recording=True)
        == "already recording"
    )
    assert start_refusal("required", "legal-obligation", ["a"], {}, already_recording=False) is None


def test_forbidden_meeting_type_never_records(relay_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, agent: Api, customer: Api, session_id: str) -> Any:
        pcs = await _connect(agent, customer, session_id)
        status, refused = await start_recording(agent, session_id)
        await asyncio.sleep(1.0)
        _, closed = await agent.call("DELETE", f"/v1/sessions/{session_id}")
        for pc in pcs:
            await pc.close()
        return status, refused, closed, list((node.node.config.state_dir / "store").rglob("*.cvr"))

    status, refused, closed, files = _run(relay_node_config, "medical-consultation", script)
    assert status == 409 and "forbids recording" in refused["error"]
    assert closed["recordings"] == [] and files == []


def test_consent_missing_refuses_then_grants_allow(relay_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, agent: Api, customer: Api, session_id: str) -> Any:
        pcs = await _connect(agent, customer, session_id)
        first = await start_recording(agent, session_id)
        await consent(agent, session_id, AGENT, text_version="v3")
        second = await start_recording(agent, session_id)
        await consent(customer, session_id, CUSTOMER, text_version="v3")
        third = await start_recording(agent, session_id)
        again = await start_recording(agent, session_id)
        await asyncio.sleep(1.5)
        _, closed = await agent.call("DELETE", f"/v1/sessions/{session_id}")
        for pc in pcs:
            await pc.close()
        return first, second, third, again, closed

    first, second, third, again, closed = _run(relay_node_config, "customer-support", script)
    assert (
        first[0] == 409
        and "consent is the legal basis" in first[1]["error"]
        and CUSTOMER in first[1]["error"]
    )
    assert second[0] == 409 and CUSTOMER in second[1]["error"] and AGENT not in second[1]["error"]
    assert third[0] == 200 and third[1]["recording"]["state"] == "recording"
    assert again[0] == 409 and again[1]["error"] == "already recording"
    assert [r["state"] for r in closed["recordings"]] == ["stored"]


def test_consent_withdrawn_mid_call_stops_at_once_and_keeps_what_was_recorded(
    relay_node_config: NodeConfig,
) -> None:
    async def script(node: RunningNode, agent: Api, customer: Api, session_id: str) -> Any:
        pcs = await _connect(agent, customer, session_id)
        grants = {}
        for api, who in ((agent, AGENT), (customer, CUSTOMER)):
            _, grants[who] = await consent(api, session_id, who, text_version="v3")
        await start_recording(agent, session_id)
        await asyncio.sleep(2.5)
        status, withdrawn = await consent(customer, session_id, CUSTOMER, False, "v3")
        restart = await start_recording(agent, session_id)
        await asyncio.sleep(2.5)
        _, closed = await agent.call("DELETE", f"/v1/sessions/{session_id}")
        for pc in pcs:
            await pc.close()
        recording_id = closed["recordings"][0]["recording_id"]
        manifest, plaintext = _decrypt(node, recording_id, "customer-support")
        return grants, status, withdrawn, restart, closed, manifest, plaintext

    grants, status, withdrawn, restart, closed, manifest, plaintext = _run(
        relay_node_config, "customer-support", script
    )
    assert (
        status == 200
        and withdrawn["granted"] is False
        and withdrawn["recording"]["state"] == "idle"
    )
    assert [r["state"] for r in withdrawn["recordings"]] == ["stored"], (
        "stopped at once, on withdrawal"
    )
    assert restart[0] == 409 and CUSTOMER in restart[1]["error"]
    assert len(closed["recordings"]) == 1
    assert set(manifest.consent_refs) == {
        grants[AGENT]["consent_id"],
        grants[CUSTOMER]["consent_id"],
    }
    durations = _durations(plaintext)
    assert durations and all(1.5 <= d <= 3.8 for d in durations.values()), durations


def test_audio_only_meeting_type_stores_no_video(relay_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, agent: Api, customer: Api, session_id: str) -> Any:
        pcs = await _connect(agent, customer, session_id)  # both offer audio AND video
        answer = node.node.sessions[session_id].peers[CUSTOMER].localDescription.sdp
        for api, who in ((agent, AGENT), (customer, CUSTOMER)):
            await consent(api, session_id, who, text_version="v3")
        await start_recording(agent, session_id)
        await asyncio.sleep(2.0)
        _, closed = await agent.call("DELETE", f"/v1/sessions/{session_id}")
        for pc in pcs:
            await pc.close()
        manifest, plaintext = _decrypt(
            node, closed["recordings"][0]["recording_id"], "customer-support"
        )
        return answer, manifest, plaintext

    answer, manifest, plaintext = _run(relay_node_config, "customer-support", script)
    video_section = answer.split("m=video", 1)[1]
    assert "a=inactive" in video_section, "the node declines video for an audio-only meeting type"
    assert manifest.codecs == ("opus",)
    container = av.open(io.BytesIO(plaintext), "r")
    assert {s.type for s in container.streams} == {"audio"}
    assert b"V_VP8" not in plaintext
