"""Signing the evidence manifest: a local Ed25519 key file, or an AWS KMS asymmetric key.

Local keys are Ed25519 (PKCS#8 PEM, written 0600 with O_EXCL so an existing key is never
overwritten). KMS has no Ed25519 key spec; a KMS key must be ``ECC_NIST_P256`` and signs with
``ECDSA_SHA_256``. KMS signs a ``RAW`` message of at most 4096 bytes, so both signers sign the
same short statement, :func:`signed_statement`, which binds the SHA-256 of ``manifest.json``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from ..errors import UsageError

__all__ = [
    "KMS_SIGNING_ALGORITHM",
    "KmsSigner",
    "LocalSigner",
    "Signature",
    "SignatureError",
    "Signer",
    "generate_key_file",
    "load_local_signer",
    "public_key_fingerprint",
    "signed_statement",
    "verify_with_public_key",
]

KMS_SIGNING_ALGORITHM = "ECDSA_SHA_256"
_PREFIX = b"callvault-evidence-manifest/1 sha256:"


class SignatureError(UsageError):
    """A key file that cannot be used, or a signature that cannot be made."""


def signed_statement(manifest: bytes, algorithm: str, key_id: str) -> bytes:
    """What is signed: a fixed prefix, the hex SHA-256 of the manifest bytes, the algorithm
    and the key id (so neither can be altered in the signature file unnoticed)."""
    digest = hashlib.sha256(manifest).hexdigest()
    return _PREFIX + f"{digest} {algorithm} {key_id}".encode()


@dataclass(frozen=True)
class Signature:
    algorithm: str
    """``Ed25519`` or ``ECDSA_SHA_256``."""
    key_id: str
    """Fingerprint of a local key (``sha256:...`` of its public key) or the KMS key ARN."""
    public_key_pem: str
    """The signer's public key, so a verifier can print and compare its fingerprint."""
    value: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "callvault-evidence-signature/1",
            "signed_file": "manifest.json",
            "statement": _PREFIX.decode() + "<sha256 hex of manifest.json> <algorithm> <key_id>",
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "public_key": self.public_key_pem,
            "signature": base64.b64encode(self.value).decode(),
        }


class Signer(Protocol):
    def sign(self, manifest: bytes) -> Signature: ...


def _public_pem(key: ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def public_key_fingerprint(public_pem: str) -> str:
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
    except (ValueError, TypeError) as error:
        raise SignatureError(f"not a PEM public key ({error})") from None
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(der).hexdigest()


@dataclass(frozen=True)
class LocalSigner:
    key: ed25519.Ed25519PrivateKey

    def sign(self, manifest: bytes) -> Signature:
        public = _public_pem(self.key.public_key())
        key_id = public_key_fingerprint(public)
        statement = signed_statement(manifest, "Ed25519", key_id)
        return Signature("Ed25519", key_id, public, self.key.sign(statement))


def generate_key_file(path: str | Path) -> str:
    """Create a new Ed25519 key at ``path`` (0600, never overwriting); write ``path.pub``.

    Returns the public key's fingerprint.
    """
    file = Path(path)
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SignatureError(f"{file} already exists; refusing to overwrite a key") from None
    except OSError as error:
        raise SignatureError(f"{file}: cannot create ({error.strerror})") from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = _public_pem(key.public_key())
    Path(f"{file}.pub").write_text(public)
    return public_key_fingerprint(public)


def load_local_signer(path: str | Path) -> LocalSigner:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise SignatureError(f"{file}: cannot read the signing key ({error.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SignatureError(f"{file}: not an unencrypted PEM private key ({error})") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SignatureError(f"{file}: signing key must be Ed25519 (run gdpr-audit keygen)")
    return LocalSigner(key)


@dataclass(frozen=True)
class KmsSigner:
    """An AWS KMS ``ECC_NIST_P256`` key (``client`` is a boto3 KMS client)."""

    client: Any
    key_id: str

    def public_key_pem(self) -> str:
        der = self.client.get_public_key(KeyId=self.key_id)["PublicKey"]
        return _public_pem(serialization.load_der_public_key(der))  # type: ignore[arg-type]

    def key_arn(self) -> str:
        return str(self.client.describe_key(KeyId=self.key_id)["KeyMetadata"]["Arn"])

    def sign(self, manifest: bytes) -> Signature:
        arn = self.key_arn()
        response = self.client.sign(
            KeyId=arn,
            Message=signed_statement(manifest, KMS_SIGNING_ALGORITHM, arn),
            MessageType="RAW",
            SigningAlgorithm=KMS_SIGNING_ALGORITHM,
        )
        return Signature(KMS_SIGNING_ALGORITHM, arn, self.public_key_pem(), response["Signature"])

    def verify(self, manifest: bytes, signature: bytes) -> bool:
        """Verify at KMS; the statement names this key's ARN, so another key's bundle fails."""
        arn = self.key_arn()
        response = self.client.verify(
            KeyId=arn,
            Message=signed_statement(manifest, KMS_SIGNING_ALGORITHM, arn),
            MessageType="RAW",
            Signature=signature,
            SigningAlgorithm=KMS_SIGNING_ALGORITHM,
        )
        return bool(response["SignatureValid"])


def verify_with_public_key(
    public_pem: str, algorithm: str, key_id: str, manifest: bytes, value: bytes
) -> bool:
    """True when ``value`` is a valid signature of ``manifest`` by ``public_pem``."""
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
    except (ValueError, TypeError) as error:
        raise SignatureError(f"not a PEM public key ({error})") from None
    statement = signed_statement(manifest, algorithm, key_id)
    try:
        if algorithm == "Ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(value, statement)
            return True
        if algorithm == KMS_SIGNING_ALGORITHM and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, statement, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    raise SignatureError(f"public key type does not match the signature algorithm {algorithm}")
