"""The media node's configuration (YAML), with embedded defaults that need no AWS.

    listen: {host: 127.0.0.1, port: 8443}
    stack_file: Pulumi.dev.yaml        # the same stack file the infra reads (infra.config)
    stack: dev
    state_dir: .callvault-node         # local key, secrets, local store, spool, access log
    ice:
      transport_policy: relay          # relay (production) | all (development without TURN)
      turn_urls: ["turns:turn.example.eu:5349?transport=tcp"]
      turn_secret: {env: CALLVAULT_TURN_SECRET}
      credential_ttl: 600
    token_secret: {env: CALLVAULT_TOKEN_SECRET}
    key_provider: {type: kms, key_id: arn:aws:kms:..., region: eu-central-1}
    store: {type: s3, bucket: callvault-dev-recordings, region: eu-central-1, kms_key_id: arn:...}
    limits: {max_body_bytes: 65536, max_sdp_bytes: 32768, max_sessions: 200,
             max_sessions_per_agent: 4, idle_session_seconds: 900, max_queued_frames: 256}

A secret is ``{env: NAME}`` or ``{file: PATH}``; never a literal in the file. Without config
the node uses a local key file, a local store and generated secrets under ``state_dir``, and
the dev stack's meeting types.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.config import ConfigError, MeetingType, StackConfig, load_stack_file
from infra.node_settings import CONFIG_KEYS, SecretSource

__all__ = [
    "DEFAULT_STACK_FILE",
    "IceSettings",
    "NodeConfig",
    "NodeConfigError",
    "load_node_config",
]

DEFAULT_STACK_FILE = Path(__file__).resolve().parent.parent / "Pulumi.dev.yaml"


class NodeConfigError(ValueError):
    """The node's config names a bad key or value; the message says which and why."""


@dataclass(frozen=True)
class IceSettings:
    transport_policy: str = "relay"
    """``relay``: the node only uses TURN-relayed candidates, so it never sees client IPs."""
    turn_urls: tuple[str, ...] = ()
    turn_secret: str | None = None
    credential_ttl: int = 600

    def __post_init__(self) -> None:
        if self.transport_policy not in ("relay", "all"):
            raise NodeConfigError(
                f"ice.transport_policy must be in ['relay', 'all'] (got '{self.transport_policy}')"
            )
        for url in self.turn_urls:
            if not url.startswith(("turn:", "turns:")):
                raise NodeConfigError(
                    f"ice.turn_urls entries must start with turn: or turns: (got '{url}')"
                )
        if self.turn_urls and not self.turn_secret:
            raise NodeConfigError("ice.turn_secret is required when ice.turn_urls is set")
        if self.transport_policy == "relay" and not self.turn_urls:
            raise NodeConfigError("ice.transport_policy 'relay' needs ice.turn_urls")
        if not 60 <= self.credential_ttl <= 86400:
            raise NodeConfigError(
                f"ice.credential_ttl must be 60..86400 (got {self.credential_ttl})"
            )


@dataclass(frozen=True)
class NodeConfig:
    host: str
    port: int
    stack: StackConfig
    state_dir: Path
    ice: IceSettings
    token_secret: bytes
    key_provider: dict[str, Any]
    store: dict[str, Any]
    max_body_bytes: int = 64 * 1024
    max_sdp_bytes: int = 32 * 1024
    max_sessions: int = 200
    """Open sessions on this node; one more is refused with 503 (the balancer tries another)."""
    max_sessions_per_agent: int = 4
    """Open sessions one agent or supervisor may have created; one more is refused with 429."""
    idle_session_seconds: int = 900
    """A session with no API call and no connected peer for this long is closed."""
    max_queued_frames: int = 256
    """Frames of one track waiting for the recorder; more are dropped and counted."""
    encryption_chunk_size: int = 256 * 1024
    """Plaintext bytes per sealed chunk: at most this much of a call is held in memory."""
    tls_cert: Path | None = None
    """PEM certificate (chain) the API serves; with ``tls_key``. None: plain HTTP."""
    tls_key: Path | None = None
    """Its private key (mode 0600)."""
    access_log_anchor: Path | None = None
    """Where the access log's heads are appended (media_node.access_log); default
    ``<state_dir>/anchors/access.log.anchors``. Put it on storage the node cannot rewrite."""
    notes: tuple[str, ...] = field(default=())
    """Warnings to print at start-up (development settings in use)."""

    def __post_init__(self) -> None:
        if self.access_log_anchor is None:
            anchor = self.state_dir / "anchors" / "access.log.anchors"
            object.__setattr__(self, "access_log_anchor", anchor)

    def meeting_type(self, name: str) -> MeetingType | None:
        return next((m for m in self.stack.meeting_types if m.name == name), None)


MIN_TOKEN_SECRET_BYTES = 32


def _check_file_private(path: Path, key: str) -> None:
    mode = path.stat().st_mode
    if mode & 0o077:
        raise NodeConfigError(
            f"{key}: {path} is readable by group or others (mode {mode & 0o777:o}); "
            f"run chmod 600 {path}"
        )


def _check_strength(secret: str, key: str, where: str, min_bytes: int) -> str:
    if len(secret.encode()) < min_bytes:
        raise NodeConfigError(
            f"{key}: the secret in {where} must be at least {min_bytes} bytes "
            f"(got {len(secret.encode())}); generate one with: openssl rand -base64 48"
        )
    return secret


def _ssm_parameter(name: str, region: str | None) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from .aws_clients import aws_client_config

    try:
        client = boto3.client("ssm", region_name=region, config=aws_client_config())
        answer = client.get_parameter(Name=name, WithDecryption=True)
        return str(answer["Parameter"]["Value"])
    except (BotoCoreError, ClientError) as error:
        raise OSError(0, str(error).splitlines()[0]) from None


def _secret(
    value: Any, key: str, base: Path, min_bytes: int = 1, region: str | None = None
) -> str | None:
    if value is None:
        return None
    try:
        source = SecretSource.from_document(value, key)
    except ValueError as error:
        raise NodeConfigError(str(error)) from None
    if source.kind == "env":
        secret = os.environ.get(source.name)
        if not secret:
            raise NodeConfigError(f"{key}: environment variable {source.name} is not set")
        return _check_strength(secret, key, f"${source.name}", min_bytes)
    if source.kind == "ssm":
        try:
            secret = _ssm_parameter(source.name, region).strip()
        except OSError as error:
            raise NodeConfigError(
                f"{key}: cannot read SSM parameter {source.name} ({error.strerror})"
            ) from None
        return _check_strength(secret, key, f"SSM parameter {source.name}", min_bytes)
    path = base / source.name
    try:
        _check_file_private(path, key)
        secret = path.read_text().strip()
    except OSError as error:
        raise NodeConfigError(f"{key}: cannot read {path} ({error.strerror})") from None
    return _check_strength(secret, key, str(path), min_bytes)


def _local_secret(path: Path, *, create: bool) -> str:
    """A generated secret kept in a 0600 file, so restarts and ``media-node token`` agree.

    Created whole or not at all: written to a temporary file, fsynced, then linked into place
    (``link`` fails if another process won the race; its secret is used)."""
    key = "token_secret"
    if not path.exists():
        if not create:
            raise NodeConfigError(
                f"{key}: no token secret at {path}; start `media-node serve` once or pass "
                "--config with token_secret"
            )
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temp, path)
            except FileExistsError:
                pass
        finally:
            temp.unlink(missing_ok=True)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    try:
        _check_file_private(path, key)
        secret = path.read_text().strip()
    except OSError as error:
        raise NodeConfigError(f"{key}: cannot read {path} ({error.strerror})") from None
    return _check_strength(secret, key, str(path), MIN_TOKEN_SECRET_BYTES)


def _mapping(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key) or {}
    if not isinstance(value, dict):
        raise NodeConfigError(f"{key} must be a mapping")
    return value


_KNOWN = CONFIG_KEYS


_LIMITS: dict[str, tuple[int, int, int]] = {
    # name: (default, minimum, maximum)
    "max_body_bytes": (64 * 1024, 1024, 16 * 1024 * 1024),
    "max_sdp_bytes": (32 * 1024, 1024, 1024 * 1024),
    "max_sessions": (200, 1, 100_000),
    "max_sessions_per_agent": (4, 1, 10_000),
    "idle_session_seconds": (900, 1, 86_400),
    "max_queued_frames": (256, 16, 100_000),
}


def _limits(limits: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(limits) - set(_LIMITS))
    if unknown:
        raise NodeConfigError(f"unknown limits {unknown}; allowed: {sorted(_LIMITS)}")
    values: dict[str, Any] = {}
    for name, (default, low, high) in _LIMITS.items():
        value = limits.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise NodeConfigError(f"limits.{name} must be an integer {low}..{high} (got {value!r})")
        values[name] = value
    return values


def _tls(tls: dict[str, Any], base: Path) -> tuple[Path | None, Path | None]:
    unknown = sorted(set(tls) - {"cert_file", "key_file"})
    if unknown:
        raise NodeConfigError(f"unknown tls keys {unknown}; allowed: ['cert_file', 'key_file']")
    if not tls:
        return None, None
    if set(tls) != {"cert_file", "key_file"}:
        raise NodeConfigError("tls needs both cert_file and key_file")
    return base / str(tls["cert_file"]), base / str(tls["key_file"])


def load_node_config(path: str | Path | None = None, *, create_secrets: bool = True) -> NodeConfig:
    """Read ``path`` (or use the embedded defaults) into a validated :class:`NodeConfig`.

    Without ``create_secrets`` a missing generated secret is an error instead of a new file
    (``media-node token`` must sign with the secret ``serve`` uses, never make one up)."""
    document: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        file = Path(path)
        try:
            loaded = yaml.safe_load(file.read_text())
        except OSError as error:
            raise NodeConfigError(f"{file}: {error.strerror}") from None
        except yaml.YAMLError as error:
            raise NodeConfigError(f"{file}: not YAML ({str(error).splitlines()[0]})") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise NodeConfigError(f"{file}: expected a mapping at the top level")
        document = loaded or {}
        base = file.resolve().parent
    unknown = sorted(set(document) - _KNOWN)
    if unknown:
        raise NodeConfigError(f"unknown config keys {unknown}; allowed: {sorted(_KNOWN)}")
    notes: list[str] = []
    state_dir = base / str(document.get("state_dir", ".callvault-node"))
    stack_file = (
        base / str(document["stack_file"]) if "stack_file" in document else DEFAULT_STACK_FILE
    )
    try:
        stack = load_stack_file(stack_file, document.get("stack"))
    except ConfigError as error:
        raise NodeConfigError(f"{stack_file}: {error}") from None
    except FileNotFoundError:
        raise NodeConfigError(f"stack_file {stack_file} does not exist") from None
    listen = _mapping(document, "listen")
    region = str(document["region"]) if "region" in document else None
    ice_raw = _mapping(document, "ice")
    turn_urls = tuple(str(u) for u in ice_raw.get("turn_urls", ()))
    policy = str(ice_raw.get("transport_policy", "relay" if turn_urls else "all"))
    if policy == "all":
        notes.append(
            "ICE transport policy 'all': without a TURN relay the node sees participants' IP "
            "addresses (development only; set ice.turn_urls for production)"
        )
    ice = IceSettings(
        transport_policy=policy,
        turn_urls=turn_urls,
        turn_secret=_secret(ice_raw.get("turn_secret"), "ice.turn_secret", base, region=region),
        credential_ttl=int(ice_raw.get("credential_ttl", 600)),
    )
    token_secret = _secret(
        document.get("token_secret"), "token_secret", base, MIN_TOKEN_SECRET_BYTES, region
    )
    if token_secret is None:
        token_secret = _local_secret(state_dir / "token.secret", create=create_secrets)
        notes.append(f"token secret generated in {state_dir / 'token.secret'}")
    key_provider = _mapping(document, "key_provider") or {
        "type": "local",
        "path": str(state_dir / "vault.key"),
    }
    store = _mapping(document, "store") or {"type": "local", "path": str(state_dir / "store")}
    if key_provider.get("type") not in ("local", "kms"):
        raise NodeConfigError(
            f"key_provider.type must be in ['local', 'kms'] (got {key_provider.get('type')!r})"
        )
    if store.get("type") not in ("local", "s3"):
        raise NodeConfigError(f"store.type must be in ['local', 's3'] (got {store.get('type')!r})")
    if region is not None:
        key_provider = {"region": region, **key_provider}
        store = {"region": region, **store}
    limits = _mapping(document, "limits")
    tls_cert, tls_key = _tls(_mapping(document, "tls"), base)
    port = int(listen.get("port", 8443))
    if not 0 <= port <= 65535:
        raise NodeConfigError(f"listen.port must be 0..65535 (got {port})")
    config = NodeConfig(
        host=str(listen.get("host", "127.0.0.1")),
        port=port,
        stack=stack,
        state_dir=state_dir,
        ice=ice,
        token_secret=token_secret.encode(),
        key_provider=dict(key_provider),
        store=dict(store),
        tls_cert=tls_cert,
        tls_key=tls_key,
        access_log_anchor=(
            base / str(document["access_log_anchor"]) if "access_log_anchor" in document else None
        ),
        notes=tuple(notes),
    )
    return dataclasses.replace(config, **_limits(limits))
