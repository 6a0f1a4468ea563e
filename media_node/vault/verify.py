"""Check a stored ciphertext object against the digest its manifest records.

* ``tags-sha256`` (manifest schema 2), **with the data key**: every chunk is authenticated
  (AES-GCM) and the digest of the authenticated header and tags must match: the object is
  byte for byte the one written. **Without the key**: the header, the chunk layout, every tag
  and the size must match (which object, nothing cut, appended, reordered or swapped in); the
  chunk bodies between the tags are not checked (that needs the key, or a whole-object hash).
* ``sha256`` (schema 1, and exports): the SHA-256 of every byte, computed here, lazily, never
  by the writer; with the key, every chunk is authenticated too.

Both read the object once, in bounded memory (one chunk).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .digest import STREAM_DIGEST, StreamDigest, split_digest
from .envelope import TAG_SIZE, StreamDecryptor, TruncatedError, parse_header
from .keys import KeyProvider
from .stream import UnwrapWithProviders

__all__ = ["VerifyError", "Verified", "keyless_stream_digest", "verify_object"]


class VerifyError(ValueError):
    """The object is not the one the digest (or size) names."""


@dataclass(frozen=True)
class Verified:
    algorithm: str
    """``tags-sha256`` or ``sha256``."""
    authenticated: bool
    """Every chunk was authenticated under the data key."""
    ciphertext_size: int

    def describe(self) -> str:
        if self.authenticated:
            return "every chunk authenticated under the data key; the object is the one written"
        if self.algorithm == STREAM_DIGEST:
            return (
                "without the key: header, chunk layout, chunk tags and size match; the chunk "
                "bodies are authenticated only when decrypted"
            )
        return "without the key: every byte matches its SHA-256 (not decrypted)"


class _TagWalker:
    """Finds the chunk tags of a ciphertext stream by position alone (no key): every full chunk
    is ``chunk size + 16`` bytes after the header and the final chunk is what remains."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._digest: StreamDigest | None = None
        self._header_size = 0
        self._sealed = 0
        self._pos = 0
        self._next_end = 0
        self._tag = bytearray()
        self._tail = b""

    def update(self, data: bytes | bytearray | memoryview) -> None:
        block = memoryview(data).cast("B")
        if self._digest is None:
            self._head += block
            parsed = parse_header(self._head)
            if parsed is None:
                return
            header, length = parsed
            self._digest = StreamDigest(bytes(self._head[:length]))
            self._header_size = self._pos = length
            self._sealed = header.chunk_size + TAG_SIZE
            self._next_end = length + self._sealed
            block = memoryview(bytes(self._head[length:]))
            self._head = bytearray()
        start, end = self._pos, self._pos + len(block)
        while self._next_end <= end:  # a full chunk's tag ends inside this block
            self._tag += block[
                max(self._next_end - TAG_SIZE, start) - start : self._next_end - start
            ]
            self._digest.add_tag(self._tag)
            self._tag = bytearray()
            self._next_end += self._sealed
        if self._next_end - TAG_SIZE < end:  # the next tag starts inside this block
            self._tag += block[max(self._next_end - TAG_SIZE, start) - start :]
        self._tail = (self._tail + bytes(block[-TAG_SIZE:]))[-TAG_SIZE:]
        self._pos = end

    def finish(self) -> tuple[str, int]:
        if self._digest is None:
            raise TruncatedError("input ends inside the header")
        after_full = self._pos - (self._next_end - self._sealed)
        if after_full == 0 and self._digest.chunks == 0:
            raise TruncatedError("input ends without a final chunk (no chunks)")
        if 0 < after_full < TAG_SIZE:
            raise TruncatedError("input ends inside a chunk tag")
        if after_full:
            self._digest.add_tag(self._tail)
        return self._digest.value(self._pos), self._pos


def keyless_stream_digest(blocks: Iterable[bytes]) -> tuple[str, int]:
    """The stream digest and size of a ciphertext object, computed without the key."""
    walker = _TagWalker()
    for block in blocks:
        walker.update(block)
    return walker.finish()


def verify_object(
    blocks: Iterable[bytes],
    expected_digest: str,
    *,
    expected_size: int | None = None,
    providers: Mapping[str, KeyProvider] | None = None,
) -> Verified:
    """Raise :class:`VerifyError` (or the envelope's IntegrityError/TruncatedError/FormatError
    when a key is given) unless ``blocks`` is the object ``expected_digest`` names."""
    algorithm, _ = split_digest(expected_digest)
    whole = hashlib.sha256() if algorithm != STREAM_DIGEST else None
    walker = _TagWalker() if algorithm == STREAM_DIGEST and providers is None else None
    decryptor = StreamDecryptor(UnwrapWithProviders(providers)) if providers is not None else None
    size = 0
    for block in blocks:
        size += len(block)
        if whole is not None:
            whole.update(block)
        if walker is not None:
            walker.update(block)
        if decryptor is not None:
            decryptor.update_pieces(block)  # authenticated plaintext, dropped
    if decryptor is not None:
        decryptor.finalize()
    if whole is not None:
        got = f"sha256:{whole.hexdigest()}"
    elif decryptor is not None:
        got = decryptor.digest
    else:
        assert walker is not None
        got, size = walker.finish()
    if expected_size is not None and size != expected_size:
        raise VerifyError(f"object is {size} bytes, its manifest says {expected_size}")
    if got != expected_digest:
        raise VerifyError(f"ciphertext digest {got} does not match the expected {expected_digest}")
    return Verified(algorithm, decryptor is not None, size)
