"""The command-line side of the live scan: options shared by ``gdpr-audit live`` and
``gdpr-audit drift``, and the scan they run."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ...context import context_from_stack, default_context, read_stack_config, stack_facts
from ...facts import Facts
from ...stack_controls import complete_facts
from .client import Boto3ClientFactory
from .facts import facts_from_live
from .scan import scan, tty_progress
from .snapshot import Snapshot

__all__ = ["add_live_options", "collect_live"]


def add_live_options(parser: argparse.ArgumentParser, *, stack_config: bool = True) -> None:
    group = parser.add_argument_group("AWS account")
    group.add_argument("--profile", metavar="P", help="AWS profile (default: the usual chain)")
    group.add_argument(
        "--role-arn", metavar="ARN", help="assume this role first (e.g. the read-only audit role)"
    )
    group.add_argument(
        "--regions",
        nargs="+",
        metavar="REGION",
        help="regional services only in these (default: every enabled region; S3 and IAM are "
        "always read whole)",
    )
    group.add_argument(
        "--endpoint-url", metavar="URL", help="AWS endpoint (moto, LocalStack); default: AWS"
    )
    group.add_argument(
        "--home-region",
        default=os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1",
        help="region for STS and DescribeRegions (default: $AWS_DEFAULT_REGION or eu-central-1)",
    )
    group.add_argument(
        "--scan-workers", type=int, default=8, help="concurrent API readers (default: 8)"
    )
    if stack_config:
        group.add_argument(
            "--stack-config",
            metavar="PATH",
            help="Pulumi.<stack>.yaml giving allowed regions, meeting types and processors",
        )


def collect_live(
    args: argparse.Namespace, stack_config: str | Path | None = None
) -> tuple[Facts, Snapshot]:
    """Scan the account the options name; facts in the context of the stack config."""
    factory = Boto3ClientFactory(
        profile=args.profile,
        role_arn=args.role_arn,
        endpoint_url=args.endpoint_url,
        home_region=args.home_region,
    )
    snapshot = scan(
        factory,
        regions=args.regions,
        home=args.home_region,
        workers=max(1, args.scan_workers),
        progress=tty_progress if sys.stderr.isatty() else None,
    )
    path = stack_config if stack_config is not None else getattr(args, "stack_config", None)
    if path is None:
        return complete_facts(facts_from_live(snapshot, default_context())), snapshot
    config = read_stack_config(path)
    facts = facts_from_live(snapshot, context_from_stack(config))
    extra = stack_facts(config, Path(path).name)
    merged = Facts(facts.source_description, facts.context, (*facts.facts, *extra))
    return complete_facts(merged), snapshot
