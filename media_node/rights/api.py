"""The rights tools through the node's API, for the ``dpo`` role only: open and list requests,
export (archive encrypted to the requester's X25519 public key, streamed back), erase (the
signed receipt). Work runs in the executor; every call is in the access log."""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import functools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from media_node.auth import Principal
from media_node.node import Node
from media_node.rights.archive_keys import RecipientKeyProvider
from media_node.rights.erase import erase_subject
from media_node.rights.export import export_subject
from media_node.rights.receipts import load_or_create_signing_key
from media_node.rights.requests import list_requests, open_request
from media_node.vault.manifest import ManifestError

__all__ = ["ApiKit", "add_rights_routes"]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class ApiKit:
    """What the DPO routes borrow from the node's API. ``media_node.app`` passes it in, so
    this module does not import the app that imports it (no import cycle)."""

    node_key: web.AppKey[Node]
    """The application key under which the app keeps its :class:`Node`."""
    error: Callable[[int, str], Exception]
    """Builds the exception the app's middleware answers as ``{"error": ...}`` with a status."""
    audit: Callable[[web.Request, str, str], None]
    """Writes one decision to the access log (and marks the request as logged)."""
    json_body: Callable[[web.Request], Awaitable[dict[str, Any]]]
    """The request's JSON object, within the node's body-size limit."""
    principal: Callable[[web.Request], Principal]
    """The authenticated caller."""


def add_rights_routes(app: web.Application, kit: ApiKit) -> None:
    # The app's own names: the routes below read as they would in app.py.
    NODE_KEY, ApiError, _audit, _json, _principal = (
        kit.node_key,
        kit.error,
        kit.audit,
        kit.json_body,
        kit.principal,
    )

    def dpo_only(request: web.Request, action: str) -> Any:
        principal = _principal(request)
        if principal.role != "dpo":
            _audit(request, f"{action}.denied", "")
            raise ApiError(403, "only the dpo role may handle data subject requests")
        return principal

    async def run(func: Any) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(None, func)
        except (ValueError, ManifestError, KeyError) as err:
            raise ApiError(400, str(err)) from None

    async def post_request(request: web.Request) -> web.Response:
        dpo_only(request, "dsar.open")
        body = await _json(request)
        node = request.app[NODE_KEY]
        received = dt.date.fromisoformat(str(body.get("received") or _today().isoformat()))
        opened = await run(
            functools.partial(
                open_request, node.store, str(body.get("subject")), str(body.get("kind")), received
            )
        )
        _audit(request, "dsar.open", opened.request_id)
        return web.json_response(asdict(opened), status=201)

    async def get_requests(request: web.Request) -> web.Response:
        dpo_only(request, "dsar.list")
        node = request.app[NODE_KEY]
        found = await run(functools.partial(list_requests, node.store, _today()))
        _audit(request, "dsar.list", "requests")
        return web.json_response([asdict(r) | {"overdue": r.overdue(_today())} for r in found])

    async def post_export(request: web.Request) -> web.StreamResponse:
        dpo_only(request, "dsar.export")
        body = await _json(request)
        node = request.app[NODE_KEY]
        try:
            public = base64.b64decode(str(body.get("recipient_key", "")), validate=True)
        except binascii.Error:
            public = b""
        if len(public) != 32:
            raise ApiError(400, "recipient_key must be base64 of a 32-byte X25519 key")
        out = node.config.state_dir / "exports" / f"{secrets.token_hex(8)}.cvx"
        provider = node.key_provider
        result = await run(
            functools.partial(
                export_subject,
                node.store,
                {provider.provider_id: provider},
                str(body.get("subject")),
                out,
                RecipientKeyProvider(public),
                access_log=node.config.state_dir / "access.log",
            )
        )
        _audit(request, "dsar.export", f"archive-sha256:{result.archive_sha256}")
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        await response.prepare(request)
        try:
            with out.open("rb") as handle:  # ciphertext only: encrypted to the requester
                while block := handle.read(1 << 20):
                    await response.write(block)
        finally:
            out.unlink(missing_ok=True)
        await response.write_eof()
        return response

    async def post_erase(request: web.Request) -> web.Response:
        principal = dpo_only(request, "dsar.erase")
        body = await _json(request)
        node = request.app[NODE_KEY]
        provider = node.key_provider
        state = node.config.state_dir

        def log(action: str, target: str) -> None:
            node.access_log.record(principal.subject, "dpo", action, target)

        receipt = await run(
            functools.partial(
                erase_subject,
                node.store,
                {provider.provider_id: provider},
                provider,
                str(body.get("subject")),
                journal_dir=state / "erasures",
                signing_key=load_or_create_signing_key(state / "receipt-signing.key"),
                today=_today(),
                actor=principal.subject,
                override=str(body.get("override") or ""),
                job_id=body.get("resume"),
                log=log,
            )
        )
        _audit(request, "dsar.erase", f"receipt:{receipt['receipt']['job']}")
        return web.json_response(receipt)

    app.router.add_post("/v1/dsar/requests", post_request)
    app.router.add_get("/v1/dsar/requests", get_requests)
    app.router.add_post("/v1/dsar/export", post_export)
    app.router.add_post("/v1/dsar/erase", post_erase)
