"""A coturn ``turnserver.conf`` -> the properties of a ``turn_config`` fact. Pure."""

from __future__ import annotations

from typing import Any

__all__ = ["parse_turnserver_conf", "turn_config_properties"]

_DISCARDED_LOGS = {"/dev/null"}


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


def turn_config_properties(text: str) -> dict[str, Any]:
    options = parse_turnserver_conf(text)
    flags = {name for name, _ in options}
    values: dict[str, list[str]] = {}
    for name, value in options:
        values.setdefault(name, []).append(value)
    log_files = values.get("log-file", [])
    writes_session_log = (
        ("log-file" in flags and any(f not in _DISCARDED_LOGS for f in log_files))
        or "syslog" in flags
        or "verbose" in flags
        or "Verbose" in flags
        or ("no-stdout-log" not in flags and "log-file" not in flags)
    )
    static_users = "user" in flags or "userdb" in flags or "lt-cred-mech" in flags
    if "no-tlsv1" in flags and "no-tlsv1_1" in flags:
        tls_min = "1.2"
    elif "no-tlsv1" in flags:
        tls_min = "1.1"
    else:
        tls_min = "1.0"
    return {
        "logs_client_ips": writes_session_log,
        "ephemeral_credentials": "use-auth-secret" in flags and not static_users,
        "static_users": static_users,
        "tls_enabled": "cert" in flags and "pkey" in flags and "no-tls" not in flags,
        "tls_min_version": tls_min,
        "cli_enabled": "no-cli" not in flags,
        "denied_peer_ranges": values.get("denied-peer-ip", []),
        "loopback_peers_allowed": "allow-loopback-peers" in flags,
    }
