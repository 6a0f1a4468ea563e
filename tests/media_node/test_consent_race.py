"""Consent is atomic: a withdrawal racing a recording's start is never lost (issue 11)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from media_node.node_config import NodeConfig
from media_node.session import Session

from .call_helpers import RunningNode
from .parties import Parties, consent, run_on_node, start_recording

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-race-01", "cust-race-01"
PAIRS = 60


def test_withdrawal_racing_a_start_always_wins(local_node_config: NodeConfig) -> None:
    """60 concurrent start/withdraw pairs on a consent-based type (local key, no media): after
    each pair the session is not recording, whichever request the node saw first."""

    async def script(node: RunningNode, http: aiohttp.ClientSession) -> list[str]:
        call = await Parties.on(node, http, AGENT, CUSTOMER, "customer-support")
        agent, customer, sid = call.agent, call.customer, call.session_id
        session: Session = node.node.sessions[sid]
        states: list[str] = []
        assert (await consent(agent, sid, AGENT, True))[0] == 200
        for _ in range(PAIRS):
            status, body = await consent(customer, sid, CUSTOMER, True)
            assert status == 200, body
            start, withdraw = await asyncio.gather(
                start_recording(agent, sid), consent(customer, sid, CUSTOMER, False)
            )
            assert start[0] in (200, 409), start
            assert withdraw[0] == 200, withdraw
            states.append(session.recording_status()["state"])
        return states

    states = run_on_node(local_node_config, script)
    recording = [i for i, state in enumerate(states) if state == "recording"]
    assert not recording, f"{len(recording)} of {PAIRS} withdrawals were lost (pairs {recording})"
