"""Evidence bundles: keygen, signing (Ed25519 file, KMS ECDSA P-256 on moto), and verify
detecting one changed byte in any file, an added file, a removed file and a wrong key."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import boto3
import pytest

from audit.cli import main
from audit.evidence.bundle import Criteria, InputFile, RunIdentity, build_manifest, write_bundle
from audit.evidence.signing import KmsSigner, generate_key_file, load_local_signer
from audit.evidence.verify import verify_bundle
from tests.servers import RunningMotoServer

FILES = {
    "report.json": b'{"findings": []}\n',
    "soa.md": b"# Statement of Applicability\n",
    "features/cucumber.json": b"[]\n",
}


def _run(time: str = "2026-11-23T22:00:00Z") -> RunIdentity:
    return RunIdentity(
        tool_version="0.3.0",
        engine="opa",
        engine_version="1.0",
        policies_commit="abc",
        stack="dev",
        source="plan of stack 'dev'",
        inputs=(InputFile("Pulumi.dev.yaml", "00" * 32),),
        declared_time=time,
        runtime=False,
    )


CRITERIA = Criteria(("eu-central-1",), {"customer-support": 30}, 365, "low")


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "signing.key"
    generate_key_file(path)
    return path


@pytest.fixture
def bundle(tmp_path: Path, key: Path) -> Path:
    return write_bundle(tmp_path / "bundle", FILES, _run(), CRITERIA, load_local_signer(key))


def test_keygen_writes_a_0600_key_and_never_overwrites(tmp_path: Path, capsys) -> None:
    path = tmp_path / "k.key"
    assert main(["keygen", str(path)]) == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in path.read_bytes()
    assert "BEGIN PUBLIC KEY" in Path(f"{path}.pub").read_text()
    before = path.read_bytes()
    assert main(["keygen", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_written_bundle_verifies_with_its_public_key(bundle: Path, key: Path, capsys) -> None:
    assert main(["verify", str(bundle), "--public-key", f"{key}.pub"]) == 0
    out = capsys.readouterr().out
    assert "OK 3 files" in out and "sha256:" in out
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == sorted(FILES)
    assert manifest["run"]["declared_time"] == "2026-11-23T22:00:00Z"
    assert manifest["criteria"]["allowed_regions"] == ["eu-central-1"]


@pytest.mark.parametrize(
    "name", [*sorted(FILES), "manifest.json", "manifest.sig.json"], ids=lambda n: n
)
def test_flipping_one_byte_of_any_file_fails_naming_it(
    bundle: Path, key: Path, name: str, capsys
) -> None:
    path = bundle / name
    data = bytearray(path.read_bytes())
    # A byte inside the base64 signature or the document body, never trailing whitespace.
    index = len(data) // 2
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    assert main(["verify", str(bundle), "--public-key", f"{key}.pub"]) == 1
    err = capsys.readouterr().err
    expected = "manifest.json" if name == "manifest.json" else name
    assert expected in err, err
    if name in FILES:
        assert f"{name}: SHA-256 differs" in err


def test_added_and_removed_files_fail_naming_them(bundle: Path, key: Path, capsys) -> None:
    (bundle / "extra.txt").write_text("slipped in")
    (bundle / "soa.md").unlink()
    assert main(["verify", str(bundle), "--public-key", f"{key}.pub"]) == 1
    err = capsys.readouterr().err
    assert "extra.txt: not listed in the manifest" in err
    assert "soa.md: listed in the manifest but missing" in err


@pytest.mark.parametrize(
    ("entry", "plant"),
    [
        ("override", lambda b, t: (b / "override").symlink_to(_dir_with_a_page(t))),
        ("README-verdict.html", lambda b, t: (b / "README-verdict.html").symlink_to(t / "none")),
        ("empty/", lambda b, t: (b / "empty").mkdir()),
    ],
)
def test_added_symlinks_and_directories_fail_naming_them(
    bundle: Path, key: Path, tmp_path: Path, capsys, entry, plant
) -> None:
    plant(bundle, tmp_path)
    assert main(["verify", str(bundle), "--public-key", f"{key}.pub"]) == 1
    assert f"{entry}" in capsys.readouterr().err


def _dir_with_a_page(tmp_path: Path) -> Path:
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "index.html").write_text("<h1>All compliant</h1>")
    return evil


def test_another_key_does_not_verify(bundle: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.key"
    generate_key_file(other)
    assert main(["verify", str(bundle), "--public-key", f"{other}.pub"]) == 1
    assert "signature does not verify" in capsys.readouterr().err


def test_a_resigned_bundle_with_a_forged_manifest_fails_against_the_pinned_key(
    bundle: Path, key: Path, tmp_path: Path
) -> None:
    # An attacker edits a file, rewrites the manifest and signs it with their own key: the
    # bundle is self-consistent, so only the pinned key reveals it.
    attacker = tmp_path / "attacker.key"
    generate_key_file(attacker)
    files = dict(FILES, **{"soa.md": b"# forged\n"})
    write_bundle(bundle, files, _run(), CRITERIA, load_local_signer(attacker))
    assert verify_bundle(bundle).ok  # self-consistent
    pinned = verify_bundle(bundle, public_key_pem=Path(f"{key}.pub").read_text())
    assert not pinned.ok and "signature does not verify" in pinned.problems[0]


def test_manifest_is_reproducible_apart_from_the_declared_time() -> None:
    first = build_manifest(FILES, _run(), CRITERIA)
    assert build_manifest(dict(reversed(list(FILES.items()))), _run(), CRITERIA) == first
    later = build_manifest(FILES, _run("2026-11-24T08:00:00Z"), CRITERIA)
    assert later != first
    assert later.replace(b"2026-11-24T08:00:00Z", b"2026-11-23T22:00:00Z") == first


def test_bundle_refuses_to_replace_a_directory_that_is_not_a_bundle(
    tmp_path: Path, key: Path
) -> None:
    target = tmp_path / "home"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    assert main(["keygen", str(tmp_path / "unused.key")]) == 0
    from audit.errors import UsageError

    with pytest.raises(UsageError, match="not an evidence bundle"):
        write_bundle(target, FILES, _run(), CRITERIA, load_local_signer(key))
    assert (target / "notes.txt").read_text() == "keep me"


@pytest.mark.integration
def test_kms_ecdsa_p256_signs_and_verifies_on_moto(
    moto_server: RunningMotoServer, tmp_path: Path, capsys
) -> None:
    kms = boto3.client("kms", region_name=moto_server.region, endpoint_url=moto_server.endpoint_url)
    key_id = kms.create_key(
        KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description="evidence signing"
    )["KeyMetadata"]["Arn"]
    signer = KmsSigner(kms, key_id)
    out = write_bundle(tmp_path / "kms-bundle", FILES, _run(), CRITERIA, signer)
    sig = json.loads((out / "manifest.sig.json").read_text())
    assert sig["algorithm"] == "ECDSA_SHA_256" and sig["key_id"] == key_id
    kms_args = ["--kms-key-id", key_id, "--endpoint-url", moto_server.endpoint_url]
    kms_args += ["--region", moto_server.region]
    assert main(["verify", str(out), *kms_args]) == 0
    # Offline: the KMS public key verifies the same signature without calling KMS.
    public = tmp_path / "kms.pub"
    public.write_text(signer.public_key_pem())
    assert main(["verify", str(out), "--public-key", str(public)]) == 0
    (out / "soa.md").write_bytes(b"# changed\n")
    capsys.readouterr()
    assert main(["verify", str(out), *kms_args]) == 1
    assert "soa.md: SHA-256 differs" in capsys.readouterr().err
    # A forged manifest does not verify at KMS either.
    manifest = out / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b"dev", b"prd"))
    assert main(["verify", str(out), *kms_args]) == 1
    assert "signature does not verify" in capsys.readouterr().err


def test_bundle_refuses_a_symlinked_out_directory(tmp_path: Path, key: Path) -> None:
    from audit.errors import UsageError

    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(UsageError, match="symlink"):
        write_bundle(tmp_path / "link", FILES, _run(), CRITERIA, load_local_signer(key))
    assert list(target.iterdir()) == []
