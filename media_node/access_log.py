"""The append-only, hash-chained access log: who did what to which recording, and when.

Each line is JSON ``{"at", "actor", "role", "action", "target", "prev", "hash"}`` where
``hash = sha256(prev + canonical JSON of the other fields)``; editing or dropping a line breaks
the chain, which :func:`verify_chain` reports. Actors are pseudonymous ids; no IPs, no names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

__all__ = ["AccessLog", "verify_chain"]

GENESIS = "0" * 64


def _digest(prev: str, entry: dict[str, Any]) -> str:
    body = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev + body).encode()).hexdigest()


class AccessLog:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._last = GENESIS
        if path.exists():
            lines = path.read_text().splitlines()
            if lines:
                self._last = json.loads(lines[-1])["hash"]

    def record(self, actor: str, role: str, action: str, target: str) -> str:
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "actor": actor,
            "role": role,
            "action": action,
            "target": target,
        }
        with self._lock:
            digest = _digest(self._last, entry)
            line = json.dumps({**entry, "prev": self._last, "hash": digest}, sort_keys=True)
            descriptor = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            self._last = digest
        return digest


def verify_chain(path: Path) -> int:
    """Number of entries if the chain holds; raises ``ValueError`` naming the first bad line."""
    prev = GENESIS
    count = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        record = json.loads(line)
        entry = {k: record[k] for k in ("at", "actor", "role", "action", "target")}
        if record["prev"] != prev or record["hash"] != _digest(prev, entry):
            raise ValueError(f"access log broken at line {number}")
        prev = record["hash"]
        count += 1
    return count
