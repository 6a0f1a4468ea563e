"""The retention sweeper and legal holds.

``sweep`` removes every recording whose manifest's ``retention_until`` has passed (its media
and manifest with every version, its index entries, its spool leftovers), except recordings
under a legal hold. It works on the local store, where no lifecycle rule exists, and on S3
as a second line behind the bucket's lifecycle rule. A hold is an object
``recordings/_holds/<recording_id>.json`` (who, why, when) in the store, plus S3's object
legal hold on the media where the bucket has object lock, so not even a lifecycle rule removes it.

Consent records (media_node.rights.consents) go when no stored, held or spooled recording rests
on a consent of their (participant, session) any more and their own ``keep until`` date has
passed: the proof lives as long as what it justifies, and a refusal or withdrawal is kept for
the meeting type's retention.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from media_node.rights.consents import ConsentKey, consent_keys, referenced_groups
from media_node.rights.objects import delete_all_versions, list_keys, set_s3_legal_hold
from media_node.rights.subject_index import entry_key, iter_manifests, pending_manifests
from media_node.vault.manifest import Manifest
from media_node.vault.store import ObjectStore

__all__ = ["SweepResult", "add_hold", "held_recordings", "remove_hold", "sweep"]

HOLDS_PREFIX = "recordings/_holds/"
LogAction = Callable[[str, str], object]


@dataclass(frozen=True)
class SweepResult:
    removed: tuple[str, ...]
    held: tuple[str, ...]
    """Expired but kept under a legal hold."""
    spool_files_removed: int
    dry_run: bool
    consents_removed: tuple[str, ...] = ()
    """Consent records removed (or, in a dry run, that would be)."""


def _media_key(meeting_type: str, recording_id: str) -> str:
    return f"recordings/{meeting_type}/{recording_id}.cvr"


def add_hold(
    store: ObjectStore,
    recording_id: str,
    meeting_type: str,
    reason: str,
    actor: str,
    now: dt.datetime,
) -> bool:
    """Place a legal hold; True if S3 object lock also holds the media."""
    if not reason.strip():
        raise ValueError("a legal hold needs a reason (case or matter reference)")
    body = {
        "recording_id": recording_id,
        "meeting_type": meeting_type,
        "reason": reason,
        "actor": actor,
        "since": now.isoformat().replace("+00:00", "Z"),
    }
    store.put_bytes(
        f"{HOLDS_PREFIX}{recording_id}.json", json.dumps(body).encode(), "application/json"
    )
    return set_s3_legal_hold(store, _media_key(meeting_type, recording_id), True)


def remove_hold(store: ObjectStore, recording_id: str, meeting_type: str) -> None:
    set_s3_legal_hold(store, _media_key(meeting_type, recording_id), False)
    delete_all_versions(store, f"{HOLDS_PREFIX}{recording_id}.json")


def held_recordings(store: ObjectStore) -> set[str]:
    return {
        key[len(HOLDS_PREFIX) : -len(".json")]
        for key in list_keys(store, HOLDS_PREFIX)
        if key.endswith(".json")
    }


def sweep(
    store: ObjectStore,
    today: dt.date,
    *,
    spool_dir: Path | None = None,
    dry_run: bool = False,
    log: LogAction | None = None,
) -> SweepResult:
    held = held_recordings(store)
    expired: list[Manifest] = []
    relied_on: set[str] = set()
    """Consent ids a recording that stays rests on."""
    for _, manifest in iter_manifests(store):
        if dt.date.fromisoformat(manifest.retention_until) < today:
            expired.append(manifest)
        else:
            relied_on.update(manifest.consent_refs)
    if spool_dir is not None:
        for manifest in pending_manifests(spool_dir):
            relied_on.update(manifest.consent_refs)
    removed, kept = [], []
    for manifest in expired:
        rid = manifest.recording_id
        if rid in held:
            kept.append(rid)
            relied_on.update(manifest.consent_refs)
            continue
        removed.append(rid)
        if dry_run:
            continue
        # Media first, manifest last: a crash mid-way leaves the manifest, so the next sweep
        # finds the recording again and finishes.
        delete_all_versions(store, _media_key(manifest.meeting_type, rid))
        for subject in manifest.subjects:
            delete_all_versions(store, entry_key(subject, rid))
        delete_all_versions(store, f"recordings/{manifest.meeting_type}/{rid}.manifest.json")
        if log:
            log("retention-delete", f"recording:{rid}")
    consents_removed = _sweep_consents(store, today, relied_on, dry_run=dry_run, log=log)
    spool_removed = 0
    if spool_dir is not None and spool_dir.is_dir():
        for path in spool_dir.iterdir():
            if any(rid in path.name for rid in removed):
                spool_removed += 1
                if not dry_run:
                    path.unlink(missing_ok=True)
    return SweepResult(tuple(removed), tuple(kept), spool_removed, dry_run, consents_removed)


def _sweep_consents(
    store: ObjectStore,
    today: dt.date,
    relied_on: set[str],
    *,
    dry_run: bool,
    log: LogAction | None,
) -> tuple[str, ...]:
    groups: dict[tuple[str, str], list[ConsentKey]] = {}
    for key in consent_keys(store):
        groups.setdefault((key.participant, key.session_id), []).append(key)
    needed = referenced_groups([k for keys in groups.values() for k in keys], relied_on)
    removed: list[str] = []
    for group, keys in sorted(groups.items()):
        if group in needed or any(k.keep_until >= today for k in keys):
            continue
        for key in keys:
            removed.append(key.consent_id)
            if dry_run:
                continue
            delete_all_versions(store, key.key)
            if log:
                log("retention-delete-consent", f"consent:{key.consent_id}")
    return tuple(removed)
