"""The evidence bundle: files, ``manifest.json`` (every file with its SHA-256, the run identity
and the judging criteria) and ``manifest.sig.json`` (a detached signature over the manifest).

:func:`build_manifest` is pure: the same files, run identity and criteria give the same bytes.
Only :attr:`RunIdentity.declared_time` and the signature differ between two runs on the same
inputs, and the time is passed in, never read here.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import UsageError
from ..out_dir import check_out_dir
from .signing import Signer

__all__ = [
    "MANIFEST",
    "MANIFEST_FORMAT",
    "SIGNATURE",
    "Criteria",
    "InputFile",
    "RunIdentity",
    "build_manifest",
    "sha256_hex",
    "write_bundle",
]

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig.json"
MANIFEST_FORMAT = "callvault-evidence/1"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class InputFile:
    name: str
    """As given on the command line, relative to the project when inside it."""
    sha256: str


@dataclass(frozen=True)
class RunIdentity:
    tool_version: str
    engine: str
    engine_version: str
    policies_commit: str
    """``git rev-parse HEAD`` of the policy library, ``+dirty`` if it has local changes."""
    stack: str | None
    source: str
    inputs: tuple[InputFile, ...]
    declared_time: str
    """RFC 3339 UTC time the operator declares for this run (passed in, not read here)."""
    runtime: bool
    """Whether the runtime scenarios (real media node, coturn, moto) ran."""

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": "gdpr-audit",
            "tool_version": self.tool_version,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "policies_commit": self.policies_commit,
            "stack": self.stack,
            "source": self.source,
            "inputs": [{"name": i.name, "sha256": i.sha256} for i in self.inputs],
            "declared_time": self.declared_time,
            "runtime_scenarios": self.runtime,
        }


@dataclass(frozen=True)
class Criteria:
    """What the findings were judged against (the stack's declared intent)."""

    allowed_regions: tuple[str, ...]
    retention_days: Mapping[str, int]
    """Meeting type -> retention days (0 when the type never records)."""
    max_log_retention_days: int
    fail_on: str

    def to_json(self) -> dict[str, Any]:
        return {
            "allowed_regions": list(self.allowed_regions),
            "retention_days_per_meeting_type": dict(sorted(self.retention_days.items())),
            "max_log_retention_days": self.max_log_retention_days,
            "fail_on": self.fail_on,
        }


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or name in (MANIFEST, SIGNATURE) or not name:
        raise ValueError(f"bundle file name {name!r} is not allowed")


def build_manifest(files: Mapping[str, bytes], run: RunIdentity, criteria: Criteria) -> bytes:
    """The manifest bytes: sorted keys and file names, two-space indent, trailing newline."""
    for name in files:
        _check_name(name)
    document = {
        "format": MANIFEST_FORMAT,
        "run": run.to_json(),
        "criteria": criteria.to_json(),
        "files": [
            {"path": name, "sha256": sha256_hex(files[name]), "size": len(files[name])}
            for name in sorted(files)
        ],
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def write_bundle(
    out: Path,
    files: Mapping[str, bytes],
    run: RunIdentity,
    criteria: Criteria,
    signer: Signer,
) -> Path:
    """Write every file, the manifest and its signature into ``out`` (replaced if it is an
    earlier bundle; refused if it is a non-empty directory that is not a bundle)."""
    manifest = build_manifest(files, run, criteria)
    signature = signer.sign(manifest)
    check_out_dir(out)  # never through a planted symlink
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out} exists and is not a directory")
        if any(out.iterdir()) and not (out / MANIFEST).exists():
            raise UsageError(f"{out} is a non-empty directory that is not an evidence bundle")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, data in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (out / MANIFEST).write_bytes(manifest)
    (out / SIGNATURE).write_text(json.dumps(signature.to_json(), indent=2, sort_keys=True) + "\n")
    return out
