"""Policy evaluation speed on a synthetic estate, with checkov measured in the same run.

    .venv/bin/python bench/policy_eval.py [--resources 10000] [--chunk-size 50] [--no-checkov]

Builds an estate of N resources (a quarter each: S3 buckets with inline encryption, versioning
and logging as `pulumi stack export` writes them for pulumi-aws 5, KMS keys, security groups,
EC2 instances; half of them compliant), writes it as a Pulumi stack export and as the
equivalent Terraform plan JSON, then times

* gdpr-audit's path: stack export -> facts -> the whole Rego library (regopy, one worker per
  core) -> findings, and its peak memory (parent and workers);
* checkov 3.3.30 (`--framework terraform_plan`) on the Terraform plan, installed on first use
  into .venv-bench (its pins conflict with ours, so it never enters .venv).

Target from issue #3: the 10,000 in under 2 s on 2 cores and under 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHECKOV_VENV = ROOT / ".venv-bench"
CHECKOV_PIN = "checkov==3.3.30"


def _bucket(i: int, good: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    name = f"estate-bucket-{i}"
    region = "eu-central-1" if good else "us-east-1"
    sse = (
        {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": f"arn:aws:kms:{region}:1:key/k{i}"}
        if good
        else {"sseAlgorithm": "AES256", "kmsMasterKeyId": ""}
    )
    pulumi = {
        "urn": f"urn:pulumi:bench::estate::aws:s3/bucket:Bucket::{name}",
        "custom": True,
        "id": name,
        "type": "aws:s3/bucket:Bucket",
        "outputs": {
            "bucket": name,
            "arn": f"arn:aws:s3:::{name}",
            "region": region,
            "acl": "private",
            "serverSideEncryptionConfiguration": {
                "rule": {"applyServerSideEncryptionByDefault": sse, "bucketKeyEnabled": good}
            },
            "versioning": {"enabled": good, "mfaDelete": False},
            "loggings": [{"targetBucket": "estate-logs", "targetPrefix": name}] if good else [],
            "lifecycleRules": [],
            "tags": {"purpose": "archive", "controller": "acme"} if good else {},
        },
    }
    terraform = {
        "address": f"aws_s3_bucket.b{i}",
        "mode": "managed",
        "type": "aws_s3_bucket",
        "name": f"b{i}",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": {
            "bucket": name,
            "acl": "private",
            "server_side_encryption_configuration": [
                {
                    "rule": [
                        {
                            "apply_server_side_encryption_by_default": [
                                {
                                    "sse_algorithm": sse["sseAlgorithm"],
                                    "kms_master_key_id": sse["kmsMasterKeyId"],
                                }
                            ],
                            "bucket_key_enabled": good,
                        }
                    ]
                }
            ],
            "versioning": [{"enabled": good, "mfa_delete": False}],
            "logging": [{"target_bucket": "estate-logs", "target_prefix": name}] if good else [],
            "tags": {"purpose": "archive", "controller": "acme"} if good else {},
        },
    }
    return pulumi, terraform


def _key(i: int, good: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    region = "eu-central-1" if good else "us-west-2"
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::1:root"},
                    "Action": "kms:*" if not good else ["kms:Describe*", "kms:Put*"],
                    "Resource": "*",
                }
            ],
        }
    )
    pulumi = {
        "urn": f"urn:pulumi:bench::estate::aws:kms/key:Key::key{i}",
        "custom": True,
        "id": f"key-{i}",
        "type": "aws:kms/key:Key",
        "outputs": {
            "arn": f"arn:aws:kms:{region}:1:key/key-{i}",
            "keyId": f"key-{i}",
            "enableKeyRotation": good,
            "multiRegion": not good,
            "deletionWindowInDays": 30,
            "policy": policy,
            "tags": {"purpose": "archive", "controller": "acme"},
        },
    }
    terraform = {
        "address": f"aws_kms_key.k{i}",
        "mode": "managed",
        "type": "aws_kms_key",
        "name": f"k{i}",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": {
            "enable_key_rotation": good,
            "multi_region": not good,
            "deletion_window_in_days": 30,
            "policy": policy,
            "tags": {"purpose": "archive", "controller": "acme"},
        },
    }
    return pulumi, terraform


def _security_group(i: int, good: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    port = 443 if good else 22
    cidr = "10.0.0.0/16" if good else "0.0.0.0/0"
    pulumi = {
        "urn": f"urn:pulumi:bench::estate::aws:ec2/securityGroup:SecurityGroup::sg{i}",
        "custom": True,
        "id": f"sg-{i:08x}",
        "type": "aws:ec2/securityGroup:SecurityGroup",
        "outputs": {
            "arn": f"arn:aws:ec2:eu-central-1:1:security-group/sg-{i:08x}",
            "description": "bench",
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": port,
                    "toPort": port,
                    "cidrBlocks": [cidr],
                    "description": "in",
                }
            ],
            "tags": {"purpose": "network", "controller": "acme"},
        },
    }
    terraform = {
        "address": f"aws_security_group.sg{i}",
        "mode": "managed",
        "type": "aws_security_group",
        "name": f"sg{i}",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 1,
        "values": {
            "description": "bench",
            "ingress": [
                {
                    "protocol": "tcp",
                    "from_port": port,
                    "to_port": port,
                    "cidr_blocks": [cidr],
                    "description": "in",
                    "ipv6_cidr_blocks": [],
                    "prefix_list_ids": [],
                    "security_groups": [],
                    "self": False,
                }
            ],
            "egress": [],
            "tags": {"purpose": "network", "controller": "acme"},
        },
    }
    return pulumi, terraform


def _instance(i: int, good: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    pulumi = {
        "urn": f"urn:pulumi:bench::estate::aws:ec2/instance:Instance::vm{i}",
        "custom": True,
        "id": f"i-{i:012x}",
        "type": "aws:ec2/instance:Instance",
        "outputs": {
            "arn": f"arn:aws:ec2:eu-central-1:1:instance/i-{i:012x}",
            "metadataOptions": {
                "httpTokens": "required" if good else "optional",
                "httpEndpoint": "enabled",
            },
            "rootBlockDevice": {"encrypted": good},
            "associatePublicIpAddress": not good,
            "tags": {"purpose": "compute", "controller": "acme"},
        },
    }
    terraform = {
        "address": f"aws_instance.vm{i}",
        "mode": "managed",
        "type": "aws_instance",
        "name": f"vm{i}",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 1,
        "values": {
            "ami": "ami-123",
            "instance_type": "t3.micro",
            "metadata_options": [
                {"http_tokens": "required" if good else "optional", "http_endpoint": "enabled"}
            ],
            "root_block_device": [{"encrypted": good}],
            "associate_public_ip_address": not good,
            "ebs_optimized": True,
            "monitoring": True,
            "tags": {"purpose": "compute", "controller": "acme"},
        },
    }
    return pulumi, terraform


def build_estate(count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    makers = (_bucket, _key, _security_group, _instance)
    pulumi_resources: list[dict[str, Any]] = [
        {
            "urn": "urn:pulumi:bench::estate::pulumi:pulumi:Stack::estate-bench",
            "custom": False,
            "type": "pulumi:pulumi:Stack",
        }
    ]
    terraform_resources = []
    for i in range(count):
        pulumi, terraform = makers[i % 4](i, good=(i // 4) % 2 == 0)
        pulumi_resources.append(pulumi)
        terraform_resources.append(terraform)
    export = {
        "version": 3,
        "deployment": {"manifest": {"time": "2026-11-23T00:00:00Z"}, "resources": pulumi_resources},
    }
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": terraform_resources}},
        "resource_changes": [
            {
                "address": r["address"],
                "mode": "managed",
                "type": r["type"],
                "name": r["name"],
                "provider_name": r["provider_name"],
                "change": {"actions": ["create"], "before": None, "after": r["values"]},
            }
            for r in terraform_resources
        ],
        "configuration": {"root_module": {}},
    }
    return export, plan


def _peak_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def measure_gdpr_audit(export_path: Path, chunk_size: int) -> dict[str, float]:
    from audit.catalogue import load_library
    from audit.engines.regopy_engine import RegopyEngine
    from audit.evaluate import evaluate
    from audit.sources.state import facts_from_state_file

    library = load_library()
    engine = RegopyEngine()
    start = time.perf_counter()
    facts = facts_from_state_file(export_path)
    collected = time.perf_counter()
    evaluation = evaluate(facts, library, engine, chunk_size=chunk_size)
    done = time.perf_counter()
    engine.close()
    statuses = [f.status for f in evaluation.findings]
    return {
        "facts": len(facts.facts),
        "findings": len(statuses),
        "fails": statuses.count("fail"),
        "errors": statuses.count("error"),
        "collect_s": collected - start,
        "evaluate_s": done - collected,
        "total_s": done - start,
        "rss_parent_mib": _peak_rss_mib(resource.RUSAGE_SELF),
        "rss_worker_mib": _peak_rss_mib(resource.RUSAGE_CHILDREN),
    }


def ensure_checkov() -> Path:
    binary = CHECKOV_VENV / "bin" / "checkov"
    if not binary.exists():
        print(
            f"bench: installing {CHECKOV_PIN} into {CHECKOV_VENV} (first run only)", file=sys.stderr
        )
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        subprocess.run(
            [str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", CHECKOV_PIN], check=True
        )
    return binary


def measure_checkov(plan_path: Path, binary: Path) -> dict[str, float]:
    start = time.perf_counter()
    result = subprocess.run(
        [
            str(binary),
            "-f",
            str(plan_path),
            "--framework",
            "terraform_plan",
            "-o",
            "json",
            "--quiet",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    elapsed = time.perf_counter() - start
    try:
        document = json.loads(result.stdout)
        summary = document["summary"] if isinstance(document, dict) else document[0]["summary"]
    except (json.JSONDecodeError, KeyError, IndexError):
        raise SystemExit(
            f"checkov failed (exit {result.returncode}): {result.stderr[-500:]}"
        ) from None
    return {
        "resources": summary.get("resource_count", 0),
        "checks": summary.get("passed", 0) + summary.get("failed", 0),
        "failed": summary.get("failed", 0),
        "total_s": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=50)
    parser.add_argument("--no-checkov", action="store_true")
    args = parser.parse_args()

    export, plan = build_estate(args.resources)
    with tempfile.TemporaryDirectory() as tmp:
        export_path = Path(tmp) / "estate-stack.json"
        plan_path = Path(tmp) / "estate-tfplan.json"
        export_path.write_text(json.dumps(export))
        plan_path.write_text(json.dumps(plan))
        ours = measure_gdpr_audit(export_path, args.chunk_size)
        print(
            f"gdpr-audit (regopy, {os.cpu_count()} cores): {args.resources} resources -> {ours['facts']} facts, {ours['findings']} findings ({ours['fails']} fail, {ours['errors']} error)"
        )
        print(
            f"  collect {ours['collect_s']:.2f} s, evaluate {ours['evaluate_s']:.2f} s, total {ours['total_s']:.2f} s (target < 2 s)"
        )
        print(f"  {ours['facts'] / ours['total_s']:,.0f} facts/s for the whole library")
        print(
            f"  peak RSS: parent {ours['rss_parent_mib']:.0f} MiB, largest worker {ours['rss_worker_mib']:.0f} MiB (target < 1 GiB)"
        )
        if args.no_checkov:
            return
        theirs = measure_checkov(plan_path, ensure_checkov())
        print(
            f"checkov 3.3.30 (terraform_plan): {theirs['resources']} resources, {theirs['checks']} check results ({theirs['failed']} failed) in {theirs['total_s']:.2f} s"
        )
        print(f"  {theirs['resources'] / theirs['total_s']:,.0f} resources/s")
        print(
            f"ratio (gdpr-audit resources/s over checkov resources/s): {(args.resources / ours['total_s']) / (theirs['resources'] / theirs['total_s']):.2f}x"
        )


if __name__ == "__main__":
    main()
