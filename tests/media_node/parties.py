"""The two parties of most test calls (an agent and a customer) and the API steps the tests
repeat with them: create a session, consent, start a recording, both join; and a script run
against a fresh node.

The agent holds a staff token; the customer holds what their browser would: the session-bound
token from redeeming their single-use join code (:func:`call_helpers.customer_api`), so the
customer's client exists only once the session does (:meth:`Parties.open`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from aiortc import RTCPeerConnection

from media_node.node_config import NodeConfig

from .call_helpers import Api, RunningNode, customer_api, join_call, running_node

T = TypeVar("T")


def participants(agent: str, customer: str) -> list[dict[str, str]]:
    """A session's participants: ``agent`` with the agent role, ``customer`` the customer's."""
    return [{"id": agent, "role": "agent"}, {"id": customer, "role": "customer"}]


def run_on_node(
    config: NodeConfig,
    script: Callable[[RunningNode, aiohttp.ClientSession], Awaitable[T]],
    **node_kwargs: Any,
) -> T:
    """Start a node with ``config`` (and ``node_kwargs``), run ``script`` with an HTTP client,
    stop the node; returns what the script returned."""

    async def scenario() -> T:
        async with running_node(config, **node_kwargs) as node, aiohttp.ClientSession() as http:
            return await script(node, http)

    return asyncio.run(scenario())


SessionScript = Callable[[RunningNode, Api, Api, str], Awaitable[T]]


def run_in_session(
    config: NodeConfig,
    ids: tuple[str, str],
    meeting_type: str,
    script: SessionScript[T],
    **node_kwargs: Any,
) -> T:
    """:func:`run_on_node` with a session of ``meeting_type`` already created by the agent
    (``ids[0]``) and joined by the customer (``ids[1]``, through their join code):
    ``script(node, agent, customer, session_id)``."""

    async def in_session(node: RunningNode, http: aiohttp.ClientSession) -> T:
        call = await Parties.on(node, http, *ids, meeting_type)
        return await script(node, call.agent, call.customer, call.session_id)

    return run_on_node(config, in_session, **node_kwargs)


async def create_session(
    api: Api, meeting_type: str, people: list[dict[str, str]]
) -> tuple[int, Any]:
    return await api.call(
        "POST", "/v1/sessions", {"meeting_type": meeting_type, "participants": people}
    )


async def consent(
    api: Api, session_id: str, participant: str, granted: bool = True, text_version: str = "v1"
) -> tuple[int, Any]:
    return await api.call(
        "POST",
        f"/v1/sessions/{session_id}/consent",
        {"participant": participant, "granted": granted, "text_version": text_version},
    )


async def start_recording(api: Api, session_id: str) -> tuple[int, Any]:
    return await api.call("POST", f"/v1/sessions/{session_id}/recording", {"action": "start"})


@dataclass(frozen=True)
class Parties:
    """An agent and the customer of one session the agent created (``created`` is the
    creation response): the agent with a staff token, the customer with the session-bound
    token their join code was redeemed for."""

    agent: Api
    customer: Api
    agent_id: str
    customer_id: str
    created: dict[str, Any]

    @property
    def session_id(self) -> str:
        return str(self.created["session_id"])

    @classmethod
    async def open(
        cls,
        http: aiohttp.ClientSession,
        url: str,
        agent_token: str,
        ids: tuple[str, str],
        meeting_type: str,
    ) -> Parties:
        """The agent (``ids[0]``, ``agent_token``) creates a session of ``meeting_type`` with
        the customer (``ids[1]``), who then redeems their join code."""
        agent_id, customer_id = ids
        agent = Api(http, url, agent_token)
        status, created = await create_session(
            agent, meeting_type, participants(agent_id, customer_id)
        )
        assert status == 201, created
        customer = await customer_api(http, url, created, customer_id)
        return cls(agent, customer, agent_id, customer_id, dict(created))

    @classmethod
    async def on(
        cls,
        node: RunningNode,
        http: aiohttp.ClientSession,
        agent_id: str,
        customer_id: str,
        meeting_type: str,
    ) -> Parties:
        """:meth:`open` on an in-process node, the agent's token signed by it."""
        token = node.token("agent", agent_id)
        return await cls.open(http, node.url, token, (agent_id, customer_id), meeting_type)

    async def consent_both(self, granted: bool = True) -> list[tuple[int, Any]]:
        """Agent, then customer, each answers for themselves."""
        return [
            await consent(self.agent, self.session_id, self.agent_id, granted),
            await consent(self.customer, self.session_id, self.customer_id, granted),
        ]

    async def join(self, **join_kwargs: Any) -> list[RTCPeerConnection]:
        """Both offer (agent first): the agent with the ICE servers of the session it created,
        the customer with those of its own view of the session."""
        _, view = await self.customer.call("GET", f"/v1/sessions/{self.session_id}")
        return [
            await join_call(
                self.agent,
                self.session_id,
                self.agent_id,
                self.created["ice_servers"],
                **join_kwargs,
            ),
            await join_call(
                self.customer, self.session_id, self.customer_id, view["ice_servers"], **join_kwargs
            ),
        ]
