"""Manifests hold no personal data; the local store's writes are atomic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from media_node.vault.context import recording_context
from media_node.vault.keys import LocalKeyProvider, create_local_key_file
from media_node.vault.manifest import Manifest, ManifestError, check_pseudonym
from media_node.vault.store import LocalDirectoryStore, ObjectStoreError
from media_node.vault.stream import decrypt_stream, encrypt_stream
from media_node.vault.verify import verify_object


def manifest(**changes: object) -> Manifest:
    fields: dict[str, object] = {
        "recording_id": "0f8e2c1a-4b7d-4e21-9a55-3c2d1e0f9a8b",
        "meeting_type": "customer-support",
        "legal_basis": "consent",
        "subjects": ("cust-7Hk2Qa", "agent-19fZ3x"),
        "consent_refs": ("consent-7Hk2Qa-1",),
        "started_at": "2026-11-23T10:00:00Z",
        "ended_at": "2026-11-23T10:12:00Z",
        "retention_until": "2026-12-23",
        "key_provider": "local",
        "key_ref": "local:0123456789abcdef01234567",
        "ciphertext_digest": "tags-sha256:" + "ab" * 32,
        "ciphertext_size": 1234,
        "container": "ogg",
        "codecs": ("opus",),
    }
    fields.update(changes)
    return Manifest(**fields)  # type: ignore[arg-type]


def test_manifest_round_trips_through_json() -> None:
    original = manifest()
    assert Manifest.from_json(original.to_json()) == original


@pytest.mark.parametrize(
    "subject",
    ["jane.doe@example.com", "192.168.1.20", "Jane Doe", "2001:db8::1", "ab"],
)
def test_manifest_refuses_personal_data_as_subject(subject: str) -> None:
    with pytest.raises(ManifestError):
        manifest(subjects=(subject,))


def test_malformed_manifest_is_a_clear_error() -> None:
    with pytest.raises(ManifestError, match="malformed manifest"):
        Manifest.from_json(b'{"recording_id": 1}')


def test_local_store_commit_is_atomic_and_abort_leaves_nothing(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path / "store")
    key = "recordings/customer-support/rec-1.cvr"
    writer = store.writer(key, "application/octet-stream")
    writer.write(b"half")
    assert not store.exists(key)  # a reader never sees a half-written object
    writer.commit()
    assert store.get_bytes(key) == b"half"
    with pytest.raises(RuntimeError):
        with store.writer("recordings/customer-support/rec-2.cvr", "x") as failing:
            failing.write(b"partial")
            raise RuntimeError("node stopped")
    assert not store.exists("recordings/customer-support/rec-2.cvr")
    assert list((tmp_path / "store" / ".partial").iterdir()) == []


def test_local_store_cleans_up_after_a_crash(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path / "store")
    writer = store.writer("recordings/x/rec-3.cvr", "x")
    writer.write(b"ciphertext")  # the process "crashes" here: no commit, no abort
    assert store.remove_partial_writes() == 1
    assert not store.exists("recordings/x/rec-3.cvr")


@pytest.mark.parametrize("key", ["../escape", "/abs", "a//b", "recordings/../../etc"])
def test_local_store_rejects_keys_that_escape(tmp_path: Path, key: str) -> None:
    store = LocalDirectoryStore(tmp_path / "store")
    with pytest.raises(ObjectStoreError, match="invalid object key"):
        store.writer(key, "x")


def test_vault_with_manifest_in_the_local_store(tmp_path: Path) -> None:
    key_file = tmp_path / "vault.key"
    create_local_key_file(key_file)
    provider = LocalKeyProvider(key_file)
    store = LocalDirectoryStore(tmp_path / "store")
    plaintext = os.urandom(600_000)
    key = "recordings/customer-support/rec-4.cvr"
    with store.writer(key, "application/octet-stream") as sink:
        result = encrypt_stream(
            provider,
            sink,
            recording_context("rec-4", "customer-support"),
            [plaintext[:100_000], plaintext[100_000:]],
        )
    record = manifest(
        ciphertext_digest=result.ciphertext_digest,
        ciphertext_size=result.ciphertext_size,
        key_ref=result.key_ref,
    )
    store.put_bytes(key.replace(".cvr", ".manifest.json"), record.to_json(), "application/json")
    stored = Manifest.from_json(store.get_bytes(key.replace(".cvr", ".manifest.json")))
    assert stored.ciphertext_size == len(store.get_bytes(key))
    assert stored.schema_version == 2 and stored.ciphertext_digest.startswith("tags-sha256:")
    assert verify_object(
        store.read(key), stored.ciphertext_digest, providers={"local": provider}
    ).authenticated
    assert b"".join(decrypt_stream(store.read(key), {"local": provider})) == plaintext
    assert plaintext[:16] not in store.get_bytes(key)


@pytest.mark.parametrize("value", ["cust-7f3a\n", "cust-7f3a\r\n", "\ncust-7f3a"])
def test_a_pseudonym_with_a_line_break_is_refused(value: str) -> None:
    # `$` matches before a final newline: "cust-7f3a\n" would be a second identity that
    # displays as the first.
    with pytest.raises(ManifestError):
        check_pseudonym(value, "participant")
