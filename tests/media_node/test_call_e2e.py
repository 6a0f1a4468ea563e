"""End to end: real coturn (the project's rendered config), moto's KMS and S3, the media node,
and two aiortc participants relaying through coturn. ~5 s of synthetic audio+video is
recorded without transcoding into one SSE-KMS object with its manifest."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from typing import Any

import aiohttp
import av
import pytest

from media_node.node_config import NodeConfig
from media_node.vault.keys import KmsKeyProvider
from media_node.vault.manifest import Manifest
from media_node.vault.store import S3ObjectStore
from media_node.vault.stream import decrypt_stream
from tests.servers import RunningMotoServer, recordings_key_and_bucket

from .call_helpers import Api, join_call, running_node, wait_connected
from .parties import Parties, create_session, participants

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-e2e-01", "cust-e2e-01"


@pytest.fixture(scope="module")
def aws(moto_server: RunningMotoServer) -> dict[str, Any]:
    return recordings_key_and_bucket(moto_server, "callvault-e2e-recordings")


async def _call(
    node_url: str, agent_token: str, meeting_type: str, seconds: float
) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        call = await Parties.open(http, node_url, agent_token, (AGENT, CUSTOMER), meeting_type)
        agent, session_id, created = call.agent, call.session_id, call.created
        assert created["ice_servers"][0]["username"].endswith(f":{AGENT}")
        agent_pc, customer_pc = await call.join()
        try:
            await wait_connected(agent_pc, customer_pc)
            await asyncio.sleep(seconds)
            status, closed = await agent.call("DELETE", f"/v1/sessions/{session_id}")
            assert status == 200, closed
        finally:
            await agent_pc.close()
            await customer_pc.close()
        return {"created": created, "closed": closed}


def test_required_call_is_recorded_relay_only_into_one_sse_kms_object(
    relay_node_config: NodeConfig, aws: dict[str, Any]
) -> None:
    config = replace(
        relay_node_config,
        key_provider={"type": "kms", "key_id": aws["key_arn"]},
        store={"type": "s3", "bucket": aws["bucket"], "kms_key_id": aws["key_arn"]},
    )
    provider = KmsKeyProvider(aws["kms"], aws["key_arn"])
    store = S3ObjectStore(aws["s3"], aws["bucket"], kms_key_id=aws["key_arn"])

    async def scenario() -> dict[str, Any]:
        async with running_node(config, key_provider=provider, store=store) as node:
            return await _call(node.url, node.token("agent", AGENT), "claims-inspection", 5.0)

    result = asyncio.run(scenario())
    created, closed = result["created"], result["closed"]
    assert created["recording"]["policy"] == "required" and created["recording"]["notice"]
    assert [r["state"] for r in closed["recordings"]] == ["stored"], closed

    objects = aws["s3"].list_objects_v2(
        Bucket=aws["bucket"], Prefix="recordings/claims-inspection/"
    )
    keys = sorted(o["Key"] for o in objects.get("Contents", []))
    recording_id = closed["recordings"][0]["recording_id"]
    assert keys == [
        f"recordings/claims-inspection/{recording_id}.cvr",
        f"recordings/claims-inspection/{recording_id}.manifest.json",
    ]
    head = aws["s3"].head_object(Bucket=aws["bucket"], Key=keys[0])
    assert head["ServerSideEncryption"] == "aws:kms"
    ciphertext = aws["s3"].get_object(Bucket=aws["bucket"], Key=keys[0])["Body"].read()
    manifest = Manifest.from_json(
        aws["s3"].get_object(Bucket=aws["bucket"], Key=keys[1])["Body"].read()
    )
    assert manifest.complete and manifest.key_ref == aws["key_arn"]
    assert manifest.subjects == (AGENT, CUSTOMER) and manifest.container == "webm"

    plaintext = b"".join(decrypt_stream([ciphertext], {provider.provider_id: provider}))
    assert plaintext[:4] == b"\x1a\x45\xdf\xa3"  # EBML magic
    header = plaintext[:64]
    for start in range(0, len(header) - 8):
        assert header[start : start + 8] not in ciphertext, (
            "plaintext container header in the object"
        )
    assert b"webm" not in ciphertext

    container = av.open(io.BytesIO(plaintext), "r")
    codecs = sorted({s.codec_context.name for s in container.streams})
    assert codecs == ["opus", "vp8"]
    last: dict[int, float] = {}
    for packet in container.demux():
        if packet.pts is not None:
            last[packet.stream.index] = max(
                last.get(packet.stream.index, 0.0), float(packet.pts * packet.time_base)
            )
    assert len(last) == 4  # two participants x (Opus + VP8)
    for seconds in last.values():
        assert 4.0 <= seconds <= 7.5, last


def test_node_answers_with_relay_candidates_only(relay_node_config: NodeConfig) -> None:
    config = relay_node_config

    async def scenario() -> list[str]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            agent = Api(http, node.url, node.token("agent", AGENT))
            _, created = await create_session(
                agent, "customer-support", participants(AGENT, CUSTOMER)
            )
            session_id = created["session_id"]
            pc = await join_call(agent, session_id, AGENT, created["ice_servers"])
            await pc.close()
            session = node.node.sessions[session_id]
            answer = session.peers[AGENT].localDescription.sdp
            return [line for line in answer.splitlines() if line.startswith("a=candidate")]

    candidates = asyncio.run(scenario())
    assert candidates, "the answer carries candidates"
    assert all(" typ relay" in c for c in candidates), candidates
