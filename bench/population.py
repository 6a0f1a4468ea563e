"""A synthetic recording population for the rights benches: N manifests in a local store, of
which ``own`` name the subject, plus the per-subject index entries. Written straight into the
store's directory layout (no fsync per file) so building 100,000 takes seconds, not minutes."""

from __future__ import annotations

import json
from pathlib import Path

from media_node.rights.subject_index import entry_key, manifest_key
from media_node.vault.manifest import Manifest

SUBJECT = "cust-target01"


def manifest(
    index: int, subjects: tuple[str, ...], *, retention_until: str = "2030-01-01"
) -> Manifest:
    return Manifest(
        recording_id=f"rec-{index:08d}",
        meeting_type="sales-call",
        legal_basis="consent",
        subjects=subjects,
        consent_refs=(),
        started_at="2026-01-01T10:00:00Z",
        ended_at="2026-01-01T10:30:00Z",
        retention_until=retention_until,
        key_provider="local",
        key_ref="local:bench",
        ciphertext_digest="tags-sha256:" + "0" * 64,
        ciphertext_size=0,
        container="webm",
        codecs=("opus", "vp8"),
    )


def build(root: Path, total: int, own: int) -> list[Manifest]:
    """Write ``total`` manifests (every ``total // own``-th names SUBJECT) with index entries;
    returns the subject's manifests."""
    step = max(1, total // max(1, own))
    mine: list[Manifest] = []
    for index in range(total):
        subjects = ("agent-0001", f"cust-{index % 1000:08d}")  # 1,000 repeat customers
        if index % step == 0 and len(mine) < own:
            subjects = ("agent-0001", SUBJECT)
        record = manifest(index, subjects)
        path = root / manifest_key(record.meeting_type, record.recording_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(record.to_json())
        for subject in subjects:
            entry = root / entry_key(subject, record.recording_id)
            entry.parent.mkdir(parents=True, exist_ok=True)
            entry.write_text(json.dumps({"meeting_type": record.meeting_type}))
        if SUBJECT in subjects:
            mine.append(record)
    return mine
