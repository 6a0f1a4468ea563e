"""Live-scan speed on moto: 500 buckets and 200 KMS keys across 3 regions.

    .venv/bin/python bench/live_scan.py [--buckets 500] [--keys 200] [--workers 8] [--prowler]

Starts moto's server, creates the estate (a third of it per region: eu-central-1, eu-west-1,
us-east-1; every other bucket with SSE-KMS, versioning and a public-access block, every other
key with rotation), then runs the live collectors over exactly those 3 regions and prints wall
time, API calls in total and per resource, and the findings of the whole rule library on the
buckets and keys. (The live scan reads every service in those regions, not only S3 and KMS.)

``--prowler`` also runs Prowler's own S3 and KMS checks (``--services s3 kms``, the same 3
regions) on the same account, installed on first use into ``.venv-bench-prowler`` (pip, PyPI,
pinned) and pointed at moto through botocore's ``AWS_ENDPOINT_URL``; its results are counted
beside ours, and its wall time split into start-up, checks and the rest (from its INFO log,
kept beside its outputs). moto's server is shared and this
machine has 2 cores: figures are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGIONS = ("eu-central-1", "eu-west-1", "us-east-1")
PROWLER_VENV = ROOT / ".venv-bench-prowler"
PROWLER_VERSION = "5.46.0"  # the version the README's figures were measured with


def _client(service: str, region: str, endpoint: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def _bucket(endpoint: str, index: int) -> None:
    region = REGIONS[index % len(REGIONS)]
    s3 = _client("s3", region, endpoint)
    name = f"bench-{region}-{index:04d}"
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if index % 2 == 0:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
            },
        )


def _key(endpoint: str, index: int) -> None:
    kms = _client("kms", REGIONS[index % len(REGIONS)], endpoint)
    key_id = kms.create_key(Description=f"bench {index}")["KeyMetadata"]["KeyId"]
    if index % 2 == 0:
        kms.enable_key_rotation(KeyId=key_id)


def build(endpoint: str, buckets: int, keys: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: _bucket(endpoint, i), range(buckets)))
        list(pool.map(lambda i: _key(endpoint, i), range(keys)))
    return time.perf_counter() - start


def scan_account(endpoint: str, workers: int) -> dict[str, Any]:
    from audit.catalogue import load_library
    from audit.context import default_context
    from audit.engines.opa_embedded import OpaEmbeddedEngine
    from audit.evaluate import evaluate
    from audit.sources.live import Boto3ClientFactory, facts_from_live, scan
    from audit.stack_controls import complete_facts

    factory = Boto3ClientFactory(endpoint_url=endpoint)
    start = time.perf_counter()
    snapshot = scan(factory, regions=REGIONS, workers=workers)
    scan_s = time.perf_counter() - start
    facts = complete_facts(facts_from_live(snapshot, default_context()))
    engine = OpaEmbeddedEngine()
    try:
        evaluation = evaluate(facts, load_library(), engine)
    finally:
        engine.close()
    total_s = time.perf_counter() - start
    by_rule: dict[str, Counter[str]] = {}
    for f in evaluation.findings:
        if f.resource_kind not in ("bucket", "kms_key"):
            continue  # the estate's own resources, the ones Prowler's S3/KMS checks judge
        by_rule.setdefault(f.rule_id, Counter())[f.status] += 1
    return {
        "scan_s": scan_s,
        "total_s": total_s,
        "calls": factory.call_log.total,
        "calls_by_action": dict(factory.call_log.counts),
        "buckets": sum(1 for r in snapshot.records if r.kind == "bucket"),
        "keys": sum(1 for r in snapshot.records if r.kind == "kms_key"),
        "by_rule": {k: dict(v) for k, v in sorted(by_rule.items())},
    }


def _prowler(endpoint: str, timeout: float) -> dict[str, Any] | str:
    binary = PROWLER_VENV / "bin" / "prowler"
    if not binary.exists():
        install = subprocess.run(
            f"python3.11 -m venv {PROWLER_VENV} && "
            f"{PROWLER_VENV}/bin/pip install -q prowler=={PROWLER_VERSION}",
            shell=True,  # noqa: S602 - a fixed command line
            capture_output=True,
            text=True,
            check=False,
        )
        if install.returncode != 0 or not binary.exists():
            return f"Prowler could not be installed: {install.stderr.strip()[-300:]}"
    out = Path(tempfile.mkdtemp(prefix="prowler-"))
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }
    start, started_at = time.perf_counter(), time.time()
    log = out / "prowler.log"
    try:
        run = subprocess.run(
            [
                str(binary),
                "aws",
                "--services",
                "s3",
                "kms",
                "--region",
                *REGIONS,
                "--output-formats",
                "json-ocsf",
                "--output-directory",
                str(out),
                "--no-banner",
                "--log-level",
                "INFO",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        partial = [part for part in (exc.stdout, exc.stderr) if part]
        log.write_text("".join(p.decode() if isinstance(p, bytes) else p for p in partial))
        return f"Prowler did not finish within {timeout:.0f} s (its output: {log})"
    wall = time.perf_counter() - start
    log.write_text(run.stdout + run.stderr)
    results = list(out.rglob("*.ocsf.json"))
    if not results:
        tail = run.stderr.strip()[-400:]
        return f"Prowler ran (exit {run.returncode}) but wrote no findings: {tail}"
    findings = json.loads(results[0].read_text())
    by_check: dict[str, Counter[str]] = {}
    for f in findings:
        check = str(
            f.get("metadata", {}).get("event_code") or f.get("finding_info", {}).get("title")
        )
        by_check.setdefault(check, Counter())[str(f.get("status_code"))] += 1
    return {
        "wall_s": wall,
        "phases": _phases(run.stdout + run.stderr, started_at, wall),
        "by_check": {k: dict(v) for k, v in sorted(by_check.items())},
    }


def _phases(text: str, started_at: float, wall: float) -> str:
    """Where Prowler's wall time went: start-up until its first log line, its checks (its own
    progress bar's figure), then writing its outputs."""
    first = re.search(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})", text, re.MULTILINE)
    bar = re.search(r"\[100%\] in (\d+):(\d+(?:\.\d+)?)", text)
    if not first or not bar:
        return "phases not found in its log"
    logged = dt.datetime.strptime(first.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
    startup = logged - started_at
    checks = int(bar.group(1)) * 60 + float(bar.group(2))
    return (
        f"start-up {startup:.0f} s, checks {checks:.0f} s, "
        f"provider set-up + outputs {wall - startup - checks:.0f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buckets", type=int, default=500)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--prowler", action="store_true", help="also run Prowler's S3/KMS checks")
    parser.add_argument(
        "--prowler-timeout", type=float, default=3600.0, help="seconds Prowler may run"
    )
    args = parser.parse_args()
    from tests.servers import running_moto_server

    with running_moto_server() as server:
        build_s = build(server.endpoint_url, args.buckets, args.keys)
        print(f"estate: {args.buckets} buckets, {args.keys} keys in {REGIONS} ({build_s:.1f} s)")
        ours = scan_account(server.endpoint_url, args.workers)
        resources = ours["buckets"] + ours["keys"]
        print(
            f"gdpr-audit live: scan {ours['scan_s']:.1f} s wall, scan + all rules "
            f"{ours['total_s']:.1f} s; {ours['calls']} API calls = "
            f"{ours['calls'] / max(resources, 1):.1f} per resource "
            f"({ours['buckets']} buckets, {ours['keys']} keys)"
        )
        print("  findings on the buckets and keys, by rule:")
        for rule, counts in ours["by_rule"].items():
            print(f"  {rule:11} {counts}")
        if args.prowler:
            theirs = _prowler(server.endpoint_url, args.prowler_timeout)
            if isinstance(theirs, str):
                print(f"prowler: {theirs}")
            else:
                print(
                    f"prowler {PROWLER_VERSION} (S3 + KMS checks): {theirs['wall_s']:.1f} s wall "
                    f"({theirs['phases']})"
                )
                for check, counts in theirs["by_check"].items():
                    print(f"  {check:60} {counts}")
                print(f"ratio: prowler / gdpr-audit = {theirs['wall_s'] / ours['total_s']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
