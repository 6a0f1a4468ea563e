"""The stream digest: how a manifest names its ciphertext object without hashing every byte.

A recording's ciphertext is ``header || chunk_0 || ... || chunk_n-1`` and every chunk ends
with its 16-byte AES-GCM tag, which authenticates that chunk's bytes, its position and
finality (the nonce) and the header (the AAD) under the recording's content key. The stream
digest is

    SHA-256("callvault-stream-digest-v1" 0x00 || uint32(len(header)) || header
            || tag_0 || ... || tag_n-1 || uint64(n) || uint64(ciphertext size))

written ``tags-sha256:<64 hex>``. It costs 16 hashed bytes per 256 KiB chunk, so the writer
runs at the speed of AES-GCM instead of SHA-256 (``bench/vault.py``). What it proves:

* **with the data key** (a reader who decrypts): every tag authenticates its chunk, so an
  object that decrypts *and* matches the digest is byte for byte the one the writer produced;
  a changed chunk body that kept its tag would need a GCM forgery under a key the changer
  does not hold.
* **without the key**: the header (key reference, wrapped key, context, salt, nonce prefix,
  chunk size), the number and sizes of the chunks and every tag, i.e. which object this is and
  that nothing was appended, cut, reordered or swapped in; not the chunk bodies between the tags
  (bit rot in a body is caught by its tag at the next decrypt, not by a keyless check).

A keyless check of every byte needs the whole-object SHA-256 (``sha256:<64 hex>``): schema-1
manifests carry it, and ``media-node vault verify`` computes it on demand; exports, which leave
the system, record it (``media_node.rights.export``). See docs/recording-format.md.
"""

from __future__ import annotations

import hashlib
import re
import struct

__all__ = [
    "STREAM_DIGEST",
    "WHOLE_SHA256",
    "StreamDigest",
    "split_digest",
]

STREAM_DIGEST = "tags-sha256"
"""Algorithm name of the stream digest (manifest schema 2)."""
WHOLE_SHA256 = "sha256"
"""Algorithm name of the SHA-256 of the whole ciphertext object (manifest schema 1)."""
_LABEL = b"callvault-stream-digest-v1\x00"
_TAG_SIZE = 16
_DIGEST = re.compile(r"^(tags-sha256|sha256):([0-9a-f]{64})\Z")


def split_digest(value: str) -> tuple[str, str]:
    """``(algorithm, hex)`` of ``tags-sha256:<hex>`` or ``sha256:<hex>``; ValueError otherwise."""
    match = _DIGEST.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"a ciphertext digest must be tags-sha256:<64 hex> or sha256:<64 hex> (got {value!r})"
        )
    return match.group(1), match.group(2)


class StreamDigest:
    """Running stream digest: the header at construction, then each chunk's tag in order."""

    def __init__(self, header: bytes) -> None:
        self._hash = hashlib.sha256(_LABEL + struct.pack(">I", len(header)) + header)
        self._chunks = 0

    def add_tag(self, tag: bytes | bytearray | memoryview) -> None:
        if len(tag) != _TAG_SIZE:
            raise ValueError(f"a chunk tag is {_TAG_SIZE} bytes (got {len(tag)})")
        self._hash.update(tag)
        self._chunks += 1

    @property
    def chunks(self) -> int:
        return self._chunks

    def value(self, ciphertext_size: int) -> str:
        """``tags-sha256:<hex>`` for the tags added so far and the whole object's size."""
        final = self._hash.copy()
        final.update(struct.pack(">QQ", self._chunks, ciphertext_size))
        return f"{STREAM_DIGEST}:{final.hexdigest()}"
