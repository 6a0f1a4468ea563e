"""Consent forgery and token binding (issue #15's review gaps): the agent never receives the
customer's credential, a customer's token works on its own session only, and the access log
tells an agent's action from the customer's."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import urllib.parse
from typing import Any

import aiohttp
import pytest

from media_node.auth import TokenError, issue_token, verify_token
from media_node.cli import build_parser
from media_node.join_codes import (
    MAX_CODES_PER_PARTICIPANT,
    MAX_UNKNOWN_CODES,
    JoinCodeError,
    JoinCodes,
)
from media_node.node_config import NodeConfig

from .call_helpers import (
    Api,
    RunningNode,
    join_code,
    redeem,
    wait_connected,
)
from .parties import Parties, create_session, participants, run_on_node

pytestmark = pytest.mark.integration

AGENT, CUSTOMER, VICTIM = "agent-bind-01", "cust-bind-01", "cust-bind-02"
SECRET = b"s" * 32
SID = "ses-" + "a1" * 12


async def _create(agent: Api, meeting_type: str, customer: str) -> dict[str, Any]:
    """The agent creates a session with ``customer``, whose join code nobody redeems yet."""
    status, created = await create_session(agent, meeting_type, participants(AGENT, customer))
    assert status == 201, created
    return dict(created)


def _log(node: RunningNode) -> list[dict[str, Any]]:
    path = node.node.config.state_dir / "access.log"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _consent(participant: str) -> dict[str, Any]:
    return {"participant": participant, "granted": True, "text_version": "v1"}


# -- tokens and codes, unit --------------------------------------------------------------


def test_customer_tokens_are_bound_to_a_session_and_a_join_code() -> None:
    token = issue_token(SECRET, "customer", CUSTOMER, session=SID, credential="jc-" + "0" * 16)
    principal = verify_token(SECRET, token)
    assert (principal.session_id, principal.credential) == (SID, "jc-" + "0" * 16)
    assert principal.via == "join-code:jc-0000000000000000"
    assert verify_token(SECRET, issue_token(SECRET, "agent", AGENT)).via == "staff-token"
    with pytest.raises(TokenError, match="bound to a session"):
        issue_token(SECRET, "customer", CUSTOMER)
    with pytest.raises(TokenError, match="staff token"):
        issue_token(SECRET, "agent", AGENT, session=SID, credential="jc-" + "0" * 16)
    with pytest.raises(TokenError, match="session id"):
        issue_token(SECRET, "customer", CUSTOMER, session="ses-../x", credential="jc-" + "0" * 16)
    # a correctly signed customer token without the binding (as today's code minted) is refused
    head, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    del claims["sid"], claims["cid"]
    unbound = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    import hashlib
    import hmac

    signature = hmac.new(SECRET, f"{head}.{unbound}".encode(), hashlib.sha256).digest()
    forged = f"{head}.{unbound}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    with pytest.raises(TokenError, match="bound to a session"):
        verify_token(SECRET, forged)


def test_join_codes_are_single_use_expiring_and_bound() -> None:
    now = [1000.0]
    codes = JoinCodes(ttl=60, clock=lambda: now[0])
    code, code_id, _ = codes.issue(SID, CUSTOMER)
    assert len(code) >= 43 and code_id.startswith("jc-")  # 256 random bits
    assert code not in repr(vars(codes)), "only a hash of the code is kept"
    other_sid = "ses-" + "b2" * 12
    with pytest.raises(JoinCodeError) as wrong:
        codes.redeem(other_sid, code)
    assert wrong.value.status == 403 and wrong.value.participant is None
    assert codes.redeem(SID, code).participant == CUSTOMER
    assert codes.current(SID, CUSTOMER) == code_id
    with pytest.raises(JoinCodeError) as again:
        codes.redeem(SID, code)
    assert again.value.status == 409 and again.value.participant == CUSTOMER
    fresh, fresh_id, _ = codes.issue(SID, CUSTOMER)
    late, _, _ = codes.issue(SID, CUSTOMER)  # replaces `fresh` before it was used
    with pytest.raises(JoinCodeError) as replaced:
        codes.redeem(SID, fresh)
    assert replaced.value.status == 410 and "replaced" in replaced.value.message
    now[0] += 61
    with pytest.raises(JoinCodeError) as expired:
        codes.redeem(SID, late)
    assert expired.value.status == 410 and "expired" in expired.value.message
    (row,) = codes.status(SID, [CUSTOMER, AGENT])
    assert row["codes_issued"] == 3 and row["refused_redemptions"] == 3
    assert row["joined"] and row["link_state"] == "expired"
    assert codes.current(SID, CUSTOMER) == code_id, "refusals revoke nothing"
    codes.prune([other_sid])
    assert codes.current(SID, CUSTOMER) is None and codes.status(SID, [CUSTOMER]) == []


# -- over the API ------------------------------------------------------------------------


def test_the_agent_gets_a_join_code_never_the_customers_token(
    local_node_config: NodeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        agent = Api(http, node.url, node.token("agent", AGENT))
        created = await _create(agent, "customer-support", CUSTOMER)
        sid, link = created["session_id"], created["join"][CUSTOMER]
        out: dict[str, Any] = {"created": created, "link": link}
        out["agent_forges"] = await agent.call(
            "POST", f"/v1/sessions/{sid}/consent", _consent(CUSTOMER)
        )
        out["redeemed"] = await redeem(http, node.url, link)
        customer = Api(http, node.url, out["redeemed"][1]["token"])
        out["consent"] = await customer.call(
            "POST", f"/v1/sessions/{sid}/consent", _consent(CUSTOMER)
        )
        out["view"] = await customer.call("GET", f"/v1/sessions/{sid}")
        out["log"] = _log(node)
        return out

    with caplog.at_level(logging.DEBUG):
        out = run_on_node(local_node_config, script)
    created, link = out["created"], out["link"]
    assert "cv1." not in json.dumps(created), "no bearer token in what the agent receives"
    fragment = urllib.parse.parse_qs(urllib.parse.urlsplit(link).fragment)
    assert set(fragment) == {"c"}, f"the link carries only a join code: {link}"
    assert len(join_code(link)) >= 43
    assert created["join_expires_at"][CUSTOMER].endswith("Z")
    assert out["agent_forges"][0] == 403
    status, redeemed = out["redeemed"]
    assert status == 200 and redeemed["participant"] == CUSTOMER
    assert out["consent"][0] == 200
    (join,) = out["view"][1]["joins"]
    assert join["participant"] == CUSTOMER and join["joined"] and join["refused_redemptions"] == 0
    by_action = {e["action"]: e for e in out["log"]}
    issued, joined = by_action["join.issue"], by_action["join.redeem"]
    assert (issued["actor"], issued["via"], issued["participant"]) == (
        AGENT,
        "staff-token",
        CUSTOMER,
    )
    code_id = issued["code"]
    assert (joined["actor"], joined["role"], joined["via"]) == (
        CUSTOMER,
        "customer",
        f"join-code:{code_id}",
    )
    granted = by_action["consent.grant"]
    assert (granted["actor"], granted["role"], granted["via"]) == (
        CUSTOMER,
        "customer",
        joined["via"],
    )
    forged = by_action["consent.denied-403"]
    assert (forged["actor"], forged["via"]) == (AGENT, "staff-token")
    secrets_ = [join_code(link), redeemed["token"]]
    logged = json.dumps(out["log"]) + caplog.text
    assert not [s for s in secrets_ if s in logged], "no join code or token is ever logged"


def test_an_agent_redeeming_the_code_first_is_caught_and_can_be_undone(
    local_node_config: NodeConfig,
) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        agent = Api(http, node.url, node.token("agent", AGENT))
        supervisor = Api(http, node.url, node.token("supervisor", "sup-bind-01"))
        created = await _create(agent, "customer-support", CUSTOMER)
        sid, link = created["session_id"], created["join"][CUSTOMER]
        out: dict[str, Any] = {}
        status, stolen = await redeem(http, node.url, link)  # the agent, before the customer
        assert status == 200
        thief = Api(http, node.url, stolen["token"])
        out["thief_consent"] = await thief.call(
            "POST", f"/v1/sessions/{sid}/consent", _consent(CUSTOMER)
        )
        out["customer_late"] = await redeem(http, node.url, link)
        out["seen"] = await supervisor.call("GET", f"/v1/sessions/{sid}")
        status, fresh = await agent.call(
            "POST", f"/v1/sessions/{sid}/join-codes", {"participant": CUSTOMER}
        )
        assert status == 200, fresh
        out["customer_new"] = await redeem(http, node.url, fresh["join"])
        customer = Api(http, node.url, out["customer_new"][1]["token"])
        out["thief_after"] = await thief.call("GET", f"/v1/sessions/{sid}")
        out["customer_after"] = await customer.call("GET", f"/v1/sessions/{sid}")
        out["bogus"] = await redeem(http, node.url, f"/join/{sid}#c={'A' * 43}")
        out["reissue_by_customer"] = await customer.call(
            "POST", f"/v1/sessions/{sid}/join-codes", {"participant": CUSTOMER}
        )
        out["log"] = _log(node)
        return out

    out = run_on_node(local_node_config, script)
    assert out["thief_consent"][0] == 200, "what remains: whoever redeems first is the customer"
    status, refused = out["customer_late"]
    assert status == 409 and "already used" in refused["error"]
    (join,) = out["seen"][1]["joins"]
    assert join["refused_redemptions"] == 1 and join["last_refusal"] == "already-used"
    assert out["customer_new"][0] == 200
    assert out["thief_after"][0] == 401, "a newer join revokes the earlier token"
    assert out["customer_after"][0] == 200
    assert out["bogus"][0] == 403
    assert out["reissue_by_customer"][0] == 403
    denied = [e for e in out["log"] if e["action"] == "join.redeem.denied-409"]
    assert len(denied) == 1 and denied[0]["actor"] == CUSTOMER and denied[0]["code"]
    assert [e["actor"] for e in out["log"] if e["action"] == "join.redeem.denied-403"] == [
        "anonymous"
    ]
    redeemed = [e for e in out["log"] if e["action"] == "join.redeem"]
    assert len(redeemed) == 2 and redeemed[0]["code"] != redeemed[1]["code"]


def _credential_for(link: str) -> str | None:
    """A bearer token the link itself carries, if any (the format before join codes)."""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).fragment).get("t", [None])[0]


def test_a_customer_token_works_on_its_own_session_only(local_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        agent = Api(http, node.url, node.token("agent", AGENT))
        target = await _create(agent, "customer-support", VICTIM)  # the real customer's call
        sid = target["session_id"]
        # The agent lists the victim as the customer of a session of its own and takes the
        # credential that session's join link yields.
        own = await _create(agent, "customer-support", VICTIM)
        link = own["join"][VICTIM]
        token = _credential_for(link)
        if token is None:
            status, body = await redeem(http, node.url, link)
            assert status == 200, body
            token = body["token"]
        minted = Api(http, node.url, token)
        offer = {"participant": VICTIM, "sdp": "v=0\r\n", "type": "offer"}
        return {
            "read": await minted.call("GET", f"/v1/sessions/{sid}"),
            "consent": await minted.call("POST", f"/v1/sessions/{sid}/consent", _consent(VICTIM)),
            "offer": await minted.call("POST", f"/v1/sessions/{sid}/offer", offer),
            "leave": await minted.call(
                "POST", f"/v1/sessions/{sid}/leave", {"participant": VICTIM}
            ),
            "code_elsewhere": await redeem(http, node.url, f"/join/{sid}#c={join_code(link)}")
            if "c=" in link
            else (403, {}),
            "own": await minted.call("GET", f"/v1/sessions/{own['session_id']}"),
            "view": await agent.call("GET", f"/v1/sessions/{sid}"),
        }

    out = run_on_node(local_node_config, script)
    for name in ("read", "consent", "offer", "leave"):
        assert out[name][0] == 403, (name, out[name])
        assert "another session" in out[name][1]["error"]
    assert out["code_elsewhere"][0] == 403
    assert out["own"][0] == 200
    assert out["view"][1]["consents"] == [], "no consent was recorded on the victim's session"


def test_reading_a_session_takes_the_participants_role_too(local_node_config: NodeConfig) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        agent = Api(http, node.url, node.token("agent", AGENT))
        created = await _create(agent, "customer-support", CUSTOMER)
        sid = created["session_id"]
        # a staff token that happens to carry the customer's pseudonym is not the customer
        impostor = Api(http, node.url, node.token("agent", CUSTOMER))
        supervisor = Api(http, node.url, node.token("supervisor", "sup-bind-02"))
        return {
            "impostor": await impostor.call("GET", f"/v1/sessions/{sid}"),
            "supervisor": await supervisor.call("GET", f"/v1/sessions/{sid}"),
            "agent": await agent.call("GET", f"/v1/sessions/{sid}"),
        }

    out = run_on_node(local_node_config, script)
    assert out["impostor"][0] == 403
    assert out["supervisor"][0] == 200 and out["supervisor"][1]["ice_servers"] == []
    assert out["agent"][0] == 200


def test_unknown_codes_are_capped_per_session_and_a_genuine_one_still_works() -> None:
    codes = JoinCodes()
    code, _, _ = codes.issue(SID, CUSTOMER)
    statuses = []
    for attempt in range(MAX_UNKNOWN_CODES + 2):
        with pytest.raises(JoinCodeError) as refused:
            codes.redeem(SID, f"guess-{attempt:04d}-" + "x" * 20)
        statuses.append(refused.value.status)
    assert statuses == [403] * MAX_UNKNOWN_CODES + [429, 429]
    assert codes.redeem(SID, code).participant == CUSTOMER


def test_new_links_are_capped_per_customer_and_the_last_one_still_works() -> None:
    """An agent clicking "New join link" in a loop cannot grow the node's memory without
    bound: past the cap it is a 429, and the customer's current link keeps working."""
    codes = JoinCodes()
    issued = [codes.issue(SID, CUSTOMER)[0] for _ in range(MAX_CODES_PER_PARTICIPANT)]
    with pytest.raises(JoinCodeError) as refused:
        codes.issue(SID, CUSTOMER)
    assert refused.value.status == 429
    assert codes.redeem(SID, issued[-1]).participant == CUSTOMER


def test_the_cli_mints_staff_tokens_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["token", "--role", "customer", "--subject", CUSTOMER])
    assert "invalid choice: 'customer'" in capsys.readouterr().err


def test_leaving_takes_the_participant_and_ends_only_their_streams(
    local_node_config: NodeConfig,
) -> None:
    async def script(node: RunningNode, http: aiohttp.ClientSession) -> dict[str, Any]:
        # claims-inspection: required, it records
        call = await Parties.on(node, http, AGENT, CUSTOMER, "claims-inspection")
        agent, customer, sid = call.agent, call.customer, call.session_id
        pcs = await call.join(relay_only=False)
        out: dict[str, Any] = {}
        try:
            await wait_connected(*pcs)
            await asyncio.sleep(1.5)
            body = {"participant": CUSTOMER}
            out["agent_removes"] = await agent.call("POST", f"/v1/sessions/{sid}/leave", body)
            out["left"] = await customer.call("POST", f"/v1/sessions/{sid}/leave", body)
            out["peers"] = sorted(node.node.sessions[sid].peers)
            out["again"] = await customer.call("POST", f"/v1/sessions/{sid}/leave", body)
            await asyncio.sleep(1.0)
            out["closed"] = await agent.call("DELETE", f"/v1/sessions/{sid}")
        finally:
            for pc in pcs:
                await pc.close()
        out["log"] = _log(node)
        return out

    out = run_on_node(local_node_config, script)
    assert out["agent_removes"][0] == 403
    assert out["left"] == (200, {"left": True, "recording": out["left"][1]["recording"]})
    assert out["peers"] == [AGENT] and out["again"][1]["left"] is False
    status, closed = out["closed"]
    assert status == 200 and [r["state"] for r in closed["recordings"]] == ["stored"], closed
    left = [e for e in out["log"] if e["action"] == "session.leave"]
    assert [(e["actor"], e["via"][:13]) for e in left] == [(CUSTOMER, "join-code:jc-")] * 2
