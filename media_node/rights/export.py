"""Access export (Art. 15): one encrypted archive of everything held about a subject.

The archive is a ZIP (streamed: no member is held whole, no plaintext touches disk) inside the
CallVault envelope, encrypted to a passphrase or the requester's X25519 key. It holds
``index.json`` and ``index.html`` (what is included and why), each recording the subject took
part in, its manifest, the subject's consent records (``consents.json``: who, when, granted or
withdrawn, which notice text and version, which recordings rely on each) and the access-log
entries about those recordings and consents. A recording with
other participants is exported as the subject's own tracks only, unless the DPO decides the
others' rights are not adversely affected (Art. 15(4)); the choice and its reason are recorded
per recording in the index.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from media_node.rights.consents import StoredConsent, consents_of
from media_node.rights.remux import remux_tracks
from media_node.rights.subject_index import IndexEntry, recordings_of
from media_node.vault.keys import KeyProvider
from media_node.vault.manifest import Manifest
from media_node.vault.store import AtomicFileWriter, ObjectStore
from media_node.vault.stream import EncryptingWriter, decrypt_recording

__all__ = ["ExportResult", "ExportedRecording", "export_subject", "read_access_log"]


@dataclass(frozen=True)
class ExportedRecording:
    recording_id: str
    meeting_type: str
    started_at: str
    legal_basis: str
    disclosure: str
    """``full`` (every track) or ``own-tracks`` (only the subject's: Art. 15(4))."""
    reason: str
    file: str
    tracks: tuple[str, ...]


@dataclass(frozen=True)
class ExportResult:
    subject: str
    recordings: tuple[ExportedRecording, ...]
    access_log_entries: int
    archive_sha256: str
    archive_size: int
    consent_records: tuple[str, ...] = ()
    """Ids of the consent records in the archive."""


class _ZipSink(io.RawIOBase):
    def __init__(self, write: Callable[[bytes], None]) -> None:
        super().__init__()
        self._write = write

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._write(bytes(data))
        return len(data)


def _writer_of(member: IO[bytes]) -> Callable[[bytes], None]:
    def write(data: bytes) -> None:
        member.write(data)

    return write


def read_access_log(path: Path | None, recording_ids: set[str]) -> list[dict[str, Any]]:
    """Entries of the node's access log whose target names one of ``recording_ids``."""
    if path is None or not path.exists():
        return []
    found = []
    with path.open() as handle:
        for line in handle:
            entry = json.loads(line)
            if any(rid in str(entry.get("target", "")) for rid in recording_ids):
                found.append(entry)
    return found


def _consent_rows(records: list[StoredConsent], relied_on: Mapping[str, list[str]]) -> list[Any]:
    return [
        {
            **record.to_json(),
            "decision": "granted" if record.granted else "withdrawn or refused",
            "relied_on_by": sorted(relied_on.get(record.consent_id, [])),
            "given_with": _credential_words(record.via),
        }
        for record in records
    ]


def _credential_words(via: str | None) -> str:
    """The consent record's ``via`` in the requester's words."""
    if via is None:
        return "not recorded (an older record)"
    if via.startswith("join-code:"):
        return f"your own join link ({via.removeprefix('join-code:')})"
    return "a staff member's login" if via == "staff-token" else via


def _render_consents(rows: list[Mapping[str, Any]]) -> str:
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(value))}</td>"
            for value in (
                row["at"],
                row["decision"],
                row["meeting_type"],
                row["session_id"],
                row["notice_version"],
                row["notice_text"],
                row["given_with"],
                ", ".join(row["relied_on_by"]) or "none",
            )
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<h2>Your consent decisions ({len(rows)})</h2>"
        "<table border=1><tr><th>when</th><th>decision</th><th>meeting type</th>"
        "<th>session</th><th>notice version</th><th>notice text you were shown</th>"
        "<th>given with</th>"
        f"<th>recordings relying on it</th></tr>{cells}</table>"
    )


def _render_html(index: Mapping[str, Any]) -> bytes:
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(r[k]))}</td>"
            for k in (
                "recording_id",
                "meeting_type",
                "started_at",
                "legal_basis",
                "disclosure",
                "reason",
                "file",
            )
        )
        + "</tr>"
        for r in index["recordings"]
    )
    return (
        "<!doctype html><meta charset=utf-8><title>Your data held by CallVault</title>"
        f"<h1>Data held about {html.escape(index['subject'])}</h1>"
        f"<p>Generated {html.escape(index['generated_at'])}. "
        f"Recordings: {len(index['recordings'])}. "
        f"Access-log entries about them: {index['access_log_entries']} (access-log.jsonl).</p>"
        "<table border=1><tr><th>recording</th><th>meeting type</th><th>started</th>"
        "<th>legal basis</th><th>disclosure</th><th>why</th><th>file</th></tr>"
        f"{rows}</table>"
        f"{_render_consents(index['consent_records'])}"
        "<p>Own-tracks recordings hold only your audio and video: the other participants' "
        "tracks are withheld to protect their rights (GDPR Art. 15(4)).</p>"
    ).encode()


def export_subject(
    store: ObjectStore,
    providers: Mapping[str, KeyProvider],
    subject: str,
    out: Path,
    archive_key: KeyProvider,
    *,
    access_log: Path | None = None,
    full_disclosure: Iterable[str] = (),
    full_disclosure_reason: str = "",
    now: dt.datetime | None = None,
    entries: list[IndexEntry] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the subject's archive to ``out`` (atomically). ``full_disclosure`` names
    multi-party recordings the DPO decided to export whole (with ``full_disclosure_reason``)."""
    now = now or dt.datetime.now(dt.UTC)
    entries = recordings_of(store, subject) if entries is None else entries
    full = set(full_disclosure)
    if full and not full_disclosure_reason.strip():
        raise ValueError("exporting others' tracks needs a recorded reason (Art. 15(4))")
    out.parent.mkdir(parents=True, exist_ok=True)
    sink = AtomicFileWriter(out, out.with_name(f".{out.name}.part"))
    context = {"purpose": "dsar-export", "subject_export": now.strftime("%Y%m%dT%H%M%SZ")}
    # The archive leaves the system: its SHA-256 over every byte (logged, and closing the
    # request) lets the requester or an authority check the delivered file without a key.
    writer = EncryptingWriter(archive_key, sink, context, whole_sha256=True)
    exported: list[ExportedRecording] = []
    consents = consents_of(store, providers, subject)  # unreadable: no archive (fail closed)
    relied_on: dict[str, list[str]] = {}
    try:
        with zipfile.ZipFile(
            _ZipSink(writer.write), "w", zipfile.ZIP_STORED, allowZip64=True
        ) as archive:
            for number, entry in enumerate(entries, start=1):
                manifest = Manifest.from_json(store.get_bytes(entry.manifest_key))
                for ref in manifest.consent_refs:
                    relied_on.setdefault(ref, []).append(entry.recording_id)
                archive.writestr(f"manifests/{entry.recording_id}.json", manifest.to_json())
                name = f"recordings/{entry.recording_id}.{manifest.container}"
                alone = manifest.subjects == (subject,)
                with archive.open(zipfile.ZipInfo(name), "w", force_zip64=True) as member:
                    plaintext = decrypt_recording(store.read(entry.media_key), providers, manifest)
                    if alone or entry.recording_id in full:
                        for block in plaintext:
                            member.write(block)
                        disclosure = "full"
                        reason = (
                            "the subject is the only participant"
                            if alone
                            else full_disclosure_reason
                        )
                        tracks: tuple[str, ...] = ("all",)
                    else:
                        kept, _ = remux_tracks(
                            plaintext,
                            manifest.container,
                            lambda owner: owner == subject,
                            _writer_of(member),
                        )
                        disclosure, tracks = "own-tracks", tuple(kept)
                        reason = "other participants' data withheld (Art. 15(4))"
                exported.append(
                    ExportedRecording(
                        entry.recording_id,
                        manifest.meeting_type,
                        manifest.started_at,
                        manifest.legal_basis,
                        disclosure,
                        reason,
                        name,
                        tracks,
                    )
                )
                if progress:
                    progress(number, len(entries))
            log_entries = read_access_log(
                access_log,
                {e.recording_id for e in entries} | {c.consent_id for c in consents},
            )
            consent_rows = _consent_rows(consents, relied_on)
            archive.writestr("consents.json", json.dumps(consent_rows, indent=1, sort_keys=True))
            archive.writestr(
                "access-log.jsonl",
                "".join(json.dumps(e, sort_keys=True) + "\n" for e in log_entries),
            )
            index = {
                "subject": subject,
                "generated_at": now.isoformat().replace("+00:00", "Z"),
                "recordings": [asdict(r) for r in exported],
                "access_log_entries": len(log_entries),
                "consent_records": consent_rows,
            }
            archive.writestr("index.json", json.dumps(index, indent=1, sort_keys=True))
            archive.writestr("index.html", _render_html(index))
        result = writer.close()
    except BaseException:
        writer.abort()
        raise
    assert result.ciphertext_sha256 is not None  # asked for above
    return ExportResult(
        subject,
        tuple(exported),
        len(log_entries),
        result.ciphertext_sha256,
        result.ciphertext_size,
        tuple(c.consent_id for c in consents),
    )
