"""The streaming format: round trips, every kind of tampering, truncation, the test vectors."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from media_node.vault.envelope import (
    TAG_SIZE,
    FormatError,
    Header,
    IntegrityError,
    StreamDecryptor,
    StreamEncryptor,
    TruncatedError,
    decrypt_all,
    iter_chunks,
    parse_header,
)

ROOT = Path(__file__).resolve().parents[3]
CHUNK = 64
DATA_KEY = bytes(range(32))


class WrongKeyError(Exception):
    pass


def unwrap(header: Header) -> bytes:
    """Stands in for a key provider: the wrapped key must be the one written for this ref."""
    if header.wrapped_key != b"wrapped:" + header.key_ref.encode():
        raise WrongKeyError(header.key_ref)
    return DATA_KEY


def encrypt(
    plaintext: bytes,
    *,
    chunk_size: int = CHUNK,
    feed: int = 37,
    recording: str = "rec-1",
    **fixed: bytes,
) -> bytes:
    encryptor = StreamEncryptor(
        DATA_KEY,
        key_provider="test",
        key_ref=recording,
        context={"purpose": "call-recording", "recording_id": recording},
        wrapped_key=b"wrapped:" + recording.encode(),
        chunk_size=chunk_size,
        **fixed,
    )
    out = b"".join(encryptor.update(block) for block in iter_chunks(plaintext, feed))
    return out + encryptor.finalize()


def header_length(ciphertext: bytes) -> int:
    parsed = parse_header(ciphertext)
    assert parsed is not None
    return parsed[1]


def split(ciphertext: bytes, chunk_size: int = CHUNK) -> tuple[bytes, list[bytes]]:
    length = header_length(ciphertext)
    body = ciphertext[length:]
    return ciphertext[:length], list(iter_chunks(body, chunk_size + TAG_SIZE))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 7 * CHUNK + 5, 8 * CHUNK])
@pytest.mark.parametrize("feed", [1, 13, 64, 1000])
def test_round_trip(size: int, feed: int) -> None:
    plaintext = os.urandom(size)
    ciphertext = encrypt(plaintext, feed=feed)
    decryptor = StreamDecryptor(unwrap)
    out = b"".join(decryptor.update(b) for b in iter_chunks(ciphertext, feed))
    assert out + decryptor.finalize() == plaintext
    _, chunks = split(ciphertext)
    assert len(chunks) == max(1, -(-size // CHUNK))  # a final chunk always exists


def test_default_chunk_size_round_trip_of_a_few_mib() -> None:
    plaintext = os.urandom(3 * 1024 * 1024 + 11)
    ciphertext = encrypt(plaintext, chunk_size=256 * 1024, feed=100_000)
    assert decrypt_all(ciphertext, unwrap) == plaintext


@settings(max_examples=60, deadline=None)
@given(plaintext=st.binary(max_size=2000), chunk=st.integers(16, 300), feed=st.integers(1, 700))
def test_round_trip_property(plaintext: bytes, chunk: int, feed: int) -> None:
    ciphertext = encrypt(plaintext, chunk_size=chunk, feed=feed)
    decryptor = StreamDecryptor(unwrap)
    out = b"".join(decryptor.update(b) for b in iter_chunks(ciphertext, feed))
    assert out + decryptor.finalize() == plaintext


def test_flipping_any_single_byte_fails() -> None:
    ciphertext = encrypt(os.urandom(3 * CHUNK + 10))
    for position in range(len(ciphertext)):
        tampered = bytearray(ciphertext)
        tampered[position] ^= 0x01
        with pytest.raises((IntegrityError, TruncatedError, FormatError, WrongKeyError)):
            decrypt_all(bytes(tampered), unwrap)


def test_reordering_two_chunks_fails_at_the_first_moved_chunk() -> None:
    header, chunks = split(encrypt(os.urandom(4 * CHUNK + 3)))
    chunks[1], chunks[2] = chunks[2], chunks[1]
    with pytest.raises(IntegrityError, match="chunk 1 failed"):
        decrypt_all(header + b"".join(chunks), unwrap)


def test_dropping_the_final_chunk_is_reported_as_truncation() -> None:
    header, chunks = split(encrypt(os.urandom(4 * CHUNK + 3)))
    with pytest.raises(TruncatedError, match="final chunk"):
        decrypt_all(header + b"".join(chunks[:-1]), unwrap)


@pytest.mark.parametrize("cut", [1, TAG_SIZE, CHUNK])
def test_truncating_the_stream_fails(cut: int) -> None:
    ciphertext = encrypt(os.urandom(4 * CHUNK))
    with pytest.raises(TruncatedError):
        decrypt_all(ciphertext[:-cut], unwrap)


def test_appending_a_chunk_fails() -> None:
    header, chunks = split(encrypt(os.urandom(2 * CHUNK + 3)))
    with pytest.raises((IntegrityError, TruncatedError)):
        decrypt_all(header + b"".join(chunks) + chunks[0], unwrap)


def test_splicing_a_chunk_from_another_recording_fails() -> None:
    plaintext = os.urandom(3 * CHUNK + 3)
    header, chunks = split(encrypt(plaintext, recording="rec-1"))
    _, other = split(encrypt(plaintext, recording="rec-2"))
    chunks[1] = other[1]
    with pytest.raises(IntegrityError, match="chunk 1"):
        decrypt_all(header + b"".join(chunks), unwrap)


def test_decryptor_releases_nothing_before_authentication() -> None:
    header, chunks = split(encrypt(os.urandom(3 * CHUNK)))
    decryptor = StreamDecryptor(unwrap)
    assert decryptor.update(header + chunks[0]) == b""  # may still be the last chunk
    tampered = bytearray(chunks[1])
    tampered[0] ^= 1
    released = decryptor.update(bytes(tampered))
    assert len(released) == CHUNK  # chunk 0, now known not to be last, authenticated
    with pytest.raises(IntegrityError):
        decryptor.update(chunks[2])


def test_header_errors_are_clear() -> None:
    with pytest.raises(FormatError, match="bad magic"):
        decrypt_all(b"RIFF" + bytes(100), unwrap)
    with pytest.raises(TruncatedError, match="no header"):
        decrypt_all(b"", unwrap)
    with pytest.raises(TruncatedError, match="inside the header"):
        decrypt_all(encrypt(b"x")[:20], unwrap)


def test_ciphertext_contains_no_16_byte_run_of_the_plaintext() -> None:
    # A structured plaintext (a WebM-like header repeated) is the worst case for leaks.
    plaintext = (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm-opus-vp8-" * 4000)[:100_000]
    ciphertext = encrypt(plaintext, chunk_size=4096, feed=5000)
    windows = {ciphertext[i : i + 16] for i in range(len(ciphertext) - 15)}
    assert not any(plaintext[i : i + 16] in windows for i in range(len(plaintext) - 15))


def spec_decrypt(ciphertext: bytes, data_key: bytes) -> bytes:
    """An independent reading of docs/recording-format.md, not using media_node.vault.envelope."""
    offset = 6 + 1 + 1 + 4
    (chunk_size,) = struct.unpack(">I", ciphertext[8:12])
    for width in (1, 2, 2, 2):
        (length,) = struct.unpack(">B" if width == 1 else ">H", ciphertext[offset : offset + width])
        offset += width + length
    salt = ciphertext[offset : offset + 32]
    prefix = ciphertext[offset + 32 : offset + 39]
    offset += 39
    header_hash = hashlib.sha256(ciphertext[:offset]).digest()
    key = HKDF(hashes.SHA256(), 32, salt, b"callvault-recording-v1" + header_hash).derive(data_key)
    body = ciphertext[offset:]
    sealed = [body[i : i + chunk_size + 16] for i in range(0, len(body), chunk_size + 16)]
    out = b""
    for index, chunk in enumerate(sealed):
        nonce = prefix + struct.pack(">IB", index, 1 if index == len(sealed) - 1 else 0)
        out += AESGCM(key).decrypt(nonce, chunk, header_hash)
    return out


def spec_stream_digest(ciphertext: bytes) -> str:
    """The stream digest as docs/recording-format.md defines it, not using media_node.vault."""
    offset = 6 + 1 + 1 + 4
    (chunk_size,) = struct.unpack(">I", ciphertext[8:12])
    for width in (1, 2, 2, 2):
        (length,) = struct.unpack(">B" if width == 1 else ">H", ciphertext[offset : offset + width])
        offset += width + length
    offset += 39
    body = ciphertext[offset:]
    sealed = [body[i : i + chunk_size + 16] for i in range(0, len(body), chunk_size + 16)]
    digest = hashlib.sha256(b"callvault-stream-digest-v1\x00")
    digest.update(struct.pack(">I", offset) + ciphertext[:offset])
    for chunk in sealed:
        digest.update(chunk[-16:])
    digest.update(struct.pack(">QQ", len(sealed), len(ciphertext)))
    return "tags-sha256:" + digest.hexdigest()


def test_published_test_vectors() -> None:
    vectors = json.loads((ROOT / "docs" / "recording-format-vectors.json").read_text())
    assert len(vectors) >= 3
    for vector in vectors:
        plaintext = (
            bytes.fromhex(vector["plaintext_hex"])
            if "plaintext_hex" in vector
            else (bytes(range(256)) * (vector["plaintext_pattern_length"] // 256 + 1))[
                : vector.get("plaintext_pattern_length", 0)
            ]
        )
        data_key = bytes.fromhex(vector["data_key_hex"])
        encryptor = StreamEncryptor(
            data_key,
            key_provider=vector["key_provider"],
            key_ref=vector["key_ref"],
            context=vector["context"],
            wrapped_key=bytes.fromhex(vector["wrapped_key_hex"]),
            chunk_size=vector["chunk_size"],
            salt=bytes.fromhex(vector["salt_hex"]),
            nonce_prefix=bytes.fromhex(vector["nonce_prefix_hex"]),
        )
        ciphertext = encryptor.update(plaintext) + encryptor.finalize()
        assert len(ciphertext) == vector["ciphertext_size"], vector["name"]
        assert hashlib.sha256(ciphertext).hexdigest() == vector["ciphertext_sha256"], vector["name"]
        assert spec_decrypt(ciphertext, data_key) == plaintext
        assert encryptor.digest == vector["stream_digest"], vector["name"]
        assert spec_stream_digest(ciphertext) == vector["stream_digest"], vector["name"]


def test_update_pieces_yields_the_header_then_one_piece_per_sealed_chunk() -> None:
    encryptor = StreamEncryptor(
        bytes(32),
        key_provider="local",
        key_ref="local:t",
        context={"a": "b"},
        wrapped_key=b"w",
        chunk_size=CHUNK,
    )
    pieces = encryptor.update_pieces(os.urandom(3 * CHUNK + 1))
    assert len(pieces) == 4 and bytes(pieces[0]).startswith(b"CVREC\x00")
    assert [len(p) for p in pieces[1:]] == [CHUNK + TAG_SIZE] * 3
    ciphertext = b"".join(pieces) + encryptor.finalize()
    decryptor = StreamDecryptor(lambda header: bytes(32))
    opened = decryptor.update_pieces(ciphertext)
    assert [len(p) for p in opened] == [CHUNK] * 3
    assert len(decryptor.finalize()) == 1
