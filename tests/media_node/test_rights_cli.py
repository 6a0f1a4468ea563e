"""`media-node dsar|retention|hold` on the embedded defaults (local store and key): a request
is opened, answered by an export and an erasure, and every action is in the access log."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from media_node.access_log import verify_chain
from media_node.cli import main
from media_node.rights.receipts import verify_receipt
from media_node.vault.keys import LocalKeyProvider
from media_node.vault.store import LocalDirectoryStore
from tests.media_node.rights_helpers import PASSPHRASE, store_recording, titles


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_request_is_opened_answered_and_proven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    dpo = ("--actor", "dpo-0001", "--today", "2026-11-23")
    code, out, _ = run(
        capsys,
        "dsar",
        "open",
        *dpo,
        "--subject",
        "alice-01",
        "--kind",
        "access",
        "--received",
        "2026-09-01",
    )
    assert code == 0 and "due 2026-10-01" in out
    request_id = out.split(":")[0]
    run(capsys, "dsar", "open", *dpo, "--subject", "bob-0002", "--kind", "erasure")
    code, out, _ = run(capsys, "dsar", "list", *dpo)
    lines = out.splitlines()
    assert "OVERDUE" in lines[0] and request_id in lines[0] and "bob-0002" in lines[1]

    state = tmp_path / ".callvault-node"
    store = LocalDirectoryStore(state / "store")
    provider = LocalKeyProvider(state / "vault.key")
    store_recording(store, provider, "rec-bbbbbbbb", ("alice-01", "bob-0002"))
    store_recording(store, provider, "rec-aaaaaaaa", ("alice-01",))
    (tmp_path / "pass").write_text(PASSPHRASE)
    code, out, _ = run(
        capsys,
        "dsar",
        "export",
        *dpo,
        "--subject",
        "alice-01",
        "--out",
        "a.cvx",
        "--passphrase-file",
        "pass",
        "--request",
        request_id,
    )
    assert code == 0 and "2 recordings" in out
    code, out, _ = run(
        capsys, "dsar", "unseal", "--in", "a.cvx", "--out", "a.zip", "--passphrase-file", "pass"
    )
    assert code == 0
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert [t.split("/")[0] for t in titles(archive.read("recordings/rec-bbbbbbbb.webm"))] == [
            "alice-01",
            "alice-01",
        ]
    code, out, _ = run(capsys, "dsar", "list", *dpo)
    assert request_id not in out  # answered

    code, out, err = run(capsys, "dsar", "erase", *dpo, "--subject", "bob-0002")
    assert code == 0, err
    receipt = verify_receipt(json.loads(out[: out.rindex("}") + 1]))
    assert [r["recording_id"] for r in receipt["redacted"]] == ["rec-bbbbbbbb"]
    code, _, err = run(capsys, "dsar", "erase", *dpo, "--subject", "bob-0002", "--resume", "nope")
    assert code == 2 and "no erasure journal" in err

    code, out, _ = run(
        capsys,
        "hold",
        "add",
        *dpo,
        "--recording",
        "rec-aaaaaaaa",
        "--meeting-type",
        "sales-call",
        "--reason",
        "matter 17",
    )
    assert code == 0
    code, out, _ = run(capsys, "retention", "sweep", "--actor", "dpo-0001", "--today", "2031-01-01")
    assert "removed 1 expired" in out and "held: rec-aaaaaaaa" in out

    log = state / "access.log"
    actions = [json.loads(line)["action"] for line in log.read_text().splitlines()]
    for expected in (
        "dsar-open",
        "dsar-list",
        "dsar-export-own-tracks",
        "dsar-export",
        "dsar-erase-media",
        "dsar-erase-receipt",
        "hold-add",
        "retention-delete",
    ):
        assert expected in actions, expected
    assert verify_chain(log) == len(actions)
