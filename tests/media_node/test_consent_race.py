"""Consent is atomic: a withdrawal racing a recording's start is never lost (issue 11)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from infra.config import StackConfig
from media_node.session import Session

from .call_helpers import Api, customer_api, node_config, running_node

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-race-01", "cust-race-01"
PARTICIPANTS = [{"id": AGENT, "role": "agent"}, {"id": CUSTOMER, "role": "customer"}]
PAIRS = 60


def test_withdrawal_racing_a_start_always_wins(tmp_path: Path, dev_config: StackConfig) -> None:
    """60 concurrent start/withdraw pairs on a consent-based type (local key, no media): after
    each pair the session is not recording, whichever request the node saw first."""
    config = node_config(tmp_path / "node", dev_config, None)

    async def scenario() -> list[str]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            agent = Api(http, node.url, node.token("agent", AGENT))
            status, created = await agent.call(
                "POST",
                "/v1/sessions",
                {"meeting_type": "customer-support", "participants": PARTICIPANTS},
            )
            assert status == 201, created
            sid = created["session_id"]
            customer = await customer_api(http, node.url, created, CUSTOMER)
            session: Session = node.node.sessions[sid]
            states: list[str] = []

            async def consent(who: Api, participant: str, granted: bool) -> tuple[int, Any]:
                return await who.call(
                    "POST",
                    f"/v1/sessions/{sid}/consent",
                    {"participant": participant, "granted": granted, "text_version": "v1"},
                )

            assert (await consent(agent, AGENT, True))[0] == 200
            for _ in range(PAIRS):
                status, body = await consent(customer, CUSTOMER, True)
                assert status == 200, body
                start, withdraw = await asyncio.gather(
                    agent.call("POST", f"/v1/sessions/{sid}/recording", {"action": "start"}),
                    consent(customer, CUSTOMER, False),
                )
                assert start[0] in (200, 409), start
                assert withdraw[0] == 200, withdraw
                states.append(session.recording_status()["state"])
            return states

    states = asyncio.run(scenario())
    recording = [i for i, state in enumerate(states) if state == "recording"]
    assert not recording, f"{len(recording)} of {PAIRS} withdrawals were lost (pairs {recording})"
