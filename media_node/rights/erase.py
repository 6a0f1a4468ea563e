"""Erasure (Art. 17) with per-participant redaction, resumable after a crash.

For each recording of the subject (from the subject index) the plan is one of:

* ``delete`` — the subject is the only data subject: every version of the media and the
  manifest, and the index entry, are deleted;
* ``redact`` — others took part: the media is re-muxed without the subject's tracks (packets
  copied, nothing transcoded), sealed under a new data key and stored as the current object;
  the manifest is rewritten without the subject; every noncurrent version of both is deleted;
* ``keep`` — the meeting type's legal basis is a legal obligation and its retention has not
  ended (Art. 17(3)(b)): refused, with the date erasure becomes possible, unless the DPO
  overrides with a justification.

Consent records (media_node.rights.consents): the subject's records are the subject's
personal data and are deleted, after the recordings, except those that are the proof of consent
for a recording the plan keeps: while that recording exists, Art. 7(1) requires the controller
to demonstrate the consent it rests on, and Art. 17(3)(e) (legal claims) lets it keep that
proof; the receipt lists each kept record with the recordings and the date they go, and the
retention sweeper removes it with them. A redacted recording stops naming the subject's
consents (its remaining participants' consents are theirs).

The plan and each finished step go to a journal (``<journal_dir>/<job>.json``, fsynced) before
the next step starts; every step is idempotent (redaction is a projection: re-running it on an
already redacted object changes nothing), so ``erase_subject(..., job_id=...)`` after a crash
finishes the job and ends in the same state as an uninterrupted run. The result is a receipt
signed with Ed25519 listing what was deleted, redacted or kept and why.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from media_node.rights.consents import consent_keys, referenced_groups
from media_node.rights.objects import delete_all_versions, delete_noncurrent_versions
from media_node.rights.receipts import sign_receipt
from media_node.rights.remux import remux_tracks
from media_node.rights.subject_index import entry_key, manifest_key, recordings_of
from media_node.vault.context import recording_context
from media_node.vault.keys import KeyProvider
from media_node.vault.manifest import MANIFEST_SCHEMA_VERSION, Manifest
from media_node.vault.store import ObjectStore
from media_node.vault.stream import EncryptingWriter, decrypt_recording

__all__ = ["ErasureRefused", "erase_subject", "plan_consents", "plan_erasure"]

LEGAL_OBLIGATION = "legal-obligation"
StepHook = Callable[[str], object]
LogAction = Callable[[str, str], object]


class ErasureRefused(ValueError):
    """An override was asked for without a justification."""


def _media_key(meeting_type: str, recording_id: str) -> str:
    return f"recordings/{meeting_type}/{recording_id}.cvr"


def plan_erasure(
    store: ObjectStore,
    subject: str,
    today: dt.date,
    *,
    override: str = "",
) -> list[dict[str, Any]]:
    """What erasing ``subject`` would do to each of their recordings, and why."""
    plan = []
    for entry in recordings_of(store, subject):
        manifest = Manifest.from_json(store.get_bytes(entry.manifest_key))
        item: dict[str, Any] = {
            "recording_id": entry.recording_id,
            "meeting_type": entry.meeting_type,
            "subjects": list(manifest.subjects),
            "consent_refs": list(manifest.consent_refs),
            "done": [],
        }
        until = dt.date.fromisoformat(manifest.retention_until)
        if manifest.legal_basis == LEGAL_OBLIGATION and today < until and not override:
            item["action"] = "keep"
            item["reason"] = (
                "legal obligation to retain (Art. 17(3)(b)) until "
                f"{manifest.retention_until}; erasure possible from {manifest.retention_until}"
            )
            item["possible_from"] = manifest.retention_until
        elif manifest.subjects == (subject,):
            item["action"] = "delete"
            item["reason"] = "the subject is the only data subject of this recording"
        else:
            item["action"] = "redact"
            item["reason"] = "other participants' tracks are kept; the subject's are removed"
        if item["action"] != "keep" and manifest.legal_basis == LEGAL_OBLIGATION and today < until:
            item["override"] = override
        plan.append(item)
    return plan


def plan_consents(
    store: ObjectStore, subject: str, plan: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What erasing ``subject`` does to each of their consent records, and why."""
    keys = consent_keys(store, subject)
    kept_by: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in plan:
        if item["action"] == "keep":
            for group in referenced_groups(keys, item.get("consent_refs", [])):
                kept_by.setdefault(group, []).append(item)
    consents = []
    for key in keys:
        kept = kept_by.get((key.participant, key.session_id), [])
        entry: dict[str, Any] = {"consent_id": key.consent_id, "key": key.key, "done": False}
        if kept:
            entry["action"] = "keep"
            entry["recordings"] = sorted(i["recording_id"] for i in kept)
            until = max(i["possible_from"] for i in kept)
            entry["reason"] = (
                "proof of the consent a kept recording rests on (Art. 7(1)); kept to establish "
                f"or defend legal claims (Art. 17(3)(e)) until the recording goes ({until})"
            )
        else:
            entry["action"] = "delete"
            entry["reason"] = "the subject's consent record; no kept recording rests on it"
        consents.append(entry)
    return consents


class _Journal:
    def __init__(self, path: Path, document: dict[str, Any]) -> None:
        self.path = path
        self.doc = document

    def save(self) -> None:
        temp = self.path.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(self.doc, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)


def _redact_media(
    store: ObjectStore,
    providers: Mapping[str, KeyProvider],
    key_provider: KeyProvider,
    manifest: Manifest,
    subject: str,
    own_consents: frozenset[str],
) -> tuple[Manifest, list[str]]:
    media = _media_key(manifest.meeting_type, manifest.recording_id)
    context = recording_context(manifest.recording_id, manifest.meeting_type)
    sink = store.writer(media, "application/octet-stream")
    writer = EncryptingWriter(key_provider, sink, context)
    try:
        _, dropped = remux_tracks(
            decrypt_recording(store.read(media), providers, manifest),
            manifest.container,
            lambda owner: owner != subject,
            writer.write,
        )
        sealed = writer.close()
    except BaseException:
        writer.abort()
        raise
    redacted = replace(
        manifest,
        subjects=tuple(s for s in manifest.subjects if s != subject),
        agents=tuple(a for a in manifest.agents if a != subject),
        consent_refs=tuple(r for r in manifest.consent_refs if r not in own_consents),
        key_provider=sealed.key_provider,
        key_ref=sealed.key_ref,
        ciphertext_digest=sealed.ciphertext_digest,
        ciphertext_size=sealed.ciphertext_size,
        schema_version=MANIFEST_SCHEMA_VERSION,  # a schema-1 recording is rewritten as schema 2
    )
    return redacted, dropped


def _steps(
    store: ObjectStore,
    providers: Mapping[str, KeyProvider],
    key_provider: KeyProvider,
    subject: str,
    item: dict[str, Any],
    own_consents: frozenset[str],
) -> list[tuple[str, Callable[[], object]]]:
    """The idempotent steps of one planned item, in order."""
    rid, mtype = item["recording_id"], item["meeting_type"]
    media, manifest_at = _media_key(mtype, rid), manifest_key(mtype, rid)
    index_entry = entry_key(subject, rid)
    if item["action"] == "delete":
        return [
            ("media", lambda: delete_all_versions(store, media)),
            ("manifest", lambda: delete_all_versions(store, manifest_at)),
            ("index", lambda: delete_all_versions(store, index_entry)),
        ]
    if item["action"] != "redact":
        return []

    def redact() -> None:
        current = Manifest.from_json(store.get_bytes(manifest_at))
        redacted, dropped = _redact_media(
            store, providers, key_provider, current, subject, own_consents
        )
        # The journal carries the new manifest: a crash before it is stored re-runs the
        # projection, which drops nothing more.
        item["new_manifest"] = json.loads(redacted.to_json())
        item.setdefault("tracks_removed", dropped)

    def store_manifest() -> None:
        manifest = Manifest.from_json(json.dumps(item["new_manifest"]).encode())
        store.put_bytes(manifest_at, manifest.to_json(), "application/json")

    def delete_old_versions() -> None:
        for key in (media, manifest_at):
            delete_noncurrent_versions(store, key)

    return [
        ("media", redact),
        ("manifest", store_manifest),
        ("old-versions", delete_old_versions),
        ("index", lambda: delete_all_versions(store, index_entry)),
    ]


def erase_subject(
    store: ObjectStore,
    providers: Mapping[str, KeyProvider],
    key_provider: KeyProvider,
    subject: str,
    *,
    journal_dir: Path,
    signing_key: Ed25519PrivateKey,
    today: dt.date,
    actor: str,
    override: str = "",
    job_id: str | None = None,
    log: LogAction | None = None,
    after_step: StepHook | None = None,
) -> dict[str, Any]:
    """Erase (or resume erasing, with ``job_id``) ``subject``; returns the signed receipt,
    which is also stored as ``recordings/_rights/receipts/<job>.json``."""
    journal_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if job_id is None:
        job_id = f"era-{today:%Y%m%d}-{secrets.token_hex(4)}"
        plan = plan_erasure(store, subject, today, override=override)
        journal = _Journal(
            journal_dir / f"{job_id}.json",
            {
                "job": job_id,
                "subject": subject,
                "actor": actor,
                "override": override,
                "started": today.isoformat(),
                "plan": plan,
                "consents": plan_consents(store, subject, plan),
            },
        )
        journal.save()
    else:
        path = journal_dir / f"{job_id}.json"
        if not path.exists():
            raise ValueError(f"no erasure journal {path}: check the job id")
        journal = _Journal(path, json.loads(path.read_text()))
        subject = journal.doc["subject"]

    consents: list[dict[str, Any]] = journal.doc.get("consents", [])
    own = frozenset(c["consent_id"] for c in consents)
    for item in journal.doc["plan"]:
        for name, action in _steps(store, providers, key_provider, subject, item, own):
            if name in item["done"]:
                continue
            action()
            item["done"].append(name)
            journal.save()
            if log:
                log(f"dsar-erase-{name}", f"recording:{item['recording_id']}")
            if after_step:
                after_step(f"{item['recording_id']}:{name}")
    # Consent records last: a recording is never left without the proof it rests on.
    for entry in consents:
        if entry["action"] != "delete" or entry["done"]:
            continue
        delete_all_versions(store, entry["key"])
        entry["done"] = True
        journal.save()
        if log:
            log("dsar-erase-consent", f"consent:{entry['consent_id']}")
        if after_step:
            after_step(f"consent:{entry['consent_id']}")
    if log:
        for entry in consents:
            if entry["action"] == "keep":
                log("dsar-erase-consent-kept", f"consent:{entry['consent_id']}")
    body = {
        "job": job_id,
        "subject": subject,
        "actor": actor,
        "started": journal.doc["started"],
        "completed": today.isoformat(),
        "override": journal.doc["override"],
        "deleted": [
            {"recording_id": i["recording_id"], "reason": i["reason"]}
            for i in journal.doc["plan"]
            if i["action"] == "delete"
        ],
        "redacted": [
            {
                "recording_id": i["recording_id"],
                "reason": i["reason"],
                "tracks_removed": i.get("tracks_removed", []),
            }
            for i in journal.doc["plan"]
            if i["action"] == "redact"
        ],
        "kept": [
            {
                "recording_id": i["recording_id"],
                "reason": i["reason"],
                "possible_from": i["possible_from"],
            }
            for i in journal.doc["plan"]
            if i["action"] == "keep"
        ],
        "consents_deleted": [
            {"consent_id": c["consent_id"], "reason": c["reason"]}
            for c in consents
            if c["action"] == "delete"
        ],
        "consents_kept": [
            {"consent_id": c["consent_id"], "reason": c["reason"], "recordings": c["recordings"]}
            for c in consents
            if c["action"] == "keep"
        ],
    }
    receipt = sign_receipt(signing_key, body)
    store.put_bytes(
        f"recordings/_rights/receipts/{job_id}.json",
        json.dumps(receipt, sort_keys=True).encode(),
        "application/json",
    )
    if log:
        log("dsar-erase-receipt", f"receipt:{job_id}")
    journal.doc["receipt"] = receipt
    journal.save()
    return receipt
