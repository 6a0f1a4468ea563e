"""The ``keygen``, ``verify`` and ``evidence`` sub-commands of ``gdpr-audit``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .signing import KmsSigner, generate_key_file
from .verify import verify_bundle

__all__ = ["add_commands", "run_command"]

COMMANDS = ("keygen", "verify", "evidence")


def _kms_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kms-key-id", metavar="ID", help="AWS KMS key (ECC_NIST_P256, ECDSA_SHA_256) id or ARN"
    )
    parser.add_argument("--region", metavar="REGION", help="AWS region of the KMS key")
    parser.add_argument("--endpoint-url", metavar="URL", help="KMS endpoint (e.g. a test server)")


def add_commands(commands: Any, common: Any) -> None:
    """Register the sub-commands on ``gdpr-audit``'s sub-parsers; ``common`` adds the audit
    options (--fail-on, --waivers ...) shared with plan and state."""
    keygen = commands.add_parser("keygen", help="create an Ed25519 key file for signing evidence")
    keygen.add_argument("key_file", metavar="FILE", help="new key file (0600); FILE.pub is public")
    verify = commands.add_parser(
        "verify", help="check an evidence bundle's signature and every file's SHA-256"
    )
    verify.add_argument("directory", metavar="DIR")
    verify.add_argument("--public-key", metavar="FILE", help="the signer's public key (PEM)")
    _kms_options(verify)
    evidence = commands.add_parser(
        "evidence", help="run the auditors' Gherkin suite and write a signed evidence bundle"
    )
    evidence.add_argument("--stack", default="dev", help="stack name (default: dev)")
    evidence.add_argument("--config-file", metavar="PATH", help="stack config file")
    source = evidence.add_mutually_exclusive_group()
    source.add_argument(
        "--state", nargs="+", metavar="FILE", help="audit these state/preview files"
    )
    source.add_argument(
        "--plan", action="store_true", help="audit the Pulumi program under mocks (default)"
    )
    evidence.add_argument(
        "--runtime",
        action="store_true",
        help="also run the runtime scenarios (real media node, coturn and moto)",
    )
    evidence.add_argument(
        "--key",
        metavar="FILE",
        help="Ed25519 signing key (default: .callvault-evidence.key, created on first use)",
    )
    evidence.add_argument(
        "--time", metavar="RFC3339", help="declared UTC time of the run (default: now)"
    )
    _kms_options(evidence)
    common(evidence)


def _kms_client(args: argparse.Namespace) -> Any:
    import boto3

    return boto3.client("kms", region_name=args.region, endpoint_url=args.endpoint_url)


def _keygen(args: argparse.Namespace) -> int:
    fingerprint = generate_key_file(args.key_file)
    print(f"wrote {args.key_file} (private, 0600) and {args.key_file}.pub; key {fingerprint}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such directory")
    if args.public_key and args.kms_key_id:
        raise UsageError("give --public-key or --kms-key-id, not both")
    public_pem = None
    if args.public_key:
        try:
            public_pem = Path(args.public_key).read_text()
        except OSError as error:
            raise UsageError(f"{args.public_key}: cannot read ({error.strerror})") from None
    kms_verify = KmsSigner(_kms_client(args), args.kms_key_id).verify if args.kms_key_id else None
    result = verify_bundle(directory, public_key_pem=public_pem, kms_verify=kms_verify)
    for problem in result.problems:
        print(f"gdpr-audit verify: FAIL {problem}", file=sys.stderr)
    if not result.ok:
        return 1
    print(f"gdpr-audit verify: OK {result.files_checked} files, signature by {result.key_id}")
    if not result.key_pinned:
        print(
            "note: verified with the public key inside the bundle; pass --public-key or "
            "--kms-key-id to also prove who signed it",
        )
    return 0


def run_command(args: argparse.Namespace) -> int:
    if args.command == "keygen":
        return _keygen(args)
    if args.command == "verify":
        return _verify(args)
    from .run import run_evidence

    return run_evidence(args)
