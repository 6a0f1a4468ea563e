"""The append-only, hash-chained access log: who did what to which recording, and when.

Each line is JSON ``{"at", "actor", "role", "action", "target"[, extras], "prev", "hash"}``
where ``hash = sha256(prev + canonical JSON of every field but prev and hash)``; the optional
extras (:data:`EXTRA_FIELDS`: how the actor's credential was obtained, a join code's public id,
the participant it was issued for) are pseudonymous ids too, never a secret; editing or
dropping a line breaks the chain, which :func:`verify_chain` reports. Actors are pseudonymous
ids; no IPs, no names.

A chain alone cannot show that its tail was cut off or that it was rebuilt from scratch, so
after every entry the head (entry count and hash) is appended to an anchor file that should
live where the node's service user cannot rewrite it (another mount, shipped off the
instance); :func:`verify_anchored` checks the log against every anchored head.

A line torn by a crash mid-write is cut off at start-up and the repair is itself logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

__all__ = ["EXTRA_FIELDS", "AccessLog", "AnchorError", "verify_anchored", "verify_chain"]

GENESIS = "0" * 64
_FIELDS = ("at", "actor", "role", "action", "target")
EXTRA_FIELDS = ("via", "code", "participant")

logger = logging.getLogger("media_node.access_log")


class AnchorError(ValueError):
    """The log does not match an anchored head: truncated or rewritten."""


def _digest(prev: str, entry: dict[str, Any]) -> str:
    body = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev + body).encode()).hexdigest()


def _append(path: Path, line: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _valid_prefix(data: bytes) -> tuple[int, str, int]:
    """(bytes of whole, parseable lines, hash of the last, their count)."""
    end, last, count = 0, GENESIS, 0
    while True:
        newline = data.find(b"\n", end)
        if newline == -1:
            return end, last, count
        try:
            record = json.loads(data[end:newline])
            last = str(record["hash"])
        except (ValueError, KeyError, TypeError):
            return end, last, count
        end, count = newline + 1, count + 1


class AccessLog:
    def __init__(self, path: Path, *, anchor_path: Path | None = None) -> None:
        self._path = path
        self._anchor = anchor_path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if anchor_path is not None:
            anchor_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._last = GENESIS
        self._count = 0
        torn = 0
        if path.exists():
            data = path.read_bytes()
            end, self._last, self._count = _valid_prefix(data)
            torn = len(data) - end
            if torn:
                with path.open("r+b") as handle:
                    handle.truncate(end)
                    os.fsync(handle.fileno())
        if torn:
            logger.warning("access log %s: cut off a torn last line (%d bytes)", path, torn)
            self.record("node", "system", "access-log.repaired", f"torn tail of {torn} bytes")

    def record(self, actor: str, role: str, action: str, target: str, **extras: str | None) -> str:
        unknown = set(extras) - set(EXTRA_FIELDS)
        if unknown:
            raise ValueError(f"unknown access-log fields {sorted(unknown)}")
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "actor": actor,
            "role": role,
            "action": action,
            "target": target,
            **{k: v for k, v in extras.items() if v is not None},
        }
        with self._lock:
            digest = _digest(self._last, entry)
            _append(
                self._path,
                json.dumps({**entry, "prev": self._last, "hash": digest}, sort_keys=True),
            )
            self._last = digest
            self._count += 1
            if self._anchor is not None:
                _append(self._anchor, json.dumps({"count": self._count, "hash": digest}))
        return digest


def _hashes(path: Path) -> list[str]:
    """Every entry's hash if the chain holds; raises ``ValueError`` naming the first bad line."""
    prev = GENESIS
    hashes = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            record = json.loads(line)
            entry = {k: record[k] for k in _FIELDS}
            entry.update({k: record[k] for k in EXTRA_FIELDS if k in record})
            ok = (
                set(record) <= {*_FIELDS, *EXTRA_FIELDS, "prev", "hash"}
                and record["prev"] == prev
                and record["hash"] == _digest(prev, entry)
            )
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise ValueError(f"access log broken at line {number}")
        prev = record["hash"]
        hashes.append(prev)
    return hashes


def verify_chain(path: Path) -> int:
    """Number of entries if the chain holds; raises ``ValueError`` naming the first bad line."""
    return len(_hashes(path))


def verify_anchored(path: Path, anchor_path: Path) -> int:
    """:func:`verify_chain`, then every anchored head must be in the log: a log shorter than
    an anchor was truncated, a different hash at an anchored position was rewritten."""
    hashes = _hashes(path)
    for number, line in enumerate(anchor_path.read_text().splitlines(), start=1):
        try:
            head = json.loads(line)
            count, expected = int(head["count"]), str(head["hash"])
        except (ValueError, KeyError, TypeError):
            raise AnchorError(f"anchor file {anchor_path} line {number} is not an anchor") from None
        if count > len(hashes):
            raise AnchorError(
                f"access log truncated: anchor {number} records {count} entries, the log has "
                f"{len(hashes)}"
            )
        if hashes[count - 1] != expected:
            raise AnchorError(f"access log rewritten: entry {count} does not match anchor {number}")
    return len(hashes)
