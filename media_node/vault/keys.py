"""Key providers: where a recording's data key comes from and how it is wrapped.

Both providers sit behind :class:`KeyProvider`: AWS KMS (``GenerateDataKey`` / ``Decrypt`` with
an encryption context), and a local key file for the embedded default. Plaintext data keys are
returned as ``bytearray`` so callers can wipe them when the stream is done; they are never
written anywhere.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from media_node.vault.envelope import canonical_context

__all__ = [
    "DataKey",
    "KeyProvider",
    "KeyProviderError",
    "KmsKeyProvider",
    "LocalKeyProvider",
    "create_local_key_file",
]

LOCAL_KEY_SIZE = 32
_WRAP_LABEL = b"callvault-local-wrap-v1"


class KeyProviderError(RuntimeError):
    """The key provider is unavailable or refused (wrong key, wrong context, no access)."""


@dataclass
class DataKey:
    plaintext: bytearray
    """The 256-bit data key. Wipe with :meth:`wipe` when done."""
    wrapped: bytes
    """The data key encrypted by the provider; stored in the recording header."""
    key_ref: str
    """The provider's reference to the wrapping key (KMS key ARN, local key id)."""

    def wipe(self) -> None:
        self.plaintext[:] = bytes(len(self.plaintext))


class KeyProvider(Protocol):
    """Generates and unwraps per-recording data keys bound to an encryption context."""

    @property
    def provider_id(self) -> str:
        """Stable id written into recording headers (``local``, ``aws-kms``)."""
        ...

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey: ...

    def decrypt_data_key(
        self, wrapped: bytes, key_ref: str, context: Mapping[str, str]
    ) -> bytearray: ...


def create_local_key_file(path: Path) -> str:
    """Create a new 256-bit key file with mode 0600; refuses to overwrite. Returns its key id."""
    key = os.urandom(LOCAL_KEY_SIZE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyProviderError(f"{path} already exists; refusing to overwrite a key") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return _key_id(key)


def _key_id(key: bytes) -> str:
    return "local:" + hashlib.sha256(b"callvault-key-id" + key).hexdigest()[:24]


class LocalKeyProvider:
    """A key file on the node wraps data keys with AES-256-GCM; the context is the AAD."""

    provider_id = "local"

    def __init__(self, path: Path) -> None:
        try:
            info = path.stat()
        except OSError as err:
            raise KeyProviderError(f"key file {path} cannot be read ({err.strerror})") from None
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyProviderError(
                f"key file {path} is accessible by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
            )
        key = path.read_bytes()
        if len(key) != LOCAL_KEY_SIZE:
            raise KeyProviderError(
                f"key file {path} must hold exactly {LOCAL_KEY_SIZE} bytes (got {len(key)})"
            )
        self._kek = AESGCM(key)
        self.key_id = _key_id(key)

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey:
        plaintext = bytearray(os.urandom(32))
        nonce = os.urandom(12)
        wrapped = nonce + self._kek.encrypt(nonce, bytes(plaintext), self._aad(context))
        return DataKey(plaintext, wrapped, self.key_id)

    def decrypt_data_key(
        self, wrapped: bytes, key_ref: str, context: Mapping[str, str]
    ) -> bytearray:
        if key_ref != self.key_id:
            raise KeyProviderError(
                f"recording was encrypted under key {key_ref}, this key file is {self.key_id}"
            )
        try:
            return bytearray(self._kek.decrypt(wrapped[:12], wrapped[12:], self._aad(context)))
        except (InvalidTag, ValueError):
            raise KeyProviderError(
                "data key does not unwrap: wrong key file or a changed encryption context"
            ) from None

    @staticmethod
    def _aad(context: Mapping[str, str]) -> bytes:
        return _WRAP_LABEL + canonical_context(context)


class KmsKeyProvider:
    """AWS KMS: ``GenerateDataKey`` (AES_256) and ``Decrypt``, both with the context."""

    provider_id = "aws-kms"

    def __init__(self, client: Any, key_id: str) -> None:
        """``client`` is a boto3 KMS client (``boto3.client("kms", region_name=...)``)."""
        self._client = client
        self._key_id = key_id

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey:
        response = self._call(
            "GenerateDataKey",
            KeyId=self._key_id,
            KeySpec="AES_256",
            EncryptionContext=dict(context),
        )
        return DataKey(
            bytearray(response["Plaintext"]),
            bytes(response["CiphertextBlob"]),
            str(response["KeyId"]),
        )

    def decrypt_data_key(
        self, wrapped: bytes, key_ref: str, context: Mapping[str, str]
    ) -> bytearray:
        response = self._call(
            "Decrypt", CiphertextBlob=wrapped, KeyId=key_ref, EncryptionContext=dict(context)
        )
        return bytearray(response["Plaintext"])

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        method = {
            "GenerateDataKey": self._client.generate_data_key,
            "Decrypt": self._client.decrypt,
        }[operation]
        try:
            return dict(method(**kwargs))
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "Unknown")
            raise KeyProviderError(f"KMS {operation} refused: {code}") from None
        except BotoCoreError as err:
            raise KeyProviderError(f"KMS {operation} unavailable: {err}") from None
