"""Tokens and roles, hostile input, and the faults of issue #5: the key provider unavailable
and the object store failing mid-call."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import boto3
import pytest

from media_node.access_log import verify_chain
from media_node.auth import TokenError, issue_token, verify_token
from media_node.node_config import NodeConfig
from media_node.vault.keys import KmsKeyProvider
from media_node.vault.manifest import Manifest
from media_node.vault.store import LocalDirectoryStore, ObjectStore, ObjectStoreError, ObjectWriter
from media_node.vault.stream import decrypt_stream
from tests.servers import RunningMotoServer

from .call_helpers import Api, RunningNode, customer_api, join_call, running_node, wait_connected
from .parties import Parties, consent, create_session, participants, run_on_node, start_recording

pytestmark = pytest.mark.integration

AGENT, CUSTOMER, OTHER = "agent-sec-01", "cust-sec-01", "cust-sec-02"
PARTICIPANTS = participants(AGENT, CUSTOMER)


# -- tokens ------------------------------------------------------------------------------


def test_tokens_round_trip_and_refuse_tampering() -> None:
    secret = b"s" * 32
    token = issue_token(
        secret, "customer", CUSTOMER, ttl=60, session="ses-" + "0" * 24, credential="jc-" + "0" * 16
    )
    assert verify_token(secret, token).subject == CUSTOMER
    head, payload, signature = token.split(".")
    with pytest.raises(TokenError, match="signature"):
        verify_token(b"x" * 32, token)
    with pytest.raises(TokenError, match="signature"):
        verify_token(secret, f"{head}.{payload[:-2]}AA.{signature}")
    with pytest.raises(TokenError, match="expired"):
        verify_token(secret, issue_token(secret, "agent", AGENT, ttl=1, now=int(time.time()) - 10))
    with pytest.raises(TokenError, match="role"):
        issue_token(secret, "admin", AGENT)
    with pytest.raises(TokenError, match="pseudonymous"):
        issue_token(secret, "customer", "jane.doe@example.com")


def test_roles_and_tokens_are_enforced(local_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        out: dict[str, Any] = {}
        anonymous = Api(http, node.url, "")
        out["no_token"] = await anonymous.call("GET", "/v1/sessions/ses-x")
        forged = Api(http, node.url, issue_token(b"not-the-secret" * 3, "supervisor", "sup-0001"))
        out["forged"] = await create_session(forged, "customer-support", PARTICIPANTS)
        expired = Api(
            http,
            node.url,
            issue_token(
                node.node.config.token_secret, "agent", AGENT, ttl=1, now=int(time.time()) - 5
            ),
        )
        out["expired"] = await create_session(expired, "customer-support", PARTICIPANTS)
        customer = Api(http, node.url, node.token("customer", CUSTOMER))
        other = Api(http, node.url, node.token("customer", OTHER))
        agent = Api(http, node.url, node.token("agent", AGENT))
        stranger_agent = Api(http, node.url, node.token("agent", "agent-sec-99"))
        auditor = Api(http, node.url, node.token("auditor", "aud-0001"))
        supervisor = Api(http, node.url, node.token("supervisor", "sup-0001"))
        out["customer_creates"] = await create_session(customer, "customer-support", PARTICIPANTS)
        out["agent_not_in_it"] = await create_session(
            stranger_agent, "customer-support", PARTICIPANTS
        )
        _, created = await create_session(agent, "claims-inspection", PARTICIPANTS)
        sid = created["session_id"]
        customer = await customer_api(http, node.url, created, CUSTOMER)
        out["consent_for_other"] = await consent(customer, sid, AGENT)
        out["outsider_reads"] = await other.call("GET", f"/v1/sessions/{sid}")
        out["offer_for_other"] = await customer.call(
            "POST",
            f"/v1/sessions/{sid}/offer",
            {"participant": AGENT, "sdp": "v=0\r\n", "type": "offer"},
        )
        out["customer_starts"] = await start_recording(customer, sid)
        out["customer_closes"] = await customer.call("DELETE", f"/v1/sessions/{sid}")
        # Record a short call so there is a recording to read.
        agent_pc = await join_call(agent, sid, AGENT, [], relay_only=False)
        customer_pc = await join_call(customer, sid, CUSTOMER, [], relay_only=False)
        await wait_connected(agent_pc, customer_pc)
        await asyncio.sleep(1.5)
        _, closed = await agent.call("DELETE", f"/v1/sessions/{sid}")
        await agent_pc.close()
        await customer_pc.close()
        rid = closed["recordings"][0]["recording_id"]
        out["customer_manifest"] = await customer.call("GET", f"/v1/recordings/{rid}/manifest")
        out["stranger_manifest"] = await stranger_agent.call(
            "GET", f"/v1/recordings/{rid}/manifest"
        )
        out["auditor_manifest"] = await auditor.call("GET", f"/v1/recordings/{rid}/manifest")
        out["agent_manifest"] = await agent.call("GET", f"/v1/recordings/{rid}/manifest")
        out["customer_media"] = await customer.call("GET", f"/v1/recordings/{rid}/media")
        out["stranger_media"] = await stranger_agent.call("GET", f"/v1/recordings/{rid}/media")
        out["supervisor_media"] = await supervisor.call("GET", f"/v1/recordings/{rid}/media")
        out["log"] = node.node.config.state_dir / "access.log"
        return out

    out = run_on_node(local_node_config, script)
    for name in ("no_token", "forged", "expired"):
        assert out[name][0] == 401, (name, out[name])
    for name in (
        "customer_creates",
        "agent_not_in_it",
        "consent_for_other",
        "outsider_reads",
        "offer_for_other",
        "customer_starts",
        "customer_closes",
        "customer_manifest",
        "stranger_manifest",
        "customer_media",
        "stranger_media",
    ):
        assert out[name][0] == 403, (name, out[name])
    assert out["auditor_manifest"][0] == 200 and out["agent_manifest"][0] == 200
    status, media = out["supervisor_media"]
    assert status == 200 and media[:4] == b"\x1a\x45\xdf\xa3"
    entries = [json.loads(line) for line in out["log"].read_text().splitlines()]
    actions = [(e["actor"], e["action"]) for e in entries]
    assert ("sup-0001", "media.read") in actions and ("agent-sec-99", "media.denied") in actions
    assert verify_chain(out["log"]) == len(entries)
    assert all("@" not in e["actor"] and "127.0.0.1" not in json.dumps(e) for e in entries)


def test_access_log_tampering_is_detected(tmp_path) -> None:
    from media_node.access_log import AccessLog

    log = AccessLog(tmp_path / "access.log")
    for action in ("media.read", "manifest.read", "media.read"):
        log.record("sup-0001", "supervisor", action, "rec-00000001")
    lines = (tmp_path / "access.log").read_text().splitlines()
    lines[1] = lines[1].replace("manifest.read", "media.denied")
    (tmp_path / "access.log").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="line 2"):
        verify_chain(tmp_path / "access.log")


# -- hostile input -------------------------------------------------------------------------

HOSTILE_SDPS = [
    "v=0\r\nthis is not sdp\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111\r\n",
    "v=0\r\n" + "a=" + "x" * 1000 + "\r\n",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
    "a=rtpmap:96 VP8/90000\r\na=fingerprint:sha-256 ZZ\r\n",
]


def test_hostile_and_oversized_input_gets_4xx_and_the_node_keeps_serving(
    local_node_config: NodeConfig,
) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        agent = Api(http, node.url, node.token("agent", AGENT))
        _, created = await create_session(agent, "customer-support", PARTICIPANTS)
        sid = created["session_id"]
        out: dict[str, Any] = {"sdp": []}
        for sdp in HOSTILE_SDPS:
            out["sdp"].append(
                await agent.call(
                    "POST",
                    f"/v1/sessions/{sid}/offer",
                    {"participant": AGENT, "sdp": sdp, "type": "offer"},
                )
            )
        out["huge_sdp"] = await agent.call(
            "POST",
            f"/v1/sessions/{sid}/offer",
            {"participant": AGENT, "sdp": "v=0\r\n" + "a=x\r\n" * 8000, "type": "offer"},
        )
        out["huge_body"] = await agent.call(
            "POST", "/v1/sessions", {"meeting_type": "x" * 200_000, "participants": []}
        )
        headers = {
            "Authorization": f"Bearer {node.token('agent', AGENT)}",
            "Content-Type": "application/json",
        }
        async with http.post(
            node.url + "/v1/sessions", data=b"{not json", headers=headers
        ) as response:
            out["not_json"] = response.status
        out["not_object"] = await agent.call("POST", "/v1/sessions", [1, 2])
        out["bad_type"] = await agent.call(
            "POST", "/v1/sessions", {"meeting_type": 7, "participants": PARTICIPANTS}
        )
        out["unknown_type"] = await agent.call(
            "POST", "/v1/sessions", {"meeting_type": "karaoke", "participants": PARTICIPANTS}
        )
        out["email_id"] = await agent.call(
            "POST",
            "/v1/sessions",
            {
                "meeting_type": "customer-support",
                "participants": [{"id": "jane@example.com", "role": "customer"}],
            },
        )
        out["bad_action"] = await agent.call(
            "POST", f"/v1/sessions/{sid}/recording", {"action": "rewind"}
        )
        out["no_session"] = await agent.call("GET", "/v1/sessions/ses-doesnotexist")
        out["health"] = await agent.call("GET", "/healthz")
        out["still_works"] = await create_session(agent, "customer-support", PARTICIPANTS)
        return out

    out = run_on_node(local_node_config, script)
    for status, body in out["sdp"]:
        assert status == 400 and "error" in body, (status, body)
    assert out["huge_sdp"][0] == 413 and out["huge_body"][0] == 413
    assert out["not_json"] == 400 and out["not_object"][0] == 400 and out["bad_type"][0] == 400
    assert out["unknown_type"][0] == 400 and "customer-support" in out["unknown_type"][1]["error"]
    assert out["email_id"][0] == 400 and "pseudonymous" in out["email_id"][1]["error"]
    assert out["bad_action"][0] == 400 and out["no_session"][0] == 404
    assert out["health"][0] == 200 and out["still_works"][0] == 201


# -- faults ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def missing_kms_key(moto_server: RunningMotoServer) -> KmsKeyProvider:
    kms = boto3.client("kms", region_name=moto_server.region, endpoint_url=moto_server.endpoint_url)
    arn = f"arn:aws:kms:{moto_server.region}:123456789012:key/00000000-0000-4000-8000-000000000000"
    return KmsKeyProvider(kms, arn)


def test_key_provider_unavailable_refuses_recording_with_a_reason(
    tmp_path, local_node_config: NodeConfig, missing_kms_key
) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        call = await Parties.on(node, http, AGENT, CUSTOMER, "claims-inspection")
        agent, sid = call.agent, call.session_id
        out: dict[str, Any] = {"required": call.created}
        agent_pc, customer_pc = await call.join(relay_only=False)
        await wait_connected(agent_pc, customer_pc)
        await asyncio.sleep(1.0)
        _, out["during_call"] = await agent.call("GET", f"/v1/sessions/{sid}")
        _, out["closed"] = await agent.call("DELETE", f"/v1/sessions/{sid}")
        await agent_pc.close()
        await customer_pc.close()
        # a second session: the customer redeems its code (their token is bound to this one)
        optional = await Parties.on(node, http, AGENT, CUSTOMER, "customer-support")
        out["consents"] = await optional.consent_both()
        out["optional_start"] = await start_recording(agent, optional.session_id)
        return out

    out = run_on_node(local_node_config, script, key_provider=missing_kms_key)
    assert out["required"]["recording"]["available"] is False
    assert "key provider unavailable" in out["required"]["recording"]["reason"]
    assert out["during_call"]["recording"]["state"] == "refused"
    assert "key provider unavailable" in out["during_call"]["recording"]["reason"]
    assert out["closed"]["recordings"] == []
    # A grant is sealed into the store before it counts: without the key provider, none does.
    for status, body in out["consents"]:
        assert status == 503 and "key provider unavailable" in body["error"], body
    status, body = out["optional_start"]
    assert status == 409 and "consent" in body["error"], body
    assert not list((tmp_path / "node").rglob("*.cvr*")), "nothing written without a key"


class FlakyStore:
    """A real local store whose writes fail while ``down`` is set (the network dropping)."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.down = False

    def writer(self, key: str, content_type: str) -> ObjectWriter:
        if self.down:
            raise ObjectStoreError("store unreachable")
        return _FlakyWriter(self, self.inner.writer(key, content_type))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name in ("put_bytes",) and self.down:
            raise ObjectStoreError("store unreachable")
        return attribute


class _FlakyWriter:
    def __init__(self, store: FlakyStore, inner: ObjectWriter) -> None:
        self.store, self.inner = store, inner

    def write(self, data: bytes) -> None:
        if self.store.down:
            raise ObjectStoreError("store unreachable mid-upload")
        self.inner.write(data)

    def commit(self) -> None:
        if self.store.down:
            raise ObjectStoreError("store unreachable at commit")
        self.inner.commit()

    def abort(self) -> None:
        self.inner.abort()

    def __enter__(self) -> _FlakyWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self.abort()


def _spool_has_no_plaintext(spool: Path) -> list[Path]:
    files = [p for p in spool.iterdir() if p.is_file()]
    for path in files:
        data = path.read_bytes()
        assert b"\x1a\x45\xdf\xa3" not in data and b"V_VP8" not in data and b"A_OPUS" not in data, (
            path
        )
        if ".cvr" in path.name and data:
            assert data.startswith(b"CVREC\x00"), f"{path} is not a sealed recording"
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
    return files


@pytest.fixture
def flaky(tmp_path: Path) -> Iterator[FlakyStore]:
    yield FlakyStore(LocalDirectoryStore(tmp_path / "bucket"))


def _store_failure_call(
    local_node_config: NodeConfig, flaky: FlakyStore, recover_before_end: bool
) -> dict[str, Any]:
    # Small sealed chunks, so ciphertext flows to the store (and the spool) during the call.
    config = replace(local_node_config, encryption_chunk_size=4096)

    async def scenario() -> dict[str, Any]:
        async with running_node(config, store=flaky) as node, aiohttp.ClientSession() as http:
            call = await Parties.on(node, http, AGENT, CUSTOMER, "claims-inspection")
            agent, sid = call.agent, call.session_id
            agent_pc, customer_pc = await call.join(relay_only=False)
            await wait_connected(agent_pc, customer_pc)
            await asyncio.sleep(1.0)
            flaky.down = True  # mid-call
            await asyncio.sleep(2.0)
            spooled_during_call = _spool_has_no_plaintext(node.node.spool_dir)
            spooled_bytes = sum(p.stat().st_size for p in spooled_during_call)
            if recover_before_end:
                flaky.down = False
            _, closed = await agent.call("DELETE", f"/v1/sessions/{sid}")
            await agent_pc.close()
            await customer_pc.close()
            pending_after_call = _spool_has_no_plaintext(node.node.spool_dir)
            flaky.down = False
            flushed = node.node.flush_spool()
            rid = closed["recordings"][0]["recording_id"]
            manifest = Manifest.from_json(
                flaky.inner.get_bytes(f"recordings/claims-inspection/{rid}.manifest.json")
            )
            provider = node.node.key_provider
            blocks = flaky.inner.read(f"recordings/claims-inspection/{rid}.cvr")
            plaintext = b"".join(decrypt_stream(blocks, {provider.provider_id: provider}))
            return {
                "closed": closed,
                "spooled_during_call": spooled_during_call,
                "spooled_bytes_during_call": spooled_bytes,
                "pending_after_call": pending_after_call,
                "flushed": flushed,
                "manifest": manifest,
                "plaintext": plaintext,
                "spool_left": list(node.node.spool_dir.iterdir()),
            }

    return asyncio.run(scenario())


def test_store_failing_mid_call_spools_ciphertext_and_retries(
    local_node_config: NodeConfig, flaky: FlakyStore
) -> None:
    out = _store_failure_call(local_node_config, flaky, recover_before_end=True)
    assert out["spooled_during_call"], "the recording was spooled while the store was down"
    assert out["spooled_bytes_during_call"] > 0, "ciphertext reached the spool during the call"
    assert [r["state"] for r in out["closed"]["recordings"]] == ["stored"]
    assert out["closed"]["recordings"][0]["complete"] is True and out["manifest"].complete
    assert out["pending_after_call"] == [] and out["spool_left"] == []
    assert out["plaintext"][:4] == b"\x1a\x45\xdf\xa3"


def test_store_down_at_the_end_leaves_an_incomplete_manifest_and_a_pending_upload(
    local_node_config: NodeConfig, flaky: FlakyStore
) -> None:
    out = _store_failure_call(local_node_config, flaky, recover_before_end=False)
    recording = out["closed"]["recordings"][0]
    assert recording["state"] == "pending-upload" and recording["complete"] is False
    assert "unreachable" in recording["reason"]
    assert len(out["pending_after_call"]) == 2  # ciphertext and manifest, both waiting
    assert sorted(k.rsplit(".", 1)[-1] for k in out["flushed"]) == ["cvr", "json"]
    assert out["manifest"].complete is False, "the manifest says the upload was cut short"
    assert out["plaintext"][:4] == b"\x1a\x45\xdf\xa3", "the retried upload is the whole recording"
    assert out["spool_left"] == []
