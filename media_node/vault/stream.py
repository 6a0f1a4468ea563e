"""The recording vault: streams plaintext through the envelope format into an object store,
and back. Memory stays at one chunk plus one upload part, whatever the recording size.

The writer names what it wrote by its stream digest (``media_node.vault.digest``: header and
chunk tags), not by a SHA-256 of every ciphertext byte, which would cap it at SHA-256's speed
(~2 GB/s against AES-GCM's ~15-20 GB/s here); ``whole_sha256=True`` adds that hash where a
keyless check of every byte is needed (an export handed to a data subject)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from media_node.vault.context import recording_context
from media_node.vault.digest import STREAM_DIGEST, split_digest
from media_node.vault.envelope import (
    DEFAULT_CHUNK_SIZE,
    Header,
    IntegrityError,
    StreamDecryptor,
    StreamEncryptor,
)
from media_node.vault.keys import KeyProvider, KeyProviderError
from media_node.vault.manifest import Manifest
from media_node.vault.store import ObjectWriter

__all__ = [
    "EncryptedObject",
    "EncryptingWriter",
    "UnwrapWithProviders",
    "NotThisObjectError",
    "decrypt_recording",
    "decrypt_stream",
    "encrypt_stream",
]


@dataclass(frozen=True)
class EncryptedObject:
    key_provider: str
    key_ref: str
    ciphertext_digest: str
    """The stream digest, ``tags-sha256:<hex>``: what the manifest records."""
    ciphertext_size: int
    plaintext_size: int
    ciphertext_sha256: str | None = None
    """SHA-256 of the whole object (hex), only if the writer was asked for it."""


class EncryptingWriter:
    """Plaintext in, ciphertext out to an :class:`ObjectWriter`; nothing plaintext is kept.

    The data key is generated at construction and wiped as soon as the cipher is derived.
    """

    def __init__(
        self,
        provider: KeyProvider,
        sink: ObjectWriter,
        context: Mapping[str, str],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        whole_sha256: bool = False,
    ) -> None:
        data_key = provider.generate_data_key(context)
        try:
            self._encryptor = StreamEncryptor(
                data_key.plaintext,
                key_provider=provider.provider_id,
                key_ref=data_key.key_ref,
                context=context,
                wrapped_key=data_key.wrapped,
                chunk_size=chunk_size,
            )
        finally:
            data_key.wipe()
        self._sink = sink
        self._hash = hashlib.sha256() if whole_sha256 else None
        self._plain = 0
        self.key_ref = data_key.key_ref
        self.provider_id = provider.provider_id

    def _emit(self, ciphertext: bytes | memoryview) -> None:
        if ciphertext:
            if self._hash is not None:
                self._hash.update(ciphertext)
            # A piece is a view into the encryptor's reused buffer, and a sink may queue what
            # it is given (the spooling writer's live upload): hand it its own bytes.
            self._sink.write(bytes(ciphertext))

    def write(self, plaintext: bytes | bytearray | memoryview) -> None:
        self._plain += len(plaintext)
        # Piece by piece (header, sealed chunks): no joined copy of the ciphertext.
        for piece in self._encryptor.update_pieces(plaintext):
            self._emit(piece)

    def close(self) -> EncryptedObject:
        """Write the final chunk and commit the object."""
        self._emit(self._encryptor.finalize())
        self._sink.commit()
        return EncryptedObject(
            self.provider_id,
            self.key_ref,
            self._encryptor.digest,
            self._encryptor.ciphertext_size,
            self._plain,
            self._hash.hexdigest() if self._hash is not None else None,
        )

    def abort(self) -> None:
        self._sink.abort()


def encrypt_stream(
    provider: KeyProvider,
    sink: ObjectWriter,
    context: Mapping[str, str],
    blocks: Iterable[bytes],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    whole_sha256: bool = False,
) -> EncryptedObject:
    writer = EncryptingWriter(
        provider, sink, context, chunk_size=chunk_size, whole_sha256=whole_sha256
    )
    try:
        for block in blocks:
            writer.write(block)
        return writer.close()
    except BaseException:
        writer.abort()
        raise


class NotThisObjectError(IntegrityError):
    """The object authenticates, but it is not the one the manifest names (sealed for another
    recording, or another version of this one)."""

    def __init__(self, reason: str) -> None:
        ValueError.__init__(self, reason)
        self.chunk_index = -1


class UnwrapWithProviders:
    """Picks the provider named in the header and unwraps the data key with its context."""

    def __init__(
        self,
        providers: Mapping[str, KeyProvider],
        expected_context: Mapping[str, str] | None = None,
    ) -> None:
        self._providers = dict(providers)
        self._expected = None if expected_context is None else dict(expected_context)

    def __call__(self, header: Header) -> bytearray:
        if self._expected is not None and dict(header.context) != self._expected:
            raise NotThisObjectError(
                f"the object was sealed for {dict(header.context)}, not for {self._expected}"
            )
        provider = self._providers.get(header.key_provider)
        if provider is None:
            known = ", ".join(sorted(self._providers)) or "none"
            raise KeyProviderError(
                f"recording needs key provider {header.key_provider!r} (configured: {known})"
            )
        return provider.decrypt_data_key(header.wrapped_key, header.key_ref, header.context)


def decrypt_stream(
    blocks: Iterable[bytes],
    providers: Mapping[str, KeyProvider],
    *,
    expected_context: Mapping[str, str] | None = None,
    expected_digest: str | None = None,
) -> Iterator[bytes]:
    """Yield authenticated plaintext; raises IntegrityError/TruncatedError/FormatError at the
    first problem. Consumers must not treat output as complete until the iterator ends.

    ``expected_context`` (the context the manifest's recording was sealed with) is checked
    before any plaintext: an object sealed for another recording is refused. A stream digest
    (``tags-sha256:...``, a schema-2 manifest's) as ``expected_digest`` is checked at the end,
    before the last plaintext: another version of the same recording is refused too."""
    decryptor = StreamDecryptor(UnwrapWithProviders(providers, expected_context))
    for block in blocks:
        yield from decryptor.update_pieces(block)
    last = decryptor.finalize()
    if expected_digest is not None and decryptor.digest != expected_digest:
        raise NotThisObjectError(
            f"the object's stream digest {decryptor.digest} is not the manifest's {expected_digest}"
        )
    if last:
        yield last


def decrypt_recording(
    blocks: Iterable[bytes], providers: Mapping[str, KeyProvider], manifest: Manifest
) -> Iterator[bytes]:
    """:func:`decrypt_stream` of the object ``manifest`` names, and only that: sealed for its
    recording (checked before any plaintext) and, for a schema-2 manifest, with its stream
    digest (checked before the last plaintext). Anything else is :class:`NotThisObjectError`."""
    algorithm, _ = split_digest(manifest.ciphertext_digest)
    return decrypt_stream(
        blocks,
        providers,
        expected_context=recording_context(manifest.recording_id, manifest.meeting_type),
        expected_digest=manifest.ciphertext_digest if algorithm == STREAM_DIGEST else None,
    )
