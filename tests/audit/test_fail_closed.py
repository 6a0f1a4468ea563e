"""Engine errors are error findings and exit 3; waivers and attestations do what they say."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from audit.catalogue import POLICY_ROOT
from audit.cli import main


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICY_ROOT, target, ignore=shutil.ignore_patterns("*.json", "__pycache__"))
    return target


def _report(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "report.json").read_text())
    return document


def test_rule_that_does_not_compile_is_error_and_exit_3(policy_copy, tmp_path) -> None:
    rule = policy_copy / "key_management" / "kms_rotation.rego"
    rule.write_text(
        rule.read_text().replace("not f.rotation_enabled == true", "not f.rotation_enabled == ")
    )
    out = tmp_path / "out"
    assert main(["plan", "--policies", str(policy_copy), "--out", str(out)]) == 3
    report = _report(out)
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert errors and {f["rule_id"] for f in errors} == {"CV-KEY-001"}
    assert len(errors) == 2, "one error per KMS key, no pass hidden among them"
    assert not [
        f for f in report["findings"] if f["rule_id"] == "CV-KEY-001" and f["status"] == "pass"
    ]
    # The other rules still ran.
    assert report["summary"]["by_status"]["pass"] > 50


def test_runtime_builtin_error_is_error_not_pass(policy_copy, tmp_path) -> None:
    (policy_copy / "network" / "sg_port_numbers.rego").write_text(
        textwrap.dedent(
            """\
            # METADATA
            # title: A rule that calls a builtin with a bad argument
            # custom:
            #   id: CV-TST-001
            #   severity: low
            #   topic: network
            #   gdpr: ["Art. 32(1)(b)"]
            #   iso27001: ["A.8.20"]
            #   mapping: {"Art. 32(1)(b)": "partial", "A.8.20": "partial"}
            #   applies_to: [security_group]
            #   remediation: none
            package callvault.rules.sg_port_numbers

            import rego.v1

            applicable contains f.ref if {
            \tsome f in input.facts
            \tf.kind == "security_group"
            }

            deny contains {"ref": f.ref, "msg": "x"} if {
            \tsome f in input.facts
            \tf.kind == "security_group"
            \tto_number(f.id) > 0
            }
            """
        )
    )
    out = tmp_path / "out"
    assert main(["plan", "--policies", str(policy_copy), "--out", str(out)]) == 3
    findings = [f for f in _report(out)["findings"] if f["rule_id"] == "CV-TST-001"]
    assert findings and {f["status"] for f in findings} == {"error"}
    others = [f for f in _report(out)["findings"] if f["rule_id"] == "CV-NET-001"]
    assert others and {f["status"] for f in others} == {"pass"}, "the batch fell back per package"


def test_broken_helper_library_errors_every_rule(policy_copy, tmp_path) -> None:
    (policy_copy / "lib" / "callvault.rego").write_text(
        "package callvault.lib\nimport rego.v1\nx := 1 +\n"
    )
    out = tmp_path / "out"
    assert main(["plan", "--policies", str(policy_copy), "--out", str(out)]) == 3
    statuses = {
        f["status"] for f in _report(out)["findings"] if not f["rule_id"].startswith("ISO-")
    }
    assert statuses == {"error"}


def _state_with_failures(real_fixtures: Path) -> str:
    return str(real_fixtures / "pulumi-aws-bucket-5.42.0-stack.json")


def test_waiver_waives_and_expired_waiver_does_not(real_fixtures, tmp_path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        textwrap.dedent(
            """\
            waivers:
              - rule: CV-RSL-001
                resource: "testbucket-*"
                justification: Scratch bucket, replaced next sprint
                approver: dpo@example.invalid
                expires: 2999-12-31
              - rule: CV-LOG-001
                resource: testbucket-test
                justification: Old
                approver: ciso
                expires: 2020-01-01
            """
        )
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "state",
                _state_with_failures(real_fixtures),
                "--waivers",
                str(waivers),
                "--out",
                str(out),
            ]
        )
        == 1
    )
    by_rule = {f["rule_id"]: f for f in _report(out)["findings"]}
    assert by_rule["CV-RSL-001"]["status"] == "waived"
    assert by_rule["CV-LOG-001"]["status"] == "fail"
    assert "waiver expired on 2020-01-01" in by_rule["CV-LOG-001"]["message"]


def test_attestation_covers_manual_control_until_it_expires(real_fixtures, tmp_path) -> None:
    attestations = tmp_path / "attestations.yaml"
    attestations.write_text(
        textwrap.dedent(
            """\
            attestations:
              - control: A.5.23
                attested_by: CISO
                attested_on: 2026-01-10
                evidence: DMS-4711 cloud risk assessment
                valid_until: 2999-01-10
              - control: A.5.34
                attested_by: DPO
                attested_on: 2020-01-10
                evidence: DMS-1
                valid_until: 2021-01-10
            """
        )
    )
    out = tmp_path / "out"
    main(
        [
            "state",
            _state_with_failures(real_fixtures),
            "--attestations",
            str(attestations),
            "--out",
            str(out),
        ]
    )
    by_rule = {f["rule_id"]: f for f in _report(out)["findings"]}
    assert (
        by_rule["ISO-A.5.23"]["status"] == "pass" and "DMS-4711" in by_rule["ISO-A.5.23"]["message"]
    )
    assert by_rule["ISO-A.5.34"]["status"] == "manual"
    assert "expired" in by_rule["ISO-A.5.34"]["message"]
    assert by_rule["ISO-A.5.1"]["status"] == "manual"


@pytest.mark.parametrize(
    "content",
    [
        "waivers: nope\n",
        "waivers:\n  - rule: X\n",
        "waivers:\n  - {rule: X, resource: y, justification: j, approver: a, expires: soon}\n",
    ],
)
def test_malformed_waiver_file_exits_2(content, real_fixtures, tmp_path, capsys) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(content)
    assert main(["state", _state_with_failures(real_fixtures), "--waivers", str(waivers)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_fail_on_threshold(real_fixtures) -> None:
    path = _state_with_failures(real_fixtures)
    assert main(["state", path, "--fail-on", "critical"]) == 1  # residency is critical
    assert main(["state", path, "--fail-on", "none"]) == 0
