"""`media-node vault ...` as an operator runs it: clear one-line errors, no partial output."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from media_node.vault.cli import UsageError, _output_writer
from media_node.vault.keys import KeyProviderError, LocalKeyProvider, create_local_key_file
from media_node.vault.store import ObjectStoreError
from tests.media_node.vault.test_digest import V1_MANIFEST
from tests.servers import RunningMotoServer


def vault(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "media_node.cli", "vault", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture()
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "vault.key"
    result = vault("keygen", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture()
def recording(tmp_path: Path, key_file: Path) -> tuple[Path, Path, bytes]:
    plaintext = os.urandom(3 * 256 * 1024 + 123)
    source, sealed = tmp_path / "call.webm", tmp_path / "call.cvr"
    source.write_bytes(plaintext)
    result = vault(
        "encrypt",
        "--local-key",
        str(key_file),
        "--meeting-type",
        "claims-inspection",
        str(source),
        str(sealed),
    )
    assert result.returncode == 0, result.stderr
    return source, sealed, plaintext


def test_keygen_creates_a_0600_key_and_refuses_to_overwrite(key_file: Path) -> None:
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_bytes()) == 32
    again = vault("keygen", str(key_file))
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


def test_local_provider_refuses_a_key_readable_by_others(key_file: Path) -> None:
    key_file.chmod(0o644)
    with pytest.raises(KeyProviderError, match="chmod 600"):
        LocalKeyProvider(key_file)


def test_round_trip(tmp_path: Path, key_file: Path, recording: tuple[Path, Path, bytes]) -> None:
    _, sealed, plaintext = recording
    out = tmp_path / "out.webm"
    result = vault("decrypt", "--local-key", str(key_file), str(sealed), str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == plaintext
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def assert_refused(tmp_path: Path, key_file: Path, sealed: Path, fragment: str) -> None:
    out = tmp_path / "refused.webm"
    result = vault("decrypt", "--local-key", str(key_file), str(sealed), str(out))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_tampered_file_names_the_chunk(
    tmp_path: Path, key_file: Path, recording: tuple[Path, Path, bytes]
) -> None:
    _, sealed, _ = recording
    data = bytearray(sealed.read_bytes())
    data[-(256 * 1024)] ^= 0x80  # inside chunk 2
    sealed.write_bytes(bytes(data))
    assert_refused(tmp_path, key_file, sealed, "chunk 2 failed authentication")


def test_truncated_file_says_the_final_chunk_is_missing(
    tmp_path: Path, key_file: Path, recording: tuple[Path, Path, bytes]
) -> None:
    _, sealed, _ = recording
    sealed.write_bytes(sealed.read_bytes()[:-200])
    assert_refused(tmp_path, key_file, sealed, "final chunk")


def test_wrong_key_file_is_refused(tmp_path: Path, recording: tuple[Path, Path, bytes]) -> None:
    _, sealed, _ = recording
    other = tmp_path / "other.key"
    create_local_key_file(other)
    assert_refused(tmp_path, other, sealed, "encrypted under key local:")


def test_not_a_recording(
    tmp_path: Path, key_file: Path, recording: tuple[Path, Path, bytes]
) -> None:
    source, _, _ = recording
    assert_refused(tmp_path, key_file, source, "not a CallVault recording")


def test_kms_round_trip_through_the_cli(tmp_path: Path, moto_server: RunningMotoServer) -> None:
    import boto3

    kms = boto3.client("kms", region_name=moto_server.region, endpoint_url=moto_server.endpoint_url)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    source, sealed, out = tmp_path / "in.bin", tmp_path / "in.cvr", tmp_path / "out.bin"
    source.write_bytes(b"recording" * 1000)
    common = [
        "--kms-key-id",
        key_id,
        "--endpoint-url",
        moto_server.endpoint_url,
        "--region",
        moto_server.region,
    ]
    assert vault("encrypt", *common, str(source), str(sealed)).returncode == 0
    result = vault("decrypt", *common, str(sealed), str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == source.read_bytes()


def test_vault_output_is_created_exclusively(tmp_path: Path) -> None:
    """Another file appearing at OUT while the vault writes is never overwritten."""
    target = tmp_path / "call.webm"
    writer = _output_writer(target)
    target.write_text("someone else's file")
    writer.write(b"plaintext")
    with pytest.raises((UsageError, ObjectStoreError)):
        writer.commit()
    assert target.read_text() == "someone else's file"
    assert [p.name for p in tmp_path.iterdir()] == ["call.webm"], "no temp file left"


def test_verify_checks_a_file_against_the_digest_encrypt_printed(
    tmp_path: Path, key_file: Path
) -> None:
    source, sealed = tmp_path / "call.webm", tmp_path / "call.cvr"
    source.write_bytes(os.urandom(2 * 256 * 1024 + 9))
    encrypted = vault("encrypt", "--local-key", str(key_file), str(source), str(sealed))
    assert encrypted.returncode == 0, encrypted.stderr
    digest = re.search(r"digest (tags-sha256:[0-9a-f]{64})", encrypted.stdout)
    assert digest, encrypted.stdout
    keyless = vault("verify", "--digest", digest.group(1), str(sealed))
    assert keyless.returncode == 0 and "chunk tags" in keyless.stdout, keyless.stderr
    keyed = vault("verify", "--digest", digest.group(1), "--local-key", str(key_file), str(sealed))
    assert keyed.returncode == 0 and "every chunk authenticated" in keyed.stdout, keyed.stderr
    data = bytearray(sealed.read_bytes())
    data[-1] ^= 1  # the final chunk's tag
    sealed.write_bytes(bytes(data))
    refused = vault("verify", "--digest", digest.group(1), str(sealed))
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "does not match" in refused.stderr


def test_verify_reads_a_schema_1_manifest(tmp_path: Path, key_file: Path) -> None:
    source, sealed = tmp_path / "call.webm", tmp_path / "call.cvr"
    source.write_bytes(os.urandom(300_000))
    assert vault("encrypt", "--local-key", str(key_file), str(source), str(sealed)).returncode == 0
    data = sealed.read_bytes()
    manifest = tmp_path / "call.manifest.json"
    manifest.write_bytes(
        V1_MANIFEST % {b"sha": hashlib.sha256(data).hexdigest().encode(), b"size": len(data)}
    )
    checked = vault("verify", "--manifest", str(manifest), str(sealed))
    assert checked.returncode == 0 and "(sha256)" in checked.stdout, checked.stderr
    sealed.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    refused = vault("verify", "--manifest", str(manifest), str(sealed))
    assert refused.returncode == 1 and "does not match" in refused.stderr, refused.stderr
