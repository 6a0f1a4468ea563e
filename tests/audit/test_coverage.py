"""Coverage, fail closed: resources of types the facts model does not read are reported and
fail where they could hold data; the engine's answer is cross-checked against what was sent."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from audit.cli import main

URN = "urn:pulumi:dev::callvault::{type}::{name}"


def _export(dev_resources, *extra: dict[str, Any]) -> dict[str, Any]:
    states = [
        {
            "urn": r.urn,
            "type": r.type,
            "id": r.id,
            "custom": True,
            "inputs": copy.deepcopy(r.inputs),
            "outputs": copy.deepcopy(r.outputs),
        }
        for r in dev_resources
        if r.custom
    ]
    return {"version": 3, "deployment": {"resources": states + list(extra)}}


def _state(type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "urn": URN.format(type=type_, name=name),
        "type": type_,
        "id": name,
        "custom": True,
        "inputs": inputs,
        "outputs": {},
    }


def _audit(
    tmp_path: Path, repo_root: Path, document: dict[str, Any], *extra: str
) -> tuple[int, Path]:
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(document))
    out = tmp_path / "out"
    args = ["state", str(path), "--stack-config", str(repo_root / "Pulumi.dev.yaml")]
    return main([*args, "--out", str(out), *extra]), out


def _failing(out: Path, name: str) -> dict[str, str]:
    findings = json.loads((out / "report.json").read_text())["findings"]
    return {
        f["rule_id"]: f["message"]
        for f in findings
        if f["status"] == "fail" and name in f["resource"]["id"]
    }


@pytest.mark.parametrize(
    ("extra", "rules"),
    [
        (
            _state("aws-native:s3:Bucket", "native", {"region": "us-east-1"}),
            {"CV-COV-001", "CV-COV-002"},
        ),
        (
            _state(
                "aws:s3/directoryBucket:DirectoryBucket",
                "express",
                {"region": "us-east-1", "bucket": "express--use1-az4--x-s3"},
            ),
            {"CV-COV-001", "CV-COV-002"},
        ),
        (
            _state("aws:kms/replicaKey:ReplicaKey", "replica", {"region": "us-east-1"}),
            {"CV-COV-001", "CV-COV-002"},
        ),
        (
            _state(
                "aws:dynamodb/table:Table",
                "users",
                {
                    "region": "us-east-1",
                    "hashKey": "id",
                    "serverSideEncryption": {"enabled": False},
                },
            ),
            {"CV-COV-001", "CV-COV-002"},
        ),
        (
            _state(
                "aws:ebs/volume:Volume",
                "scratch",
                {"region": "eu-central-1", "size": 10, "encrypted": False},
            ),
            {"CV-COV-001"},
        ),
    ],
    ids=["aws-native-bucket", "directory-bucket", "replica-key", "dynamodb", "ebs-volume"],
)
def test_unread_resource_fails_closed(extra, rules, dev_resources, tmp_path, repo_root) -> None:
    code, out = _audit(tmp_path, repo_root, _export(dev_resources, extra))
    failing = _failing(out, extra["urn"].rsplit("::", 1)[1])
    assert rules <= set(failing), failing
    assert code == 1
    assert "does not read" in failing["CV-COV-001"]


def test_default_security_group_open_to_the_world_fails(dev_resources, tmp_path, repo_root) -> None:
    def opened(state: dict[str, Any]) -> dict[str, Any]:
        if state["type"] == "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
            state["inputs"]["ingress"] = [
                {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
            ]
        return state

    document = _export(dev_resources)
    document["deployment"]["resources"] = [opened(s) for s in document["deployment"]["resources"]]
    code, out = _audit(tmp_path, repo_root, document)
    failing = _failing(out, "default-sg")
    assert "CV-NET-003" in failing, failing
    assert code == 1


def test_stratify_lambda_is_not_silently_skipped(real_fixtures, tmp_path) -> None:
    out = tmp_path / "out"
    main(["state", str(real_fixtures / "stratify-sample-export.json"), "--out", str(out)])
    failing = _failing(out, "aws:lambda/function:Function")
    assert "CV-COV-001" in failing, failing


def test_every_report_lists_unread_types_and_idle_rules(dev_resources, tmp_path, repo_root) -> None:
    extra = _state("aws:dynamodb/table:Table", "users", {"region": "eu-central-1"})
    _, out = _audit(tmp_path, repo_root, _export(dev_resources, extra))
    report = json.loads((out / "report.json").read_text())
    types = {u["type"]: u for u in report["coverage"]["unassessed_types"]}
    assert types["aws:dynamodb/table:Table"]["category"] == "database"
    assert types["aws:kms/alias:Alias"]["inert_reason"]
    idle = report["coverage"]["idle_rules"]
    assert isinstance(idle, list)
    for name in ("report.md", "report.html", "junit.xml", "report.sarif"):
        text = (out / name).read_text()
        assert "aws:dynamodb/table:Table" in text, name
    sarif = json.loads((out / "report.sarif").read_text())
    assert sarif["runs"][0]["properties"]["idleRules"] == idle


def test_a_rule_that_applies_to_nothing_is_named(real_fixtures, tmp_path) -> None:
    out = tmp_path / "out"
    main(["state", str(real_fixtures / "pulumi-aws-kms-key-5.42.0-stack.json"), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    assert "CV-EAR-001" in report["coverage"]["idle_rules"]  # no bucket in a key-only stack
    assert "CV-EAR-001" in (out / "report.md").read_text()


@pytest.mark.parametrize("name", ["tab\there", "back\\slash"])
def test_engine_answer_that_is_not_well_formed_is_an_error(name, tmp_path) -> None:
    """regopy does not escape strings in its JSON answer: a bucket named with a tab or a
    backslash comes back under another name. Those findings must be errors, not vanish."""
    document = {
        "version": 3,
        "deployment": {
            "resources": [
                _state("aws:s3/bucket:Bucket", "b", {"bucket": name, "region": "eu-central-1"})
            ]
        },
    }
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(document))
    out = tmp_path / "out"
    code = main(["state", str(path), "--engine", "regopy", "--out", str(out)])
    findings = json.loads((out / "report.json").read_text())["findings"]
    bucket = [f for f in findings if f["resource"]["kind"] == "bucket"]
    assert bucket, "the bucket's findings vanished"
    statuses = {f["status"] for f in bucket}
    assert "pass" not in statuses
    assert statuses & {"fail", "error"}
    assert code in (1, 3)
