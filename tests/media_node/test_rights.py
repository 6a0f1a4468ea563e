"""Data subjects' rights end to end, on the local store and on moto's S3 (versioned bucket,
object lock in governance mode) with KMS: export, erasure with redaction, legal-obligation
refusal, crash/resume, the retention sweeper with legal holds, request due dates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from media_node.rights.archive_keys import (
    PassphraseKeyProvider,
    RecipientKeyProvider,
    generate_recipient_key,
)
from media_node.rights.erase import erase_subject
from media_node.rights.export import export_subject
from media_node.rights.objects import list_keys
from media_node.rights.receipts import load_or_create_signing_key, verify_receipt
from media_node.rights.requests import add_one_month, list_requests, open_request
from media_node.rights.retention import add_hold, remove_hold, sweep
from media_node.rights.subject_index import recordings_of, scan_manifests
from media_node.vault.keys import (
    KeyProvider,
    KmsKeyProvider,
    LocalKeyProvider,
    create_local_key_file,
)
from media_node.vault.manifest import Manifest
from media_node.vault.store import LocalDirectoryStore, ObjectStore, S3ObjectStore
from media_node.vault.stream import decrypt_stream
from media_node.vault.verify import verify_object
from tests.media_node.rights_helpers import (
    PASSPHRASE,
    decoded_frames,
    open_archive,
    recording_plaintext,
    snapshot,
    store_recording,
    titles,
)
from tests.servers import RunningMotoServer

pytestmark = pytest.mark.integration
TODAY = dt.date(2026, 11, 23)


@dataclass
class Vault:
    store: ObjectStore
    provider: KeyProvider
    s3: Any = None
    bucket: str = ""

    @property
    def providers(self) -> dict[str, KeyProvider]:
        return {self.provider.provider_id: self.provider}

    def versions(self, key: str) -> list[str]:
        if self.s3 is None:
            return ["current"] if self.store.exists(key) else []
        page = self.s3.list_object_versions(Bucket=self.bucket, Prefix=key)
        items = page.get("Versions", []) + page.get("DeleteMarkers", [])
        return [v["VersionId"] for v in items if v["Key"] == key]


_buckets = iter(range(1000))


@pytest.fixture(params=["local", "s3"])
def vault(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Vault]:
    if request.param == "local":
        key = tmp_path / "vault.key"
        create_local_key_file(key)
        yield Vault(LocalDirectoryStore(tmp_path / "store"), LocalKeyProvider(key))
        return
    server: RunningMotoServer = request.getfixturevalue("moto_server")
    kms = boto3.client("kms", region_name=server.region, endpoint_url=server.endpoint_url)
    s3 = boto3.client("s3", region_name=server.region, endpoint_url=server.endpoint_url)
    arn = kms.create_key(Description="recordings")["KeyMetadata"]["Arn"]
    bucket = f"rights-{next(_buckets)}"
    s3.create_bucket(
        Bucket=bucket,
        CreateBucketConfiguration={"LocationConstraint": server.region},
        ObjectLockEnabledForBucket=True,  # turns versioning on
    )
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    yield Vault(S3ObjectStore(s3, bucket, kms_key_id=arn), KmsKeyProvider(kms, arn), s3, bucket)


def legal_obligation_recording(vault: Vault) -> None:
    """alice + bob under a legal obligation whose retention runs until 2027-03-01 (D)."""
    store_recording(
        vault.store,
        vault.provider,
        "rec-dddddddd",
        ("alice-01", "bob-0002"),
        meeting_type="claims-call",
        legal_basis="legal-obligation",
        retention_until="2027-03-01",
    )


def population(vault: Vault) -> None:
    """alice alone (A), alice + bob (B), bob alone (C), alice + bob under a legal obligation
    whose retention runs until 2027-03-01 (D)."""
    store_recording(vault.store, vault.provider, "rec-aaaaaaaa", ("alice-01",))
    store_recording(vault.store, vault.provider, "rec-bbbbbbbb", ("alice-01", "bob-0002"))
    store_recording(vault.store, vault.provider, "rec-cccccccc", ("bob-0002",))
    legal_obligation_recording(vault)


def media(rid: str, meeting_type: str = "sales-call") -> str:
    return f"recordings/{meeting_type}/{rid}.cvr"


def test_index_and_scan_find_the_same_recordings(vault: Vault) -> None:
    population(vault)
    assert sorted(e.recording_id for e in recordings_of(vault.store, "alice-01")) == [
        "rec-aaaaaaaa",
        "rec-bbbbbbbb",
        "rec-dddddddd",
    ]
    assert sorted(e.recording_id for e in scan_manifests(vault.store, "alice-01")) == [
        "rec-aaaaaaaa",
        "rec-bbbbbbbb",
        "rec-dddddddd",
    ]


def test_export_holds_exactly_the_subjects_data(vault: Vault, tmp_path: Path) -> None:
    population(vault)
    out = tmp_path / "alice.cvx"
    log = tmp_path / "access.log"
    log.write_text(
        json.dumps({"target": "recording:rec-bbbbbbbb", "action": "read-media"})
        + "\n"
        + json.dumps({"target": "recording:rec-cccccccc", "action": "read-media"})
        + "\n"
    )
    result = export_subject(
        vault.store,
        vault.providers,
        "alice-01",
        out,
        PassphraseKeyProvider(PASSPHRASE),
        access_log=log,
    )
    assert b"alice" not in out.read_bytes()[300:]  # encrypted, not a plain ZIP
    with open_archive(out) as archive:
        names = sorted(archive.namelist())
        index = json.loads(archive.read("index.json"))
        assert names == sorted(
            [
                "access-log.jsonl",
                "consents.json",
                "index.html",
                "index.json",
                "manifests/rec-aaaaaaaa.json",
                "manifests/rec-bbbbbbbb.json",
                "manifests/rec-dddddddd.json",
                "recordings/rec-aaaaaaaa.webm",
                "recordings/rec-bbbbbbbb.webm",
                "recordings/rec-dddddddd.webm",
            ]
        )
        disclosure = {r["recording_id"]: r["disclosure"] for r in index["recordings"]}
        assert disclosure == {
            "rec-aaaaaaaa": "full",
            "rec-bbbbbbbb": "own-tracks",
            "rec-dddddddd": "own-tracks",
        }
        own = archive.read("recordings/rec-bbbbbbbb.webm")
        assert [t.split("/")[0] for t in titles(own)] == ["alice-01", "alice-01"]
        assert decoded_frames(own) > 0
        assert archive.read("recordings/rec-aaaaaaaa.webm") == recording_plaintext(
            vault.store, vault.provider, media("rec-aaaaaaaa")
        )
        log_lines = archive.read("access-log.jsonl").decode().splitlines()
        assert [json.loads(line)["target"] for line in log_lines] == ["recording:rec-bbbbbbbb"]
        assert b"Art. 15(4)" in archive.read("index.html")
    assert len(result.recordings) == 3


def test_export_to_a_recipient_key_opens_only_with_it(vault: Vault, tmp_path: Path) -> None:
    store_recording(vault.store, vault.provider, "rec-aaaaaaaa", ("alice-01",))
    private, public = generate_recipient_key()
    out = tmp_path / "alice.cvx"
    export_subject(vault.store, vault.providers, "alice-01", out, RecipientKeyProvider(public))
    opened = b"".join(
        decrypt_stream(
            [out.read_bytes()], {"x25519": RecipientKeyProvider.for_private_key(private)}
        )
    )
    assert opened.startswith(b"PK")
    other, _ = generate_recipient_key()
    with pytest.raises(Exception, match="another recipient"):
        b"".join(
            decrypt_stream(
                [out.read_bytes()], {"x25519": RecipientKeyProvider.for_private_key(other)}
            )
        )


def erase(vault: Vault, tmp_path: Path, **kw: Any) -> dict[str, Any]:
    return erase_subject(
        vault.store,
        vault.providers,
        vault.provider,
        kw.pop("subject", "alice-01"),
        journal_dir=tmp_path / "journal",
        signing_key=load_or_create_signing_key(tmp_path / "receipt.key"),
        today=TODAY,
        actor="dpo-0001",
        **kw,
    )


def test_erase_deletes_redacts_and_refuses_a_legal_obligation(vault: Vault, tmp_path: Path) -> None:
    population(vault)
    versions_before = vault.versions(media("rec-bbbbbbbb"))
    receipt = erase(vault, tmp_path)
    body = verify_receipt(receipt)
    assert [d["recording_id"] for d in body["deleted"]] == ["rec-aaaaaaaa"]
    assert [r["recording_id"] for r in body["redacted"]] == ["rec-bbbbbbbb"]
    assert body["kept"] == [
        {
            "recording_id": "rec-dddddddd",
            "possible_from": "2027-03-01",
            "reason": "legal obligation to retain (Art. 17(3)(b)) until 2027-03-01; "
            "erasure possible from 2027-03-01",
        }
    ]
    # No version of alice's solo recording, its manifest or index entry is left.
    for key in (
        media("rec-aaaaaaaa"),
        "recordings/sales-call/rec-aaaaaaaa.manifest.json",
        "recordings/_index/subjects/alice-01/rec-aaaaaaaa",
        "recordings/_index/subjects/alice-01/rec-bbbbbbbb",
    ):
        assert vault.versions(key) == [], key
    # The redacted recording: one version, a new envelope, bob's tracks only, still plays.
    assert len(vault.versions(media("rec-bbbbbbbb"))) == 1
    assert vault.versions(media("rec-bbbbbbbb")) != versions_before or vault.s3 is None
    redacted = recording_plaintext(vault.store, vault.provider, media("rec-bbbbbbbb"))
    assert [t.split("/")[0] for t in titles(redacted)] == ["bob-0002", "bob-0002"]
    assert decoded_frames(redacted) > 0
    manifest = json.loads(vault.store.get_bytes("recordings/sales-call/rec-bbbbbbbb.manifest.json"))
    assert manifest["subjects"] == ["bob-0002"]
    assert len(vault.versions("recordings/sales-call/rec-bbbbbbbb.manifest.json")) == 1
    # The legal-obligation recording and bob's own are untouched.
    assert [
        t.split("/")[0]
        for t in titles(
            recording_plaintext(vault.store, vault.provider, media("rec-dddddddd", "claims-call"))
        )
    ] == ["alice-01", "alice-01", "bob-0002", "bob-0002"]
    assert vault.store.exists(media("rec-cccccccc"))
    with pytest.raises(ValueError, match="does not verify"):
        tampered = json.loads(json.dumps(receipt))
        tampered["receipt"]["kept"] = []
        verify_receipt(tampered)


def test_erase_rewrites_a_schema_1_recording_as_schema_2_and_both_verify(
    vault: Vault, tmp_path: Path
) -> None:
    """Recordings stored before the stream digest (manifest schema 1: the SHA-256 of the whole
    object) are redacted into schema 2; the untouched one keeps its schema and still verifies."""
    store_recording(
        vault.store, vault.provider, "rec-eeeeeeee", ("alice-01", "bob-0002"), schema_version=1
    )
    store_recording(vault.store, vault.provider, "rec-ffffffff", ("bob-0002",), schema_version=1)
    body = verify_receipt(erase(vault, tmp_path))
    assert [r["recording_id"] for r in body["redacted"]] == ["rec-eeeeeeee"]
    for rid, schema, algorithm in (
        ("rec-eeeeeeee", 2, "tags-sha256"),
        ("rec-ffffffff", 1, "sha256"),
    ):
        raw = vault.store.get_bytes(f"recordings/sales-call/{rid}.manifest.json")
        manifest = Manifest.from_json(raw)
        assert manifest.schema_version == schema and (b"ciphertext_sha256" in raw) == (schema == 1)
        for providers in (None, vault.providers):
            checked = verify_object(
                vault.store.read(media(rid)),
                manifest.ciphertext_digest,
                expected_size=manifest.ciphertext_size,
                providers=providers,
            )
            assert checked.algorithm == algorithm and checked.authenticated == bool(providers)


def test_a_dpo_override_redacts_the_legal_obligation_recording(
    vault: Vault, tmp_path: Path
) -> None:
    legal_obligation_recording(vault)
    body = verify_receipt(erase(vault, tmp_path, override="court order 12/2026 requires erasure"))
    assert [r["recording_id"] for r in body["redacted"]] == ["rec-dddddddd"]
    assert body["override"] == "court order 12/2026 requires erasure"


def test_an_erase_interrupted_after_each_step_and_resumed_ends_in_the_same_state(
    vault: Vault, tmp_path: Path
) -> None:
    keys = [
        *(media(r) for r in ("rec-aaaaaaaa", "rec-bbbbbbbb")),
        *(f"recordings/sales-call/{r}.manifest.json" for r in ("rec-aaaaaaaa", "rec-bbbbbbbb")),
        "recordings/_index/subjects/alice-01/rec-aaaaaaaa",
        "recordings/_index/subjects/alice-01/rec-bbbbbbbb",
        "recordings/_index/subjects/bob-0002/rec-bbbbbbbb",
    ]
    store_recording(vault.store, vault.provider, "rec-aaaaaaaa", ("alice-01",))
    store_recording(vault.store, vault.provider, "rec-bbbbbbbb", ("alice-01", "bob-0002"))
    reference = erase(vault, tmp_path / "ref")
    expected = snapshot(vault.store, vault.provider, keys)
    steps = 3 + 4  # delete: media, manifest, index; redact: media, manifest, old-versions, index

    class Crash(Exception):
        pass

    for crash_at in range(steps):
        for rid, who in (
            ("rec-aaaaaaaa", ("alice-01",)),
            ("rec-bbbbbbbb", ("alice-01", "bob-0002")),
        ):
            store_recording(vault.store, vault.provider, rid, who)
        seen: list[str] = []

        def hook(step: str, seen: list[str] = seen, crash_at: int = crash_at) -> None:
            seen.append(step)
            if len(seen) == crash_at + 1:
                raise Crash(step)

        journal = tmp_path / f"crash-{crash_at}"
        with pytest.raises(Crash):
            erase(vault, journal, after_step=hook)
        job = next((journal / "journal").glob("*.json")).stem
        receipt = erase(vault, journal, job_id=job)
        assert snapshot(vault.store, vault.provider, keys) == expected, f"crash after {seen[-1]}"
        assert receipt["receipt"]["deleted"] == reference["receipt"]["deleted"]
        assert len(vault.versions(media("rec-bbbbbbbb"))) == 1


def test_the_sweeper_removes_exactly_the_expired_recordings_not_held(
    vault: Vault, tmp_path: Path
) -> None:
    ages = {
        "rec-old00001": "2026-01-01",
        "rec-old00002": "2026-11-22",
        "rec-held0001": "2026-02-01",
        "rec-new00001": "2026-11-23",
        "rec-new00002": "2027-06-01",
    }
    for rid, until in ages.items():
        store_recording(
            vault.store, vault.provider, rid, ("alice-01", "bob-0002"), retention_until=until
        )
    add_hold(
        vault.store,
        "rec-held0001",
        "sales-call",
        "matter 2026-17",
        "dpo-0001",
        dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "rec-old00001.cvr.pending").write_bytes(b"ciphertext")
    (spool / "rec-new00001.cvr.pending").write_bytes(b"ciphertext")
    dry = sweep(vault.store, TODAY, spool_dir=spool, dry_run=True)
    assert dry.removed == ("rec-old00001", "rec-old00002") and vault.store.exists(
        media("rec-old00001")
    )
    result = sweep(vault.store, TODAY, spool_dir=spool)
    assert sorted(result.removed) == ["rec-old00001", "rec-old00002"]
    assert result.held == ("rec-held0001",)
    for rid in ages:
        gone = rid in result.removed
        assert (vault.versions(media(rid)) == []) is gone, rid
        assert (vault.versions(f"recordings/sales-call/{rid}.manifest.json") == []) is gone, rid
        assert (vault.versions(f"recordings/_index/subjects/bob-0002/{rid}") == []) is gone, rid
    assert sorted(p.name for p in spool.iterdir()) == ["rec-new00001.cvr.pending"]
    remove_hold(vault.store, "rec-held0001", "sales-call")
    assert sweep(vault.store, TODAY).removed == ("rec-held0001",)
    assert not list(list_keys(vault.store, "recordings/_holds/"))


def test_requests_are_due_in_one_month_and_overdue_ones_list_first(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    assert add_one_month(dt.date(2026, 1, 31)) == dt.date(2026, 2, 28)
    assert add_one_month(dt.date(2026, 12, 15)) == dt.date(2027, 1, 15)
    late = open_request(store, "alice-01", "access", dt.date(2026, 9, 1))
    soon = open_request(store, "bob-0002", "erasure", dt.date(2026, 11, 20))
    earlier = open_request(store, "carol-03", "access", dt.date(2026, 11, 2))
    listed = list_requests(store, TODAY)
    assert [r.request_id for r in listed] == [late.request_id, earlier.request_id, soon.request_id]
    assert listed[0].overdue(TODAY) and not listed[1].overdue(TODAY)
    assert soon.due == "2026-12-20"
    with pytest.raises(ValueError, match="kind"):
        open_request(store, "alice-01", "rectification", TODAY)
