"""The optional AuditReader component (``callvault:auditReader``), on the synthesized dev stack
(Pulumi mocks): the policy is the shipped read-only file, the role trusts only the named
principals, and the auditor's own rules pass on the dev stack with it enabled."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.audit_reader import READ_ONLY_POLICY_FILE
from infra.config import AuditReaderSettings, ConfigError, StackConfig, load_stack_file
from infra.synth import DeclaredResource, synthesize

from .test_components import of_type, one

SCANNER = "arn:aws:iam::111122223333:role/security-scanner"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def with_role(dev_config: StackConfig) -> list[DeclaredResource]:
    settings = AuditReaderSettings(trusted_principals=(SCANNER,), external_id="cv-audit-7f3a")
    return synthesize(dataclasses.replace(dev_config, audit_reader=settings))


def test_off_by_default(dev_resources: list[DeclaredResource]) -> None:
    assert not [r for r in dev_resources if r.type == "callvault:index:AuditReader"]
    assert not of_type(dev_resources, "aws:iam/policy:Policy")


def test_policy_is_the_shipped_read_only_file(with_role: list[DeclaredResource]) -> None:
    shipped = json.loads(READ_ONLY_POLICY_FILE.read_text())
    policy = one(with_role, "aws:iam/policy:Policy", "audit-reader")
    assert json.loads(policy.inputs["policy"]) == shipped
    assert policy.inputs["name"] == "callvault-dev-audit-read-only"
    attachment = one(with_role, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "reader")
    assert attachment.inputs["policyArn"] == policy.outputs["arn"]
    assert attachment.inputs["role"] == "callvault-dev-audit-reader"
    actions = [a for s in shipped["Statement"] for a in s["Action"]]
    assert actions and not [a for a in actions if "*" in a or "?" in a]
    reads_data = ("s3:GetObject", "ssm:GetParameter", "kms:Decrypt", "logs:GetLogEvents")
    assert not [a for a in actions if a.startswith(reads_data)]


def test_role_trusts_only_the_named_principals_with_the_external_id(
    with_role: list[DeclaredResource],
) -> None:
    role = one(with_role, "aws:iam/role:Role", "audit-reader")
    assert role.inputs["name"] == "callvault-dev-audit-reader"
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": [SCANNER]},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "cv-audit-7f3a"}},
        }
    ]
    assert role.inputs["tags"]["workload"] == "audit-reader"
    reader = one(with_role, "callvault:index:AuditReader")
    assert role.parent == reader.urn


def test_without_principals_only_the_policy(dev_config: StackConfig) -> None:
    resources = synthesize(dataclasses.replace(dev_config, audit_reader=AuditReaderSettings()))
    assert len(of_type(resources, "aws:iam/policy:Policy")) == 1
    assert not of_type(resources, "aws:iam/role:Role", "audit-reader")


def _stack_file(tmp_path: Path, reader: Any) -> Path:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["callvault:auditReader"] = reader
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.mark.parametrize(
    ("reader", "message"),
    [
        ({"trustedPrincipals": ["*"]}, "callvault:auditReader.trustedPrincipals: '*' is not"),
        (
            {"trustedPrincipals": ["arn:aws:iam::111122223333:role/*"]},
            "is not an account, role or user ARN",
        ),
        (  # '$' would let a trailing newline through into the trust policy
            {"trustedPrincipals": ["arn:aws:iam::111122223333:role/scanner\n"]},
            "is not an account, role or user ARN",
        ),
        ({"externalId": "x"}, "callvault:auditReader.externalId: needs trustedPrincipals"),
        ({"principals": [SCANNER]}, "callvault:auditReader.principals: is not a known field"),
    ],
)
def test_bad_reader_config_is_one_clear_line(tmp_path: Path, reader: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as error:
        load_stack_file(_stack_file(tmp_path, reader), "dev")
    assert message in str(error.value)


def test_config_round_trips(tmp_path: Path) -> None:
    config = load_stack_file(
        _stack_file(tmp_path, {"trustedPrincipals": [SCANNER], "externalId": "e"}), "dev"
    )
    assert config.audit_reader == AuditReaderSettings((SCANNER,), "e")


def _plan_audit(config: Path, out: Path) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "audit.cli", "plan", "--stack", "dev"]
        + ["--config-file", str(config), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = out / "report.json"
    return result, json.loads(report.read_text())["findings"] if report.exists() else []


def test_the_auditor_passes_the_dev_stack_with_the_reader_enabled(tmp_path: Path) -> None:
    config = _stack_file(tmp_path, {"trustedPrincipals": [SCANNER], "externalId": "e"})
    result, findings = _plan_audit(config, tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [f for f in findings if f["status"] in ("fail", "error")]
    reader = {
        f["rule_id"]: f["status"]
        for f in findings
        if f["resource"]["id"] == "callvault-dev-audit-reader"
    }
    # Judged on the attached policy's statements: named actions only, Resource * on List/Describe.
    assert reader["CV-IAM-002"] == "pass"
    assert reader["CV-IAM-003"] == "pass"  # trust names one role, not anyone


def test_a_wildcard_in_the_readers_policy_would_fail_it(tmp_path: Path) -> None:
    """The pass above is not vacuous: the same document with one wildcard action fails."""
    wide = json.loads(READ_ONLY_POLICY_FILE.read_text())
    wide["Statement"][0]["Action"].append("s3:Get*")
    policy_file = tmp_path / "wide.json"
    policy_file.write_text(json.dumps(wide))
    config = _stack_file(tmp_path, {"trustedPrincipals": [SCANNER]})
    script = (
        "import sys, infra.audit_reader as r; from pathlib import Path; "
        f"r.READ_ONLY_POLICY_FILE = Path({str(policy_file)!r}); "
        "from audit.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-c", script, "plan", "--stack", "dev"]
        + ["--config-file", str(config), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads((out / "report.json").read_text())["findings"]
    failed = {(f["rule_id"], f["resource"]["id"]) for f in findings if f["status"] == "fail"}
    # The wildcard is too wide (CV-IAM-002), and s3:Get* on every bucket reads the recordings:
    # a role that can read them is held to the DPO rule whatever its name (CV-IAM-005).
    assert failed == {
        ("CV-IAM-002", "callvault-dev-audit-reader"),
        ("CV-IAM-005", "callvault-dev-audit-reader"),
    }
