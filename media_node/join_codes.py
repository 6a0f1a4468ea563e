"""Single-use join codes: how a customer's credential reaches the customer and nobody else.

Creating a session gives the agent, per customer, a join *link* holding a join code, not a
token. The code is 256 random bits, bound to one session and one participant, valid for
:data:`CODE_TTL_SECONDS` and redeemable once: the customer's browser exchanges it at the node
(``POST /v1/sessions/{id}/join``) for its own participant token, bound to the session and to the
code's public id (``jc-...``), which the node then accepts as that participant's only current
credential. The node keeps only a SHA-256 of each code; neither a code nor a token is logged.

What the agent can still do: redeem the code itself before the customer does. It cannot do so
unseen: the real customer's redemption then fails loudly (409), is logged with the
participant's pseudonym, and the session's ``joins`` (console, supervisors, DPO) count it. A new
code (``POST /v1/sessions/{id}/join-codes``) replaces the old one; redeeming it revokes the token
the earlier redemption minted (so an agent who asks for one and redeems it cuts the customer off
mid-call: visible to them and in the log, not prevented).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CODE_TTL_SECONDS",
    "MAX_CODES_PER_PARTICIPANT",
    "MAX_UNKNOWN_CODES", "JoinCodeError",
    "JoinCodes",
    "Redemption",
]

CODE_TTL_SECONDS = 15 * 60
MAX_CODES_PER_PARTICIPANT = 20
"""Join codes issued to one participant of one session (each "New join link" is one) before the
node answers 429: the codes live in memory until the session ends."""
MAX_UNKNOWN_CODES = 20
"""Unknown codes tried on one session before the node answers 429 (and stops logging each):
a genuine code still works; guessing one of 256 bits was never an option."""
_CODE_BYTES = 32


class JoinCodeError(Exception):
    """A redemption the node refuses; ``participant`` is known when the code was genuine."""

    def __init__(self, status: int, message: str, participant: str | None, code_id: str | None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.participant = participant
        self.code_id = code_id


@dataclass(frozen=True)
class Redemption:
    participant: str
    code_id: str


@dataclass
class _Code:
    session_id: str
    participant: str
    code_id: str
    expires_at: float
    state: str = "open"  # open | redeemed | replaced
    redeemed_at: str = ""


@dataclass
class _Slot:
    """One participant's join state in one session."""

    issued: int = 0
    current_code: str = ""  # the hash of the newest code
    joined_with: str | None = None  # the code id whose redemption minted the current token
    joined_at: str | None = None
    refused: int = 0
    last_refusal: str | None = None
    codes: list[str] = field(default_factory=list)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC).isoformat().replace("+00:00", "Z")


class JoinCodes:
    """The node's open join codes (in memory: a node restart ends its sessions too)."""

    def __init__(
        self, *, ttl: int = CODE_TTL_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._codes: dict[str, _Code] = {}  # by SHA-256 of the code
        self._slots: dict[tuple[str, str], _Slot] = {}
        self._unknown: dict[str, int] = {}  # unknown codes tried, per session

    def issue(self, session_id: str, participant: str) -> tuple[str, str, str]:
        """A new code for ``participant``: (code, its public id, expiry). An earlier code of
        theirs that was not redeemed yet stops working."""
        slot = self._slots.setdefault((session_id, participant), _Slot())
        if slot.issued >= MAX_CODES_PER_PARTICIPANT:
            raise JoinCodeError(
                429,
                f"{MAX_CODES_PER_PARTICIPANT} join links were issued to this participant in this "
                "session; the last one still works, or start a new session",
                participant,
                None,
            )
        previous = self._codes.get(slot.current_code)
        if previous is not None and previous.state == "open":
            previous.state = "replaced"
        code = secrets.token_urlsafe(_CODE_BYTES)
        code_id = f"jc-{secrets.token_hex(8)}"
        expires = self._clock() + self._ttl
        digest = _hash(code)
        self._codes[digest] = _Code(session_id, participant, code_id, expires)
        slot.issued += 1
        slot.current_code = digest
        slot.codes.append(digest)
        return code, code_id, _iso(expires)

    def redeem(self, session_id: str, code: str) -> Redemption:
        """Exchange ``code`` once; raises :class:`JoinCodeError` (403 unknown, 409 used, 410
        expired or replaced; 429 once :data:`MAX_UNKNOWN_CODES` unknown ones were tried)."""
        entry = self._codes.get(_hash(code)) if 16 <= len(code) <= 128 else None
        if entry is None or entry.session_id != session_id:
            tried = self._unknown[session_id] = self._unknown.get(session_id, 0) + 1
            if tried > MAX_UNKNOWN_CODES:
                raise JoinCodeError(429, "too many unknown join codes for this session", None, None)
            raise JoinCodeError(403, "not a join code of this session", None, None)
        slot = self._slots[(session_id, entry.participant)]
        if entry.state == "redeemed":
            message = (
                f"this join link was already used at {entry.redeemed_at}; if that was not you, "
                "tell the agent: the attempt is recorded, ask for a new link"
            )
            self._refuse(slot, "already-used")
            raise JoinCodeError(409, message, entry.participant, entry.code_id)
        if entry.state == "replaced":
            self._refuse(slot, "replaced")
            raise JoinCodeError(
                410, "this join link was replaced by a newer one", entry.participant, entry.code_id
            )
        if self._clock() >= entry.expires_at:
            self._refuse(slot, "expired")
            raise JoinCodeError(
                410, "this join link expired; ask for a new one", entry.participant, entry.code_id
            )
        entry.state, entry.redeemed_at = "redeemed", _iso(self._clock())
        slot.joined_with, slot.joined_at = entry.code_id, entry.redeemed_at
        return Redemption(entry.participant, entry.code_id)

    @staticmethod
    def _refuse(slot: _Slot, reason: str) -> None:
        slot.refused += 1
        slot.last_refusal = reason

    def current(self, session_id: str, participant: str) -> str | None:
        """The code id of the redemption whose token is ``participant``'s valid credential."""
        slot = self._slots.get((session_id, participant))
        return slot.joined_with if slot else None

    def status(self, session_id: str, participants: Iterable[str]) -> list[dict[str, Any]]:
        """Per participant with codes: joined (when), codes issued, refused redemptions."""
        rows = []
        for participant in participants:
            slot = self._slots.get((session_id, participant))
            if slot is None:
                continue
            newest = self._codes[slot.current_code]
            rows.append(
                {
                    "participant": participant,
                    "joined": slot.joined_with is not None,
                    "joined_at": slot.joined_at,
                    "codes_issued": slot.issued,
                    "link_state": "expired"
                    if newest.state == "open" and self._clock() >= newest.expires_at
                    else newest.state,
                    "link_expires_at": _iso(newest.expires_at),
                    "refused_redemptions": slot.refused,
                    "last_refusal": slot.last_refusal,
                }
            )
        return rows

    def prune(self, live_sessions: Iterable[str]) -> None:
        """Forget the codes of every session that is no longer open (closed or expired)."""
        live = set(live_sessions)
        for session_id in ({k[0] for k in self._slots} | set(self._unknown)) - live:
            self.forget(session_id)

    def forget(self, session_id: str) -> None:
        """Drop a closed session's codes (a later redemption is a 403, like an unknown code)."""
        self._unknown.pop(session_id, None)
        for key in [k for k in self._slots if k[0] == session_id]:
            for digest in self._slots.pop(key).codes:
                self._codes.pop(digest, None)
