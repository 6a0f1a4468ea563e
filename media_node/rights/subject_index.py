"""The per-subject index: which recordings a pseudonymous subject took part in, without
reading every manifest.

One small object per (subject, recording): ``recordings/_index/subjects/<subject>/<id>`` whose
body names the meeting type. Entries are written once, before the recording's manifest (so
every manifest is indexed; an entry whose manifest never appeared is reported, not trusted),
deleted with the recording or when the subject is redacted from it, and never rewritten: no
read-modify-write race between nodes. A lookup is one prefix listing. On S3 the entries are
SSE-KMS encrypted like every object. ``rebuild_index`` derives the same entries by scanning
every manifest (bench/subject_index.py measures both at 100,000 recordings); ``media-node dsar
reindex`` runs it. A recording whose upload waited in the spool is indexed when the spool is
flushed (``Node.flush_spool``), its entries again before its manifest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from media_node.rights.objects import delete_all_versions, list_keys
from media_node.vault.manifest import Manifest, ManifestError, check_pseudonym
from media_node.vault.spool import pending_uploads
from media_node.vault.store import ObjectStore, ObjectStoreError

__all__ = [
    "IndexEntry",
    "entry_key",
    "index_manifest",
    "manifest_key",
    "pending_manifests",
    "rebuild_index",
    "recordings_of",
    "remove_entry",
    "scan_manifests",
]

INDEX_PREFIX = "recordings/_index/subjects/"
RECORDINGS_PREFIX = "recordings/"
MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class IndexEntry:
    subject: str
    recording_id: str
    meeting_type: str

    @property
    def manifest_key(self) -> str:
        return manifest_key(self.meeting_type, self.recording_id)

    @property
    def media_key(self) -> str:
        return f"{RECORDINGS_PREFIX}{self.meeting_type}/{self.recording_id}.cvr"


def manifest_key(meeting_type: str, recording_id: str) -> str:
    return f"{RECORDINGS_PREFIX}{meeting_type}/{recording_id}{MANIFEST_SUFFIX}"


def entry_key(subject: str, recording_id: str) -> str:
    return f"{INDEX_PREFIX}{check_pseudonym(subject, 'subject')}/{recording_id}"


def index_manifest(store: ObjectStore, manifest: Manifest) -> None:
    """Write one entry per subject of ``manifest`` (idempotent)."""
    body = json.dumps({"meeting_type": manifest.meeting_type}).encode()
    for subject in manifest.subjects:
        store.put_bytes(entry_key(subject, manifest.recording_id), body, "application/json")


def remove_entry(store: ObjectStore, subject: str, recording_id: str) -> None:
    delete_all_versions(store, entry_key(subject, recording_id))


def recordings_of(store: ObjectStore, subject: str) -> list[IndexEntry]:
    """The subject's recordings, from the index: one listing plus one small read per entry."""
    prefix = f"{INDEX_PREFIX}{check_pseudonym(subject, 'subject')}/"
    entries = []
    for key in list_keys(store, prefix):
        recording_id = key[len(prefix) :]
        try:
            meeting_type = str(json.loads(store.get_bytes(key))["meeting_type"])
        except (ValueError, KeyError, TypeError) as err:
            raise ObjectStoreError(f"index entry {key!r} is malformed ({err})") from None
        entries.append(IndexEntry(subject, recording_id, meeting_type))
    return entries


def iter_manifests(store: ObjectStore) -> Iterator[tuple[str, Manifest]]:
    """Every manifest in the store, read and parsed; a malformed one is an error (fail closed)."""
    for key in list_keys(store, RECORDINGS_PREFIX):
        if not key.endswith(MANIFEST_SUFFIX):
            continue
        try:
            yield key, Manifest.from_json(store.get_bytes(key))
        except ManifestError as err:
            raise ManifestError(f"{key}: {err}") from None


def scan_manifests(store: ObjectStore, subject: str) -> list[IndexEntry]:
    """The derived alternative to the index: read every manifest and keep the subject's."""
    return [
        IndexEntry(subject, manifest.recording_id, manifest.meeting_type)
        for _, manifest in iter_manifests(store)
        if subject in manifest.subjects
    ]


def rebuild_index(store: ObjectStore) -> int:
    """Re-derive every entry from the manifests (after a restore, or to heal). Returns the
    number of manifests indexed."""
    count = 0
    for _, manifest in iter_manifests(store):
        index_manifest(store, manifest)
        count += 1
    return count


def pending_manifests(spool_dir: Path) -> list[Manifest]:
    """Manifests still waiting in a node's spool (their upload failed; ``serve`` uploads and
    indexes them at its next start): not in the store, so not in the index yet."""
    found = []
    for key, path in pending_uploads(spool_dir):
        if key.endswith(MANIFEST_SUFFIX):
            try:
                found.append(Manifest.from_json(path.read_bytes()))
            except ManifestError as err:
                raise ManifestError(f"spooled {key}: {err}") from None
    return found
