"""``gdpr-audit verify``: a bundle holds when its signature verifies and every file listed in
the manifest is present with its SHA-256, and no file is present that the manifest does not
list. Every problem is reported, naming the file."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bundle import MANIFEST, MANIFEST_FORMAT, SIGNATURE, sha256_hex
from .signing import (
    Signature,
    SignatureError,
    public_key_fingerprint,
    verify_with_public_key,
)

__all__ = ["Verification", "verify_bundle"]

KmsVerify = Callable[[bytes, bytes], bool]
"""(manifest bytes, signature) -> valid, e.g. :meth:`KmsSigner.verify`."""


@dataclass(frozen=True)
class Verification:
    problems: tuple[str, ...]
    files_checked: int
    key_id: str
    key_pinned: bool
    """False when no key was given and the bundle's own public key was used."""

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path.name}: unreadable ({error})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path.name}: not a JSON object")
    return document


def _parse_signature(raw: bytes) -> Signature:
    """The signature file, which must be exactly its canonical rendering (so a changed byte in
    any field, signed or not, is detected)."""
    try:
        document = json.loads(raw.decode("utf-8"))
        signature = Signature(
            algorithm=str(document["algorithm"]),
            key_id=str(document["key_id"]),
            public_key_pem=str(document["public_key"]),
            value=base64.b64decode(str(document["signature"]), validate=True),
        )
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, binascii.Error):
        raise ValueError(f"{SIGNATURE}: malformed signature file") from None
    canonical = json.dumps(signature.to_json(), indent=2, sort_keys=True) + "\n"
    if canonical.encode() != raw:
        raise ValueError(f"{SIGNATURE}: altered (not the file the signer wrote)")
    return signature


def _check_signature(
    manifest: bytes, raw: bytes, public_key_pem: str | None, kms_verify: KmsVerify | None
) -> tuple[list[str], str]:
    try:
        sig = _parse_signature(raw)
    except ValueError as error:
        return [str(error)], "?"
    bad = f"{MANIFEST}: signature does not verify ({sig.algorithm}, key {sig.key_id})"
    try:
        if sig.algorithm == "Ed25519" and public_key_fingerprint(sig.public_key_pem) != sig.key_id:
            return [f"{SIGNATURE}: key id does not match its public key"], sig.key_id
        # The embedded key always has to verify; a pinned key or KMS must verify as well.
        valid = verify_with_public_key(
            sig.public_key_pem, sig.algorithm, sig.key_id, manifest, sig.value
        )
        if valid and public_key_pem is not None:
            valid = verify_with_public_key(
                public_key_pem, sig.algorithm, sig.key_id, manifest, sig.value
            )
    except SignatureError as error:
        return [f"{SIGNATURE}: {error}"], sig.key_id
    if valid and kms_verify is not None:
        valid = kms_verify(manifest, sig.value)
    return ([] if valid else [bad]), sig.key_id


def _entries(directory: Path, listed: set[str]) -> tuple[set[str], list[str]]:
    """(regular files present, problems): a symbolic link (to a file, a directory or nothing)
    is never part of a bundle, and a directory holding no listed file was added."""
    files: set[str] = set()
    problems: list[str] = []
    needed_dirs = {p.rsplit("/", i)[0] for p in listed for i in range(1, p.count("/") + 1)}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_symlink():
            problems.append(f"{name}: a symbolic link, never part of a bundle (added)")
        elif path.is_dir():
            if name not in needed_dirs:
                problems.append(f"{name}/: a directory the manifest does not list (added)")
        elif path.is_file():
            files.add(name)
        else:
            problems.append(f"{name}: not a regular file (added)")
    return files, problems


def verify_bundle(
    directory: Path,
    *,
    public_key_pem: str | None = None,
    kms_verify: KmsVerify | None = None,
) -> Verification:
    for required in (MANIFEST, SIGNATURE):
        if not (directory / required).is_file():
            return Verification((f"{required}: missing",), 0, "?", False)
    manifest_bytes = (directory / MANIFEST).read_bytes()
    pinned = public_key_pem is not None or kms_verify is not None
    problems, key_id = _check_signature(
        manifest_bytes, (directory / SIGNATURE).read_bytes(), public_key_pem, kms_verify
    )
    try:
        manifest = _read_json(directory / MANIFEST)
    except ValueError as error:
        return Verification((*problems, str(error)), 0, key_id, pinned)
    if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("files"), list):
        problems.append(f"{MANIFEST}: not a {MANIFEST_FORMAT} manifest")
        return Verification(tuple(problems), 0, key_id, pinned)
    listed: dict[str, str] = {}
    for entry in manifest["files"]:
        listed[str(entry.get("path"))] = str(entry.get("sha256"))
    present, strays = _entries(directory, set(listed))
    problems.extend(strays)
    present -= {MANIFEST, SIGNATURE}
    for name in sorted(listed):
        if name not in present:
            problems.append(f"{name}: listed in the manifest but missing")
        elif sha256_hex((directory / name).read_bytes()) != listed[name]:
            problems.append(f"{name}: SHA-256 differs from the manifest (file changed)")
    for name in sorted(present - set(listed)):
        problems.append(f"{name}: not listed in the manifest (file added)")
    return Verification(tuple(problems), len(listed), key_id, pinned)
