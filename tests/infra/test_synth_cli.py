"""`python -m infra.synth` as DevOps and CI run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from infra.config import eu_regions

ROOT = Path(__file__).resolve().parents[2]

REQUIRED_TYPES = {
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:cloudtrail/trail:Trail",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/instance:Instance",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:autoscaling/group:Group",
    "aws:iam/role:Role",
}


def run_synth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra.synth", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_synth_prints_every_resource_in_an_eu_region() -> None:
    result = run_synth("--stack", "dev")
    assert result.returncode == 0, result.stderr
    resources = json.loads(result.stdout)
    assert REQUIRED_TYPES <= {r["type"] for r in resources}
    for r in resources:
        assert set(r) >= {"urn", "type", "name", "parent", "inputs", "region"}
        if r["region"] is not None:
            assert r["region"] in eu_regions(), r["urn"]
    buckets = [r["name"] for r in resources if r["type"] == "aws:s3/bucket:Bucket"]
    assert any("recordings" in b for b in buckets) and any("access-logs" in b for b in buckets)


def test_synth_is_deterministic() -> None:
    assert run_synth("--stack", "dev").stdout == run_synth("--stack", "dev").stdout


def test_invalid_config_exits_2_with_one_line(tmp_path: Path) -> None:
    text = (
        (ROOT / "Pulumi.dev.yaml")
        .read_text()
        .replace("aws:region: eu-central-1", "aws:region: us-east-1")
    )
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text(text)
    result = run_synth("--stack", "bad", "--config-file", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "aws:region" in lines[0] and "'us-east-1'" in lines[0] and "eu-central-1" in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_stack_file_exits_2() -> None:
    result = run_synth("--stack", "nosuchstack")
    assert result.returncode == 2
    assert "Pulumi.nosuchstack.yaml" in result.stderr and "cannot be read" in result.stderr
