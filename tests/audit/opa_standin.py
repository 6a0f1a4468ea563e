"""A stand-in for an OPA server's REST API, answering with the embedded real OPA.

No OPA binary can be installed here (DESIGN.md), so this speaks the two calls of OPA's v1 API
that :class:`audit.engines.opa_server.OpaServerEngine` makes: ``PUT /v1/policies/{id}`` (400
with OPA's error document when the module does not compile with the others) and
``POST /v1/query`` (``{"query", "input"}`` -> ``{"result": [bindings...]}``). The Rego
semantics are OPA's own (v1.20.2 in-process), so the remote path is tested against them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opa_bindings import OpaError

from audit.engines.opa_embedded import new_engine


class _State:
    def __init__(self) -> None:
        self.modules: dict[str, str] = {}
        self.lock = threading.Lock()
        self.queries = 0
        self.engine: Any = new_engine([])


def _error_document(error: OpaError) -> dict[str, Any]:
    return {
        "code": "invalid_parameter",
        "message": "error(s) occurred while compiling module(s)",
        "errors": [{"code": error.code, "message": error.message.splitlines()[0]}],
    }


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _send(self, status: int, document: Any) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def do_PUT(self) -> None:  # noqa: N802
            if not self.path.startswith("/v1/policies/"):
                self._send(404, {"code": "resource_not_found"})
                return
            policy_id = self.path.removeprefix("/v1/policies/")
            text = self._body().decode()
            with state.lock:
                modules = {**state.modules, policy_id: text}
                try:  # like OPA: the new module must compile with every other one
                    engine = new_engine(list(modules.items()))
                    engine.eval_query("x := 1")
                except OpaError as error:
                    self._send(400, _error_document(error))
                    return
                state.engine.close()
                state.engine, state.modules = engine, modules
            self._send(200, {})

        def do_POST(self) -> None:  # noqa: N802
            if self.path.split("?")[0] != "/v1/query":
                self._send(404, {"code": "resource_not_found"})
                return
            request = json.loads(self._body() or b"{}")
            with state.lock:
                state.queries += 1
                try:
                    rows = state.engine.eval_query(request["query"], request.get("input"))
                except OpaError as error:
                    self._send(500, {"code": "internal_error", "message": error.message})
                    return
            self._send(200, {"result": rows})

    return Handler


@contextmanager
def running_opa_standin() -> Iterator[tuple[str, _State]]:
    state = _State()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        state.engine.close()
