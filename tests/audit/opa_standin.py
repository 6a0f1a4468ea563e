"""A stand-in for an OPA server's REST API (policies and data), backed by regopy.

No OPA binary can be installed here (DESIGN.md), so this speaks the subset of OPA's v1 API that
``opa-python-client`` uses: ``GET /v1/policies``, ``PUT /v1/policies/{id}`` (400 with OPA's
error document when a module does not compile) and ``POST /v1/data/{path}``. It exercises the
client path of :class:`audit.engines.opa_server.OpaServerEngine`; the Rego is still real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import regopy

from audit.engines.regopy_engine import compile_error


class _State:
    def __init__(self) -> None:
        self.modules: dict[str, str] = {}
        self.lock = threading.Lock()
        self.queries = 0


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

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/v1/policies"):
                self._send(200, {"result": [{"id": k} for k in sorted(state.modules)]})
            else:
                self._send(404, {"code": "resource_not_found"})

        def do_PUT(self) -> None:  # noqa: N802
            policy_id = self.path.removeprefix("/v1/policies/")
            text = self._body().decode()
            with state.lock:
                helpers = [(k, v) for k, v in state.modules.items() if "/lib/" in f"/{k}"]
                error = compile_error(helpers, policy_id, text)
                if error:
                    self._send(
                        400,
                        {
                            "code": "invalid_parameter",
                            "message": "error(s) occurred while compiling module(s)",
                            "errors": [{"code": "rego_compile_error", "message": error}],
                        },
                    )
                    return
                state.modules[policy_id] = text
            self._send(200, {})

        def do_POST(self) -> None:  # noqa: N802
            path = self.path.removeprefix("/v1/data/").split("?")[0]
            document = json.loads(self._body() or b"{}")
            with state.lock:
                state.queries += 1
                interpreter = regopy.Interpreter()
                interpreter.strict_built_in_errors = True
                for module_id, text in state.modules.items():
                    interpreter.add_module(module_id, text)
                interpreter.set_input(regopy.Input(document.get("input", {})))
                output = interpreter.query(f"x := data.{path.replace('/', '.')}")
                if not output.ok():
                    self._send(500, {"code": "internal_error", "message": "eval error"})
                    return
                self._send(200, {"result": json.loads(str(output.binding("x")))})

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
