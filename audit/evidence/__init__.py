"""The signed evidence bundle for auditors: the Gherkin suite's results, the audit report,
the ISO 27001 Statement of Applicability, the DPIA annex and the Art. 30 record, listed with
their SHA-256 in a manifest that is signed (Ed25519 key file or AWS KMS ECDSA P-256)."""

from .bundle import Criteria, InputFile, RunIdentity, build_manifest, write_bundle
from .signing import KmsSigner, LocalSigner, generate_key_file, load_local_signer
from .verify import Verification, verify_bundle

__all__ = [
    "Criteria",
    "InputFile",
    "KmsSigner",
    "LocalSigner",
    "RunIdentity",
    "Verification",
    "build_manifest",
    "generate_key_file",
    "load_local_signer",
    "verify_bundle",
    "write_bundle",
]
