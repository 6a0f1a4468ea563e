"""An object writer that survives the object store failing mid-recording.

Every ciphertext chunk goes to the store as it is produced *and* to a local spool file (mode
0600; ciphertext only: nothing plaintext ever reaches the disk). If the store fails, the
upload stops, the spool keeps growing, and on commit the whole object is uploaded again from
the spool with retries. If the store is still down, the spool file stays ``pending`` and
:func:`flush_pending` uploads it later.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote

from .store import ObjectStore, ObjectStoreError, ObjectWriter, _WriterBase

__all__ = ["SpoolingWriter", "flush_pending", "pending_uploads"]

logger = logging.getLogger("media_node.spool")

_PENDING = ".pending"
_PARTIAL = ".partial"


def _spool_path(spool_dir: Path, key: str, suffix: str) -> Path:
    return spool_dir / (quote(key, safe="") + suffix)


class SpoolingWriter(_WriterBase):
    """An :class:`ObjectWriter`: ``commit()`` to finish (a ``with`` block without it aborts)."""

    def __init__(
        self,
        store: ObjectStore,
        key: str,
        content_type: str,
        spool_dir: Path,
        *,
        retries: int = 3,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        max_inflight_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self._store = store
        self._key = key
        self._content_type = content_type
        self._retries = retries
        self._backoff = backoff_seconds
        self._sleep = sleep
        spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._partial = _spool_path(spool_dir, key, _PARTIAL)
        self._pending = _spool_path(spool_dir, key, _PENDING)
        descriptor = os.open(self._partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._spool = os.fdopen(descriptor, "wb")
        self._live: ObjectWriter | None = None
        self.store_error: str | None = None
        """The first store failure, if any (for the manifest and the log)."""
        self.state = "writing"
        """``writing``, then ``uploaded``, ``pending`` (spooled, upload not done) or ``aborted``."""
        self._max_inflight = max_inflight_bytes
        self._inflight = 0
        self._inflight_lock = threading.Lock()
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._live_failed = threading.Event()
        self._uploader: threading.Thread | None = None
        try:
            self._live = store.writer(key, content_type)
        except ObjectStoreError as error:
            self._fail_live(error)
            return
        self._uploader = threading.Thread(
            target=self._upload_live, name="spool-upload", daemon=True
        )
        self._uploader.start()

    def _fail_live(self, error: Exception) -> None:
        self.store_error = self.store_error or str(error)
        self._live_failed.set()

    def _upload_live(self) -> None:
        """The live upload's thread: sends what the writer queued until told to stop."""
        assert self._live is not None
        while (data := self._outbox.get()) is not None:
            with self._inflight_lock:
                self._inflight -= len(data)
            if self._live_failed.is_set():
                continue
            try:
                self._live.write(data)
            except ObjectStoreError as error:
                self._fail_live(error)
        if self._live_failed.is_set():
            try:
                self._live.abort()
            except ObjectStoreError:
                pass

    def _stop_uploader(self) -> None:
        if self._uploader is not None:
            self._outbox.put(None)
            self._uploader.join()
            self._uploader = None

    def write(self, data: bytes) -> None:
        self._spool.write(data)
        if self._live is None or self._live_failed.is_set():
            return
        with self._inflight_lock:
            if self._inflight + len(data) > self._max_inflight:
                self._fail_live(ObjectStoreError("object store too slow; recording spooled"))
                return
            self._inflight += len(data)
        self._outbox.put(data)

    def _upload_from_spool(self) -> bool:
        for attempt in range(self._retries):
            try:
                _upload_file(self._store, self._key, self._content_type, self._pending)
                return True
            except (ObjectStoreError, OSError) as error:
                self.store_error = self.store_error or str(error)
                if attempt + 1 < self._retries:
                    self._sleep(self._backoff * 2**attempt)
        return False

    def commit(self) -> None:
        self._spool.flush()
        os.fsync(self._spool.fileno())
        self._spool.close()
        os.replace(self._partial, self._pending)
        uploaded = False
        self._stop_uploader()
        if self._live is not None and not self._live_failed.is_set():
            try:
                self._live.commit()
                uploaded = True
            except ObjectStoreError as error:
                self._fail_live(error)
                try:
                    self._live.abort()
                except ObjectStoreError:
                    pass
        if not uploaded:
            uploaded = self._upload_from_spool()
        if uploaded:
            self._pending.unlink()
            self.state = "uploaded"
        else:
            self.state = "pending"
        self._done = True

    def abort(self) -> None:
        if self._done:  # committed: the upload or the pending spool file stands
            return
        if self._live is not None:
            self._fail_live(RuntimeError("aborted"))
            if self._uploader is None:
                try:
                    self._live.abort()
                except ObjectStoreError:
                    pass
        self._stop_uploader()
        if not self._spool.closed:
            self._spool.close()
        self._partial.unlink(missing_ok=True)
        self.state = "aborted"


def _upload_file(store: ObjectStore, key: str, content_type: str, path: Path) -> None:
    with store.writer(key, content_type) as writer, path.open("rb") as source:
        while block := source.read(8 * 1024 * 1024):
            writer.write(block)
        writer.commit()


def pending_uploads(spool_dir: Path) -> list[tuple[str, Path]]:
    """(object key, spool file) of every upload still to do."""
    if not spool_dir.is_dir():
        return []
    return sorted((unquote(p.name[: -len(_PENDING)]), p) for p in spool_dir.glob(f"*{_PENDING}"))


def flush_pending(
    store: ObjectStore,
    spool_dir: Path,
    content_type: Callable[[str], str],
    *,
    before_upload: Callable[[str, Path], None] | None = None,
    only: Callable[[str], bool] | None = None,
) -> list[str]:
    """Upload every pending spool file (those whose key ``only`` accepts); returns the keys
    uploaded, leaves the rest pending. ``before_upload(key, path)`` runs first (e.g. writes a
    manifest's index entries); if it raises, that file stays pending too."""
    done = []
    for key, path in pending_uploads(spool_dir):
        if only is not None and not only(key):
            continue
        try:
            if before_upload is not None:
                before_upload(key, path)
            _upload_file(store, key, content_type(key), path)
        except (ObjectStoreError, OSError, ValueError) as error:
            logger.warning("spooled %s stays pending: %s", key, error)
            continue
        path.unlink()
        done.append(key)
    return done
