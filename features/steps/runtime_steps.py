"""Runtime steps: a real media node (KMS and S3 on moto), calls of two aiortc participants
relayed through a real coturn. They prove behaviour, not configuration."""

from __future__ import annotations

import asyncio
import io
import json
import re
import secrets
import time
from collections.abc import Coroutine, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import av
import pytest
from aiortc import RTCPeerConnection
from pytest_bdd import given, then, when

from infra.config import MeetingType
from media_node.access_log import verify_chain
from media_node.rights.consents import consents_of
from media_node.vault.keys import KmsKeyProvider
from media_node.vault.store import S3ObjectStore
from media_node.web_ui import notice_version
from tests.media_node.call_helpers import (
    Api,
    RunningNode,
    customer_api,
    join_call,
    node_config,
    running_node,
    wait_connected,
)
from tests.media_node.parties import consent, create_session, participants, start_recording
from tests.servers import RunningMotoServer, RunningTurnServer, recordings_key_and_bucket

from ..audit_run import AuditRun

T = TypeVar("T")
AGENT, CUSTOMER = "agent-bdd-01", "cust-bdd-01"
STAFF_ROLES = ("supervisor", "dpo", "auditor")
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
CALL_SECONDS = 2.5


@dataclass
class Call:
    """One call on the node, as the steps observed it."""

    session_id: str = ""
    recordings: list[dict[str, Any]] = field(default_factory=list)
    observations: dict[str, Any] = field(default_factory=dict)
    peers: list[RTCPeerConnection] = field(default_factory=list)
    customer: Api | None = None
    """The customer's API once their browser redeemed the join link."""


@dataclass
class MediaEnv:
    loop: asyncio.AbstractEventLoop
    node: RunningNode
    http: aiohttp.ClientSession
    aws: dict[str, Any]
    meeting_type: MeetingType
    call: Call = field(default_factory=Call)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def api(self, role: str, subject: str) -> Api:
        return Api(self.http, self.node.url, self.node.token(role, subject))

    @property
    def agent(self) -> Api:
        return self.api("agent", AGENT)

    @property
    def customer(self) -> Api:
        """Redeemed from the join link; before any call, a token bound to no open session."""
        return self.call.customer or self.api("customer", CUSTOMER)

    def staff_role(self) -> str:
        allowed = [r for r in STAFF_ROLES if r in self.meeting_type.access_roles]
        assert allowed, f"meeting type {self.meeting_type.name} names no staff access role"
        return allowed[0]


@pytest.fixture
def media_env(
    audit_run: AuditRun,
    meeting_type_name: str,
    coturn: RunningTurnServer,
    moto_server: RunningMotoServer,
    tmp_path: Path,
) -> Iterator[MediaEnv]:
    """A media node with KMS and S3 on moto, relay-only ICE through coturn, for one scenario."""
    aws = recordings_key_and_bucket(moto_server, f"callvault-bdd-{secrets.token_hex(6)}")
    config = replace(
        node_config(tmp_path / "node", audit_run.stack, coturn),
        key_provider={"type": "kms", "key_id": aws["key_arn"]},
        store={"type": "s3", "bucket": aws["bucket"], "kms_key_id": aws["key_arn"]},
    )
    provider = KmsKeyProvider(aws["kms"], aws["key_arn"])
    store = S3ObjectStore(aws["s3"], aws["bucket"], kms_key_id=aws["key_arn"])
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()

    async def start() -> tuple[RunningNode, aiohttp.ClientSession]:
        node = await stack.enter_async_context(
            running_node(config, key_provider=provider, store=store)
        )
        http = await stack.enter_async_context(aiohttp.ClientSession())
        return node, http

    node, http = loop.run_until_complete(start())
    env = MediaEnv(loop, node, http, aws, audit_run.meeting_type(meeting_type_name))
    try:
        yield env
    finally:

        async def stop() -> None:
            for pc in env.call.peers:
                await pc.close()
            await stack.aclose()

        loop.run_until_complete(stop())
        loop.close()


async def _open_call(env: MediaEnv) -> None:
    status, created = await create_session(
        env.agent, env.meeting_type.name, participants(AGENT, CUSTOMER)
    )
    assert status == 201, created
    env.call.session_id = created["session_id"]
    env.call.observations["created"] = created
    env.call.customer = await customer_api(env.http, env.node.url, created, CUSTOMER)
    _, view = await env.customer.call("GET", f"/v1/sessions/{env.call.session_id}")
    agent_pc = await join_call(env.agent, env.call.session_id, AGENT, created["ice_servers"])
    env.call.peers.append(agent_pc)
    customer_pc = await join_call(env.customer, env.call.session_id, CUSTOMER, view["ice_servers"])
    env.call.peers.append(customer_pc)
    await wait_connected(agent_pc, customer_pc)


async def _consent(env: MediaEnv, api: Api, participant: str, granted: bool) -> dict[str, Any]:
    status, body = await consent(api, env.call.session_id, participant, granted, "notice-v1")
    assert status == 200, body
    return dict(body)


async def _start(env: MediaEnv) -> tuple[int, Any]:
    return await start_recording(env.agent, env.call.session_id)


async def _state(env: MediaEnv) -> str:
    _, view = await env.agent.call("GET", f"/v1/sessions/{env.call.session_id}")
    return str(view["recording"]["state"])


async def _close(env: MediaEnv) -> None:
    status, closed = await env.agent.call("DELETE", f"/v1/sessions/{env.call.session_id}")
    assert status == 200, closed
    env.call.recordings = list(closed["recordings"])


def _demux(plaintext: bytes) -> dict[str, Any]:
    """Stream kinds and codecs, and the first and last packet time of the recording."""
    container = av.open(io.BytesIO(plaintext), "r")
    kinds = sorted(s.type for s in container.streams)
    codecs = sorted({s.codec_context.name for s in container.streams})
    times = [
        float(p.pts * p.time_base)
        for p in container.demux()
        if p.pts is not None and p.time_base is not None
    ]
    container.close()
    return {
        "kinds": kinds,
        "codecs": codecs,
        "first": min(times, default=0.0),
        "last": max(times, default=0.0),
    }


async def _media(env: MediaEnv, api: Api, recording_id: str) -> tuple[int, Any]:
    return await api.call("GET", f"/v1/recordings/{recording_id}/media")


def _stored_media(env: MediaEnv) -> tuple[int, Any]:
    """The call's one stored recording (asserted), played by the meeting type's staff role."""
    stored = [r for r in env.call.recordings if r["state"] == "stored"]
    assert len(stored) == 1, env.call.recordings
    staff = env.api(env.staff_role(), "staff-bdd-01")
    return env.run(_media(env, staff, stored[0]["recording_id"]))


@given("a running media node with coturn and AWS", target_fixture="env")
def running_media_node(media_env: MediaEnv) -> MediaEnv:
    return media_env


@when("an agent and a customer hold a call of that meeting type")
def hold_call(env: MediaEnv) -> None:
    env.run(_open_call(env))
    env.run(asyncio.sleep(1.0))


@when("an agent and a customer hold a call of that meeting type without starting a recording")
def hold_unstarted_call(env: MediaEnv) -> None:
    started = time.monotonic()
    env.run(_open_call(env))
    env.run(asyncio.sleep(CALL_SECONDS))
    env.call.observations["state_during_call"] = env.run(_state(env))
    env.call.observations["call_seconds"] = time.monotonic() - started
    env.run(_close(env))


@when("an agent and a customer hold a recorded call of that meeting type")
@when("an agent and a customer hold a recorded call of that meeting type with cameras on")
def hold_recorded_call(env: MediaEnv) -> None:
    env.run(_open_call(env))
    mt = env.meeting_type
    if mt.legal_basis == "consent":
        env.run(_consent(env, env.agent, AGENT, True))
        env.run(_consent(env, env.customer, CUSTOMER, True))
    if mt.recording == "optional":
        status, body = env.run(_start(env))
        assert status == 200, body
    env.run(asyncio.sleep(CALL_SECONDS))
    env.run(_close(env))
    stored = [r for r in env.call.recordings if r["state"] == "stored"]
    assert stored, f"no stored recording: {env.call.recordings}"


@when("the agent tries to start recording before the customer consents")
@when("the agent tries to start recording")
def try_start(env: MediaEnv) -> None:
    env.call.observations["early_start"] = env.run(_start(env))


@when("the customer consents and the recording starts")
def consent_and_start(env: MediaEnv) -> None:
    env.run(_consent(env, env.agent, AGENT, True))
    env.run(_consent(env, env.customer, CUSTOMER, True))
    if env.meeting_type.recording == "optional":
        status, body = env.run(_start(env))
        assert status == 200, body
    env.call.observations["consented_at"] = time.monotonic()
    env.run(asyncio.sleep(CALL_SECONDS))


@when("the customer withdraws consent")
def withdraw(env: MediaEnv) -> None:
    body = env.run(_consent(env, env.customer, CUSTOMER, False))
    env.call.observations["withdrawn_at"] = time.monotonic()
    env.call.observations["state_after_withdrawal"] = body["recording"]["state"]
    env.run(asyncio.sleep(1.5))  # media keeps flowing; none of it may be recorded
    env.run(_close(env))


@when("staff and the customer try to open the recording")
def try_open(env: MediaEnv) -> None:
    recording_id = env.call.recordings[0]["recording_id"]
    staff = env.api(env.staff_role(), "staff-bdd-01")
    attempts = [
        (
            "customer",
            "manifest",
            env.run(env.customer.call("GET", f"/v1/recordings/{recording_id}/manifest"))[0],
        ),
        ("customer", "media", env.run(_media(env, env.customer, recording_id))[0]),
        (
            env.staff_role(),
            "manifest",
            env.run(staff.call("GET", f"/v1/recordings/{recording_id}/manifest"))[0],
        ),
        (env.staff_role(), "media", env.run(_media(env, staff, recording_id))[0]),
    ]
    env.call.observations["attempts"] = attempts


@then("the call was recorded from its first track without anyone starting it")
def recorded_from_first_track(env: MediaEnv) -> None:
    assert env.call.observations["state_during_call"] == "recording"
    status, plaintext = _stored_media(env)
    assert status == 200 and plaintext[:4] == EBML_MAGIC
    media = _demux(plaintext)
    # Nobody started it, yet it holds (nearly) the whole connected call.
    span = media["last"] - media["first"]
    assert span >= CALL_SECONDS - 1.0, f"recording shorter than the call: {media}"


@then("the recording was refused before consent")
def refused_before_consent(env: MediaEnv) -> None:
    status, body = env.call.observations["early_start"]
    assert status == 409 and "consent" in str(body), (status, body)


@then("the recording stopped at the withdrawal")
def stopped_at_withdrawal(env: MediaEnv) -> None:
    assert env.call.observations["state_after_withdrawal"] != "recording"


@then("the customer's consent and withdrawal are stored sealed with the notice version shown")
def consents_stored(env: MediaEnv) -> None:
    node = env.node.node
    provider = node.key_provider
    records = [
        r
        for r in consents_of(node.store, {provider.provider_id: provider}, CUSTOMER)
        if r.session_id == env.call.session_id
    ]
    assert [r.granted for r in records] == [True, False], records
    assert {r.notice_version for r in records} == {notice_version(env.meeting_type)}
    assert {r.notice_text for r in records} == {env.meeting_type.notice}
    stored = [r for r in env.call.recordings if r["state"] == "stored"]
    manifest = node.find_manifest(stored[0]["recording_id"])
    assert manifest is not None and records[0].consent_id in manifest[0].consent_refs


@then("the stored recording holds only media from between consent and withdrawal")
def only_consented_media(env: MediaEnv) -> None:
    status, plaintext = _stored_media(env)
    assert status == 200, plaintext
    media = _demux(plaintext)
    consented = env.call.observations["withdrawn_at"] - env.call.observations["consented_at"]
    span = media["last"] - media["first"]
    # Media from before consent (the first second of the call) or after the withdrawal (the
    # 1.5 s that followed) would make the recording longer than the consented window.
    assert media["last"] <= consented + 0.75, (
        f"recording spans {media['first']:.2f}..{media['last']:.2f} s but consent covered "
        f"{consented:.2f} s"
    )
    assert span >= consented - 1.0, f"consented media missing: {media}, {consented:.2f} s"


@then("the recording is refused as forbidden")
def refused_forbidden(env: MediaEnv) -> None:
    status, body = env.call.observations["early_start"]
    assert status == 409 and "forbid" in str(body), (status, body)


@then("nothing of the call is stored")
def nothing_stored(env: MediaEnv) -> None:
    env.run(_close(env))
    assert env.call.recordings == [], env.call.recordings
    listing = env.aws["s3"].list_objects_v2(Bucket=env.aws["bucket"])
    assert listing.get("KeyCount", 0) == 0, listing.get("Contents")


@then("the decrypted recording holds audio streams and no video stream")
def audio_only(env: MediaEnv) -> None:
    staff = env.api(env.staff_role(), "staff-bdd-01")
    recording_id = env.call.recordings[0]["recording_id"]
    status, plaintext = env.run(_media(env, staff, recording_id))
    assert status == 200 and plaintext[:4] == EBML_MAGIC, status
    media = _demux(plaintext)
    assert media["kinds"] and set(media["kinds"]) == {"audio"}, media
    assert b"V_VP8" not in plaintext and b"V_MPEG4" not in plaintext


@then("the customer is refused the recording and its manifest")
def customer_refused(env: MediaEnv) -> None:
    recording_id = env.call.recordings[0]["recording_id"]
    status, _ = env.run(_media(env, env.customer, recording_id))
    assert status == 403, status
    status, _ = env.run(env.customer.call("GET", f"/v1/recordings/{recording_id}/manifest"))
    assert status == 403, status


@then("a role allowed by the meeting type can play it")
def allowed_role_plays(env: MediaEnv) -> None:
    recording_id = env.call.recordings[0]["recording_id"]
    staff = env.api(env.staff_role(), "staff-bdd-01")
    status, plaintext = env.run(_media(env, staff, recording_id))
    assert status == 200 and plaintext[:4] == EBML_MAGIC, status


@then("every attempt, allowed or refused, is in the hash-chained access log")
def access_logged(env: MediaEnv) -> None:
    recording_id = env.call.recordings[0]["recording_id"]
    log = env.node.node.config.state_dir / "access.log"
    assert verify_chain(log) > 0
    import json

    entries = [json.loads(line) for line in log.read_text().splitlines()]
    actions = [(e["role"], e["action"]) for e in entries if e["target"] == recording_id]
    role = env.staff_role()
    expected = [
        ("customer", "manifest.denied"),
        ("customer", "media.denied"),
        (role, "manifest.read"),
        (role, "media.read"),
    ]
    statuses = [a[2] for a in env.call.observations["attempts"]]
    assert statuses == [403, 403, 200, 200], env.call.observations["attempts"]
    assert actions == expected, actions
    assert all(CUSTOMER not in e["target"] for e in entries)


@when("the agent tries to give the customer's consent with what the node gave the agent")
def agent_forges_consent(env: MediaEnv) -> None:
    created = json.dumps(env.call.observations["created"])
    env.call.observations["tokens_handed_to_agent"] = re.findall(r"cv1\.[\w-]+\.[\w-]+", created)
    env.call.observations["forged"] = env.run(
        env.agent.call(
            "POST",
            f"/v1/sessions/{env.call.session_id}/consent",
            {"participant": CUSTOMER, "granted": True, "text_version": "notice-v1"},
        )
    )


@when("the customer consents")
def customer_consents(env: MediaEnv) -> None:
    env.run(_consent(env, env.customer, CUSTOMER, True))


def _session_log(env: MediaEnv) -> list[dict[str, Any]]:
    log = env.node.node.config.state_dir / "access.log"
    assert verify_chain(log) > 0
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    sid = env.call.session_id  # a consent's target is "<session>/<consent id>"
    return [e for e in entries if e["target"] == sid or e["target"].startswith(f"{sid}/")]


@then("the agent's attempt was refused and logged as the agent's")
def forgery_refused(env: MediaEnv) -> None:
    assert env.call.observations["tokens_handed_to_agent"] == []
    status, body = env.call.observations["forged"]
    assert status == 403, (status, body)
    denied = [e for e in _session_log(env) if e["action"] == "consent.denied-403"]
    assert [(e["actor"], e["role"], e["via"]) for e in denied] == [
        (AGENT, "agent", "staff-token")
    ]


@then("the consent is logged as the customer's, with the join code the customer redeemed")
def consent_attributed(env: MediaEnv) -> None:
    entries = _session_log(env)
    (redeemed,) = [e for e in entries if e["action"] == "join.redeem"]
    granted = [e for e in entries if e["action"] == "consent.grant" and e["actor"] == CUSTOMER]
    assert redeemed["actor"] == CUSTOMER and redeemed["via"].startswith("join-code:jc-")
    assert [(e["role"], e["via"]) for e in granted] == [("customer", redeemed["via"])]
