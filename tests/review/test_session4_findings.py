"""Session-4 review findings: each test reproduces a problem on the code as merged (they fail
until the matching fix lands)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.media_node.call_helpers import Api, RunningNode, customer_api, run_with_node
from tests.media_node.rights_helpers import store_recording

pytestmark = pytest.mark.integration


def _with_customer_playback(stack: Any) -> Any:
    """The dev stack, but customers may play financial-advice recordings (its notice says
    'you may ask for a copy'; the vocabulary allows 'customer' in accessRoles)."""
    types = tuple(
        dataclasses.replace(m, access_roles=("customer", *m.access_roles))
        if m.name == "financial-advice"
        else m
        for m in stack.meeting_types
    )
    return dataclasses.replace(stack, meeting_types=types)


def test_a_customer_token_plays_only_recordings_of_its_own_session(
    tmp_path: Path, dev_config: Any
) -> None:
    """A customer token is bound to one session; the recordings route is not a session route,
    so any customer token (and an agent can mint one by listing a made-up customer in a
    session of its own and redeeming the link) played every recording of a meeting type whose
    accessRoles name 'customer': another customer's call, and one the agent was not part of."""
    stack = _with_customer_playback(dev_config)

    async def script(node: RunningNode, http: aiohttp.ClientSession) -> tuple[int, int]:
        store_recording(
            node.node.store,
            node.node.key_provider,
            "rec-victimcall0001",
            ("agent-other-01", "cust-victim-01"),
            meeting_type="financial-advice",
        )
        agent = Api(http, node.url, node.token("agent", "agent-attk-01"))
        status, created = await agent.call(
            "POST",
            "/v1/sessions",
            {
                "meeting_type": "customer-support",
                "participants": [
                    {"id": "agent-attk-01", "role": "agent"},
                    {"id": "cust-madeup-01", "role": "customer"},
                ],
            },
        )
        assert status == 201, created
        as_customer = await customer_api(http, node.url, created, "cust-madeup-01")
        media, _ = await as_customer.call("GET", "/v1/recordings/rec-victimcall0001/media")
        own_agent, _ = await agent.call("GET", "/v1/recordings/rec-victimcall0001/media")
        return media, own_agent

    media, own_agent = run_with_node(tmp_path, stack, script)
    assert own_agent == 403  # the agent's own token is refused: not an agent of that call
    assert media == 403, "a customer token from another session played the recording"
