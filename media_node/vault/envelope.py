"""The CallVault recording format: a header, then AES-256-GCM chunks in the STREAM construction.

Pure functions and small state machines on bytes; no I/O. The format is specified in
``docs/recording-format.md`` (with test vectors); anchors: age's STREAM, Tink's
AES-GCM-HKDF-Streaming, the AWS Encryption SDK message format.

Guarantees:

* every chunk is authenticated with the SHA-256 of the whole header as AAD and a nonce of
  ``prefix(7) || counter(4, big-endian) || last(1)``, so flipping, reordering, dropping,
  appending or splicing chunks from another recording fails;
* the content key is HKDF-SHA256(data key, salt, info = label || header hash): a header change
  also changes the key;
* a stream must end with a chunk flagged *last*: a truncated file is detected;
* :class:`StreamDecryptor` releases plaintext only after its chunk has been authenticated.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .digest import StreamDigest

__all__ = [
    "ALGORITHM_AES256_GCM_HKDF_SHA256_STREAM",
    "DEFAULT_CHUNK_SIZE",
    "MAGIC",
    "TAG_SIZE",
    "FormatError",
    "Header",
    "IntegrityError",
    "StreamDecryptor",
    "StreamEncryptor",
    "TruncatedError",
    "UnwrapFunction",
    "canonical_context",
    "decrypt_all",
    "iter_chunks",
    "parse_header",
]

MAGIC = b"CVREC\x00"
VERSION = 1
ALGORITHM_AES256_GCM_HKDF_SHA256_STREAM = 1
DEFAULT_CHUNK_SIZE = 256 * 1024
MIN_CHUNK_SIZE = 16
MAX_CHUNK_SIZE = 16 * 1024 * 1024
TAG_SIZE = 16
SALT_SIZE = 32
NONCE_PREFIX_SIZE = 7
DATA_KEY_SIZE = 32
MAX_CHUNKS = 2**32
_HKDF_LABEL = b"callvault-recording-v1"
_FIXED = struct.Struct(">6sBBI")  # magic, version, algorithm, chunk size


class FormatError(ValueError):
    """The bytes are not a CallVault recording this version can read."""


class IntegrityError(ValueError):
    """A chunk failed authentication: tampered, reordered, spliced, or the wrong key."""

    def __init__(self, chunk_index: int, reason: str) -> None:
        super().__init__(f"chunk {chunk_index} failed authentication ({reason})")
        self.chunk_index = chunk_index


class TruncatedError(ValueError):
    """The stream ended without its final chunk."""


def canonical_context(context: Mapping[str, str]) -> bytes:
    """The encryption context as canonical JSON (sorted keys, no spaces)."""
    for key, value in context.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"encryption context must map strings to strings (got {key!r})")
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Header:
    """Everything needed to decrypt a recording, given access to the key provider."""

    key_provider: str
    """Which provider wrapped the data key: ``local`` or ``aws-kms``."""
    key_ref: str
    """The provider's key reference (local key id, KMS key ARN)."""
    context: Mapping[str, str]
    """Encryption context (no personal data): bound to the wrapped key and to this header."""
    wrapped_key: bytes
    """The data key, encrypted by the provider."""
    salt: bytes = field(repr=False)
    nonce_prefix: bytes = field(repr=False)
    chunk_size: int = DEFAULT_CHUNK_SIZE
    """Plaintext bytes per chunk (the last may be shorter)."""

    def __post_init__(self) -> None:
        if not MIN_CHUNK_SIZE <= self.chunk_size <= MAX_CHUNK_SIZE:
            raise FormatError(
                f"chunk size must be {MIN_CHUNK_SIZE}..{MAX_CHUNK_SIZE} (got {self.chunk_size})"
            )
        if len(self.salt) != SALT_SIZE or len(self.nonce_prefix) != NONCE_PREFIX_SIZE:
            raise FormatError("salt must be 32 bytes and nonce prefix 7 bytes")
        for name, value, limit in (
            ("key_provider", self.key_provider.encode(), 255),
            ("key_ref", self.key_ref.encode(), 65535),
            ("wrapped_key", self.wrapped_key, 65535),
            ("context", canonical_context(self.context), 65535),
        ):
            if not value or len(value) > limit:
                raise FormatError(f"header field {name!r} must be 1..{limit} bytes")

    def encode(self) -> bytes:
        provider = self.key_provider.encode()
        ref = self.key_ref.encode()
        context = canonical_context(self.context)
        return b"".join(
            [
                _FIXED.pack(
                    MAGIC, VERSION, ALGORITHM_AES256_GCM_HKDF_SHA256_STREAM, self.chunk_size
                ),
                struct.pack(">B", len(provider)),
                provider,
                struct.pack(">H", len(ref)),
                ref,
                struct.pack(">H", len(context)),
                context,
                struct.pack(">H", len(self.wrapped_key)),
                self.wrapped_key,
                self.salt,
                self.nonce_prefix,
            ]
        )


UnwrapFunction = Callable[[Header], bytes | bytearray]
"""Turns a parsed header into its plaintext data key (through the key provider)."""


def parse_header(data: bytes | bytearray) -> tuple[Header, int] | None:
    """Parse a header from the start of ``data``: (header, its length), or None if more bytes
    are needed. Raises :class:`FormatError` for bytes that can never be a valid header."""
    if len(data) < _FIXED.size:
        if not MAGIC.startswith(data[: len(MAGIC)]):
            raise FormatError("not a CallVault recording (bad magic)")
        return None
    magic, version, algorithm, chunk_size = _FIXED.unpack_from(data, 0)
    if magic != MAGIC:
        raise FormatError("not a CallVault recording (bad magic)")
    if version != VERSION:
        raise FormatError(f"unsupported format version {version} (this reader knows {VERSION})")
    if algorithm != ALGORITHM_AES256_GCM_HKDF_SHA256_STREAM:
        raise FormatError(f"unsupported algorithm id {algorithm}")
    offset = _FIXED.size
    fields: list[bytes] = []
    for width in (1, 2, 2, 2):
        if len(data) < offset + width:
            return None
        (length,) = struct.unpack_from(">B" if width == 1 else ">H", data, offset)
        offset += width
        if len(data) < offset + length:
            return None
        fields.append(bytes(data[offset : offset + length]))
        offset += length
    if len(data) < offset + SALT_SIZE + NONCE_PREFIX_SIZE:
        return None
    salt = bytes(data[offset : offset + SALT_SIZE])
    offset += SALT_SIZE
    prefix = bytes(data[offset : offset + NONCE_PREFIX_SIZE])
    offset += NONCE_PREFIX_SIZE
    try:
        context = json.loads(fields[2])
        header = Header(
            key_provider=fields[0].decode(),
            key_ref=fields[1].decode(),
            context=context,
            wrapped_key=fields[3],
            salt=salt,
            nonce_prefix=prefix,
            chunk_size=chunk_size,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError, ValueError) as err:
        raise FormatError(f"malformed header ({err})") from None
    if header.encode() != bytes(data[:offset]):
        raise FormatError("malformed header (not in canonical form)")
    return header, offset


def _content_cipher(data_key: bytes | bytearray, salt: bytes, header_hash: bytes) -> AESGCM:
    if len(data_key) != DATA_KEY_SIZE:
        raise ValueError(f"data key must be 32 bytes (got {len(data_key)})")
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_LABEL + header_hash
    ).derive(bytes(data_key))
    return AESGCM(key)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= MAX_CHUNKS:
        raise ValueError("recording exceeds 2^32 chunks")
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class StreamEncryptor:
    """Feed plaintext with :meth:`update`, then :meth:`finalize`; both return ciphertext bytes.

    The first output starts with the encoded header. Memory use is one chunk.
    """

    def __init__(
        self,
        data_key: bytes | bytearray,
        *,
        key_provider: str,
        key_ref: str,
        context: Mapping[str, str],
        wrapped_key: bytes,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        salt: bytes | None = None,
        nonce_prefix: bytes | None = None,
    ) -> None:
        self.header = Header(
            key_provider=key_provider,
            key_ref=key_ref,
            context=dict(context),
            wrapped_key=wrapped_key,
            salt=salt if salt is not None else os.urandom(SALT_SIZE),
            nonce_prefix=nonce_prefix
            if nonce_prefix is not None
            else os.urandom(NONCE_PREFIX_SIZE),
            chunk_size=chunk_size,
        )
        encoded = self.header.encode()
        self._aad = hashlib.sha256(encoded).digest()
        self._cipher = _content_cipher(data_key, self.header.salt, self._aad)
        self._prefix = self.header.nonce_prefix
        self._pending = bytearray()
        self._out = bytearray()
        self._counter = 0
        self._out_header: bytes | None = encoded
        self._finished = False
        self._digest = StreamDigest(encoded)
        self._size = len(encoded)

    def _take_header(self) -> list[bytes]:
        header, self._out_header = self._out_header, None
        return [header] if header else []

    def update(self, data: bytes | bytearray | memoryview) -> bytes:
        """Ciphertext for ``data`` as one bytes object (see :meth:`update_pieces`)."""
        return b"".join(self.update_pieces(data))

    def update_pieces(self, data: bytes | bytearray | memoryview) -> list[memoryview]:
        """Ciphertext for ``data`` as pieces (the header, then one per sealed chunk) that are
        views into this encryptor's output buffer: **valid only until the next call**. A
        streaming caller writes or copies each piece at once; nothing is joined.

        Chunks are sealed with ``encrypt_into`` straight from the caller's buffer into the
        reused output buffer: holding several fresh 256 KiB results alive made every one a new
        ``mmap`` (glibc), which cost more than the AES itself."""
        if self._finished:
            raise ValueError("encryptor already finalized")
        size = self.header.chunk_size
        header = self._take_header()
        view = memoryview(data).cast("B")
        sources: list[bytearray | memoryview] = []
        if self._pending:
            # Top up the pending partial chunk first.
            take = min(size - len(self._pending), len(view))
            self._pending += view[:take]
            view = view[take:]
            if len(self._pending) < size or not view:
                return [memoryview(piece) for piece in header]  # it may be the final chunk
            sources.append(self._pending)
        # Keep at least one byte back: the final chunk must carry the 'last' flag.
        whole = (len(view) - 1) // size if view else 0
        sources.extend(view[index * size : (index + 1) * size] for index in range(whole))
        sealed = size + TAG_SIZE
        if len(self._out) < len(sources) * sealed:
            self._out = bytearray(len(sources) * sealed)
        out = memoryview(self._out)
        pieces = [memoryview(piece) for piece in header]
        for slot, source in enumerate(sources):
            target = out[slot * sealed : (slot + 1) * sealed]
            self._seal_into(source, target, last=False)
            self._digest.add_tag(target[-TAG_SIZE:])
            pieces.append(target)
        self._size += len(sources) * sealed
        if sources and sources[0] is self._pending:
            self._pending = bytearray()
        self._pending += view[whole * size :]
        return pieces

    def finalize(self) -> bytes:
        if self._finished:
            raise ValueError("encryptor already finalized")
        self._finished = True
        out = self._take_header()
        last = self._seal(self._pending, last=True)
        self._digest.add_tag(last[-TAG_SIZE:])
        self._size += len(last)
        out.append(last)
        self._pending.clear()
        return b"".join(out)

    @property
    def ciphertext_size(self) -> int:
        """Bytes of ciphertext produced so far (header included)."""
        return self._size

    @property
    def digest(self) -> str:
        """The stream digest (``media_node.vault.digest``) of the whole ciphertext."""
        if not self._finished:
            raise ValueError("the stream digest exists once the encryptor is finalized")
        return self._digest.value(self._size)

    def _seal(self, chunk: bytes | bytearray | memoryview, *, last: bool) -> bytes:
        nonce = _nonce(self._prefix, self._counter, last)
        self._counter += 1
        return self._cipher.encrypt(nonce, chunk, self._aad)

    def _seal_into(self, chunk: bytearray | memoryview, target: memoryview, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._counter, last)
        self._counter += 1
        self._cipher.encrypt_into(nonce, chunk, self._aad, target)


class StreamDecryptor:
    """Feed ciphertext with :meth:`update`; it returns only authenticated plaintext.

    :meth:`finalize` authenticates the last chunk and raises :class:`TruncatedError` if the
    stream ended without one. ``unwrap`` turns the parsed header into the data key (through
    the key provider) once the header is complete.
    """

    def __init__(self, unwrap: UnwrapFunction) -> None:
        self._unwrap = unwrap
        self._buffer = bytearray()
        self.header: Header | None = None
        self._cipher: AESGCM | None = None
        self._aad = b""
        self._counter = 0
        self._finished = False
        self._digest: StreamDigest | None = None
        self._size = 0
        self._complete = False

    def update(self, data: bytes | bytearray | memoryview) -> bytes:
        """Authenticated plaintext for ``data`` as one bytes object."""
        return b"".join(self.update_pieces(data))

    def update_pieces(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Authenticated plaintext as a list of chunk plaintexts. Whole sealed chunks are opened
        straight from the caller's buffer; only a partial (or possibly final) chunk is kept."""
        if self._finished:
            raise ValueError("decryptor already finalized")
        view = memoryview(data).cast("B")
        if self.header is None:
            self._buffer += view
            if not self._read_header():
                return []
            view = memoryview(bytes(self._buffer))
            self._buffer.clear()
        assert self.header is not None
        sealed_size = self.header.chunk_size + TAG_SIZE
        out: list[bytes] = []
        if self._buffer:
            take = min(sealed_size - len(self._buffer), len(view))
            self._buffer += view[:take]
            view = view[take:]
            # A full chunk followed by more bytes cannot be the last one.
            if len(self._buffer) < sealed_size or not view:
                return out
            out.append(self._open(self._buffer, last=False))
            self._buffer.clear()
        whole = (len(view) - 1) // sealed_size if view else 0
        for index in range(whole):
            out.append(
                self._open(view[index * sealed_size : (index + 1) * sealed_size], last=False)
            )
        self._buffer += view[whole * sealed_size :]
        return out

    def finalize(self) -> bytes:
        if self._finished:
            raise ValueError("decryptor already finalized")
        self._finished = True
        if self.header is None:
            if not self._buffer:
                raise TruncatedError("empty input: no header")
            raise TruncatedError("input ends inside the header")
        if len(self._buffer) < TAG_SIZE:
            raise TruncatedError(
                f"input ends without a final chunk (after {self._counter} chunk(s))"
            )
        try:
            plaintext = self._open(bytes(self._buffer), last=True)
            self._complete = True
            return plaintext
        except IntegrityError:
            raise TruncatedError(
                f"input ends without a final chunk: chunk {self._counter} is not marked last "
                "(truncated, or chunks were dropped)"
            ) from None

    def _read_header(self) -> bool:
        parsed = parse_header(self._buffer)
        if parsed is None:
            return False
        header, length = parsed
        encoded = bytes(self._buffer[:length])
        del self._buffer[:length]
        self._aad = hashlib.sha256(encoded).digest()
        self._digest = StreamDigest(encoded)
        self._size = length
        data_key = self._unwrap(header)
        try:
            self._cipher = _content_cipher(data_key, header.salt, self._aad)
        finally:
            if isinstance(data_key, bytearray):
                data_key[:] = bytes(len(data_key))
        self.header = header
        return True

    @property
    def digest(self) -> str:
        """The stream digest of what was authenticated: call after :meth:`finalize`."""
        if not self._complete or self._digest is None:
            raise ValueError("the stream digest exists once the whole stream authenticated")
        return self._digest.value(self._size)

    def _open(self, sealed: bytes | bytearray | memoryview, *, last: bool) -> bytes:
        assert self.header is not None and self._cipher is not None and self._digest is not None
        nonce = _nonce(self.header.nonce_prefix, self._counter, last)
        try:
            plaintext = self._cipher.decrypt(nonce, sealed, self._aad)
        except InvalidTag:
            raise IntegrityError(
                self._counter, "tampered, reordered, spliced or encrypted under another key"
            ) from None
        self._counter += 1
        self._digest.add_tag(sealed[-TAG_SIZE:])
        self._size += len(sealed)
        return plaintext


def decrypt_all(data: bytes, unwrap: UnwrapFunction) -> bytes:
    """Decrypt a whole recording held in memory (tests, small files)."""
    decryptor = StreamDecryptor(unwrap)
    return decryptor.update(data) + decryptor.finalize()


def iter_chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
