"""Signed bearer tokens for the media node's API: ``cv1.<payload>.<signature>``.

The payload is base64url JSON ``{"role", "sub", "iat", "exp"}``; the signature is
HMAC-SHA256 over ``cv1.<payload>`` with the node's token secret. ``sub`` is a pseudonymous
participant or staff id, never a name or an e-mail address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from .vault.manifest import ManifestError, check_pseudonym

__all__ = ["ROLES", "Principal", "TokenError", "issue_token", "verify_token"]

ROLES: tuple[str, ...] = ("agent", "customer", "supervisor", "dpo", "auditor")
_PREFIX = "cv1"
MAX_TTL_SECONDS = 24 * 3600
MIN_SECRET_BYTES = 32


class TokenError(ValueError):
    """A token that is malformed, badly signed, expired or names an unknown role."""


@dataclass(frozen=True)
class Principal:
    role: str
    subject: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, message: str) -> str:
    if len(secret) < MIN_SECRET_BYTES:  # an empty key would make every token forgeable
        raise TokenError(f"the token secret must be at least {MIN_SECRET_BYTES} bytes")
    return _b64(hmac.new(secret, message.encode(), hashlib.sha256).digest())


def issue_token(
    secret: bytes, role: str, subject: str, *, ttl: int = 3600, now: int | None = None
) -> str:
    if role not in ROLES:
        raise TokenError(f"'role' must be in {list(ROLES)} (got '{role}')")
    try:
        check_pseudonym(subject, "subject")
    except ManifestError as error:
        raise TokenError(str(error)) from None
    if not 0 < ttl <= MAX_TTL_SECONDS:
        raise TokenError(f"'ttl' must be 1..{MAX_TTL_SECONDS} seconds (got {ttl})")
    issued = int(time.time()) if now is None else now
    payload = _b64(
        json.dumps({"role": role, "sub": subject, "iat": issued, "exp": issued + ttl}).encode()
    )
    message = f"{_PREFIX}.{payload}"
    return f"{message}.{_sign(secret, message)}"


def verify_token(secret: bytes, token: str, *, now: int | None = None) -> Principal:
    parts = token.split(".")
    if not token.isascii() or len(parts) != 3 or parts[0] != _PREFIX:
        raise TokenError("not a CallVault token")
    message = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret, message), parts[2]):
        raise TokenError("bad token signature")
    try:
        claims = json.loads(_unb64(parts[1]))
        role, subject, expires = str(claims["role"]), str(claims["sub"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError):
        raise TokenError("malformed token payload") from None
    if role not in ROLES:
        raise TokenError(f"unknown role '{role}'")
    if (int(time.time()) if now is None else now) >= expires:
        raise TokenError("token expired")
    return Principal(role, subject, expires)
