"""Signed receipts: what an erasure deleted, redacted or kept and why, signed with the node's
Ed25519 key so the DPO can prove the answer later (``verify_receipt``)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = ["load_or_create_signing_key", "sign_receipt", "verify_receipt"]


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The receipt-signing key (raw 32 bytes, mode 0600), created atomically on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        raw = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        temp = path.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # never replaces a key another process created meanwhile
        except FileExistsError:
            pass
        temp.unlink(missing_ok=True)
    return Ed25519PrivateKey.from_private_bytes(path.read_bytes())


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign_receipt(key: Ed25519PrivateKey, body: dict[str, Any]) -> dict[str, Any]:
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return {
        "receipt": body,
        "signature": {
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(public).decode(),
            "value": base64.b64encode(key.sign(_canonical(body))).decode(),
        },
    }


def verify_receipt(document: dict[str, Any], public_key: bytes | None = None) -> dict[str, Any]:
    """The receipt body if the signature verifies (against ``public_key`` when given, which a
    verifier should pin); raises ``ValueError`` otherwise."""
    signature = document["signature"]
    key_bytes = public_key or base64.b64decode(signature["public_key"])
    try:
        Ed25519PublicKey.from_public_bytes(key_bytes).verify(
            base64.b64decode(signature["value"]), _canonical(document["receipt"])
        )
    except InvalidSignature:
        raise ValueError("receipt signature does not verify") from None
    body: dict[str, Any] = document["receipt"]
    return body
