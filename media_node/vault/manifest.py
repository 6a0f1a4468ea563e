"""Recording manifests: the JSON document beside each ciphertext that drives retention,
access export (Art. 15) and erasure (Art. 17). It carries no names, e-mails or IP addresses."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .digest import STREAM_DIGEST, WHOLE_SHA256, split_digest

__all__ = ["MANIFEST_SCHEMA_VERSION", "Manifest", "ManifestError", "check_pseudonym"]

MANIFEST_SCHEMA_VERSION = 2
"""2: ``ciphertext_digest`` (the stream digest, ``tags-sha256:...``). 1: ``ciphertext_sha256``
(hex SHA-256 of the whole object); still read, verified and written back unchanged."""
_SCHEMA_DIGESTS = {1: (WHOLE_SHA256,), 2: (STREAM_DIGEST, WHOLE_SHA256)}
_PSEUDONYM = re.compile(r"[A-Za-z0-9_-]{4,64}")
_RECORDING_ID = re.compile(r"^[a-z0-9-]{8,64}\Z")


class ManifestError(ValueError):
    """A manifest is malformed or would hold personal data."""


def check_pseudonym(value: str, field_name: str) -> str:
    """A pseudonymous id: 4-64 of [A-Za-z0-9_-]; never an e-mail address or an IP address."""
    if not isinstance(value, str) or not _PSEUDONYM.fullmatch(value):
        raise ManifestError(
            f"{field_name} must be a pseudonymous id of 4-64 characters [A-Za-z0-9_-] "
            f"(got {value!r})"
        )
    try:
        ipaddress.ip_address(value.replace("-", ".").replace("_", ":"))
    except ValueError:
        return value
    raise ManifestError(f"{field_name} looks like an IP address, not a pseudonym")


@dataclass(frozen=True)
class Manifest:
    recording_id: str
    meeting_type: str
    legal_basis: str
    subjects: tuple[str, ...]
    """Pseudonymous participant ids."""
    consent_refs: tuple[str, ...]
    """Ids of the consent records the recording relies on (empty if not consent-based)."""
    started_at: str
    """RFC 3339 UTC (``...Z``)."""
    ended_at: str
    retention_until: str
    """Date (``YYYY-MM-DD``) after which the recording must be gone."""
    key_provider: str
    key_ref: str
    ciphertext_digest: str
    """``tags-sha256:<hex>``, the stream digest of the ciphertext object (media_node.vault.digest),
    or ``sha256:<hex>`` of the whole object (every schema-1 manifest)."""
    ciphertext_size: int
    container: str
    """``webm`` or ``ogg`` (or ``application/octet-stream`` for opaque vault files)."""
    codecs: tuple[str, ...]
    complete: bool = True
    agents: tuple[str, ...] = ()
    """The subjects who took part as agents: they may read their own recordings (durable, so
    access survives a restart and works on every node of the fleet)."""
    """False when the recording was cut short (store failure, node stop)."""
    missing_streams: dict[str, str] = field(default_factory=dict)
    """Streams of the call (``participant/kind/n``) not (wholly) in the recording, and why."""
    schema_version: int = field(default=MANIFEST_SCHEMA_VERSION)

    def __post_init__(self) -> None:
        if not _RECORDING_ID.match(self.recording_id):
            raise ManifestError(f"recording_id must match {_RECORDING_ID.pattern}")
        for subject in self.subjects:
            check_pseudonym(subject, "subjects[]")
        for agent in self.agents:
            if agent not in self.subjects:
                raise ManifestError(f"agents[] must be subjects (got '{agent[:64]}')")
        for ref in self.consent_refs:
            check_pseudonym(ref, "consent_refs[]")
        allowed = _SCHEMA_DIGESTS.get(self.schema_version)
        if allowed is None:
            raise ManifestError(
                f"schema_version must be one of {sorted(_SCHEMA_DIGESTS)} "
                f"(got {self.schema_version!r})"
            )
        try:
            algorithm, _ = split_digest(self.ciphertext_digest)
        except ValueError as err:
            raise ManifestError(str(err)) from None
        if algorithm not in allowed:
            raise ManifestError(
                f"a schema-{self.schema_version} manifest names its ciphertext by "
                f"{' or '.join(allowed)} (got {algorithm})"
            )
        if self.ciphertext_size < 0:
            raise ManifestError("ciphertext_size must not be negative")

    def to_json(self) -> bytes:
        raw = asdict(self)
        if self.schema_version == 1:  # written back in its own schema, byte for byte
            raw["ciphertext_sha256"] = split_digest(raw.pop("ciphertext_digest"))[1]
        return json.dumps(raw, sort_keys=True, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw: dict[str, Any] = json.loads(data)
            raw["subjects"] = tuple(raw["subjects"])
            raw["consent_refs"] = tuple(raw["consent_refs"])
            raw["codecs"] = tuple(raw["codecs"])
            raw["missing_streams"] = dict(raw.get("missing_streams", {}))
            raw["agents"] = tuple(raw.get("agents", ()))
            version = raw.get("schema_version")
            if version not in _SCHEMA_DIGESTS:
                raise ManifestError(
                    f"schema_version must be one of {sorted(_SCHEMA_DIGESTS)} (got {version!r}; "
                    "written by a newer CallVault?)"
                )
            if version == 1:
                sha256 = raw.pop("ciphertext_sha256")
                if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", sha256):
                    raise ManifestError("ciphertext_sha256 must be 64 lowercase hex digits")
                raw["ciphertext_digest"] = f"{WHOLE_SHA256}:{sha256}"
            return cls(**raw)
        except (ValueError, KeyError, TypeError) as err:
            raise ManifestError(f"malformed manifest: {err}") from None
