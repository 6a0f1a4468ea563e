"""Key providers for export archives: the archive is a CallVault recording-format file (the
same STREAM envelope, docs/recording-format.md) whose data key is wrapped to a passphrase
(scrypt) or to the requester's X25519 public key, so only they can open it."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from media_node.vault.envelope import canonical_context
from media_node.vault.keys import DataKey, KeyProviderError

__all__ = ["PassphraseKeyProvider", "RecipientKeyProvider", "generate_recipient_key"]

_SCRYPT_N = 2**15


class PassphraseKeyProvider:
    """Wraps with AES-256-GCM under scrypt(passphrase, salt; N=2^15, r=8, p=1)."""

    provider_id = "passphrase"

    def __init__(self, passphrase: str) -> None:
        if len(passphrase) < 12:
            raise KeyProviderError("the archive passphrase must have at least 12 characters")
        self._passphrase = passphrase.encode()

    def _kek(self, salt: bytes) -> AESGCM:
        return AESGCM(Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=8, p=1).derive(self._passphrase))

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey:
        key = bytearray(os.urandom(32))
        salt, nonce = os.urandom(16), os.urandom(12)
        wrapped = (
            salt + nonce + self._kek(salt).encrypt(nonce, bytes(key), canonical_context(context))
        )
        return DataKey(key, wrapped, "passphrase:scrypt-n32768-r8-p1")

    def decrypt_data_key(
        self, wrapped: bytes, key_ref: str, context: Mapping[str, str]
    ) -> bytearray:
        salt, nonce, sealed = wrapped[:16], wrapped[16:28], wrapped[28:]
        try:
            return bytearray(self._kek(salt).decrypt(nonce, sealed, canonical_context(context)))
        except InvalidTag:
            raise KeyProviderError("wrong passphrase for this archive") from None


def _recipient_ref(public: bytes) -> str:
    return "x25519:" + hashlib.sha256(public).hexdigest()[:24]


def _wrap_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> AESGCM:
    return AESGCM(
        HKDF(
            hashes.SHA256(), 32, salt=None, info=b"callvault-archive-x25519" + ephemeral + recipient
        ).derive(shared)
    )


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def generate_recipient_key() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 keys for a requester who wants a key-encrypted archive."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw, _raw_public(private.public_key())


class RecipientKeyProvider:
    """Wraps to an X25519 public key (ephemeral-static ECDH, HKDF-SHA256, AES-256-GCM);
    unwrapping needs the private key."""

    provider_id = "x25519"

    def __init__(self, public: bytes, private: bytes | None = None) -> None:
        if len(public) != 32:
            raise KeyProviderError("a recipient key is 32 raw bytes (X25519)")
        self._public = public
        self._private = private

    @classmethod
    def for_private_key(cls, private: bytes) -> RecipientKeyProvider:
        key = X25519PrivateKey.from_private_bytes(private)
        return cls(_raw_public(key.public_key()), private)

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey:
        key = bytearray(os.urandom(32))
        ephemeral = X25519PrivateKey.generate()
        eph_public = _raw_public(ephemeral.public_key())
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self._public))
        nonce = os.urandom(12)
        sealed = _wrap_key(shared, eph_public, self._public).encrypt(
            nonce, bytes(key), canonical_context(context)
        )
        return DataKey(key, eph_public + nonce + sealed, _recipient_ref(self._public))

    def decrypt_data_key(
        self, wrapped: bytes, key_ref: str, context: Mapping[str, str]
    ) -> bytearray:
        if self._private is None or key_ref != _recipient_ref(self._public):
            raise KeyProviderError("this archive was encrypted to another recipient key")
        eph_public, nonce, sealed = wrapped[:32], wrapped[32:44], wrapped[44:]
        shared = X25519PrivateKey.from_private_bytes(self._private).exchange(
            X25519PublicKey.from_public_bytes(eph_public)
        )
        try:
            return bytearray(
                _wrap_key(shared, eph_public, self._public).decrypt(
                    nonce, sealed, canonical_context(context)
                )
            )
        except InvalidTag:
            raise KeyProviderError("this archive was encrypted to another recipient key") from None
