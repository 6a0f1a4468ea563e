"""Consent records in the rights tools, on the local store and on moto's S3 with KMS: the
access export holds exactly the subject's consent records; an erasure removes them except the
proof of consent for a recording that is kept (Art. 7(1), Art. 17(3)(e)); the retention
sweeper removes those whose recordings are gone and whose own retention has passed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from media_node.cli import main
from media_node.rights.archive_keys import PassphraseKeyProvider
from media_node.rights.consents import consent_keys
from media_node.rights.export import export_subject
from media_node.rights.receipts import verify_receipt
from media_node.rights.retention import add_hold, sweep
from media_node.vault.keys import LocalKeyProvider, create_local_key_file
from media_node.vault.store import LocalDirectoryStore, ObjectStoreError
from tests.media_node.rights_helpers import (
    PASSPHRASE,
    open_archive,
    store_consent,
    store_recording,
)

from .test_rights import TODAY, Vault, erase, vault  # noqa: F401 - local / moto S3+KMS

pytestmark = pytest.mark.integration

ALICE, BOB = "alice-01", "bob-0002"


def population(target: Vault) -> dict[str, str]:
    """Alice's consent decisions in four sessions: a grant and its withdrawal behind her solo
    recording A (session 1), grants behind the shared B (2) and the legal-obligation D (3,
    kept until 2027-03-01), a refusal with no recording (4). Bob's grants for B and D."""
    consents = {
        "cns-a1": (ALICE, "ses-000000000001", True),
        "cns-a2": (ALICE, "ses-000000000001", False),
        "cns-a3": (ALICE, "ses-000000000002", True),
        "cns-a4": (ALICE, "ses-000000000003", True),
        "cns-a5": (ALICE, "ses-000000000004", False),
        "cns-b1": (BOB, "ses-000000000002", True),
        "cns-b2": (BOB, "ses-000000000003", True),
    }
    keys = {}
    for consent_id, (who, session, granted) in consents.items():
        record = store_consent(
            target.store,
            target.provider,
            consent_id,
            who,
            session_id=session,
            granted=granted,
            at=f"2026-11-01T09:5{consent_id[-1]}:00.000Z",
        )
        keys[consent_id] = record.key
    store_recording(
        target.store, target.provider, "rec-aaaaaaaa", (ALICE,), consent_refs=("cns-a1",)
    )
    store_recording(
        target.store,
        target.provider,
        "rec-bbbbbbbb",
        (ALICE, BOB),
        consent_refs=("cns-a3", "cns-b1"),
    )
    store_recording(
        target.store,
        target.provider,
        "rec-dddddddd",
        (ALICE, BOB),
        meeting_type="claims-call",
        legal_basis="legal-obligation",
        retention_until="2027-03-01",
        consent_refs=("cns-a4", "cns-b2"),
    )
    return keys


def test_the_export_holds_exactly_the_subjects_consent_records(
    vault: Vault,  # noqa: F811
    tmp_path: Path,
) -> None:
    population(vault)
    log = tmp_path / "access.log"
    log.write_text(
        json.dumps({"target": "ses-000000000004/cns-a5", "action": "consent.withdraw"})
        + "\n"
        + json.dumps({"target": "ses-000000000002/cns-b1", "action": "consent.grant"})
        + "\n"
    )
    out = tmp_path / "alice.cvx"
    result = export_subject(
        vault.store,
        vault.providers,
        ALICE,
        out,
        PassphraseKeyProvider(PASSPHRASE),
        access_log=log,
    )
    assert result.consent_records == ("cns-a1", "cns-a2", "cns-a3", "cns-a4", "cns-a5")
    with open_archive(out) as archive:
        rows = json.loads(archive.read("consents.json"))
        index = json.loads(archive.read("index.json"))
        page = archive.read("index.html").decode()
        log_lines = archive.read("access-log.jsonl").decode().splitlines()
    assert [(r["consent_id"], r["decision"], r["relied_on_by"]) for r in rows] == [
        ("cns-a1", "granted", ["rec-aaaaaaaa"]),
        ("cns-a2", "withdrawn or refused", []),
        ("cns-a3", "granted", ["rec-bbbbbbbb"]),
        ("cns-a4", "granted", ["rec-dddddddd"]),
        ("cns-a5", "withdrawn or refused", []),
    ]
    assert {r["participant"] for r in rows} == {ALICE}, "another subject's consent exported"
    assert rows[0]["notice_text"] == "With your consent we record this call."
    assert rows[0]["notice_version"] == "sales-call@0123456789ab"
    assert index["consent_records"] == rows
    assert "Your consent decisions (5)" in page and "sales-call@0123456789ab" in page
    assert "withdrawn or refused" in page
    assert {r["via"] for r in rows} == {"join-code:jc-0123456789abcdef"}
    assert "your own join link (jc-0123456789abcdef)" in page
    assert [json.loads(line)["target"] for line in log_lines] == ["ses-000000000004/cns-a5"]


def test_erasure_keeps_only_the_proof_of_consent_for_a_kept_recording(
    vault: Vault,  # noqa: F811
    tmp_path: Path,
) -> None:
    keys = population(vault)
    body = verify_receipt(erase(vault, tmp_path))
    assert [k.consent_id for k in consent_keys(vault.store, ALICE)] == ["cns-a4"]
    for consent_id in ("cns-a1", "cns-a2", "cns-a3", "cns-a5"):
        assert vault.versions(keys[consent_id]) == [], consent_id
    assert sorted(c["consent_id"] for c in body["consents_deleted"]) == [
        "cns-a1",
        "cns-a2",
        "cns-a3",
        "cns-a5",
    ]
    [kept] = body["consents_kept"]
    assert kept["consent_id"] == "cns-a4" and kept["recordings"] == ["rec-dddddddd"]
    assert "Art. 17(3)(e)" in kept["reason"] and "2027-03-01" in kept["reason"]
    # The redacted recording no longer names alice's consent; bob's records are untouched.
    manifest = json.loads(vault.store.get_bytes("recordings/sales-call/rec-bbbbbbbb.manifest.json"))
    assert manifest["consent_refs"] == ["cns-b1"]
    assert [k.consent_id for k in consent_keys(vault.store, BOB)] == ["cns-b1", "cns-b2"]


def test_an_erasure_interrupted_during_the_consent_steps_resumes_to_the_same_state(
    vault: Vault,  # noqa: F811
    tmp_path: Path,
) -> None:
    keys = population(vault)
    watched = sorted(keys.values())

    class Crash(Exception):
        pass

    def hook(step: str) -> None:
        if step == "consent:cns-a3":
            raise Crash(step)

    with pytest.raises(Crash):
        erase(vault, tmp_path, after_step=hook)  # crashes right after deleting cns-a3
    assert [k.consent_id for k in consent_keys(vault.store, ALICE)] == ["cns-a4", "cns-a5"]
    job = next((tmp_path / "journal").glob("*.json")).stem
    body = verify_receipt(erase(vault, tmp_path, job_id=job))
    assert [k.consent_id for k in consent_keys(vault.store, ALICE)] == ["cns-a4"]
    assert len(body["consents_deleted"]) == 4
    gone = [k for k in watched if f"/{ALICE}/" in k and "/ses-000000000003/" not in k]
    assert len(gone) == 4 and all(vault.versions(k) == [] for k in gone)


def test_the_sweeper_removes_consent_records_whose_recordings_are_gone_and_past_retention(
    vault: Vault,  # noqa: F811
    tmp_path: Path,
) -> None:
    past, today = "2026-02-01", TODAY.isoformat()
    records = {
        # (session, keep until) -> kept after the sweep?
        "cns-old1": ("ses-000000000011", past, False),  # its recording expires now
        "cns-live1": ("ses-000000000012", past, True),  # its recording is still stored
        "cns-live2": ("ses-000000000012", past, True),  # the withdrawal that goes with it
        "cns-held1": ("ses-000000000013", past, True),  # its expired recording is held
        "cns-decl1": ("ses-000000000014", "2026-11-22", False),  # no recording, past
        "cns-decl2": ("ses-000000000015", today, True),  # no recording, not past yet
        "cns-spool1": ("ses-000000000016", past, True),  # its recording waits in the spool
    }
    keys = {
        cid: store_consent(
            vault.store, vault.provider, cid, ALICE, session_id=session, keep_until=until
        ).key
        for cid, (session, until, _) in records.items()
    }
    store_recording(
        vault.store,
        vault.provider,
        "rec-old00001",
        (ALICE,),
        retention_until="2026-01-01",
        consent_refs=("cns-old1",),
    )
    store_recording(
        vault.store, vault.provider, "rec-live0001", (ALICE,), consent_refs=("cns-live1",)
    )
    store_recording(
        vault.store,
        vault.provider,
        "rec-held0001",
        (ALICE,),
        retention_until="2026-02-01",
        consent_refs=("cns-held1",),
    )
    add_hold(
        vault.store,
        "rec-held0001",
        "sales-call",
        "matter 2026-17",
        "dpo-0001",
        dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    spooled = store_recording(
        vault.store, vault.provider, "rec-spool001", (ALICE,), consent_refs=("cns-spool1",)
    )
    for key in ("recordings/sales-call/rec-spool001.manifest.json",):
        vault.store.delete(key)  # its manifest never reached the store: it waits in the spool
    spool = tmp_path / "spool"
    spool.mkdir()
    (
        spool / (quote("recordings/sales-call/rec-spool001.manifest.json", safe="") + ".pending")
    ).write_bytes(spooled.to_json())
    logged: list[tuple[str, str]] = []
    dry = sweep(vault.store, TODAY, spool_dir=spool, dry_run=True)
    assert sorted(dry.consents_removed) == ["cns-decl1", "cns-old1"]
    assert all(vault.store.exists(k) for k in keys.values()), "a dry run deleted something"
    result = sweep(vault.store, TODAY, spool_dir=spool, log=lambda a, t: logged.append((a, t)))
    assert sorted(result.consents_removed) == ["cns-decl1", "cns-old1"]
    for cid, (_, _, kept) in records.items():
        assert (vault.versions(keys[cid]) != []) is kept, cid
    assert ("retention-delete-consent", "consent:cns-old1") in logged
    assert sweep(vault.store, TODAY, spool_dir=spool).consents_removed == ()


def test_the_dpo_commands_show_and_log_each_consent_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    dpo = ("--actor", "dpo-0001", "--today", "2026-11-23")
    state = tmp_path / ".callvault-node"
    assert main(["dsar", "list", *dpo]) == 0  # creates the embedded store and key
    target = Vault(LocalDirectoryStore(state / "store"), LocalKeyProvider(state / "vault.key"))
    population(target)
    (tmp_path / "pass").write_text(PASSPHRASE)
    capsys.readouterr()
    assert (
        main(
            [
                "dsar",
                "export",
                *dpo,
                "--subject",
                ALICE,
                "--out",
                "a.cvx",
                "--passphrase-file",
                "pass",
            ]
        )
        == 0
    )
    assert "5 consent records" in capsys.readouterr().out
    assert main(["dsar", "erase", *dpo, "--subject", ALICE, "--dry-run"]) == 0
    plan = capsys.readouterr().out
    assert "keep    cns-a4: proof of the consent" in plan and "delete  cns-a5:" in plan
    assert main(["dsar", "erase", *dpo, "--subject", ALICE]) == 0
    capsys.readouterr()
    assert main(["retention", "sweep", "--actor", "dpo-0001", "--today", "2031-01-01"]) == 0
    assert "3 consent records" in capsys.readouterr().out  # cns-a4, then bob's b1 and b2
    entries = [json.loads(line) for line in (state / "access.log").read_text().splitlines()]
    targets = {(e["action"], e["target"]) for e in entries}
    for expected in (
        ("dsar-export-consent", "consent:cns-a1"),
        ("dsar-erase-consent", "consent:cns-a5"),
        ("dsar-erase-consent-kept", "consent:cns-a4"),
        ("retention-delete-consent", "consent:cns-a4"),
    ):
        assert expected in targets, expected
    assert consent_keys(target.store) == []


def test_a_consent_record_refuses_personal_data_in_its_key(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path / "store")
    create_local_key_file(tmp_path / "k")
    keys = LocalKeyProvider(tmp_path / "k")
    with pytest.raises(ValueError, match="pseudonymous"):
        store_consent(store, keys, "cns-x1", "jane.doe@example.com")
    with pytest.raises(ValueError, match="IP address"):
        store_consent(store, keys, "cns-x1", "10-0-0-7")
    (tmp_path / "store" / "recordings" / "_consents" / "odd").mkdir(parents=True)
    (tmp_path / "store" / "recordings" / "_consents" / "odd" / "file").write_bytes(b"?")
    with pytest.raises(ObjectStoreError, match="not a consent record key"):
        consent_keys(store)  # an unknown object is an error, never skipped (fail closed)
