"""A handler that fails unexpectedly is still a decision the access log records: the caller
gets a JSON 500 that names no internals, and the log an entry with the actor and the outcome
("every decision is logged" holds for bugs too)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from media_node.node_config import NodeConfig
from media_node.session import Session

from .call_helpers import Api, RunningNode
from .parties import participants, run_on_node

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-err-01", "cust-err-01"


def test_an_unexpected_error_is_a_logged_json_500(
    local_node_config: NodeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Session) -> dict[str, Any]:
        raise RuntimeError("a bug: internal detail cust-err-01")

    async def script(node: RunningNode, http: aiohttp.ClientSession) -> Any:
        agent = Api(http, node.url, node.token("agent", AGENT))
        status, created = await agent.call(
            "POST",
            "/v1/sessions",
            {"meeting_type": "customer-support", "participants": participants(AGENT, CUSTOMER)},
        )
        assert status == 201, created
        monkeypatch.setattr(Session, "recording_status", broken)
        answer = await agent.call("GET", f"/v1/sessions/{created['session_id']}")
        log = (node.node.config.state_dir / "access.log").read_text().splitlines()
        return created["session_id"], answer, [json.loads(line) for line in log]

    sid, (status, body), entries = run_on_node(local_node_config, script)
    assert status == 500
    assert body == {"error": "internal error (logged by the node)"}
    assert "bug" not in json.dumps(body)
    (entry,) = [e for e in entries if e["target"] == sid and e["action"].endswith("denied-500")]
    assert entry["actor"] == AGENT and entry["role"] == "agent"
