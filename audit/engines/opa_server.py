"""An OPA server as the engine (``--opa-url``), through opa-python-client.

The same policy files are uploaded (``PUT /v1/policies/callvault/<path>``) and each batch is
one ``POST /v1/data/callvault/rules`` with the facts as input; the packages a batch needs are
read from that document. A server error or an unreachable server is an error result, never
an empty (passing) one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from opa_client.errors import (
    ConnectionsError,
    RegoParseError,
)
from opa_client.opa import OpaClient

from ..errors import EngineError, UsageError
from .base import Batch, BatchResult, PackageError, parse_package_result

__all__ = ["OpaServerEngine"]


class OpaServerEngine:
    name = "opa-server"

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--opa-url must look like http://host:8181 (got '{url}')")
        self.name = f"opa-server {parts.scheme}://{parts.hostname}:{parts.port or 8181}"
        self._client = OpaClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8181),
            ssl=parts.scheme == "https",
            token=token,
            timeout=timeout,
        )
        try:
            self._client.check_connection()
        except ConnectionsError:
            raise EngineError(f"cannot reach the OPA server at {url}") from None

    def load(self, modules: Sequence[tuple[str, str]]) -> dict[str, str]:
        broken: dict[str, str] = {}
        for path, text in modules:
            try:
                self._client.update_policy_from_string(text, f"callvault/{path}", rego_compat=False)
            except RegoParseError as error:
                broken[path] = str(error).splitlines()[0] if str(error) else "does not compile"
            except Exception as error:  # the client raises bare exceptions for HTTP errors
                broken[path] = f"upload failed: {type(error).__name__}: {error}"
        return broken

    def _query(self, batch: Batch, context: Mapping[str, Any]) -> Any:
        response = self._client.query_rule(
            {"facts": list(batch.facts), "context": dict(context)}, "callvault/rules"
        )
        if not isinstance(response, Mapping) or "result" not in response:
            raise RuntimeError(f"OPA returned no result ({str(response)[:120]})")
        return response["result"]

    def evaluate(self, batches: Sequence[Batch], context: Mapping[str, Any]) -> list[BatchResult]:
        results: list[BatchResult] = []
        for batch in batches:
            try:
                document = self._query(batch, context)
                if not isinstance(document, Mapping):
                    raise RuntimeError("data.callvault.rules is not an object")
                results.append(
                    {p: parse_package_result(p, document.get(p)) for p in batch.packages}
                )
            except Exception as error:  # any failure of the server is an error finding
                message = f"OPA server: {type(error).__name__}: {str(error)[:200]}"
                results.append({p: PackageError(message) for p in batch.packages})
        return results

    def close(self) -> None:
        self._client.close_connection()
