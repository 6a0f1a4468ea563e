"""Signed bearer tokens for the media node's API: ``cv1.<payload>.<signature>``.

The payload is base64url JSON ``{"role", "sub", "iat", "exp"[, "sid", "cid"]}``; the
signature is HMAC-SHA256 over ``cv1.<payload>`` with the node's token secret. ``sub`` is a
pseudonymous participant or staff id, never a name or an e-mail address.

Staff tokens (agent, supervisor, dpo, auditor) name a person's role across sessions. A
*participant* token (role ``customer``) is bound: ``sid`` is the one session it is valid for and
``cid`` the id of the join code it was obtained with (media_node.join_codes); the node mints it
only when the customer's browser redeems that code, and a customer token without both is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

from .vault.manifest import ManifestError, check_pseudonym

__all__ = [
    "BOUND_ROLES",
    "ROLES",
    "STAFF_ROLES",
    "Principal",
    "TokenError",
    "issue_token",
    "verify_token",
]

ROLES: tuple[str, ...] = ("agent", "customer", "supervisor", "dpo", "auditor")
BOUND_ROLES: tuple[str, ...] = ("customer",)
"""Roles whose tokens are valid for one session only, minted by redeeming a join code."""
STAFF_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r not in BOUND_ROLES)
_SESSION_ID = re.compile(r"ses-[0-9a-f]{24}")
_CREDENTIAL_ID = re.compile(r"jc-[0-9a-f]{16}")
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
    session_id: str | None = None
    """The session a bound (participant) token is valid for; None for staff tokens."""
    credential: str | None = None
    """The join code a bound token was obtained with (``jc-...``); None for staff tokens."""

    @property
    def via(self) -> str:
        """How the credential was obtained, for the access log (no secret in it)."""
        return f"join-code:{self.credential}" if self.credential else "staff-token"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, message: str) -> str:
    if len(secret) < MIN_SECRET_BYTES:  # an empty key would make every token forgeable
        raise TokenError(f"the token secret must be at least {MIN_SECRET_BYTES} bytes")
    return _b64(hmac.new(secret, message.encode(), hashlib.sha256).digest())


def _check_binding(role: str, session: str | None, credential: str | None) -> None:
    if role in BOUND_ROLES:
        if session is None or credential is None:
            raise TokenError(f"a {role} token must be bound to a session (redeem a join code)")
    elif session is not None or credential is not None:
        raise TokenError(f"a {role} token is a staff token and is not bound to a session")
    if session is not None and not _SESSION_ID.fullmatch(session):
        raise TokenError("malformed session id in token")
    if credential is not None and not _CREDENTIAL_ID.fullmatch(credential):
        raise TokenError("malformed credential id in token")


def issue_token(
    secret: bytes,
    role: str,
    subject: str,
    *,
    ttl: int = 3600,
    now: int | None = None,
    session: str | None = None,
    credential: str | None = None,
) -> str:
    """A signed token; ``session`` and ``credential`` are required for (and only for) the
    bound roles (``customer``)."""
    if role not in ROLES:
        raise TokenError(f"'role' must be in {list(ROLES)} (got '{role}')")
    try:
        check_pseudonym(subject, "subject")
    except ManifestError as error:
        raise TokenError(str(error)) from None
    _check_binding(role, session, credential)
    if not 0 < ttl <= MAX_TTL_SECONDS:
        raise TokenError(f"'ttl' must be 1..{MAX_TTL_SECONDS} seconds (got {ttl})")
    issued = int(time.time()) if now is None else now
    claims: dict[str, str | int] = {
        "role": role,
        "sub": subject,
        "iat": issued,
        "exp": issued + ttl,
    }
    if session is not None and credential is not None:
        claims.update(sid=session, cid=credential)
    payload = _b64(json.dumps(claims).encode())
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
        session, credential = claims.get("sid"), claims.get("cid")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise TokenError("malformed token payload") from None
    if role not in ROLES:
        raise TokenError(f"unknown role '{role}'")
    if not isinstance(session, str | None) or not isinstance(credential, str | None):
        raise TokenError("malformed token payload")
    _check_binding(role, session, credential)
    if (int(time.time()) if now is None else now) >= expires:
        raise TokenError("token expired")
    return Principal(role, subject, expires, session, credential)
