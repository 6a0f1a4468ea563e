"""The retention sweeper inside ``serve``: one sweep at start-up, then every interval, in the
executor (never on the event loop). A failed sweep is logged as an error and retried at the
next tick; it never stops the node."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from media_node.access_log import AccessLog
from media_node.rights.retention import SweepResult, sweep
from media_node.vault.manifest import ManifestError
from media_node.vault.store import ObjectStore, ObjectStoreError

__all__ = ["retention_schedule", "sweep_once"]

logger = logging.getLogger("media_node.retention")
DEFAULT_INTERVAL_SECONDS = 3600


def sweep_once(store: ObjectStore, spool_dir: Path, access_log: AccessLog) -> SweepResult | None:
    try:
        result = sweep(
            store,
            dt.datetime.now(dt.UTC).date(),
            spool_dir=spool_dir,
            log=lambda action, target: access_log.record("node", "system", action, target),
        )
    except (ObjectStoreError, ManifestError, ValueError, OSError) as err:
        logger.error("retention sweep failed (retried at the next tick): %s", err)
        return None
    logger.info("retention sweep: %d removed, %d held", len(result.removed), len(result.held))
    return result


def retention_schedule(
    store: ObjectStore,
    spool_dir: Path,
    access_log: AccessLog,
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
) -> Callable[[object], AsyncIterator[None]]:
    """An aiohttp cleanup context: the sweeper task runs while the app runs."""

    async def loop() -> None:
        running = asyncio.get_running_loop()
        while True:
            await running.run_in_executor(
                None, functools.partial(sweep_once, store, spool_dir, access_log)
            )
            await asyncio.sleep(interval_seconds)

    async def context(app: object) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(), name="retention-sweeper")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context
