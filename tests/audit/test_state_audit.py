"""``gdpr-audit state`` on real Pulumi engine output, and on input that is not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from audit.cli import main

FILES = [
    "pulumi-aws-bucket-5.42.0-stack.json",
    "pulumi-aws-kms-key-5.42.0-stack.json",
    "stratify-sample-export.json",
    "stratify-sample-preview-creates.json",
    "stratify-sample-preview-update.json",
    "stratify-sample-preview-deletes.json",
]


def _audit(path: Path, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    out = tmp_path / path.stem
    code = main(["state", str(path), "--out", str(out)])
    return code, json.loads((out / "report.json").read_text())


def _statuses(report: dict[str, Any], rule_id: str, resource_id: str) -> set[str]:
    return {
        f["status"]
        for f in report["findings"]
        if f["rule_id"] == rule_id and f["resource"]["id"] == resource_id
    }


@pytest.mark.parametrize("name", FILES)
def test_every_real_file_loads_and_fails(name, real_fixtures, tmp_path) -> None:
    code, report = _audit(real_fixtures / name, tmp_path)
    assert code == 1
    assert report["summary"]["by_status"]["error"] == 0
    assert report["summary"]["by_status"]["fail"] > 0


def test_us_west_2_bucket_fails_residency_and_encryption(real_fixtures, tmp_path) -> None:
    _, report = _audit(real_fixtures / "pulumi-aws-bucket-5.42.0-stack.json", tmp_path)
    assert _statuses(report, "CV-RES-001", "testbucket-test") == {"fail"}
    assert _statuses(report, "CV-EAR-001", "testbucket-test") == {"fail"}
    finding = next(f for f in report["findings"] if f["rule_id"] == "CV-RES-001")
    assert finding["resource"]["region"] == "us-west-2"
    assert (
        finding["resource"]["source"]
        == "urn:pulumi:test::test::aws:s3/bucket:Bucket::tested-resource"
    )


def test_us_west_2_key_fails_residency_and_rotation(real_fixtures, tmp_path) -> None:
    _, report = _audit(real_fixtures / "pulumi-aws-kms-key-5.42.0-stack.json", tmp_path)
    key = "7085f966-4bed-4480-a64b-bc3c91773751"
    assert _statuses(report, "CV-RES-001", key) == {"fail"}
    assert _statuses(report, "CV-KEY-001", key) == {"fail"}


def test_stratify_eu_west_1_bucket_passes_residency_fails_encryption(
    real_fixtures, tmp_path
) -> None:
    _, report = _audit(real_fixtures / "stratify-sample-export.json", tmp_path)
    assert _statuses(report, "CV-RES-001", "docs-4936161") == {"pass"}
    assert _statuses(report, "CV-EAR-001", "docs-4936161") == {"fail"}


def test_preview_without_region_fails_residency_closed(real_fixtures, tmp_path) -> None:
    _, report = _audit(real_fixtures / "stratify-sample-preview-creates.json", tmp_path)
    messages = [f["message"] for f in report["findings"] if f["rule_id"] == "CV-RES-001"]
    assert messages and all("no known region" in m for m in messages)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "the file is empty"),
        ("   \n", "the file is empty"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"hello": "world"}', "neither a 'pulumi stack export'"),
        ('{"version": 9, "deployment": {"resources": []}}', "unsupported deployment version"),
        ('{"version": 3, "deployment": {"resources": [{"urn": 1}]}}', "without 'type' or 'urn'"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(content, expected, tmp_path, repo_root) -> None:
    path = tmp_path / "input.json"
    path.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "audit.cli", "state", str(path)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_exits_2(tmp_path, capsys) -> None:
    assert main(["state", str(tmp_path / "nope.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_stack_config_adds_meeting_types_and_processors(real_fixtures, repo_root, capsys) -> None:
    code = main(
        [
            "facts",
            str(real_fixtures / "stratify-sample-export.json"),
            "--stack-config",
            str(repo_root / "Pulumi.dev.yaml"),
        ]
    )
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    kinds = {f["kind"] for f in document["facts"]}
    assert {"bucket", "iam_role", "meeting_type", "processor"} <= kinds
    assert document["context"]["allowed_regions"] == ["eu-central-1", "eu-west-1"]
