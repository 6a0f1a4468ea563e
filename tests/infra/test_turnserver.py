"""The rendered coturn config, run by the real Debian turnserver, with REST credentials (aioice)."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import warnings

import pytest
from aioice.stun import TransactionFailed
from aioice.turn import create_turn_endpoint

from infra.turn_config import TurnServerSettings, render_turnserver_conf, turn_rest_credentials
from tests.servers import RunningTurnServer

pytestmark = pytest.mark.integration


class Receiver(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: asyncio.Future[tuple[bytes, tuple[str, int]]] = (
            asyncio.get_running_loop().create_future()
        )

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.received.done():
            self.received.set_result((data, addr))


async def relay_to_loopback_peer(
    server: RunningTurnServer, transport: str, port: int, tls: ssl.SSLContext | None = None
) -> tuple[bytes, tuple[str, int]]:
    creds = turn_rest_credentials(server.secret, "participant-7f3a", now=int(time.time()))
    relay, _ = await create_turn_endpoint(
        Receiver,
        (server.host, port),
        creds.username,
        creds.password,
        transport=transport,
        ssl=tls,
    )
    loop = asyncio.get_running_loop()
    peer_transport, peer = await loop.create_datagram_endpoint(
        Receiver, local_addr=("127.0.0.1", 0)
    )
    try:
        relay.sendto(b"media", peer_transport.get_extra_info("sockname"))
        return await asyncio.wait_for(peer.received, 5)
    finally:
        relay.close()
        peer_transport.close()


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_authenticated_allocation_relays_to_the_peer(
    coturn: RunningTurnServer, transport: str
) -> None:
    data, source = asyncio.run(relay_to_loopback_peer(coturn, transport, coturn.port))
    assert data == b"media"
    assert source[0] == "127.0.0.1" and source[1] != coturn.port  # came from the relay address


def test_allocation_over_tls(coturn: RunningTurnServer) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # self-signed test certificate
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    data, _ = asyncio.run(relay_to_loopback_peer(coturn, "tcp", coturn.tls_port, context))
    assert data == b"media"


def test_tls_1_1_is_refused(coturn: RunningTurnServer) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer TLS 1.0/1.1 at all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.maximum_version = ssl.TLSVersion.TLSv1_1
        context.minimum_version = ssl.TLSVersion.TLSv1

    # coturn answers a TLS 1.1 hello with an alert or by not completing the handshake.
    with socket.create_connection((coturn.host, coturn.tls_port), timeout=3) as raw:
        with pytest.raises((ssl.SSLError, TimeoutError, ConnectionResetError)):
            with context.wrap_socket(raw, server_hostname="localhost"):
                pass


@pytest.mark.parametrize(
    ("right_secret", "issued_seconds_ago"),
    [(True, 700), (False, 0)],
    ids=["expired", "wrong-secret"],
)
def test_bad_credentials_are_refused(
    coturn: RunningTurnServer, right_secret: bool, issued_seconds_ago: int
) -> None:
    secret = coturn.secret if right_secret else "not-the-shared-secret-at-all"
    creds = turn_rest_credentials(
        secret, "participant-7f3a", now=int(time.time()) - issued_seconds_ago, ttl_seconds=600
    )
    assert (creds.expires_at < time.time()) == right_secret

    async def allocate() -> None:
        await create_turn_endpoint(
            Receiver, (coturn.host, coturn.port), creds.username, creds.password
        )

    with pytest.raises(TransactionFailed, match="401"):
        asyncio.run(allocate())


def test_production_peer_rules_deny_the_loopback_peer(
    coturn_production_peers: RunningTurnServer,
) -> None:
    with pytest.raises(TimeoutError):
        asyncio.run(
            relay_to_loopback_peer(coturn_production_peers, "udp", coturn_production_peers.port)
        )


def test_rendered_config_is_what_the_server_runs(coturn: RunningTurnServer) -> None:
    production = render_turnserver_conf(
        TurnServerSettings(
            realm=coturn.realm,
            static_auth_secret=coturn.secret,
            relay_port_min=49152,
            relay_port_max=65535,
        )
    )
    hardening = [
        line
        for line in production.splitlines()
        if line.startswith(("no-", "denied-peer-ip", "use-auth-secret", "cipher-list"))
    ]
    running = coturn.config_text.splitlines()
    assert hardening and all(line in running for line in hardening)


def test_credentials_reject_personal_looking_pseudonyms() -> None:
    with pytest.raises(ValueError, match="pseudonym"):
        turn_rest_credentials("x" * 20, "jane.doe@example.com", now=0)
