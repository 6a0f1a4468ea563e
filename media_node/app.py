"""The media node's HTTP API (aiohttp). JSON in, JSON out; every call but /healthz and the
join-code exchange needs a bearer token (media_node.auth), and every decision is written to the
access log.

    POST   /v1/sessions                      agent, supervisor (customers get join codes)
    POST   /v1/sessions/{id}/join            no token: a customer's join code, once -> token
    POST   /v1/sessions/{id}/join-codes      an agent of the session, supervisor (new code)
    GET    /v1/sessions/{id}                 its participants, supervisor, dpo, auditor
    POST   /v1/sessions/{id}/consent         the participant themself
    POST   /v1/sessions/{id}/offer           the participant themself
    POST   /v1/sessions/{id}/leave           the participant themself
    POST   /v1/sessions/{id}/recording       an agent of the session, supervisor
    DELETE /v1/sessions/{id}                 an agent of the session, supervisor
    GET    /v1/recordings/{id}/manifest      supervisor, dpo, auditor; agents of the session
    GET    /v1/recordings/{id}/media         the meeting type's access roles (agents: own sessions)
    GET    /healthz

A customer's token is bound to one session and to the join code it was redeemed with
(media_node.auth, media_node.join_codes): on every /v1/sessions/{id}/... route it must name
that session and be the participant's current credential, and identity is subject *and* role.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .auth import BOUND_ROLES, Principal, TokenError, issue_token, verify_token
from .join_codes import JoinCodeError, JoinCodes
from .node import Node
from .recorder import RecordingResult
from .session import RecordingRefused, Session
from .vault.envelope import FormatError, IntegrityError, TruncatedError
from .vault.manifest import Manifest, ManifestError, check_pseudonym
from .vault.store import ObjectStoreError
from .vault.stream import decrypt_recording
from .web_ui import add_ui_routes, join_link, notice_sha256, public_path

__all__ = ["JOIN_CODES", "NODE_KEY", "create_app"]

logger = logging.getLogger("media_node.api")

NODE_KEY = web.AppKey("node", Node)
JOIN_CODES = web.AppKey("join_codes", JoinCodes)
_JOIN_ROUTE = "/v1/sessions/{session_id}/join"
_CUSTOMER_TOKEN_TTL = 7200
_PRINCIPAL = web.RequestKey("principal", Principal)
_AUDITED = web.RequestKey("audited", bool)
_SESSION_ID_LENGTH = 24
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_OPERATIONS = {
    ("POST", "/v1/sessions"): "session.create",
    ("POST", _JOIN_ROUTE): "join.redeem",
    ("POST", "/v1/sessions/{session_id}/join-codes"): "join.issue",
    ("GET", "/v1/sessions/{session_id}"): "session.read",
    ("POST", "/v1/sessions/{session_id}/consent"): "consent",
    ("POST", "/v1/sessions/{session_id}/offer"): "offer",
    ("POST", "/v1/sessions/{session_id}/leave"): "session.leave",
    ("POST", "/v1/sessions/{session_id}/recording"): "recording",
    ("DELETE", "/v1/sessions/{session_id}"): "session.close",
    ("GET", "/v1/recordings/{recording_id}/manifest"): "manifest.read",
    ("GET", "/v1/recordings/{recording_id}/media"): "media.read",
}


def _audit(request: web.Request, action: str, target: str, **extras: str | None) -> None:
    """Write one decision to the access log (and mark the request as logged), with how the
    actor's credential was obtained (``via``): a staff token, or a customer's join code."""
    principal = request.get(_PRINCIPAL)
    if principal is None:
        _audit_as(request, "anonymous", "none", action, target, **extras)
    else:
        _audit_as(
            request, principal.subject, principal.role, action, target, via=principal.via, **extras
        )


def _audit_as(
    request: web.Request, actor: str, role: str, action: str, target: str, **extras: str | None
) -> None:
    request[_AUDITED] = True
    request.app[NODE_KEY].access_log.record(actor, role, action, target, **extras)


def _audit_decision(request: web.Request, status: int) -> None:
    """Every API decision is logged: a handler logs what it did; anything it did not log (a
    401, 403, 404 or 4xx before it got that far, or a read) is logged here."""
    if request.get(_AUDITED):
        return
    route = request.match_info.route.resource
    operation = _OPERATIONS.get((request.method, route.canonical if route else ""))
    if operation is None:
        return
    info = request.match_info
    target = (info.get("session_id") or info.get("recording_id") or "")[:64]
    outcome = "" if status < 400 else f".denied-{status}"
    _audit(request, f"{operation}{outcome}", target)


def _unauthenticated(request: web.Request) -> bool:
    route = request.match_info.route.resource
    return (
        request.path == "/healthz"
        or public_path(request.path)
        or (route is not None and route.canonical == _JOIN_ROUTE)  # the join code is the proof
    )


def _check_binding(request: web.Request, principal: Principal) -> None:
    """A bound (customer) token works on its own session's routes only, and only while it is
    the participant's current credential (a newer join replaces it)."""
    session_id = request.match_info.get("session_id")
    if principal.role not in BOUND_ROLES:
        return
    if session_id is None:
        return  # non-session routes refuse the customer role themselves
    if principal.session_id != session_id:
        raise ApiError(403, "this token belongs to another session")
    current = request.app[JOIN_CODES].current(session_id, principal.subject)
    if current != principal.credential:
        raise ApiError(
            401, "this token is no longer valid here: a newer join replaced it or the call ended"
        )


@web.middleware
async def _errors_and_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if not _unauthenticated(request):
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                raise ApiError(401, "missing bearer token")
            try:
                request[_PRINCIPAL] = verify_token(
                    request.app[NODE_KEY].config.token_secret, header[7:].strip()
                )
            except TokenError as error:
                raise ApiError(401, str(error)) from None
            _check_binding(request, request[_PRINCIPAL])
        response = await handler(request)
    except ApiError as error:
        response = _error(error.status, error.message)
    except web.HTTPRequestEntityTooLarge:
        response = _error(413, "request body too large")
    except web.HTTPException as error:
        response = _error(error.status, error.reason)
    except ConnectionResetError:  # a stream cut on purpose (a recording failing authentication)
        raise
    except Exception:  # a bug is still a decision the access log records (as a 500)
        route = request.match_info.route.resource
        logger.exception(
            "internal error in %s %s", request.method, route.canonical if route else "?"
        )
        response = _error(500, "internal error (logged by the node)")
    _audit_decision(request, response.status)
    return response


def _principal(request: web.Request) -> Principal:
    principal: Principal = request[_PRINCIPAL]
    return principal


async def _json(request: web.Request) -> dict[str, Any]:
    if (
        request.content_length is not None
        and request.content_length > request.app[NODE_KEY].config.max_body_bytes
    ):
        raise ApiError(413, "request body too large")
    try:
        body = await request.json()
    except (ValueError, RecursionError, LookupError):
        # Not JSON, not UTF-8, a bogus charset, nesting too deep, an integer too long to parse.
        raise ApiError(400, "body must be a JSON object (UTF-8, not deeply nested)") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object")
    return body


def _field(body: dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
    if name not in body:
        if required:
            raise ApiError(400, f"'{name}' is required")
        return None
    value = body[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ApiError(400, f"'{name}' must be a {kind.__name__}")
    return value


def _pseudonym(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string")
    try:
        return check_pseudonym(value, name)
    except ManifestError as error:
        raise ApiError(400, str(error)) from None


def _session(request: web.Request, *, touch: bool = True) -> Session:
    session = request.app[NODE_KEY].sessions.get(request.match_info["session_id"])
    if session is None or session.closed:
        raise ApiError(404, "no such session")
    if touch:  # activity keeps a session open; an unauthenticated join attempt does not
        session.touch()
    return session


def _require(condition: bool, message: str = "this role may not do that") -> None:
    if not condition:
        raise ApiError(403, message)


def _is_participant(principal: Principal, session: Session, participant: str) -> bool:
    """Identity is subject *and* role: a staff token with a customer's id is not the customer."""
    return principal.subject == participant and principal.role == session.participants.get(
        participant
    )


def _is_session_agent(principal: Principal, session: Session) -> bool:
    return principal.role == "agent" and session.participants.get(principal.subject) == "agent"


def _results(results: list[RecordingResult]) -> list[dict[str, Any]]:
    return [
        {
            "recording_id": r.recording_id,
            "state": r.state,
            "complete": bool(r.manifest and r.manifest.complete),
            **({"reason": r.reason} if r.reason else {}),
        }
        for r in results
    ]


# -- handlers ---------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})  # unauthenticated: nothing about the load


async def create_session(request: web.Request) -> web.Response:
    node = request.app[NODE_KEY]
    principal = _principal(request)
    _require(
        principal.role in ("agent", "supervisor"), "only agents and supervisors create sessions"
    )
    body = await _json(request)
    name = _field(body, "meeting_type", str)
    meeting_type = node.config.meeting_type(name)
    if meeting_type is None:
        known = sorted(m.name for m in node.config.stack.meeting_types)
        raise ApiError(400, f"'meeting_type' must be in {known} (got '{name[:64]}')")
    raw = _field(body, "participants", list)
    if not 1 <= len(raw) <= 16:
        raise ApiError(400, "'participants' must list 1 to 16 participants")
    participants: dict[str, str] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ApiError(400, f"participants[{index}] must be an object")
        participant = _pseudonym(item.get("id"), f"participants[{index}].id")
        role = item.get("role")
        if role not in ("agent", "customer"):
            raise ApiError(
                400, f"participants[{index}].role must be in ['agent', 'customer'] (got {role!r})"
            )
        if participant in participants:
            raise ApiError(400, f"participant '{participant}' is listed twice")
        participants[participant] = role
    if principal.role == "agent":
        _require(
            participants.get(principal.subject) == "agent",
            "an agent can only create sessions they take part in",
        )
    # No await between these checks and the insert: concurrent creations cannot overshoot.
    config = node.config
    if len(node.sessions) >= config.max_sessions:
        raise ApiError(503, f"node at capacity ({config.max_sessions} sessions); try another node")
    owned = sum(1 for s in node.sessions.values() if s.owner == principal.subject)
    if owned >= config.max_sessions_per_agent:
        raise ApiError(
            429, f"at most {config.max_sessions_per_agent} open sessions per agent; close one first"
        )
    session_id = f"ses-{secrets.token_hex(_SESSION_ID_LENGTH // 2)}"
    session = Session(node, session_id, meeting_type, participants, owner=principal.subject)
    node.sessions[session_id] = session
    recording = session.recording_status()
    if meeting_type.recording == "forbidden":
        recording["available"] = False
        recording["reason"] = "the meeting type forbids recording"
    else:
        problem = await asyncio.get_running_loop().run_in_executor(
            None, node.probe_key_provider, meeting_type.name
        )
        recording["available"] = problem is None
        if problem:
            recording["reason"] = problem
    _audit(request, "session.create", session_id)
    codes = request.app[JOIN_CODES]
    codes.prune(node.sessions)
    join, expires = {}, {}
    for participant, role in participants.items():
        if role == "customer":  # a single-use join code for each, never their token
            join[participant], expires[participant] = _new_join_code(
                request, session_id, participant
            )
    return web.json_response(
        {
            "session_id": session_id,
            "ice_servers": node.ice_servers(principal.subject),
            "recording": recording,
            "join": join,
            "join_expires_at": expires,
        },
        status=201,
    )


def _new_join_code(request: web.Request, session_id: str, participant: str) -> tuple[str, str]:
    """Issue (and log, by its public id) a join code: the link and its expiry."""
    try:
        code, code_id, expires = request.app[JOIN_CODES].issue(session_id, participant)
    except JoinCodeError as refused:
        _audit(request, f"join.issue.denied-{refused.status}", session_id, participant=participant)
        raise ApiError(refused.status, refused.message) from None
    _audit(request, "join.issue", session_id, code=code_id, participant=participant)
    return join_link(session_id, code), expires


async def redeem_join_code(request: web.Request) -> web.Response:
    """The customer's browser exchanges its join code for its own participant token."""
    node = request.app[NODE_KEY]
    session = _session(request, touch=False)
    body = await _json(request)
    code = _field(body, "code", str)
    try:
        redemption = request.app[JOIN_CODES].redeem(session.session_id, code)
    except JoinCodeError as refused:
        if refused.status == 429:
            request[_AUDITED] = True  # the first MAX_UNKNOWN_CODES were logged; not a flood
        elif refused.participant is not None:
            via = f"join-code:{refused.code_id}"
            action = f"join.redeem.denied-{refused.status}"
            _audit_as(
                request,
                refused.participant,
                "customer",
                action,
                session.session_id,
                via=via,
                code=refused.code_id,
            )
            logger.warning(
                "session %s: refused join of %s (%s)",
                session.session_id,
                refused.participant,
                refused.message.split(";")[0],
            )
        raise ApiError(refused.status, refused.message) from None
    participant, code_id = redemption.participant, redemption.code_id
    token = issue_token(
        node.config.token_secret,
        "customer",
        participant,
        ttl=_CUSTOMER_TOKEN_TTL,
        session=session.session_id,
        credential=code_id,
    )
    _audit_as(
        request,
        participant,
        "customer",
        "join.redeem",
        session.session_id,
        via=f"join-code:{code_id}",
        code=code_id,
    )
    return web.json_response(
        {
            "session_id": session.session_id,
            "participant": participant,
            "token": token,
            "expires_in": _CUSTOMER_TOKEN_TTL,
        }
    )


async def post_join_code(request: web.Request) -> web.Response:
    """A new join code for a customer of the session (the old one stops working; redeeming
    the new one revokes the token the old one minted)."""
    principal = _principal(request)
    session = _session(request)
    _require(_is_session_agent(principal, session) or principal.role == "supervisor")
    body = await _json(request)
    participant = _pseudonym(_field(body, "participant", str), "participant")
    if session.participants.get(participant) != "customer":
        raise ApiError(404, "no such customer in this session")
    link, expires = _new_join_code(request, session.session_id, participant)
    return web.json_response({"participant": participant, "join": link, "expires_at": expires})


async def get_session(request: web.Request) -> web.Response:
    node = request.app[NODE_KEY]
    principal = _principal(request)
    session = _session(request)
    participant = _is_participant(principal, session, principal.subject)
    _require(participant or principal.role in ("supervisor", "dpo", "auditor"))
    return web.json_response(
        {
            "session_id": session.session_id,
            "meeting_type": session.meeting_type.name,
            "participants": [{"id": p, "role": r} for p, r in session.participants.items()],
            "consents": [c.to_json() for c in session.consent_history],
            "recording": session.recording_status(),
            "recordings": _results(session.results),
            "joins": request.app[JOIN_CODES].status(session.session_id, session.participants),
            "ice_servers": node.ice_servers(principal.subject) if participant else [],
        }
    )


async def post_consent(request: web.Request) -> web.Response:
    principal = _principal(request)
    session = _session(request)
    body = await _json(request)
    participant = _pseudonym(_field(body, "participant", str), "participant")
    granted = _field(body, "granted", bool)
    text_version = _field(body, "text_version", str)
    if not 1 <= len(text_version) <= 64:
        raise ApiError(400, "'text_version' must be 1 to 64 characters")
    shown = _field(body, "notice_sha256", str, required=False)
    if shown is not None and shown != notice_sha256(session.meeting_type):
        raise ApiError(400, "'notice_sha256' is not the hash of this meeting type's notice")
    if participant not in session.participants:
        raise ApiError(404, "no such participant in this session")
    _require(
        _is_participant(principal, session, participant),
        "consent can only be given or withdrawn by the participant",
    )
    try:
        record = await session.record_consent(
            participant, granted, text_version, shown, via=principal.via
        )
    except RecordingRefused as refused:  # the grant could not be stored: it does not count
        _audit(request, "consent.grant-not-stored", session.session_id)
        raise ApiError(refused.status, refused.reason) from None
    stored = session.consent_storage.get(record.consent_id, "stored")
    _audit(
        request,
        ("consent.grant" if granted else "consent.withdraw")
        + ("" if stored == "stored" else "-pending"),
        f"{session.session_id}/{record.consent_id}",
    )
    return web.json_response(
        {
            **record.to_json(),
            "stored": stored,
            "recording": session.recording_status(),
            "recordings": _results(session.results),
        }
    )


def _own_participant(
    request: web.Request, session: Session, body: dict[str, Any], deed: str
) -> str:
    """The body's ``participant``, who must be the caller (subject and role)."""
    participant = _pseudonym(_field(body, "participant", str), "participant")
    if participant not in session.participants:
        raise ApiError(404, "no such participant in this session")
    _require(
        _is_participant(_principal(request), session, participant),
        f"only the participant can {deed}",
    )
    return participant


async def post_offer(request: web.Request) -> web.Response:
    node = request.app[NODE_KEY]
    session = _session(request)
    body = await _json(request)
    participant = _own_participant(request, session, body, "send their offer")
    if _field(body, "type", str) != "offer":
        raise ApiError(400, "'type' must be 'offer'")
    sdp = _field(body, "sdp", str)
    if len(sdp.encode()) > node.config.max_sdp_bytes:
        raise ApiError(413, f"SDP larger than {node.config.max_sdp_bytes} bytes")
    if not sdp.startswith("v=0") or "\x00" in sdp:
        raise ApiError(400, "'sdp' is not a session description (must start with v=0)")
    try:
        answer = await session.answer(participant, sdp)
    except ValueError as error:
        raise ApiError(400, str(error)[:300]) from None
    return web.json_response(
        {"sdp": answer, "type": "answer", "recording": session.recording_status()}
    )


async def post_leave(request: web.Request) -> web.Response:
    session = _session(request)
    participant = _own_participant(request, session, await _json(request), "leave")
    left = await session.leave(participant)
    _audit(request, "session.leave", session.session_id)
    return web.json_response({"left": left, "recording": session.recording_status()})


async def post_recording(request: web.Request) -> web.Response:
    principal = _principal(request)
    session = _session(request)
    _require(_is_session_agent(principal, session) or principal.role == "supervisor")
    body = await _json(request)
    action = _field(body, "action", str)
    if action == "start":
        try:
            await session.start_recording()
        except RecordingRefused as refused:
            raise ApiError(refused.status, refused.reason) from None
        _audit(request, "recording.start", session.session_id)
        return web.json_response({"recording": session.recording_status()})
    if action == "stop":
        result = await session.stop_recording()
        _audit(request, "recording.stop", session.session_id)
        return web.json_response(
            {
                "recording": session.recording_status(),
                "recordings": _results([result] if result else []),
            }
        )
    raise ApiError(400, "'action' must be 'start' or 'stop'")


async def delete_session(request: web.Request) -> web.Response:
    node = request.app[NODE_KEY]
    principal = _principal(request)
    session = _session(request)
    _require(_is_session_agent(principal, session) or principal.role == "supervisor")
    results = await session.close()
    node.sessions.pop(session.session_id, None)
    request.app[JOIN_CODES].forget(session.session_id)
    _audit(request, "session.close", session.session_id)
    return web.json_response({"session_id": session.session_id, "recordings": _results(results)})


def _recording_id(request: web.Request) -> str:
    recording_id = request.match_info["recording_id"]
    if not 8 <= len(recording_id) <= 64:
        raise ApiError(404, "no such recording")
    return recording_id


def _is_recording_agent(principal: Principal, manifest: Manifest, indexed: Any) -> bool:
    """An agent of the recorded session: from the manifest (durable), or for manifests written
    before it listed agents, from this node's memory."""
    if principal.role != "agent":
        return False
    if manifest.agents:
        return principal.subject in manifest.agents
    return indexed is not None and principal.subject in indexed.agents


async def get_manifest(request: web.Request) -> web.Response:
    node = request.app[NODE_KEY]
    principal, recording_id = _principal(request), _recording_id(request)
    if principal.role not in ("supervisor", "dpo", "auditor", "agent"):
        _audit(request, "manifest.denied", recording_id)
        raise ApiError(403, "this role may not read this recording's manifest")
    found = await asyncio.get_running_loop().run_in_executor(None, node.find_manifest, recording_id)
    if found is None:
        raise ApiError(404, "no such recording")
    if principal.role == "agent" and not _is_recording_agent(
        principal, found[0], node.recordings.get(recording_id)
    ):
        _audit(request, "manifest.denied", recording_id)
        raise ApiError(403, "this role may not read this recording's manifest")
    _audit(request, "manifest.read", recording_id)
    return web.Response(body=found[0].to_json(), content_type="application/json")


async def get_media(request: web.Request) -> web.StreamResponse:
    node = request.app[NODE_KEY]
    principal, recording_id = _principal(request), _recording_id(request)
    may_play = {role for m in node.config.stack.meeting_types for role in m.access_roles}
    # A bound (customer) token names one session and a recording names none, and anyone who
    # lists a made-up customer in a session of their own can mint one: it plays nothing (a
    # customer's copy of their recordings is the DPO's access export, Art. 15).
    may_play -= set(BOUND_ROLES)
    if principal.role not in may_play:  # before the lookup: a 404 would say the id exists
        _audit(request, "media.denied", recording_id)
        raise ApiError(403, f"the role '{principal.role}' may not play recordings")
    found = await asyncio.get_running_loop().run_in_executor(None, node.find_manifest, recording_id)
    if found is None:
        raise ApiError(404, "no such recording")
    manifest, object_key = found
    meeting_type = node.config.meeting_type(manifest.meeting_type)
    roles = meeting_type.access_roles if meeting_type else ()
    allowed = principal.role in roles and (
        principal.role != "agent"
        or _is_recording_agent(principal, manifest, node.recordings.get(recording_id))
    )
    if not allowed:
        _audit(request, "media.denied", recording_id)
        raise ApiError(403, f"only {list(roles)} may play this recording")
    _audit(request, "media.read", recording_id)
    response = web.StreamResponse(
        headers={
            "Content-Type": "video/webm" if "vp8" in manifest.codecs else "audio/webm",
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    plaintext = decrypt_recording(  # this recording's object, or an integrity failure
        node.store.read(object_key), {node.key_provider.provider_id: node.key_provider}, manifest
    )
    sentinel = object()
    while True:
        try:
            chunk = await loop.run_in_executor(None, next, plaintext, sentinel)
        except (IntegrityError, TruncatedError, FormatError, ObjectStoreError) as error:
            logger.error("recording %s failed to decrypt: %s", recording_id, error)
            _audit(request, "media.integrity-failure", recording_id)
            raise ConnectionResetError("recording failed authentication") from None
        if chunk is sentinel:
            break
        await response.write(chunk)  # type: ignore[arg-type]
    await response.write_eof()
    return response


async def list_meeting_types(request: web.Request) -> web.Response:
    _require(_principal(request).role in ("agent", "supervisor"))
    types = request.app[NODE_KEY].config.stack.meeting_types
    return web.json_response(
        [
            {"name": m.name, "purpose": m.purpose, "recording": m.recording, "mode": m.mode}
            for m in types
        ]
    )


def create_app(node: Node) -> web.Application:
    from .rights.api import ApiKit, add_rights_routes

    app = web.Application(
        middlewares=[_errors_and_auth], client_max_size=node.config.max_body_bytes
    )
    app[NODE_KEY] = node
    app[JOIN_CODES] = JoinCodes()
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/v1/sessions", create_session)
    app.router.add_get("/v1/sessions/{session_id}", get_session)
    app.router.add_post(_JOIN_ROUTE, redeem_join_code)
    app.router.add_post("/v1/sessions/{session_id}/join-codes", post_join_code)
    app.router.add_post("/v1/sessions/{session_id}/consent", post_consent)
    app.router.add_post("/v1/sessions/{session_id}/offer", post_offer)
    app.router.add_post("/v1/sessions/{session_id}/leave", post_leave)
    app.router.add_post("/v1/sessions/{session_id}/recording", post_recording)
    app.router.add_delete("/v1/sessions/{session_id}", delete_session)
    app.router.add_get("/v1/recordings/{recording_id}/manifest", get_manifest)
    app.router.add_get("/v1/recordings/{recording_id}/media", get_media)
    app.router.add_get("/v1/meeting-types", list_meeting_types)
    add_ui_routes(app)

    async def on_startup(app: web.Application) -> None:
        app[NODE_KEY].start()

    async def on_cleanup(app: web.Application) -> None:
        await app[NODE_KEY].close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    # /v1/dsar/*: the dpo role only
    add_rights_routes(app, ApiKit(NODE_KEY, ApiError, _audit, _json, _principal))
    return app
