"""The customer's join page and the agent's console, served by the node (plain HTML/CSS/JS).

No build step: the files under ``media_node/ui/`` are served as they are. The pages carry no
secret: a join link is ``/join/<session>#c=<join code>``; the code stays in the URL fragment
(never sent to a server by the page load, never in a referrer or an access log) and the page
exchanges it once, over the API, for the customer's own session-bound token. A strict
Content-Security-Policy allows only the node's own scripts, styles and API.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from infra.config import MeetingType

__all__ = ["add_ui_routes", "join_link", "notice_sha256", "notice_version", "public_path"]

UI_DIR = Path(__file__).parent / "ui"
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; media-src 'self' blob: mediastream:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(self), microphone=(self)",
    "Cache-Control": "no-store",
}


def public_path(path: str) -> bool:
    """Pages and their assets need no bearer token (the API calls they make do)."""
    return path == "/console" or path.startswith(("/join/", "/ui/"))


def notice_sha256(meeting_type: MeetingType) -> str:
    """SHA-256 of the exact notice text the join page shows (UTF-8, as configured)."""
    return hashlib.sha256(meeting_type.notice.encode()).hexdigest()


def notice_version(meeting_type: MeetingType) -> str:
    """A stable version id of the notice text: changes whenever the text does."""
    return f"{meeting_type.name[:40]}@{notice_sha256(meeting_type)[:12]}"


def join_link(session_id: str, code: str) -> str:
    """The customer's link: the single-use join code (media_node.join_codes) in the fragment."""
    return f"/join/{session_id}#c={quote(code)}"


def _file(name: str) -> web.Response:
    path = UI_DIR / name
    return web.Response(
        body=path.read_bytes(),
        content_type=_TYPES[path.suffix],
        charset="utf-8",
        headers=_HEADERS,
    )


async def _join(request: web.Request) -> web.Response:
    return _file("join.html")


async def _console(request: web.Request) -> web.Response:
    return _file("console.html")


async def _asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in {p.name for p in UI_DIR.iterdir()} or Path(name).suffix not in _TYPES:
        raise web.HTTPNotFound()
    return _file(name)


def add_ui_routes(app: web.Application) -> None:
    app.router.add_get("/join/{session_id}", _join)
    app.router.add_get("/console", _console)
    app.router.add_get("/ui/{name}", _asset)
