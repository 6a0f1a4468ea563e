"""The rights tools through the node's API: only the dpo role; requests, an export encrypted to
the requester's key, and an erasure answered with a signed receipt."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from infra.config import StackConfig
from media_node.rights.archive_keys import RecipientKeyProvider, generate_recipient_key
from media_node.rights.receipts import verify_receipt
from media_node.vault.stream import decrypt_stream
from tests.media_node.call_helpers import Api, node_config, running_node
from tests.media_node.rights_helpers import store_recording, titles

pytestmark = pytest.mark.integration


def test_dpo_api_opens_lists_exports_and_erases(tmp_path: Path, dev_config: StackConfig) -> None:
    config = node_config(tmp_path / "node", dev_config, None)
    private, public = generate_recipient_key()

    async def scenario() -> dict[str, Any]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            store, provider = node.node.store, node.node.key_provider
            store_recording(store, provider, "rec-bbbbbbbb", ("alice-01", "bob-0002"))
            dpo = Api(http, node.url, node.token("dpo", "dpo-0001"))
            agent = Api(http, node.url, node.token("agent", "agent-0001"))
            out: dict[str, Any] = {}
            out["agent"] = await agent.call("POST", "/v1/dsar/erase", {"subject": "alice-01"})
            out["open"] = await dpo.call(
                "POST",
                "/v1/dsar/requests",
                {"subject": "alice-01", "kind": "access", "received": "2026-01-05"},
            )
            out["bad"] = await dpo.call(
                "POST", "/v1/dsar/requests", {"subject": "a@b.eu", "kind": "access"}
            )
            out["list"] = await dpo.call("GET", "/v1/dsar/requests")
            out["export"] = await dpo.call(
                "POST",
                "/v1/dsar/export",
                {"subject": "alice-01", "recipient_key": base64.b64encode(public).decode()},
            )
            out["erase"] = await dpo.call("POST", "/v1/dsar/erase", {"subject": "alice-01"})
            return out

    out = asyncio.run(scenario())
    assert out["agent"][0] == 403
    assert out["open"][0] == 201 and out["open"][1]["due"] == "2026-02-05"
    assert out["bad"][0] == 400
    assert out["list"][0] == 200 and out["list"][1][0]["overdue"] is True
    status, archive = out["export"]
    assert status == 200
    key = RecipientKeyProvider.for_private_key(private)
    data = b"".join(decrypt_stream([archive], {"x25519": key}))
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        own = opened.read("recordings/rec-bbbbbbbb.webm")
        assert [t.split("/")[0] for t in titles(own)] == ["alice-01", "alice-01"]
    status, receipt = out["erase"]
    assert status == 200
    assert [r["recording_id"] for r in verify_receipt(receipt)["redacted"]] == ["rec-bbbbbbbb"]
    actions = [
        json.loads(line)["action"]
        for line in (tmp_path / "node" / "access.log").read_text().splitlines()
    ]
    for expected in ("dsar.erase.denied", "dsar.open", "dsar.list", "dsar.export", "dsar.erase"):
        assert expected in actions, expected
