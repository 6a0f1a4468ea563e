"""A recording whose upload waited in the spool is indexed by subject when the spool is
flushed, like one stored at once: an access export or an erasure finds it (Art. 15/17)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from media_node.cli import main
from media_node.node import Node
from media_node.node_config import NodeConfig
from media_node.recorder import recording_keys
from media_node.rights.subject_index import rebuild_index, recordings_of, remove_entry
from media_node.vault.context import recording_context
from media_node.vault.keys import LocalKeyProvider
from media_node.vault.manifest import Manifest
from media_node.vault.spool import SpoolingWriter, flush_pending
from media_node.vault.store import LocalDirectoryStore, ObjectStoreError
from media_node.vault.stream import EncryptingWriter

from .rights_helpers import PASSPHRASE, store_recording
from .test_api_security import FlakyStore

SUBJECTS = ("agent-pend-01", "cust-pend-01")
RECORDING = "rec-pending0001"
MEETING_TYPE = "claims-inspection"


def _spool_a_recording(node: Node, store: FlakyStore) -> None:
    """What the recorder does when the store is down at the end of a call: ciphertext and
    manifest both left ``pending`` in the spool."""
    media_key, manifest_key = recording_keys(MEETING_TYPE, RECORDING)
    store.down = True
    sink = SpoolingWriter(store, media_key, "application/octet-stream", node.spool_dir, retries=1)
    writer = EncryptingWriter(node.key_provider, sink, recording_context(RECORDING, MEETING_TYPE))
    writer.write(b"\x1a\x45\xdf\xa3 not really webm")
    sealed = writer.close()
    manifest = Manifest(
        recording_id=RECORDING,
        meeting_type=MEETING_TYPE,
        legal_basis="legal-obligation",
        subjects=SUBJECTS,
        consent_refs=(),
        started_at="2026-11-23T10:00:00Z",
        ended_at="2026-11-23T10:05:00Z",
        retention_until="2029-11-23",
        key_provider=sealed.key_provider,
        key_ref=sealed.key_ref,
        ciphertext_digest=sealed.ciphertext_digest,
        ciphertext_size=sealed.ciphertext_size,
        container="webm",
        codecs=("opus",),
        complete=False,
    )
    with SpoolingWriter(
        store, manifest_key, "application/json", node.spool_dir, retries=1
    ) as spooled:
        spooled.write(manifest.to_json())
        spooled.commit()
    assert sink.state == spooled.state == "pending"
    store.down = False


@pytest.fixture
def pending(tmp_path: Path, local_node_config: NodeConfig) -> tuple[Node, FlakyStore]:
    store = FlakyStore(LocalDirectoryStore(tmp_path / "bucket"))
    node = Node(local_node_config, store=store)
    _spool_a_recording(node, store)
    return node, store


def test_a_recording_uploaded_from_the_spool_is_in_the_subject_index(
    pending: tuple[Node, FlakyStore],
) -> None:
    node, store = pending
    flushed = node.flush_spool()
    assert sorted(k.rsplit(".", 1)[-1] for k in flushed) == ["cvr", "json"]
    for subject in SUBJECTS:
        found = [e.recording_id for e in recordings_of(store.inner, subject)]
        assert found == [RECORDING], f"{subject}'s pending-upload recording is not indexed"


def test_a_manifest_that_cannot_be_indexed_stays_pending(
    pending: tuple[Node, FlakyStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Index entries before the manifest, as on the direct path: if they cannot be written,
    the manifest is not uploaded either (a stored manifest is always findable by subject)."""
    node, store = pending
    real_put = store.inner.put_bytes

    def put_bytes(key: str, data: bytes, content_type: str) -> None:
        if key.startswith("recordings/_index/"):
            raise ObjectStoreError("index write refused")
        real_put(key, data, content_type)

    monkeypatch.setattr(store.inner, "put_bytes", put_bytes)
    flushed = node.flush_spool()
    assert [k.rsplit(".", 1)[-1] for k in flushed] == ["cvr"]
    assert not store.inner.exists(recording_keys(MEETING_TYPE, RECORDING)[1])
    monkeypatch.undo()
    assert [k.rsplit(".", 1)[-1] for k in node.flush_spool()] == ["json"]
    assert [e.recording_id for e in recordings_of(store.inner, SUBJECTS[1])] == [RECORDING]


def test_rebuild_index_heals_a_store_written_without_entries(
    pending: tuple[Node, FlakyStore],
) -> None:
    node, store = pending
    # Upload the spooled objects the way an older node did: no index entries at all.
    flush_pending(store.inner, node.spool_dir, lambda key: "application/octet-stream")
    assert recordings_of(store.inner, SUBJECTS[0]) == []
    assert rebuild_index(store.inner) == 1
    assert [e.recording_id for e in recordings_of(store.inner, SUBJECTS[0])] == [RECORDING]


def test_dsar_reindex_and_the_warning_about_recordings_still_in_the_spool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    dpo = ("--actor", "dpo-0001", "--today", "2026-11-23")
    state = tmp_path / ".callvault-node"
    main(["dsar", "list", *dpo])  # creates the embedded store and key, as `serve` would
    store = LocalDirectoryStore(state / "store")
    manifest = store_recording(
        store, LocalKeyProvider(state / "vault.key"), "rec-unindexed1", ("alice-01",)
    )
    remove_entry(store, "alice-01", manifest.recording_id)  # as if written by an older node
    spooled = replace(manifest, recording_id="rec-spooled001", complete=False)
    waiting = (
        state
        / "spool"
        / (
            quote(f"recordings/sales-call/{spooled.recording_id}.manifest.json", safe="")
            + ".pending"
        )
    )
    waiting.parent.mkdir(parents=True, exist_ok=True)
    waiting.write_bytes(spooled.to_json())
    (tmp_path / "pass").write_text(PASSPHRASE)
    export = ("dsar", "export", *dpo, "--subject", "alice-01", "--passphrase-file", "pass")
    capsys.readouterr()
    assert main([*export, "--out", "before.cvx"]) == 0
    out, err = capsys.readouterr()
    assert "0 recordings" in out
    assert "1 recording(s) of alice-01 still wait for upload" in err and "rec-spooled001" in err
    assert main(["dsar", "reindex", *dpo]) == 0
    assert "rebuilt from 1 manifests" in capsys.readouterr().out
    assert main([*export, "--out", "after.cvx"]) == 0
    assert "1 recordings" in capsys.readouterr().out
    log = [json.loads(line) for line in (state / "access.log").read_text().splitlines()]
    assert "dsar-reindex" in [entry["action"] for entry in log]
