"""The hardened coturn configuration, and coturn's REST-style ephemeral credentials.

Pure functions: the Pulumi program renders the file into the TURN servers' cloud-init, and the
media node's tests start the real ``turnserver`` with exactly the same text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field

__all__ = [
    "DENIED_PEER_RANGES",
    "TurnCredentials",
    "TurnServerSettings",
    "render_turnserver_conf",
    "turn_rest_credentials",
]

# Peers a relay must never reach (coturn's recommended list, CVE-2020-26262): "this network",
# RFC 1918, CGNAT, loopback, link-local (the EC2 metadata service), documentation and benchmark
# ranges, multicast/reserved, and the IPv6 equivalents including IPv4-mapped ::ffff:0:0/96,
# which coturn 4.6.1 would otherwise let through to IPv4 loopback.
DENIED_PEER_RANGES: tuple[str, ...] = (
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.0.0.0-192.0.0.255",
    "192.0.2.0-192.0.2.255",
    "192.88.99.0-192.88.99.255",
    "192.168.0.0-192.168.255.255",
    "198.18.0.0-198.19.255.255",
    "198.51.100.0-198.51.100.255",
    "203.0.113.0-203.0.113.255",
    "224.0.0.0-255.255.255.255",
    "::1",
    "64:ff9b::-64:ff9b::ffff:ffff",
    "::ffff:0.0.0.0-::ffff:255.255.255.255",
    "100::-100::ffff:ffff:ffff:ffff",
    "2001::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
)

_TLS12_CIPHERS = (
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
)
_RANGE = re.compile(r"^[0-9a-fA-F:.]+(-[0-9a-fA-F:.]+)?\Z")


@dataclass(frozen=True)
class TurnServerSettings:
    """What varies between deployments of the TURN server; everything else is fixed hardening."""

    realm: str
    """TURN realm, a domain name."""
    static_auth_secret: str
    """Shared secret of the REST credential scheme (``use-auth-secret``)."""
    relay_port_min: int
    relay_port_max: int
    listening_ips: tuple[str, ...] = ()
    """Addresses to listen on; empty means all."""
    relay_ip: str | None = None
    """Address relayed traffic leaves from; None lets coturn choose."""
    external_ip: str | None = None
    """Public address to advertise behind 1:1 NAT (EC2 ``public/private``)."""
    listening_port: int = 3478
    tls_listening_port: int = 5349
    cert_file: str = "/etc/coturn/tls/fullchain.pem"
    pkey_file: str = "/etc/coturn/tls/privkey.pem"
    allowed_peer_ips: tuple[str, ...] = ()
    """Exceptions to :data:`DENIED_PEER_RANGES`: the media nodes' subnets in production, the
    loopback peer in tests only."""
    log_file: str = "/dev/null"
    """Session log. coturn 4.6.1 writes client addresses into every session line and cannot leave
    them out, so production discards it (Art. 5(1)(c)); tests point it at a file to debug."""
    user_quota: int = 12
    """Concurrent allocations per username."""
    total_quota: int = 1200
    max_bps: int = 3_000_000
    """Per-session bandwidth cap, bits/s."""
    pidfile: str | None = None
    allow_loopback_peers: bool = False
    """Test variant only: lets a relay reach a peer on 127.0.0.1 (with ``allowed_peer_ips``)."""
    extra_denied_peer_ips: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.static_auth_secret or len(self.static_auth_secret) < 16:
            raise ValueError("'static_auth_secret' must be at least 16 characters")
        if not 1024 <= self.relay_port_min <= self.relay_port_max <= 65535:
            raise ValueError(
                "relay ports must satisfy 1024 <= min <= max <= 65535 "
                f"(got {self.relay_port_min}-{self.relay_port_max})"
            )
        for value in (
            self.realm,
            self.static_auth_secret,
            self.cert_file,
            self.pkey_file,
            self.log_file,
            *self.listening_ips,
        ):
            if any(ch in value for ch in "\r\n"):
                raise ValueError(f"config values must be single-line (got {value!r})")
        for peer_range in (*self.allowed_peer_ips, *self.extra_denied_peer_ips):
            if not _RANGE.match(peer_range):
                raise ValueError(f"'{peer_range}' is not an IP address or 'a-b' range")


def render_turnserver_conf(settings: TurnServerSettings) -> str:
    """Render ``turnserver.conf`` for Debian's coturn 4.6.1. Deterministic."""
    lines: list[str] = [
        "# Rendered by infra.turn_config.render_turnserver_conf; do not edit by hand.",
        f"realm={settings.realm}",
        f"listening-port={settings.listening_port}",
        f"tls-listening-port={settings.tls_listening_port}",
    ]
    lines += [f"listening-ip={ip}" for ip in settings.listening_ips]
    if settings.relay_ip:
        lines.append(f"relay-ip={settings.relay_ip}")
    if settings.external_ip:
        lines.append(f"external-ip={settings.external_ip}")
    lines += [
        f"min-port={settings.relay_port_min}",
        f"max-port={settings.relay_port_max}",
        "# Authentication: ephemeral REST credentials only (username '<expiry>:<pseudonym>').",
        "fingerprint",
        "use-auth-secret",
        f"static-auth-secret={settings.static_auth_secret}",
        "stale-nonce=600",
        "# TLS 1.2+ only; no DTLS listener (clients use turns: over TCP).",
        f"cert={settings.cert_file}",
        f"pkey={settings.pkey_file}",
        f"cipher-list={_TLS12_CIPHERS}",
        "no-tlsv1",
        "no-tlsv1_1",
        "no-dtls",
        "# Attack surface.",
        "no-cli",
        "no-multicast-peers",
        "no-tcp-relay",
        "no-rfc5780",
        "no-stun-backward-compatibility",
        "response-origin-only-with-rfc5780",
        "no-software-attribute",
        f"user-quota={settings.user_quota}",
        f"total-quota={settings.total_quota}",
        f"max-bps={settings.max_bps}",
        "# Minimal logging: no verbose mode; the session log names client IPs, so it is discarded.",
        f"log-file={settings.log_file}",
        "simple-log",
        "no-stdout-log",
    ]
    if settings.pidfile:
        lines.append(f"pidfile={settings.pidfile}")
    lines.append("# Relays may not reach private, loopback, link-local or mapped addresses.")
    lines += [f"denied-peer-ip={r}" for r in (*DENIED_PEER_RANGES, *settings.extra_denied_peer_ips)]
    lines += [f"allowed-peer-ip={r}" for r in settings.allowed_peer_ips]
    if settings.allow_loopback_peers:
        lines.append("allow-loopback-peers")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TurnCredentials:
    username: str
    """``"<unix expiry>:<pseudonym>"``: carries no personal data."""
    password: str
    expires_at: int


def turn_rest_credentials(
    secret: str, pseudonym: str, *, now: int, ttl_seconds: int = 600
) -> TurnCredentials:
    """Credentials for coturn's ``use-auth-secret``: HMAC-SHA1 of the username, base64.

    ``pseudonym`` must be a pseudonymous id, never a name or e-mail (it appears in TURN logs).
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", pseudonym):
        raise ValueError(
            f"TURN pseudonym must be 1-64 characters of [A-Za-z0-9_-] (got {pseudonym!r})"
        )
    if ttl_seconds <= 0:
        raise ValueError(f"'ttl_seconds' must be positive (got {ttl_seconds})")
    expires_at = now + ttl_seconds
    username = f"{expires_at}:{pseudonym}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredentials(username, base64.b64encode(digest).decode("ascii"), expires_at)
