"""The node never learns or logs a participant's address (issue 11): `media-node serve` runs
as its own process at debug level with a real coturn relay; two aiortc participants offer
host candidates as browsers do and call it over HTTP from 127.0.0.2; the node's whole
output is then searched for their addresses."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from media_node.auth import issue_token
from media_node.sdp_filter import relay_only_offer
from tests.servers import RunningTurnServer, free_port, stop_process

from .call_helpers import wait_connected
from .parties import Parties

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-ip-01", "cust-ip-01"
CLIENT_ADDRESS = "127.0.0.2"

OFFER = """v=0
o=- 3913 3913 IN IP4 0.0.0.0
s=-
t=0 0
a=group:BUNDLE 0
m=audio 51234 UDP/TLS/RTP/SAVPF 96
c=IN IP4 192.0.2.77
a=rtcp:51234 IN IP4 192.0.2.77
a=mid:0
a=candidate:1 1 udp 2130706431 192.0.2.77 51234 typ host
a=candidate:2 1 udp 1694498815 198.51.100.9 40000 typ srflx raddr 192.0.2.77 rport 51234
a=candidate:3 1 udp 16777215 203.0.113.5 50001 typ relay raddr 198.51.100.9 rport 40000
a=candidate:4 1 tcp 1518280447 192.0.2.77 9 typ host tcptype active
a=end-of-candidates
"""


def test_relay_only_offer_keeps_relay_candidates_and_no_client_address() -> None:
    filtered = relay_only_offer(OFFER)
    candidates = [line for line in filtered.splitlines() if line.startswith("a=candidate")]
    assert candidates == [
        "a=candidate:3 1 udp 16777215 203.0.113.5 50001 typ relay raddr 0.0.0.0 rport 0"
    ]
    assert "192.0.2.77" not in filtered and "198.51.100.9" not in filtered
    assert "c=IN IP4 0.0.0.0" in filtered and "a=end-of-candidates" in filtered


def _candidates(sdp: str) -> list[tuple[str, str]]:
    """(address, port) of every non-relay candidate in ``sdp``."""
    found = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:") and " typ relay" not in line:
            fields = line.split()
            found.append((fields[4], fields[5]))
    return found


def test_node_logs_hold_no_participant_address(
    tmp_path: Path, repo_root: Path, coturn: RunningTurnServer
) -> None:
    token_secret = secrets.token_urlsafe(48)
    port = free_port()
    config = tmp_path / "node.yaml"
    config.write_text(
        f"listen: {{host: 127.0.0.1, port: {port}}}\n"
        f"state_dir: {tmp_path / 'state'}\nstack_file: {repo_root / 'Pulumi.dev.yaml'}\n"
        "token_secret: {env: CV_TEST_TOKEN}\n"
        "ice:\n  transport_policy: relay\n"
        f"  turn_urls: ['turn:{coturn.host}:{coturn.port}?transport=udp']\n"
        "  turn_secret: {env: CV_TEST_TURN}\n"
    )
    binary = Path(sys.executable).with_name("media-node")
    log_path = tmp_path / "node.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(binary), "serve", "--config", str(config), "--log-level", "debug"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "CV_TEST_TOKEN": token_secret, "CV_TEST_TURN": coturn.secret},
        )
    url = f"http://127.0.0.1:{port}"
    offers: list[str] = []

    async def call() -> None:
        connector = aiohttp.TCPConnector(local_addr=(CLIENT_ADDRESS, 0))
        async with aiohttp.ClientSession(connector=connector) as http:
            agent_token = issue_token(token_secret.encode(), "agent", AGENT)
            # the customer redeems their join code from the client address too
            call = await Parties.open(
                http, url, agent_token, (AGENT, CUSTOMER), "claims-inspection"
            )
            agent, sid = call.agent, call.session_id
            pcs = await call.join(relay_only=False)
            try:
                offers.extend(pc.localDescription.sdp for pc in pcs)
                await wait_connected(*pcs)
                await asyncio.sleep(1.5)
                status, _ = await agent.call("DELETE", f"/v1/sessions/{sid}")
                assert status == 200
            finally:
                for pc in pcs:
                    await pc.close()

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(f"node did not start: {log_path.read_text()}") from None
                time.sleep(0.2)
        asyncio.run(call())
    finally:
        stop_process(process)
    output = log_path.read_text()
    addresses = [pair for sdp in offers for pair in _candidates(sdp)]
    assert addresses, "the participants offered host candidates (the case under test)"
    assert "aioice" in output, "debug logging of ICE was captured (else the check is empty)"
    assert "aiohttp.access" in output, "the access log was captured (else the check is empty)"
    for address, candidate_port in addresses:
        pattern = rf"{re.escape(address)}\W{{1,4}}{candidate_port}\b"
        leaked = [line for line in output.splitlines() if re.search(pattern, line)]
        assert not leaked, f"participant address {address}:{candidate_port} logged: {leaked[:3]}"
    assert CLIENT_ADDRESS not in output, "the API caller's address was logged"
