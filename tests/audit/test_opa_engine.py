"""The OPA-server engine (two REST calls) loads the same policy files and gives the same
findings as the embedded engine; the stand-in server answers with the embedded real OPA."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from audit.catalogue import POLICY_ROOT
from audit.cli import main

from .opa_standin import running_opa_standin


def _findings(out) -> list[tuple[str, str, str]]:
    report = json.loads((out / "report.json").read_text())
    return sorted((f["rule_id"], f["resource"]["id"], f["status"]) for f in report["findings"])


def test_opa_server_engine_matches_the_embedded_engine(real_fixtures, tmp_path) -> None:
    state_file = str(real_fixtures / "stratify-sample-export.json")
    with running_opa_standin() as (url, state):
        assert main(["state", state_file, "--opa-url", url, "--out", str(tmp_path / "opa")]) == 1
        assert state.queries > 0
        assert any(k.endswith("residency/region_allowed.rego") for k in state.modules)
    assert main(["state", state_file, "--out", str(tmp_path / "embedded")]) == 1
    assert _findings(tmp_path / "opa") == _findings(tmp_path / "embedded")
    report = json.loads((tmp_path / "opa" / "report.json").read_text())
    assert report["tool"]["engine"].startswith("opa-server ")


def _state_audit_on_the_standin(real_fixtures: Path, policies: Path, out: Path) -> int:
    """``gdpr-audit state`` of the bucket stack export with ``policies``, evaluated by the OPA
    stand-in server; the exit code (the reports are in ``out``)."""
    with running_opa_standin() as (url, _):
        return main(
            [
                "state",
                str(real_fixtures / "pulumi-aws-bucket-5.42.0-stack.json"),
                "--opa-url",
                url,
                "--policies",
                str(policies),
                "--out",
                str(out),
            ]
        )


def test_opa_server_rejecting_a_rule_gives_error_findings(real_fixtures, tmp_path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(POLICY_ROOT, policies)
    rule = policies / "encryption_at_rest" / "bucket_cmk.rego"
    rule.write_text(rule.read_text().replace("uses_cmk(f) if {", "uses_cmk(f) if {{", 1))
    code = _state_audit_on_the_standin(real_fixtures, policies, tmp_path / "out")
    assert code == 3
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    statuses = {f["status"] for f in report["findings"] if f["rule_id"] == "CV-EAR-001"}
    assert statuses == {"error"}


def test_unreachable_opa_server_is_engine_error(real_fixtures, capsys) -> None:
    code = main(
        [
            "state",
            str(real_fixtures / "stratify-sample-export.json"),
            "--opa-url",
            "http://127.0.0.1:9",
        ]
    )
    assert code == 3
    assert "cannot reach the OPA server" in capsys.readouterr().err


def test_opa_server_evaluation_error_is_error_findings(real_fixtures, tmp_path) -> None:
    """A query the server answers with an HTTP error (here a strict builtin error) is an
    error result for the batch's rules, never a pass."""
    policies = tmp_path / "policies"
    shutil.copytree(POLICY_ROOT, policies, ignore=shutil.ignore_patterns("*_test.rego"))
    rule = policies / "residency" / "region_allowed.rego"
    text = rule.read_text()
    assert "\tis_string(f.region)\n" in text
    rule.write_text(text.replace("\tis_string(f.region)\n", "\tto_number(f.id) > 0\n", 1))
    code = _state_audit_on_the_standin(real_fixtures, policies, tmp_path / "out")
    assert code == 3
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    residency = [f for f in report["findings"] if f["rule_id"] == "CV-RES-001"]
    assert residency and {f["status"] for f in residency} == {"error"}
    assert "OPA server: HTTP 500" in residency[0]["message"]
