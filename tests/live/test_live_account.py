"""``gdpr-audit live`` and ``gdpr-audit drift`` against a moto account built from the dev
plan: as deployed it passes and is in sync; misconfigured by hand, each change is found on the
right resource, and shows as drift with the verdict it turns."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from audit.cli import main
from tests.servers import RunningMotoServer

from .conftest import REGIONS
from .dev_account import Account

pytestmark = pytest.mark.integration


@dataclass
class Scans:
    account: Account
    clean: dict[str, Any]
    clean_code: int
    clean_drift: dict[str, Any]
    clean_drift_code: int
    broken: dict[str, Any]
    broken_code: int
    drift: dict[str, Any]
    drift_code: int


def _live_args(server: RunningMotoServer, account: Account) -> list[str]:
    return [
        "--endpoint-url",
        server.endpoint_url,
        "--role-arn",
        f"arn:aws:iam::{account.account_id}:role/gdpr-audit",
        "--regions",
        *REGIONS,
    ]


def _live(server: RunningMotoServer, account: Account, out: Path) -> tuple[dict[str, Any], int]:
    code = main(
        [
            "live",
            *_live_args(server, account),
            "--stack-config",
            "Pulumi.dev.yaml",
            "--out",
            str(out),
        ]
    )
    return json.loads((out / "report.json").read_text()), code


def _drift(server: RunningMotoServer, account: Account, out: Path) -> tuple[dict[str, Any], int]:
    code = main(["drift", "--stack", "dev", *_live_args(server, account), "--out", str(out)])
    return json.loads((out / "drift.json").read_text()), code


def _misconfigure(account: Account) -> None:
    """What someone did by hand in the console."""
    s3 = account.client("s3")
    us = account.client("s3", "us-east-1")
    # 1. A bucket in us-east-1, tagged as the stack's.
    us.create_bucket(Bucket="callvault-dev-scratch-us")
    us.put_bucket_tagging(
        Bucket="callvault-dev-scratch-us",
        Tagging={
            "TagSet": [{"Key": "stack", "Value": "dev"}, {"Key": "purpose", "Value": "scratch"}]
        },
    )
    # 2. The customer-support retention rule removed from the recordings bucket.
    rules = s3.get_bucket_lifecycle_configuration(Bucket="callvault-dev-recordings")["Rules"]
    s3.put_bucket_lifecycle_configuration(
        Bucket="callvault-dev-recordings",
        LifecycleConfiguration={
            "Rules": [r for r in rules if r["ID"] != "retention-customer-support"]
        },
    )
    # 3. Rotation switched off on the recordings key.
    kms = account.client("kms")
    key_id = kms.describe_key(KeyId="alias/callvault-dev-recordings")["KeyMetadata"]["KeyId"]
    kms.disable_key_rotation(KeyId=key_id)
    # 4. SSH opened to the world on the TURN servers' security group.
    ec2 = account.client("ec2")
    turn_sg = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["callvault-dev-turn-sg-a1b2c3d"]}]
    )["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=turn_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    # 5. The audit trail stopped.
    account.client("cloudtrail").stop_logging(Name="callvault-dev-audit-trail")
    # 6. GuardDuty switched off.
    guardduty = account.client("guardduty")
    for detector in guardduty.list_detectors()["DetectorIds"]:
        guardduty.delete_detector(DetectorId=detector)
    # 7. The media nodes' token secret put by hand (README, "Deploying") as a plain String.
    account.client("ssm").put_parameter(
        Name="/callvault-dev/media-node/token-secret", Type="String", Value="moto-stand-in"
    )
    # 8. The TURN secret re-put under the AWS-managed key.
    account.client("ssm").put_parameter(
        Name="/callvault-dev/turn/static-auth-secret",
        Type="SecureString",
        KeyId="alias/aws/ssm",
        Value="moto-stand-in",
        Overwrite=True,
    )


@pytest.fixture(scope="module")
def scans(
    moto_server: RunningMotoServer, dev_account: Account, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scans]:
    account = dev_account  # misconfigured below, for the rest of the session
    out = tmp_path_factory.mktemp("live")
    clean, clean_code = _live(moto_server, account, out / "clean")
    clean_drift, clean_drift_code = _drift(moto_server, account, out / "clean-drift")
    _misconfigure(account)
    broken, broken_code = _live(moto_server, account, out / "broken")
    drift, drift_code = _drift(moto_server, account, out / "drift")
    yield Scans(
        account,
        clean,
        clean_code,
        clean_drift,
        clean_drift_code,
        broken,
        broken_code,
        drift,
        drift_code,
    )


def _results(report: dict[str, Any], status: str) -> set[tuple[str, str]]:
    return {
        (f["rule_id"], f["resource"]["id"]) for f in report["findings"] if f["status"] == status
    }


def test_account_built_from_the_plan_passes(scans: Scans) -> None:
    assert _results(scans.clean, "fail") == set()
    errors = [f for f in scans.clean["findings"] if f["status"] == "error"]
    # moto has no IAM Access Analyzer: the one rule that needs it errors, naming the call.
    assert sorted((f["rule_id"], f["resource"]["id"]) for f in errors) == [
        ("CV-DET-004", "eu-central-1"),
        ("CV-DET-004", "us-east-1"),
    ]
    assert all("access-analyzer:ListAnalyzers" in f["message"] for f in errors)
    passed = _results(scans.clean, "pass")
    for rule, resource in [
        ("CV-RET-001", "callvault-dev-recordings"),
        ("CV-LOG-005", "callvault-dev-audit-trail"),
        ("CV-DET-001", "eu-central-1"),
        ("CV-NET-001", _turn_sg(scans.clean)),
        ("CV-EAR-007", "/callvault-dev/turn/static-auth-secret"),
        # Found by behaviour: the role behind the media-node launch template's instance
        # profile, and the role that may read the recordings (audit/workloads.py).
        ("CV-IAM-001", "callvault-dev-media-node"),
        ("CV-IAM-005", "callvault-dev-dpo"),
    ]:
        assert (rule, resource) in passed, f"{rule} does not pass on {resource}"
    # Every media-node host runs under a role the account holds (its profile was read).
    assert {f["status"] for f in scans.clean["findings"] if f["rule_id"] == "CV-REQ-005"} == {
        "pass"
    }
    keys = _key_ids(scans.clean)
    assert len(keys) == 2 and all(("CV-KEY-001", k) in passed for k in keys)
    assert scans.clean_code == 3  # only because of the Access Analyzer error


def _key_ids(report: dict[str, Any]) -> set[str]:
    return {
        f["resource"]["id"]
        for f in report["findings"]
        if f["resource"]["kind"] == "kms_key" and f["rule_id"] == "CV-KEY-001"
    }


def _turn_sg(report: dict[str, Any]) -> str:
    return str(
        next(
            f["resource"]["id"]
            for f in report["findings"]
            if f["resource"]["kind"] == "security_group" and f["rule_id"] == "CV-NET-002"
        )
    )


def test_every_fact_source_is_an_arn(scans: Scans) -> None:
    config_kinds = {"meeting_type", "processor", "stack", "policy", "control"}
    live = {
        f["resource"]["source"]
        for f in scans.clean["findings"]
        if f["resource"]["kind"] not in config_kinds
    }
    assert live and all(s.startswith("arn:aws:") for s in live), sorted(live)


def test_plan_and_account_in_sync(scans: Scans) -> None:
    summary = scans.clean_drift["summary"]
    assert summary["missing"] == summary["unexpected"] == summary["changed"] == 0, [
        i for i in scans.clean_drift["items"] if i["status"] != "in-sync"
    ]
    assert summary["in-sync"] >= 15
    assert scans.clean_drift_code == 3  # Access Analyzer again; no drift


def test_each_misconfiguration_is_found_on_its_resource(scans: Scans) -> None:
    failed = _results(scans.broken, "fail")
    recordings_key = next(
        f["resource"]["id"]
        for f in scans.broken["findings"]
        if f["rule_id"] == "CV-KEY-001" and f["status"] == "fail"
    )
    expected = {
        ("CV-RES-001", "callvault-dev-scratch-us"),
        ("CV-RET-001", "callvault-dev-recordings"),
        ("CV-KEY-001", recordings_key),
        ("CV-NET-001", _turn_sg(scans.broken)),
        ("CV-LOG-005", "callvault-dev-audit-trail"),
        ("CV-DET-001", "eu-central-1"),
        ("CV-EAR-007", "/callvault-dev/media-node/token-secret"),
        ("CV-EAR-007", "/callvault-dev/turn/static-auth-secret"),
    }
    assert expected <= failed, expected - failed
    scratch = next(
        f for f in scans.broken["findings"] if f["resource"]["id"] == "callvault-dev-scratch-us"
    )
    assert scratch["resource"]["region"] == "us-east-1"
    assert scans.broken_code == 3


def _item(
    drift: dict[str, Any], kind: str, live_id: str | None = None, planned_id: str | None = None
) -> dict[str, Any]:
    for item in drift["items"]:
        if item["kind"] == kind and (
            (live_id and item["live"]["id"] == live_id)
            or (planned_id and item["planned"]["id"] == planned_id)
        ):
            return dict(item)
    raise AssertionError(f"no drift item for {kind} {live_id or planned_id}")


def test_misconfigurations_show_as_drift_with_the_verdicts_they_turn(scans: Scans) -> None:
    drift = scans.drift
    scratch = _item(drift, "bucket", live_id="callvault-dev-scratch-us")
    assert scratch["status"] == "unexpected"
    assert {"rule_id": "CV-RES-001", "planned": None, "live": "fail"} in scratch["verdict_changes"]

    recordings = _item(drift, "bucket", planned_id="callvault-dev-recordings")
    assert recordings["status"] == "changed"
    lifecycle = next(c for c in recordings["changes"] if c["property"] == "lifecycle")
    assert len(lifecycle["planned"]) == len(lifecycle["live"]) + 1
    assert {"rule_id": "CV-RET-001", "planned": "pass", "live": "fail"} in recordings[
        "verdict_changes"
    ]

    trail = _item(drift, "trail", planned_id="callvault-dev-audit-trail")
    assert [c["property"] for c in trail["changes"]] == ["logging_enabled"]
    assert {"rule_id": "CV-LOG-005", "planned": "pass", "live": "fail"} in trail["verdict_changes"]

    rotated = [
        i
        for i in drift["items"]
        if i["kind"] == "kms_key" and any(c["property"] == "rotation_enabled" for c in i["changes"])
    ]
    assert len(rotated) == 1 and rotated[0]["planned"]["id"] != rotated[0]["live"]["id"]

    secret = _item(drift, "ssm_parameter", planned_id="/callvault-dev/turn/static-auth-secret")
    assert [(c["property"], c["live"]) for c in secret["changes"]] == [
        ("kms_key_id", "alias/aws/ssm")
    ]
    assert {"rule_id": "CV-EAR-007", "planned": "pass", "live": "fail"} in secret["verdict_changes"]

    groups = [
        i for i in drift["items"] if i["kind"] == "security_group" and i["status"] == "changed"
    ]
    assert len(groups) == 1 and [c["property"] for c in groups[0]["changes"]] == ["ingress"]
    assert any(v["rule_id"] == "CV-NET-001" for v in groups[0]["verdict_changes"])
    assert scans.drift_code == 3


def test_drift_reports_in_markdown_and_html(
    scans: Scans, tmp_path: Path, moto_server: RunningMotoServer
) -> None:
    main(
        ["drift", "--stack", "dev", *_live_args(moto_server, scans.account), "--out", str(tmp_path)]
    )
    markdown = (tmp_path / "drift.md").read_text()
    html = (tmp_path / "drift.html").read_text()
    assert "| unexpected | bucket | callvault-dev-scratch-us | us-east-1 |" in markdown
    assert "callvault-dev-scratch-us" in html and "CV-RET-001: pass → fail" in html
