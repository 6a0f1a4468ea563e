"""`media-node`: the node's command line (serve, tls-selfsigned, token, audit-log, the DPO's
dsar/retention/hold commands from media_node.rights.cli and the vault commands from
media_node.vault.cli).

Exit codes: 0 done; 1 the recording failed authentication (tampered, truncated, wrong key) or
a check failed; 2 bad usage, unreadable input or an unavailable key provider. Errors are one
line on stderr; a failed decrypt leaves no output file.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path

from media_node.auth import STAFF_ROLES, TokenError, issue_token
from media_node.logs import ACCESS_LOG_FORMAT, configure_logging
from media_node.node_config import NodeConfigError, load_node_config
from media_node.vault.cli import UsageError, add_vault_commands
from media_node.vault.envelope import FormatError, IntegrityError, TruncatedError
from media_node.vault.keys import KeyProviderError
from media_node.vault.store import ObjectStoreError
from media_node.vault.verify import VerifyError

__all__ = ["main"]


def _cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from .app import create_app
    from .node import Node
    from .passthrough import install
    from .rights.schedule import retention_schedule
    from .tls import plain_http_refusal, server_context

    config = load_node_config(args.config)
    if args.host:
        config = dataclasses.replace(config, host=args.host)
    if args.port is not None:
        config = dataclasses.replace(config, port=args.port)
    tls = config.tls_cert is not None and config.tls_key is not None
    refusal = plain_http_refusal(config.host, tls, args.behind_tls_terminator)
    if refusal:
        raise UsageError(refusal)
    context = None
    if config.tls_cert is not None and config.tls_key is not None:
        try:
            context = server_context(config.tls_cert, config.tls_key)
        except (OSError, ssl.SSLError) as error:
            raise UsageError(f"cannot use the TLS certificate {config.tls_cert}: {error}") from None
    configure_logging(args.log_level)
    for note in config.notes:
        logging.getLogger("media_node").warning("%s", note)
    install()
    node = Node(config)
    flushed = node.flush_spool()
    if flushed:
        logging.getLogger("media_node").info("uploaded %d spooled objects", len(flushed))
    types = ", ".join(f"{m.name} ({m.recording}, {m.mode})" for m in config.stack.meeting_types)
    print(f"media-node: stack '{config.stack.stack}' meeting types: {types}", flush=True)
    scheme = "https" if context else "http"
    print(f"media-node: listening on {scheme}://{config.host}:{config.port}", flush=True)
    app = create_app(node)
    # Expired recordings leave on the local store too (no lifecycle rule there): hourly sweep.
    app.cleanup_ctx.append(retention_schedule(node.store, node.spool_dir, node.access_log))
    web.run_app(
        app,
        host=config.host,
        port=config.port,
        print=None,
        ssl_context=context,
        access_log_format=ACCESS_LOG_FORMAT,
    )
    return 0


def _cmd_tls_selfsigned(args: argparse.Namespace) -> int:
    from .tls import write_self_signed

    cert, key = write_self_signed(args.dir)
    print(f"certificate {cert}, key {key} (mode 0600)")
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    config = load_node_config(args.config, create_secrets=False)
    print(issue_token(config.token_secret, args.role, args.subject, ttl=args.ttl))
    return 0


def _cmd_audit_log_verify(args: argparse.Namespace) -> int:
    from .access_log import AnchorError, verify_anchored, verify_chain

    try:
        if args.anchors is None:
            count = verify_chain(args.log)
            print(
                f"{args.log}: chain holds, {count} entries (no anchors given: truncation and "
                "a rebuilt chain cannot be detected)"
            )
        else:
            count = verify_anchored(args.log, args.anchors)
            print(f"{args.log}: chain holds, {count} entries, every anchored head matches")
    except OSError as error:
        raise UsageError(f"cannot read {error.filename}: {error.strerror}") from None
    except (AnchorError, ValueError) as error:
        print(f"media-node: {args.log}: {error}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .rights.cli import add_rights_commands

    parser = argparse.ArgumentParser(
        prog="media-node", description="CallVault media node: recorder and recording vault."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the recording service (HTTP API on embedded defaults without --config)",
    )
    serve.add_argument("--config", type=Path, metavar="FILE", help="node config (YAML)")
    serve.add_argument("--host", help="listen address (overrides the config)")
    serve.add_argument("--port", type=int, help="listen port (overrides the config)")
    serve.add_argument(
        "--log-level",
        choices=("debug", "info", "warning"),
        default="info",
        help="log level (default info; no level logs participants' addresses)",
    )
    serve.add_argument(
        "--behind-tls-terminator",
        action="store_true",
        help="allow plain HTTP on a non-loopback address: a TLS load balancer is in front",
    )
    serve.set_defaults(run=_cmd_serve, action="serve")
    selfsigned = commands.add_parser(
        "tls-selfsigned",
        help="create a self-signed certificate for the API in DIR (kept if one is there)",
    )
    selfsigned.add_argument("--dir", type=Path, required=True, metavar="DIR")
    selfsigned.set_defaults(run=_cmd_tls_selfsigned, action="tls-selfsigned")
    token = commands.add_parser("token", help="print a signed bearer token for the API")
    token.add_argument(
        "--role",
        required=True,
        choices=STAFF_ROLES,
        help="a staff role (a customer's token comes only from redeeming their join link)",
    )
    token.add_argument("--subject", required=True, help="pseudonymous id (never a name or e-mail)")
    token.add_argument(
        "--ttl", type=int, default=3600, help="seconds until it expires (default 3600)"
    )
    token.add_argument("--config", type=Path, metavar="FILE", help="node config (YAML)")
    token.set_defaults(run=_cmd_token, action="token")
    audit_log = commands.add_parser("audit-log", help="check the node's access log")
    audit_actions = audit_log.add_subparsers(dest="audit_action", required=True)
    verify = audit_actions.add_parser(
        "verify",
        help="check the hash chain and every anchored head (exit 1 if broken, cut or rewritten)",
    )
    verify.add_argument("log", type=Path, help="access.log")
    verify.add_argument(
        "--anchors", type=Path, metavar="FILE", help="the anchor file (access.log.anchors)"
    )
    verify.set_defaults(run=_cmd_audit_log_verify, action="audit-log")
    add_rights_commands(commands)
    add_vault_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (IntegrityError, TruncatedError, FormatError, VerifyError) as err:
        print(f"media-node: {args.input}: {err}", file=sys.stderr)
        return 1
    except KeyProviderError as err:
        print(f"media-node: {err}", file=sys.stderr)
        return 1 if args.action in ("decrypt", "verify") else 2
    except (UsageError, ObjectStoreError, ValueError, NodeConfigError, TokenError) as err:
        print(f"media-node: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
