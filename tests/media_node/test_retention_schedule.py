"""The sweeper scheduled inside serve: it sweeps at start-up, logs each removal, and a store
failure is an error in the log, not a crashed node."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from aiohttp import web

from media_node.access_log import AccessLog
from media_node.rights.schedule import retention_schedule, sweep_once
from media_node.vault.keys import LocalKeyProvider, create_local_key_file
from media_node.vault.store import LocalDirectoryStore
from tests.media_node.rights_helpers import store_recording


def test_serve_schedule_sweeps_expired_recordings_at_start(tmp_path: Path) -> None:
    create_local_key_file(tmp_path / "k")
    store = LocalDirectoryStore(tmp_path / "store")
    provider = LocalKeyProvider(tmp_path / "k")
    store_recording(store, provider, "rec-expired1", ("alice-01",), retention_until="2020-01-01")
    store_recording(store, provider, "rec-current1", ("alice-01",), retention_until="2099-01-01")
    log = AccessLog(tmp_path / "access.log")

    async def run() -> None:
        app = web.Application()
        app.cleanup_ctx.append(retention_schedule(store, tmp_path / "spool", log, 3600))
        runner = web.AppRunner(app)
        await runner.setup()
        for _ in range(100):
            if not store.exists("recordings/sales-call/rec-expired1.manifest.json"):
                break
            await asyncio.sleep(0.05)
        await runner.cleanup()

    asyncio.run(run())
    assert not store.exists("recordings/sales-call/rec-expired1.cvr")
    assert store.exists("recordings/sales-call/rec-current1.cvr")
    lines = [json.loads(line) for line in (tmp_path / "access.log").read_text().splitlines()]
    assert [(e["action"], e["target"]) for e in lines] == [
        ("retention-delete", "recording:rec-expired1")
    ]


def test_a_failing_sweep_is_logged_as_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = LocalDirectoryStore(tmp_path / "store")
    (tmp_path / "store/recordings/x").mkdir(parents=True)
    (tmp_path / "store/recordings/x/rec-broken01.manifest.json").write_text("{not json")
    with caplog.at_level(logging.ERROR, "media_node.retention"):
        assert sweep_once(store, tmp_path / "spool", AccessLog(tmp_path / "a.log")) is None
    assert "retention sweep failed" in caplog.text and "rec-broken01" in caplog.text
