"""``media-node dsar|retention|hold``: the DPO's commands. Each reads the node's config (the
same store and key provider as ``serve``) and writes every action to the node's access log."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from media_node.vault.keys import KeyProvider

__all__ = ["add_rights_commands"]


def _context(args: argparse.Namespace) -> tuple[Any, Any, KeyProvider, Callable[[str, str], None]]:
    from media_node.access_log import AccessLog
    from media_node.node import build_key_provider, build_store
    from media_node.node_config import load_node_config

    config = load_node_config(args.config)  # embedded defaults: created as `serve` would
    store = build_store(config.store)
    provider = build_key_provider(config.key_provider)
    access_log = AccessLog(config.state_dir / "access.log", anchor_path=config.access_log_anchor)

    def log(action: str, target: str) -> None:
        access_log.record(args.actor, "dpo", action, target)

    return config, store, provider, log


def _today(args: argparse.Namespace) -> dt.date:
    return (
        dt.date.fromisoformat(args.today)
        if getattr(args, "today", None)
        else dt.datetime.now(dt.UTC).date()
    )


def _archive_key(args: argparse.Namespace, *, opening: bool) -> KeyProvider:
    from media_node.rights.archive_keys import PassphraseKeyProvider, RecipientKeyProvider

    if args.passphrase_file:
        return PassphraseKeyProvider(Path(args.passphrase_file).read_text().strip())
    if opening:
        return RecipientKeyProvider.for_private_key(Path(args.identity).read_bytes())
    return RecipientKeyProvider(Path(args.recipient_key).read_bytes())


def _cmd_open(args: argparse.Namespace) -> int:
    from media_node.rights.requests import open_request

    _, store, _, log = _context(args)
    received = dt.date.fromisoformat(args.received) if args.received else _today(args)
    request = open_request(store, args.subject, args.kind, received)
    log("dsar-open", f"request:{request.request_id}")
    print(
        f"{request.request_id}: {request.kind} request for {request.subject}, received "
        f"{request.received}, due {request.due} (Art. 12(3))"
    )
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from media_node.rights.requests import list_requests

    _, store, _, log = _context(args)
    today = _today(args)
    requests = list_requests(store, today, include_closed=args.all)
    log("dsar-list", "requests")
    if args.json:
        print(json.dumps([r.__dict__ for r in requests], indent=1))
        return 0
    for r in requests:
        flag = "OVERDUE" if r.overdue(today) else r.status
        print(f"{r.due}  {flag:<8} {r.request_id}  {r.kind:<8} {r.subject}")
    if not requests:
        print("no open requests")
    return 0


def _warn_pending(spool_dir: Path, subject: str) -> None:
    """Recordings of the subject still in this node's spool are not in the store yet: say so."""
    from media_node.rights.subject_index import pending_manifests

    waiting = [m.recording_id for m in pending_manifests(spool_dir) if subject in m.subjects]
    if waiting:
        print(
            f"warning: {len(waiting)} recording(s) of {subject} still wait for upload in "
            f"{spool_dir} ({', '.join(waiting)}) and are not included: start `media-node "
            "serve` (it uploads and indexes them), then run this again",
            file=sys.stderr,
        )


def _cmd_reindex(args: argparse.Namespace) -> int:
    from media_node.rights.subject_index import rebuild_index

    _, store, _, log = _context(args)
    count = rebuild_index(store)
    log("dsar-reindex", "subject-index")
    print(f"subject index rebuilt from {count} manifests")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from media_node.rights.export import export_subject
    from media_node.rights.requests import close_request

    config, store, provider, log = _context(args)
    _warn_pending(config.state_dir / "spool", args.subject)
    log("dsar-export-start", f"subject:{args.subject}")
    result = export_subject(
        store,
        {provider.provider_id: provider},
        args.subject,
        Path(args.out),
        _archive_key(args, opening=False),
        access_log=config.state_dir / "access.log",
        full_disclosure=args.full_disclosure,
        full_disclosure_reason=args.reason or "",
        progress=lambda n, total: print(f"  {n}/{total} recordings", file=sys.stderr),
    )
    for item in result.recordings:
        log(f"dsar-export-{item.disclosure}", f"recording:{item.recording_id}")
    for consent_id in result.consent_records:
        log("dsar-export-consent", f"consent:{consent_id}")
    log("dsar-export", f"archive-sha256:{result.archive_sha256}")
    if args.request:
        close_request(store, args.request, _today(args), f"export sha256 {result.archive_sha256}")
    print(
        f"{args.out}: {len(result.recordings)} recordings, {len(result.consent_records)} "
        f"consent records, {result.access_log_entries} access-log "
        f"entries, {result.archive_size} bytes, sha256 {result.archive_sha256}"
    )
    return 0


def _cmd_erase(args: argparse.Namespace) -> int:
    from media_node.rights.erase import erase_subject, plan_consents, plan_erasure
    from media_node.rights.receipts import load_or_create_signing_key
    from media_node.rights.requests import close_request

    config, store, provider, log = _context(args)
    _warn_pending(config.state_dir / "spool", args.subject)
    if args.dry_run:
        plan = plan_erasure(store, args.subject, _today(args), override=args.override or "")
        for item in plan:
            print(f"{item['action']:<7} {item['recording_id']}: {item['reason']}")
        for entry in plan_consents(store, args.subject, plan):
            print(f"{entry['action']:<7} {entry['consent_id']}: {entry['reason']}")
        return 0
    receipt = erase_subject(
        store,
        {provider.provider_id: provider},
        provider,
        args.subject,
        journal_dir=config.state_dir / "erasures",
        signing_key=load_or_create_signing_key(config.state_dir / "receipt-signing.key"),
        today=_today(args),
        actor=args.actor,
        override=args.override or "",
        job_id=args.resume,
        log=log,
    )
    body = receipt["receipt"]
    if args.request:
        close_request(store, args.request, _today(args), f"erasure receipt {body['job']}")
    print(json.dumps(receipt, indent=1, sort_keys=True))
    print(
        f"{body['job']}: deleted {len(body['deleted'])}, redacted {len(body['redacted'])}, "
        f"kept {len(body['kept'])}",
        file=sys.stderr,
    )
    return 0


def _cmd_unseal(args: argparse.Namespace) -> int:
    from media_node.vault.store import AtomicFileWriter
    from media_node.vault.stream import decrypt_stream

    key = _archive_key(args, opening=True)
    out = Path(args.out)
    writer = AtomicFileWriter(out, out.with_name(f".{out.name}.part"))
    with writer, Path(args.input).open("rb") as handle:
        for block in decrypt_stream(
            iter(lambda: handle.read(1 << 20), b""), {key.provider_id: key}
        ):
            writer.write(block)
        writer.commit()
    print(f"{out}: archive opened (ZIP)")
    return 0


def _cmd_recipient_key(args: argparse.Namespace) -> int:
    import os

    from media_node.rights.archive_keys import generate_recipient_key

    private, public = generate_recipient_key()
    fd = os.open(args.identity, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    Path(args.public).write_bytes(public)
    print(f"identity {args.identity} (keep private), public key {args.public} (give to the DPO)")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from media_node.rights.retention import sweep

    config, store, _, log = _context(args)
    result = sweep(
        store, _today(args), spool_dir=config.state_dir / "spool", dry_run=args.dry_run, log=log
    )
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"{verb} {len(result.removed)} expired recordings; {len(result.held)} expired but held; "
        f"{result.spool_files_removed} spool files; {len(result.consents_removed)} consent "
        "records no recording rests on any more"
    )
    for rid in result.removed:
        print(f"  {verb}: {rid}")
    for rid in result.held:
        print(f"  held: {rid}")
    return 0


def _cmd_hold(args: argparse.Namespace) -> int:
    from media_node.rights.retention import add_hold, remove_hold

    _, store, _, log = _context(args)
    if args.hold_action == "add":
        locked = add_hold(
            store,
            args.recording,
            args.meeting_type,
            args.reason,
            args.actor,
            dt.datetime.now(dt.UTC),
        )
        log("hold-add", f"recording:{args.recording}")
        print(f"hold on {args.recording}" + (" (and S3 object legal hold)" if locked else ""))
    else:
        remove_hold(store, args.recording, args.meeting_type)
        log("hold-remove", f"recording:{args.recording}")
        print(f"hold on {args.recording} lifted")
    return 0


def _common(parser: argparse.ArgumentParser, *, actor: bool = True) -> None:
    parser.add_argument("--config", help="node config (YAML); embedded defaults without it")
    if actor:
        parser.add_argument("--actor", required=True, help="your pseudonymous DPO id (access log)")
    parser.add_argument("--today", help=argparse.SUPPRESS)


def _archive_options(parser: argparse.ArgumentParser, *, opening: bool) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--passphrase-file", help="file holding the archive passphrase (>= 12 chars)"
    )
    if opening:
        group.add_argument("--identity", help="the requester's private X25519 key file")
    else:
        group.add_argument(
            "--recipient-key", help="the requester's public X25519 key file (32 bytes)"
        )


def add_rights_commands(commands: Any) -> None:
    """Register ``dsar``, ``retention`` and ``hold`` on the media-node parser."""
    dsar = commands.add_parser("dsar", help="data subject requests: open, list, export, erase")
    actions = dsar.add_subparsers(dest="action", required=True)
    sub = actions.add_parser("open", help="register a request: received date, due in one month")
    _common(sub)
    sub.add_argument("--subject", required=True, help="the subject's pseudonymous id")
    sub.add_argument("--kind", choices=["access", "erasure"], required=True)
    sub.add_argument("--received", help="YYYY-MM-DD (default today)")
    sub.set_defaults(run=_cmd_open)
    sub = actions.add_parser("list", help="open requests, overdue first")
    _common(sub)
    sub.add_argument("--all", action="store_true", help="include answered requests")
    sub.add_argument("--json", action="store_true")
    sub.set_defaults(run=_cmd_list)
    sub = actions.add_parser("export", help="write the subject's encrypted archive (Art. 15)")
    _common(sub)
    sub.add_argument("--subject", required=True)
    sub.add_argument("--out", required=True)
    sub.add_argument("--request", help="request id this answers (marks it answered)")
    sub.add_argument(
        "--full-disclosure",
        nargs="*",
        default=[],
        metavar="RECORDING",
        help="multi-party recordings to export whole (needs --reason)",
    )
    sub.add_argument("--reason", help="why others' rights are not adversely affected (Art. 15(4))")
    _archive_options(sub, opening=False)
    sub.set_defaults(run=_cmd_export)
    sub = actions.add_parser("erase", help="erase and redact the subject's recordings (Art. 17)")
    _common(sub)
    sub.add_argument("--subject", required=True)
    sub.add_argument("--request", help="request id this answers (marks it answered)")
    sub.add_argument("--override", help="DPO justification to erase despite a legal obligation")
    sub.add_argument("--resume", metavar="JOB", help="finish an interrupted erasure job")
    sub.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    sub.set_defaults(run=_cmd_erase)
    sub = actions.add_parser(
        "reindex", help="rebuild the subject index from every manifest (after a restore)"
    )
    _common(sub)
    sub.set_defaults(run=_cmd_reindex)
    sub = actions.add_parser("unseal", help="open an export archive (for the requester)")
    sub.add_argument("--in", dest="input", required=True)
    sub.add_argument("--out", required=True, help="the ZIP to write")
    _archive_options(sub, opening=True)
    sub.set_defaults(run=_cmd_unseal)
    sub = actions.add_parser("recipient-key", help="create an X25519 key pair for a requester")
    sub.add_argument("identity", help="private key file to create (mode 0600)")
    sub.add_argument("public", help="public key file to hand to the DPO")
    sub.set_defaults(run=_cmd_recipient_key)
    retention = commands.add_parser("retention", help="remove recordings past their retention")
    ractions = retention.add_subparsers(dest="action", required=True)
    sub = ractions.add_parser(
        "sweep", help="delete expired recordings (all versions), honour holds"
    )
    _common(sub)
    sub.add_argument("--dry-run", action="store_true")
    sub.set_defaults(run=_cmd_sweep)
    hold = commands.add_parser("hold", help="legal holds: exempt a recording from retention")
    hactions = hold.add_subparsers(dest="hold_action", required=True)
    for name in ("add", "remove"):
        sub = hactions.add_parser(name, help=f"{name} a legal hold")
        _common(sub)
        sub.add_argument("--recording", required=True)
        sub.add_argument("--meeting-type", required=True)
        if name == "add":
            sub.add_argument("--reason", required=True, help="case or matter reference")
        sub.set_defaults(run=_cmd_hold, action="hold")
