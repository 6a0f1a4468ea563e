"""A user's OPA server as the engine (``--opa-url``), through two plain REST calls.

* ``PUT /v1/policies/callvault/<path>`` uploads each policy file as it is (400 with OPA's
  error document when it does not compile: that file's rules become ``error`` findings);
* ``POST /v1/query`` evaluates one batch: the same query the embedded engine runs
  (``query_for``) with the facts as ``input``.

Every failure (unreachable server, HTTP error, a body that is not OPA's answer) is an error
result naming the package, never an empty (passing) one. Standard library only (urllib).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import EngineError, UsageError
from .base import Batch, BatchResult, PackageError, parse_package_result, query_for

__all__ = ["OpaServerEngine", "OpaServerError"]


class OpaServerError(Exception):
    """An OPA server answered with an error, or not at all; ``str`` is one line."""


class OpaServerEngine:
    chunk_size = 500

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--opa-url must look like http://host:8181 (got '{url}')")
        self._base = url.rstrip("/")
        self._token = token
        self._timeout = timeout
        try:
            rows = self._query("x := opa.runtime().version", {})
        except OpaServerError as error:
            raise EngineError(f"cannot reach the OPA server at {url} ({error})") from None
        self.version = str(rows[0]["x"]) if rows and "x" in rows[0] else "unknown"
        self.name = f"opa-server {self.version} at {self._base}"

    def _request(self, method: str, path: str, body: bytes, content_type: str) -> Any:
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(
            self._base + path, data=body, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise OpaServerError(f"HTTP {error.code}: {_error_message(error.read())}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise OpaServerError(f"{type(error).__name__}: {reason}") from None
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            raise OpaServerError(f"the answer is not JSON ({raw[:80]!r})") from None

    def _query(self, query: str, document: Mapping[str, Any]) -> list[dict[str, Any]]:
        body = json.dumps({"query": query, "input": document}).encode()
        answer = self._request("POST", "/v1/query", body, "application/json")
        if not isinstance(answer, Mapping):
            raise OpaServerError("the answer is not an object")
        rows = answer.get("result", [])
        if not isinstance(rows, list):
            raise OpaServerError("'result' is not a list")
        return rows

    def load(self, modules: Sequence[tuple[str, str]]) -> dict[str, str]:
        broken: dict[str, str] = {}
        for path, text in modules:
            try:
                self._request(
                    "PUT", f"/v1/policies/callvault/{quote(path)}", text.encode(), "text/plain"
                )
            except OpaServerError as error:
                broken[path] = str(error)
        return broken

    def _evaluate(self, batch: Batch, context: Mapping[str, Any]) -> BatchResult:
        document = {"facts": list(batch.facts), "context": dict(context)}
        try:
            rows = self._query(query_for(batch.packages), document)
            if len(rows) != 1 or not isinstance(rows[0].get("x"), Mapping):
                raise OpaServerError(f"the query returned {len(rows)} results, not one object")
        except OpaServerError as error:
            return {p: PackageError(f"OPA server: {error}") for p in batch.packages}
        combined = rows[0]["x"]
        return {p: parse_package_result(p, combined.get(p)) for p in batch.packages}

    def evaluate(self, batches: Sequence[Batch], context: Mapping[str, Any]) -> list[BatchResult]:
        return [self._evaluate(batch, context) for batch in batches]

    def close(self) -> None:
        return None


def _error_message(body: bytes) -> str:
    """OPA's error document -> one line (its first error's message, with the location)."""
    try:
        document = json.loads(body)
    except ValueError:
        return body[:120].decode(errors="replace") or "no body"
    if not isinstance(document, Mapping):
        return str(document)[:120]
    errors = document.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = errors[0]
        location = first.get("location")
        where = ""
        if isinstance(location, Mapping):
            where = f"{location.get('file', '')}:{location.get('row', '')}: "
        return f"{where}{first.get('code', '')}: {first.get('message', '')}".strip()
    return f"{document.get('code', 'error')}: {document.get('message', '')}"
