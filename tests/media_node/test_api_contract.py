"""The smaller promises of issue 11, each reproduced on the old code first."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from media_node.app import create_app
from media_node.node import Node
from media_node.node_config import NodeConfig

from .call_helpers import Api, RunningNode, join_call, running_node, wait_connected
from .parties import Parties, create_session, participants, run_on_node

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-con-01", "cust-con-01"
PARTICIPANTS = participants(AGENT, CUSTOMER)


def test_malformed_requests_are_4xx_never_500(local_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, int]:
        url = f"{node.url}/v1/sessions"
        auth = {"Authorization": f"Bearer {node.token('agent', AGENT)}"}
        out: dict[str, int] = {}
        bodies = {
            "nested": b"[" * 20_000 + b"]" * 20_000,
            "huge_int": b'{"meeting_type": "customer-support", "participants": '
            + b"9" * 5000
            + b"}",
        }
        for name, body in bodies.items():
            async with http.post(
                url, data=body, headers={**auth, "Content-Type": "application/json"}
            ) as response:
                out[name] = response.status
        async with http.post(
            url, data=b"{}", headers={**auth, "Content-Type": "application/json; charset=bogus"}
        ) as response:
            out["charset"] = response.status
        token = node.token("agent", AGENT)
        async with http.get(
            f"{node.url}/v1/sessions/ses-x",
            headers={"Authorization": f"Bearer {token[:-2]}é€"},
        ) as response:
            out["non_ascii_token"] = response.status
        async with http.get(f"{node.url}/healthz") as response:
            out["health_keys"] = len(await response.json())
        return out

    out = run_on_node(local_node_config, script)
    assert out["nested"] == 400 and out["huge_int"] == 400 and out["charset"] == 400, out
    assert out["non_ascii_token"] == 401, out
    assert out["health_keys"] == 1, "/healthz must not tell strangers how busy the node is"


def test_identity_is_subject_and_role(local_node_config: NodeConfig) -> None:
    """A supervisor whose subject equals a customer's id cannot consent as that customer."""

    async def script(node: RunningNode, http: aiohttp.ClientSession) -> tuple[int, int]:
        call = await Parties.on(node, http, AGENT, CUSTOMER, "customer-support")
        sid = call.session_id
        impostor = Api(http, node.url, node.token("supervisor", CUSTOMER))
        body = {"participant": CUSTOMER, "granted": True, "text_version": "v1"}
        forged = await impostor.call("POST", f"/v1/sessions/{sid}/consent", body)
        real = await call.customer.call("POST", f"/v1/sessions/{sid}/consent", body)
        return forged[0], real[0]

    assert run_on_node(local_node_config, script) == (403, 200)


def test_a_forbidden_type_says_recording_is_unavailable(local_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        agent = Api(http, node.url, node.token("agent", AGENT))
        _, created = await create_session(agent, "medical-consultation", PARTICIPANTS)
        recording: dict[str, Any] = created["recording"]
        return recording

    recording = run_on_node(local_node_config, script)
    assert recording["available"] is False and "forbids" in recording["reason"], recording


def test_partial_spool_files_of_a_crash_are_removed_at_start(
    local_node_config: NodeConfig,
) -> None:
    config = local_node_config
    spool = config.state_dir / "spool"
    spool.mkdir(parents=True)
    (spool / "recordings%2Fx%2Frec-crashed.cvr.partial").write_bytes(b"torn ciphertext")
    (spool / "recordings%2Fx%2Frec-kept.cvr.pending").write_bytes(b"whole ciphertext")
    Node(config)
    assert sorted(p.name for p in spool.iterdir()) == ["recordings%2Fx%2Frec-kept.cvr.pending"]


def test_simultaneous_offers_from_one_participant_leak_no_peer_connection(
    local_node_config: NodeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiortc import RTCPeerConnection

    import media_node.session as session_module

    created: list[RTCPeerConnection] = []

    class Recorded(RTCPeerConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(session_module, "RTCPeerConnection", Recorded)

    async def script(node: RunningNode, http: aiohttp.ClientSession) -> list[str]:
        agent = Api(http, node.url, node.token("agent", AGENT))
        _, created_session = await create_session(agent, "customer-support", PARTICIPANTS)
        sid = created_session["session_id"]
        first = await join_call(agent, sid, AGENT, [], video=False, relay_only=False)
        clients = await asyncio.gather(
            join_call(agent, sid, AGENT, [], video=False, relay_only=False),
            join_call(agent, sid, AGENT, [], video=False, relay_only=False),
        )
        current = node.node.sessions[sid].peers[AGENT]
        states = [pc.connectionState for pc in created if pc is not current]
        for pc in (first, *clients):
            await pc.close()
        return states

    states = run_on_node(local_node_config, script)
    assert len(states) == 2 and set(states) == {"closed"}, f"leaked peer connections: {states}"


def test_agents_keep_access_to_their_recordings_after_a_restart(
    local_node_config: NodeConfig,
) -> None:
    """The agents of a recording come from its manifest, not from the node's memory."""
    config = local_node_config

    async def record() -> str:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            call = await Parties.on(node, http, AGENT, CUSTOMER, "claims-inspection")
            agent, sid = call.agent, call.session_id
            pcs = await call.join(relay_only=False)
            await wait_connected(*pcs)
            await asyncio.sleep(1.5)
            _, closed = await agent.call("DELETE", f"/v1/sessions/{sid}")
            for pc in pcs:
                await pc.close()
            assert closed["recordings"][0]["state"] == "stored", closed
            recording_id: str = closed["recordings"][0]["recording_id"]
            return recording_id

    async def after_restart(recording_id: str) -> tuple[int, int, int]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            agent = Api(http, node.url, node.token("agent", AGENT))
            other = Api(http, node.url, node.token("agent", "agent-con-99"))
            manifest = await agent.call("GET", f"/v1/recordings/{recording_id}/manifest")
            media = await agent.call("GET", f"/v1/recordings/{recording_id}/media")
            stranger = await other.call("GET", f"/v1/recordings/{recording_id}/media")
            return manifest[0], media[0], stranger[0]

    recording_id = asyncio.run(record())
    assert asyncio.run(after_restart(recording_id)) == (200, 200, 403)


def test_join_code_exchange_takes_bad_input_as_4xx(local_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, int]:
        agent = Api(http, node.url, node.token("agent", AGENT))
        _, created = await create_session(agent, "customer-support", PARTICIPANTS)
        url = f"{node.url}/v1/sessions/{created['session_id']}/join"
        out: dict[str, int] = {}
        for name, body in {
            "empty": {},
            "not_a_string": {"code": 5},
            "huge": {"code": "A" * 10_000},
            "list": [1],
        }.items():
            async with http.post(url, json=body) as response:
                out[name] = response.status
        async with http.post(url, data=b"{", headers={"Content-Type": "application/json"}) as r:
            out["not_json"] = r.status
        async with http.post(f"{node.url}/v1/sessions/ses-unknown/join", json={"code": "x"}) as r:
            out["no_session"] = r.status
        out["reissue_for_agent"] = (
            await agent.call(
                "POST", f"/v1/sessions/{created['session_id']}/join-codes", {"participant": AGENT}
            )
        )[0]
        return out

    out = run_on_node(local_node_config, script)
    assert out == {
        "empty": 400,
        "not_a_string": 400,
        "huge": 403,
        "list": 400,
        "not_json": 400,
        "no_session": 404,
        "reissue_for_agent": 404,
    }


def test_every_session_and_recording_route_is_in_the_readme(
    local_node_config: NodeConfig,
) -> None:
    """The README's API table is the API's documentation: a route missing there is a bug."""
    app = create_app(Node(local_node_config))
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    routes = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.method != "HEAD"
        and route.resource.canonical.startswith(("/v1/sessions", "/v1/recordings", "/v1/meeting"))
    }
    assert ("POST", "/v1/sessions/{session_id}/join") in routes
    missing = [
        f"{method} {path}"
        for method, path in sorted(routes)
        if f"`{method} {path.replace('{session_id}', '{id}').replace('{recording_id}', '{id}')}"
        not in readme
    ]
    assert missing == []
