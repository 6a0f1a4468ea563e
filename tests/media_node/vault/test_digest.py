"""The stream digest a manifest records (tags-sha256) and `verify_object`: what it binds with
the data key and without it, and schema-1 manifests (the whole-object SHA-256 the writer
used to compute) still read, round-trip and verify."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from media_node.vault.context import recording_context
from media_node.vault.envelope import (
    TAG_SIZE,
    IntegrityError,
    StreamDecryptor,
    TruncatedError,
    parse_header,
)
from media_node.vault.keys import LocalKeyProvider, create_local_key_file
from media_node.vault.manifest import Manifest, ManifestError
from media_node.vault.store import LocalDirectoryStore
from media_node.vault.stream import UnwrapWithProviders, decrypt_stream, encrypt_stream
from media_node.vault.verify import VerifyError, keyless_stream_digest, verify_object

CHUNK = 256


class Sink:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    def commit(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


@pytest.fixture()
def provider(tmp_path: Path) -> LocalKeyProvider:
    create_local_key_file(tmp_path / "vault.key")
    return LocalKeyProvider(tmp_path / "vault.key")


def seal(provider: LocalKeyProvider, plaintext: bytes, *, whole: bool = False) -> tuple[bytes, str]:
    sink = Sink()
    result = encrypt_stream(
        provider,
        sink,
        recording_context("rec-00000001", "sales-call"),
        [plaintext],
        chunk_size=CHUNK,
        whole_sha256=whole,
    )
    data = bytes(sink.data)
    assert result.ciphertext_size == len(data)
    if whole:
        assert result.ciphertext_sha256 == hashlib.sha256(data).hexdigest()
        return data, f"sha256:{result.ciphertext_sha256}"
    assert result.ciphertext_sha256 is None, "the writer hashes every byte only when asked"
    return data, result.ciphertext_digest


def pieces(data: bytes, seed: int) -> Iterator[bytes]:
    """``data`` in random-sized blocks (1 byte up to three chunks): tags straddle blocks."""
    rng = random.Random(seed)
    at = 0
    while at < len(data):
        step = rng.choice([1, 7, TAG_SIZE - 1, CHUNK, CHUNK + TAG_SIZE, 3 * CHUNK + 5])
        yield data[at : at + step]
        at += step


def chunk_bounds(data: bytes) -> tuple[int, int]:
    parsed = parse_header(data)
    assert parsed is not None
    return parsed[1], CHUNK + TAG_SIZE


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK, 5 * CHUNK + 17])
def test_writer_reader_and_keyless_walk_compute_the_same_digest(
    provider: LocalKeyProvider, size: int
) -> None:
    plaintext = os.urandom(size)
    data, digest = seal(provider, plaintext)
    assert digest.startswith("tags-sha256:") and len(digest) == len("tags-sha256:") + 64
    for seed in range(5):
        assert keyless_stream_digest(pieces(data, seed)) == (digest, len(data))
    decryptor = StreamDecryptor(UnwrapWithProviders({"local": provider}))
    opened = b"".join(decryptor.update(block) for block in pieces(data, 9))
    assert opened + decryptor.finalize() == plaintext
    assert decryptor.digest == digest
    checked = verify_object(pieces(data, 3), digest, expected_size=len(data))
    assert not checked.authenticated and checked.algorithm == "tags-sha256"
    keyed = verify_object(pieces(data, 4), digest, providers={"local": provider})
    assert keyed.authenticated and keyed.ciphertext_size == len(data)


def test_two_encryptions_of_the_same_plaintext_have_different_digests(
    provider: LocalKeyProvider,
) -> None:
    plaintext = os.urandom(3 * CHUNK)
    assert seal(provider, plaintext)[1] != seal(provider, plaintext)[1]


def tampered(data: bytes, how: str) -> bytes:
    header, sealed = chunk_bounds(data)
    out = bytearray(data)
    if how == "header byte":
        out[header - 1] ^= 1  # the nonce prefix
    elif how == "tag byte":
        out[header + sealed - 1] ^= 1
    elif how == "truncated to whole chunks":
        del out[header + 2 * sealed :]
    elif how == "appended chunk":
        out += out[header : header + sealed]
    elif how == "chunks swapped":
        first, second = out[header : header + sealed], out[header + sealed : header + 2 * sealed]
        out[header : header + 2 * sealed] = second + first
    elif how == "final chunk dropped":
        del out[header + 3 * sealed :]
    return bytes(out)


@pytest.mark.parametrize(
    "how",
    [
        "header byte",
        "tag byte",
        "truncated to whole chunks",
        "appended chunk",
        "chunks swapped",
        "final chunk dropped",
    ],
)
def test_without_the_key_the_digest_catches_every_change_of_layout_header_or_tag(
    provider: LocalKeyProvider, how: str
) -> None:
    data, digest = seal(provider, os.urandom(3 * CHUNK + 40))
    bad = tampered(data, how)
    with pytest.raises((VerifyError, TruncatedError)):
        verify_object(pieces(bad, 1), digest)
    with pytest.raises((VerifyError, IntegrityError, TruncatedError)):
        verify_object(pieces(bad, 2), digest, providers={"local": provider})


def test_a_changed_chunk_body_passes_the_keyless_check_and_fails_with_the_key(
    provider: LocalKeyProvider,
) -> None:
    """The documented limit: without the key, the bytes between the tags are not checked."""
    data, digest = seal(provider, os.urandom(3 * CHUNK))
    header, _ = chunk_bounds(data)
    bad = bytearray(data)
    bad[header + 10] ^= 0x80
    assert verify_object([bytes(bad)], digest).authenticated is False
    with pytest.raises(IntegrityError, match="chunk 0"):
        verify_object([bytes(bad)], digest, providers={"local": provider})


def test_an_object_of_the_same_key_but_other_content_is_not_the_one_named(
    provider: LocalKeyProvider,
) -> None:
    data, digest = seal(provider, os.urandom(2 * CHUNK))
    other, _ = seal(provider, os.urandom(2 * CHUNK))
    assert b"".join(decrypt_stream([other], {"local": provider}))  # authenticates on its own
    with pytest.raises(VerifyError, match="does not match"):
        verify_object([other], digest, providers={"local": provider})
    with pytest.raises(VerifyError, match="does not match"):
        verify_object([other], digest)
    with pytest.raises(VerifyError, match="bytes, its manifest says"):
        verify_object([data], digest, expected_size=len(data) + 1)


def test_a_truncated_header_or_a_torn_tag_is_a_clear_error(provider: LocalKeyProvider) -> None:
    data, digest = seal(provider, os.urandom(CHUNK + 50))
    header, sealed = chunk_bounds(data)
    with pytest.raises(TruncatedError, match="header"):
        verify_object([data[: header - 3]], digest)
    with pytest.raises(TruncatedError, match="inside a chunk tag"):
        verify_object([data[: header + sealed + 5]], digest)


# -- schema 1: manifests written before the stream digest --------------------------------------

V1_MANIFEST = b"""{
 "agents": [
  "agent-19fZ3x"
 ],
 "ciphertext_sha256": "%(sha)s",
 "ciphertext_size": %(size)d,
 "codecs": [
  "opus"
 ],
 "complete": true,
 "consent_refs": [
  "consent-7Hk2Qa-1"
 ],
 "container": "ogg",
 "ended_at": "2026-11-23T10:12:00Z",
 "key_provider": "local",
 "key_ref": "local:0123456789abcdef01234567",
 "legal_basis": "consent",
 "meeting_type": "customer-support",
 "missing_streams": {
  "cust-7Hk2Qa/video/1": "store failed"
 },
 "recording_id": "0f8e2c1a-4b7d-4e21-9a55-3c2d1e0f9a8b",
 "retention_until": "2026-12-23",
 "schema_version": 1,
 "started_at": "2026-11-23T10:00:00Z",
 "subjects": [
  "cust-7Hk2Qa",
  "agent-19fZ3x"
 ]
}"""
"""Byte for byte what the schema-1 code wrote (Manifest.to_json before the stream digest)."""


def test_a_schema_1_manifest_reads_round_trips_and_verifies_its_object(
    provider: LocalKeyProvider, tmp_path: Path
) -> None:
    data, whole = seal(provider, os.urandom(4 * CHUNK + 3), whole=True)
    raw = V1_MANIFEST % {b"sha": hashlib.sha256(data).hexdigest().encode(), b"size": len(data)}
    manifest = Manifest.from_json(raw)
    assert manifest.schema_version == 1 and manifest.ciphertext_digest == whole
    assert manifest.to_json() == raw, "written back in its own schema, unchanged"
    store = LocalDirectoryStore(tmp_path / "store")
    store.put_bytes("recordings/customer-support/old.cvr", data, "application/octet-stream")
    read = store.read("recordings/customer-support/old.cvr", 100)
    checked = verify_object(read, manifest.ciphertext_digest, expected_size=len(data))
    assert checked.algorithm == "sha256" and not checked.authenticated
    keyed = verify_object(
        pieces(data, 5),
        manifest.ciphertext_digest,
        expected_size=manifest.ciphertext_size,
        providers={"local": provider},
    )
    assert keyed.authenticated
    # Without the key, the whole-object hash still sees a changed chunk body.
    header, _ = chunk_bounds(data)
    bad = bytearray(data)
    bad[header + 10] ^= 0x80
    with pytest.raises(VerifyError, match="does not match"):
        verify_object([bytes(bad)], manifest.ciphertext_digest)


def test_schemas_and_digest_algorithms_do_not_mix() -> None:
    raw = V1_MANIFEST % {b"sha": b"ab" * 32, b"size": 10}
    with pytest.raises(ManifestError, match="64 lowercase hex"):
        Manifest.from_json(raw.replace(b"ab" * 32, b"AB" * 32))
    with pytest.raises(ManifestError, match="schema_version"):
        Manifest.from_json(raw.replace(b'"schema_version": 1', b'"schema_version": 7'))
    v1 = Manifest.from_json(raw)
    with pytest.raises(ManifestError, match="schema-1 manifest names its ciphertext by sha256"):
        Manifest(**{**v1.__dict__, "ciphertext_digest": "tags-sha256:" + "ab" * 32})
    with pytest.raises(ManifestError, match="tags-sha256:<64 hex>"):
        Manifest(**{**v1.__dict__, "schema_version": 2, "ciphertext_digest": "md5:" + "ab" * 16})
