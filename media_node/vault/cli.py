"""`media-node vault`: encrypt, decrypt and key recordings from the command line.

    media-node vault keygen FILE
    media-node vault encrypt (--local-key FILE | --kms-key-id ID) IN OUT
    media-node vault decrypt (--local-key FILE | --kms-key-id ID) IN OUT
    media-node vault verify (--manifest FILE | --digest D) [--local-key FILE | --kms-key-id ID] IN

Exit codes (set by ``media_node.cli.main``): 0 done; 1 the recording failed authentication
(tampered, truncated, wrong key) or is not the object its manifest names; 2 bad usage,
unreadable input or an unavailable key provider. A failed decrypt leaves no output file.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from media_node.vault.context import recording_context
from media_node.vault.keys import (
    KeyProvider,
    KmsKeyProvider,
    LocalKeyProvider,
    create_local_key_file,
)
from media_node.vault.manifest import Manifest
from media_node.vault.store import AtomicFileWriter
from media_node.vault.stream import decrypt_stream, encrypt_stream
from media_node.vault.verify import verify_object

__all__ = ["UsageError", "add_vault_commands"]

READ_BLOCK = 1024 * 1024


class UsageError(Exception):
    """Exit 2 with this message."""


def _read_blocks(path: Path) -> Iterator[bytes]:
    try:
        handle = path.open("rb")
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from None
    with handle:
        while block := handle.read(READ_BLOCK):
            yield block


def _provider(args: argparse.Namespace) -> KeyProvider:
    if args.local_key is not None:
        return LocalKeyProvider(args.local_key)
    import boto3

    client = boto3.client("kms", region_name=args.region, endpoint_url=args.endpoint_url)
    return KmsKeyProvider(client, args.kms_key_id)


def _output_writer(path: Path) -> AtomicFileWriter:
    if path.exists():
        raise UsageError(f"{path} exists; refusing to overwrite")
    temp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.partial"
    try:
        return AtomicFileWriter(path, temp, exclusive=True)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror}") from None


def _cmd_keygen(args: argparse.Namespace) -> int:
    key_id = create_local_key_file(args.file)
    print(f"created {args.file} (mode 0600), key id {key_id}")
    return 0


def _cmd_encrypt(args: argparse.Namespace) -> int:
    provider = _provider(args)
    context = recording_context(args.recording_id or str(uuid.uuid4()), args.meeting_type)
    blocks = _read_blocks(args.input)
    with _output_writer(args.output) as writer:
        result = encrypt_stream(provider, writer, context, blocks)
    print(
        f"encrypted {result.plaintext_size} bytes into {args.output} "
        f"({result.ciphertext_size} bytes, digest {result.ciphertext_digest})"
    )
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    if args.manifest is not None:
        try:
            manifest = Manifest.from_json(args.manifest.read_bytes())
        except OSError as err:
            raise UsageError(f"cannot read {args.manifest}: {err.strerror}") from None
        digest, size = manifest.ciphertext_digest, manifest.ciphertext_size
    else:
        digest, size = args.digest, None
    keyed = args.local_key is not None or args.kms_key_id is not None
    providers = None
    if keyed:
        provider = _provider(args)
        providers = {provider.provider_id: provider}
    verified = verify_object(
        _read_blocks(args.input), digest, expected_size=size, providers=providers
    )
    print(f"{args.input}: verified ({verified.algorithm}): {verified.describe()}")
    return 0


def _cmd_decrypt(args: argparse.Namespace) -> int:
    provider = _provider(args)
    providers = {provider.provider_id: provider}
    blocks = _read_blocks(args.input)
    with _output_writer(args.output) as writer:
        size = 0
        for plaintext in decrypt_stream(blocks, providers):
            writer.write(plaintext)
            size += len(plaintext)
        writer.commit()
    print(f"decrypted {size} bytes into {args.output}")
    return 0


def add_vault_commands(commands: Any) -> None:
    """Add ``vault keygen|encrypt|decrypt`` to the ``media-node`` subcommands."""
    vault = commands.add_parser(
        "vault", help="encrypt, decrypt and key recordings (streamed envelope encryption)"
    )
    actions = vault.add_subparsers(dest="action", required=True)

    keygen = actions.add_parser("keygen", help="create a local 256-bit key file (mode 0600)")
    keygen.add_argument("file", type=Path)
    keygen.set_defaults(run=_cmd_keygen)

    for name, run, text in (
        ("encrypt", _cmd_encrypt, "encrypt IN into the CallVault recording format at OUT"),
        (
            "decrypt",
            _cmd_decrypt,
            "decrypt and authenticate IN; OUT appears only if all of it authenticates",
        ),
    ):
        sub = actions.add_parser(name, help=text, description=text)
        keys = sub.add_mutually_exclusive_group(required=True)
        keys.add_argument("--local-key", type=Path, metavar="FILE", help="local key file")
        keys.add_argument("--kms-key-id", metavar="ID", help="AWS KMS key id, ARN or alias")
        sub.add_argument("--endpoint-url", help="KMS endpoint (e.g. a VPC endpoint or moto)")
        sub.add_argument("--region", help="AWS region of the KMS key (default: from AWS config)")
        if name == "encrypt":
            sub.add_argument(
                "--recording-id",
                help="recording id for the encryption context (default: a new UUID)",
            )
            sub.add_argument(
                "--meeting-type",
                default="unspecified",
                help="meeting type for the encryption context",
            )
        sub.add_argument("input", type=Path, metavar="IN")
        sub.add_argument("output", type=Path, metavar="OUT")
        sub.set_defaults(run=run)

    text = (
        "check that IN is the object a manifest (or a digest) names: with a key, every chunk is "
        "authenticated; without, the header, chunk tags and size (docs/recording-format.md)"
    )
    verify = actions.add_parser("verify", help=text, description=text)
    expected = verify.add_mutually_exclusive_group(required=True)
    expected.add_argument("--manifest", type=Path, metavar="FILE", help="the recording's manifest")
    expected.add_argument(
        "--digest", metavar="D", help="tags-sha256:<hex> or sha256:<hex> (as `encrypt` printed)"
    )
    keys = verify.add_mutually_exclusive_group()
    keys.add_argument("--local-key", type=Path, metavar="FILE", help="local key file")
    keys.add_argument("--kms-key-id", metavar="ID", help="AWS KMS key id, ARN or alias")
    verify.add_argument("--endpoint-url", help="KMS endpoint (e.g. a VPC endpoint or moto)")
    verify.add_argument("--region", help="AWS region of the KMS key (default: from AWS config)")
    verify.add_argument("input", type=Path, metavar="IN")
    verify.set_defaults(run=_cmd_verify)
