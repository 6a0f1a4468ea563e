"""The media node's config file: one typed model for what infra writes and what the node reads.

``NodeSettings.to_document()`` is the YAML that cloud-init installs as
``/etc/callvault/media-node.yaml``; ``media_node.node_config.load_node_config`` reads that
document (its keys are :data:`CONFIG_KEYS`, its secrets :class:`SecretSource` documents), and a
test renders the dev stack's cloud-init and loads it with the node's loader. Pure: no Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CONFIG_KEYS", "SECRET_SOURCES", "NodeSettings", "SecretSource"]

CONFIG_KEYS: frozenset[str] = frozenset(
    {
        "listen",
        "tls",
        "stack_file",
        "stack",
        "state_dir",
        "region",
        "ice",
        "token_secret",
        "key_provider",
        "store",
        "limits",
        "access_log_anchor",
    }
)
"""Top-level keys of the node's config file."""

SECRET_SOURCES: tuple[str, ...] = ("env", "file", "ssm")
"""Where a secret comes from: an environment variable, a 0600 file, or an SSM SecureString
parameter the instance role reads at start-up. Never a literal in the file."""


@dataclass(frozen=True)
class SecretSource:
    kind: str
    """One of :data:`SECRET_SOURCES`."""
    name: str
    """Variable name, file path or SSM parameter name."""

    def __post_init__(self) -> None:
        if self.kind not in SECRET_SOURCES:
            raise ValueError(f"secret source must be in {list(SECRET_SOURCES)} (got '{self.kind}')")
        if not self.name:
            raise ValueError(f"secret source {self.kind} needs a name")

    def to_document(self) -> dict[str, str]:
        return {self.kind: self.name}

    @classmethod
    def from_document(cls, value: Any, key: str) -> SecretSource:
        if not isinstance(value, dict) or len(value) != 1:
            raise ValueError(
                f"{key} must be one of {{env: NAME}}, {{file: PATH}}, {{ssm: PARAMETER}}, "
                "never a literal"
            )
        ((kind, name),) = value.items()
        if kind not in SECRET_SOURCES or not isinstance(name, str):
            raise ValueError(
                f"{key} must be one of {{env: NAME}}, {{file: PATH}}, {{ssm: PARAMETER}} "
                f"(got {{{kind}: ...}})"
            )
        return cls(kind, name)


@dataclass(frozen=True)
class NodeSettings:
    """A deployed media node's config (AWS key provider and store; TURN relay)."""

    region: str
    """EU region of the key, the bucket and the SSM parameters."""
    recording_key_arn: str
    recording_bucket: str
    turn_urls: tuple[str, ...]
    turn_secret: SecretSource
    token_secret: SecretSource
    stack_file: str = "stack.yaml"
    """Relative paths are relative to the config file's directory."""
    state_dir: str = "/var/lib/callvault-media-node"
    """systemd's ``StateDirectory=``: writable by the service's dynamic user."""
    listen_host: str = "0.0.0.0"  # noqa: S104 - the node serves TLS (tls_cert) on every address
    listen_port: int = 8443
    tls_cert: str | None = None
    tls_key: str | None = None
    access_log_anchor: str | None = None
    limits: dict[str, int] = field(default_factory=dict)

    def to_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "listen": {"host": self.listen_host, "port": self.listen_port},
            "stack_file": self.stack_file,
            "state_dir": self.state_dir,
            "region": self.region,
            "ice": {
                "transport_policy": "relay",
                "turn_urls": list(self.turn_urls),
                "turn_secret": self.turn_secret.to_document(),
            },
            "token_secret": self.token_secret.to_document(),
            "key_provider": {"type": "kms", "key_id": self.recording_key_arn},
            "store": {
                "type": "s3",
                "bucket": self.recording_bucket,
                "kms_key_id": self.recording_key_arn,
            },
        }
        if self.tls_cert and self.tls_key:
            document["tls"] = {"cert_file": self.tls_cert, "key_file": self.tls_key}
        if self.access_log_anchor:
            document["access_log_anchor"] = self.access_log_anchor
        if self.limits:
            document["limits"] = dict(self.limits)
        return document
