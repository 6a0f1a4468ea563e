"""A coturn ``turnserver.conf`` -> the properties of a ``turn_config`` fact. Pure."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["parse_turnserver_conf", "peer_range", "ranges_outside", "turn_config_properties"]

_Range = tuple[int, int, int]  # (IP version, first, last)

# Peers a relay must never reach, by what the denial protects (coturn CVE-2020-26262).
_MUST_DENY: dict[str, tuple[str, ...]] = {
    "imds": ("169.254.169.254/32", "fd00:ec2::254/128"),
    "rfc1918": ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
    "loopback": ("127.0.0.0/8", "::1/128"),
    "ipv4_mapped": ("::ffff:0:0/96",),
}


def parse_turnserver_conf(text: str) -> list[tuple[str, str]]:
    """``(option, value)`` pairs in file order; flags get an empty value; comments dropped."""
    options = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        options.append((name.strip().lstrip("-"), value.strip()))
    return options


def peer_range(text: str) -> _Range | None:
    """coturn's ``a``, ``a-b`` or (accepted here too) CIDR peer syntax; ``None`` if unreadable."""
    try:
        if "/" in text:
            network = ipaddress.ip_network(text.strip(), strict=False)
            return network.version, int(network[0]), int(network[-1])
        first, _, last = text.strip().partition("-")
        start = ipaddress.ip_address(first.strip())
        end = ipaddress.ip_address(last.strip()) if last else start
    except ValueError:
        return None
    if start.version != end.version or int(start) > int(end):
        return None
    return start.version, int(start), int(end)


def _covered(target: _Range, ranges: Iterable[_Range]) -> bool:
    """``target`` lies wholly inside the union of ``ranges``."""
    version, position, last = target
    for _, start, end in sorted(r for r in ranges if r[0] == version):
        if start > position:
            return False
        position = max(position, end + 1)
        if position > last:
            return True
    return position > last


def ranges_outside(ranges: Sequence[str], allowed: Sequence[str]) -> list[str]:
    """The ``ranges`` (coturn syntax) not inside the union of ``allowed`` (CIDRs or ranges);
    unreadable ones count as outside."""
    bounds = [r for r in (peer_range(a) for a in allowed) if r is not None]
    outside = []
    for text in ranges:
        parsed = peer_range(text)
        if parsed is None or not _covered(parsed, bounds):
            outside.append(text)
    return outside


def _writes_session_log(flags: set[str], values: dict[str, list[str]]) -> bool:
    """coturn always writes a session log (with client addresses) unless it is discarded:
    without ``log-file`` it writes ``/var/log/turn_<pid>_<date>.log`` (``no-stdout-log`` only
    silences stdout); ``log-file=/dev/null`` without ``simple-log`` becomes
    ``/dev/null_<date>.log``; ``syslog`` and verbose modes log regardless."""
    if flags & {"syslog", "verbose", "Verbose", "v", "V"}:
        return True
    log_files = values.get("log-file", [])
    discarded = (
        bool(log_files)
        and all(f == "/dev/null" for f in log_files)
        and "simple-log" in flags
        and "no-stdout-log" in flags
    )
    return not discarded


def turn_config_properties(text: str) -> dict[str, Any]:
    options = parse_turnserver_conf(text)
    flags = {name for name, _ in options}
    values: dict[str, list[str]] = {}
    for name, value in options:
        values.setdefault(name, []).append(value)
    static_users = "user" in flags or "userdb" in flags or "lt-cred-mech" in flags
    if "no-tlsv1" in flags and "no-tlsv1_1" in flags:
        tls_min = "1.2"
    elif "no-tlsv1" in flags:
        tls_min = "1.1"
    else:
        tls_min = "1.0"
    denied = values.get("denied-peer-ip", [])
    denied_bounds = [r for r in (peer_range(d) for d in denied) if r is not None]
    return {
        "logs_client_ips": _writes_session_log(flags, values),
        "ephemeral_credentials": "use-auth-secret" in flags and not static_users,
        "static_users": static_users,
        "tls_enabled": "cert" in flags and "pkey" in flags and "no-tls" not in flags,
        "tls_min_version": tls_min,
        "cli_enabled": "no-cli" not in flags,
        "denied_peer_ranges": denied,
        # What the denials protect: every address of each class inside the denied ranges.
        "denied_peers_cover": {
            name: all(
                _covered(bounds, denied_bounds)
                for bounds in (peer_range(cidr) for cidr in cidrs)
                if bounds is not None
            )
            for name, cidrs in _MUST_DENY.items()
        },
        "allowed_peer_ranges": values.get("allowed-peer-ip", []),
        "loopback_peers_allowed": "allow-loopback-peers" in flags,
    }
