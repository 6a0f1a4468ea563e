"""The join page and console are served without a token and with a strict CSP; the join link
carries a single-use join code in its fragment (never a token); a consent stores the hash of
the notice shown."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import aiohttp

from media_node.node_config import NodeConfig

from .call_helpers import Api, customer_api, running_node
from .parties import create_session, participants

AGENT, CUSTOMER = "agent-ui-01", "cust-ui-01"


def test_pages_join_link_and_notice_hash(dev_config: Any, relay_node_config: NodeConfig) -> None:
    config = relay_node_config
    notice = dev_config.meeting_type("customer-support").notice

    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            for path in ("/console", "/join/ses-x", "/ui/join.js", "/ui/../app.py", "/ui/nope.js"):
                async with http.get(node.url + path) as response:
                    out[path] = (response.status, dict(response.headers))
            agent = Api(http, node.url, node.token("agent", AGENT))
            _, created = await create_session(
                agent, "customer-support", participants(AGENT, CUSTOMER)
            )
            sid = created["session_id"]
            out["created"] = created
            customer = await customer_api(http, node.url, created, CUSTOMER)
            _, view = await customer.call("GET", f"/v1/sessions/{sid}")
            out["view"] = view
            body = {"participant": CUSTOMER, "granted": True, "text_version": "x"}
            out["wrong"] = await customer.call(
                "POST", f"/v1/sessions/{sid}/consent", {**body, "notice_sha256": "0" * 64}
            )
            shown = hashlib.sha256(notice.encode()).hexdigest()
            out["right"] = await customer.call(
                "POST", f"/v1/sessions/{sid}/consent", {**body, "notice_sha256": shown}
            )
            out["types"] = await agent.call("GET", "/v1/meeting-types")
        return out

    out = asyncio.run(scenario())
    for path in ("/console", "/join/ses-x", "/ui/join.js"):
        status, headers = out[path]
        assert status == 200, path
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"
    assert out["/ui/../app.py"][0] in (401, 404) and out["/ui/nope.js"][0] == 404
    link = out["created"]["join"][CUSTOMER]
    assert link.startswith(f"/join/{out['created']['session_id']}#c=")
    recording = out["view"]["recording"]
    assert recording["notice"] == notice
    assert recording["notice_sha256"] == hashlib.sha256(notice.encode()).hexdigest()
    assert out["wrong"][0] == 400 and "notice" in out["wrong"][1]["error"]
    status, record = out["right"]
    assert status == 200 and record["notice_sha256"] == recording["notice_sha256"]
    assert record["text_version"] == "x"
    assert [m["name"] for m in out["types"][1]] == [m.name for m in dev_config.meeting_types]
