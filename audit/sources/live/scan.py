"""Fetching: every enabled region (``DescribeRegions`` with opt-in status), every service,
with bounded concurrency. Returns a :class:`Snapshot`; turning it into facts is pure."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from ...errors import InputError
from . import autoscaling, cloudtrail, detective, ec2, iam, kms, logs, s3, ssm
from .client import Api, ClientFactory, Unavailable
from .snapshot import LiveRecord, Snapshot, Unlisted

__all__ = ["enabled_regions", "scan"]

Progress = Callable[[int, int, str], None]
_Task = Callable[[], tuple[list[LiveRecord], list[Unlisted]]]


def enabled_regions(api: Api, home: str) -> list[str]:
    """Regions this account can use: opted in, or not needing opt-in."""
    response = api.call("ec2", home, "describe_regions", AllRegions=True)
    if isinstance(response, Unavailable):
        raise InputError(
            f"cannot list the account's regions ({response.reason}); grant it or pass --regions"
        )
    return sorted(
        str(r["RegionName"])
        for r in response.get("Regions") or []
        if r.get("OptInStatus", "opt-in-not-required") in ("opt-in-not-required", "opted-in")
    )


def _account_id(api: Api, home: str) -> str:
    identity = api.call("sts", home, "get_caller_identity")
    if isinstance(identity, Unavailable):
        raise InputError(f"cannot identify the account ({identity.reason})")
    return str(identity["Account"])


def scan(
    factory: ClientFactory,
    *,
    regions: Sequence[str] | None = None,
    home: str = "eu-central-1",
    workers: int = 8,
    progress: Progress | None = None,
) -> Snapshot:
    """Read the account. ``regions`` limits the regional services; S3 and IAM are global and
    always read whole (a bucket in any region is found)."""
    api = Api(factory)
    account = _account_id(api, home)
    scanned = list(regions) if regions else enabled_regions(api, home)
    tasks: dict[str, _Task] = {
        "s3": lambda: s3.collect(api, account),
        "iam": lambda: iam.collect(api),
    }
    for region in scanned:
        tasks[f"kms {region}"] = lambda r=region: kms.collect(api, r)  # type: ignore[misc]
        tasks[f"ec2 {region}"] = lambda r=region: ec2.collect(api, r, account)  # type: ignore[misc]
        tasks[f"autoscaling {region}"] = lambda r=region: autoscaling.collect(api, r)  # type: ignore[misc]
        tasks[f"cloudtrail {region}"] = lambda r=region: cloudtrail.collect(api, r)  # type: ignore[misc]
        tasks[f"logs {region}"] = lambda r=region: logs.collect(api, r)  # type: ignore[misc]
        tasks[f"ssm {region}"] = lambda r=region: ssm.collect(api, r, account)  # type: ignore[misc]
        tasks[f"detective {region}"] = lambda r=region: detective.collect(api, r, account)  # type: ignore[misc]
    records: list[LiveRecord] = []
    unlisted: list[Unlisted] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(task): name for name, task in tasks.items()}
        for done, future in enumerate(as_completed(futures), 1):
            found, refused = future.result()
            records += found
            unlisted += refused
            if progress:
                progress(done, len(futures), futures[future])
    records.sort(key=lambda r: (r.kind, r.region or "", r.id))
    calls = getattr(factory, "call_log", None)
    return Snapshot(
        account_id=account,
        regions=tuple(scanned),
        records=tuple(records),
        unlisted=tuple(sorted(unlisted, key=lambda u: (u.kind, u.region or ""))),
        api_calls=calls.total if calls is not None else 0,
    )


def tty_progress(done: int, total: int, name: str) -> None:
    """One rewritten line on stderr (only used when stderr is a terminal)."""
    end = "\n" if done == total else ""
    print(f"\rscanning: {done}/{total} ({name})".ljust(60), end=end, file=sys.stderr)
