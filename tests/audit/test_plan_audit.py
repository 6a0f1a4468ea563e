"""The dev plan end to end: zero fails, every report written and well-formed; a mutated plan
fails exactly the rules that should fail, on the right resources."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest

from audit.context import context_from_stack, stack_facts
from audit.evaluate import evaluate
from audit.facts import Facts
from audit.pulumi_facts import PulumiResource, facts_from_pulumi_resources
from audit.stack_controls import complete_facts


@pytest.fixture(scope="module")
def dev_reports(tmp_path_factory, repo_root):
    out = tmp_path_factory.mktemp("reports")
    result = subprocess.run(
        [sys.executable, "-m", "audit.cli", "plan", "--stack", "dev", "--out", str(out)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, out


def test_dev_plan_passes_with_30_rules(dev_reports) -> None:
    result, out = dev_reports
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text())
    statuses = report["summary"]["by_status"]
    assert statuses["fail"] == 0 and statuses["error"] == 0, result.stdout
    assert report["summary"]["rules_evaluated"] >= 30
    assert len({f["rule_id"] for f in report["findings"] if f["status"] == "pass"}) >= 30
    for finding in report["findings"]:
        assert finding["gdpr"] and finding["iso27001"], finding
        assert set(finding["resource"]) == {"kind", "id", "region", "source"}
    assert report["schema_version"] == 1 and report["tool"]["version"]
    assert "Art. 32(1)(a)" in report["summary"]["by_gdpr_article"]
    assert "A.8.24" in report["summary"]["by_iso27001_control"]
    turn_secret = {
        (f["rule_id"], f["status"])
        for f in report["findings"]
        if f["resource"]["kind"] == "ssm_parameter"
    }
    assert turn_secret == {("CV-EAR-007", "pass"), ("CV-RES-001", "pass")}


def test_reports_are_well_formed(dev_reports) -> None:
    _, out = dev_reports
    html = (out / "report.html").read_text()
    assert "<script src" not in html and "<link" not in html and "http://" not in html
    assert 'id="f-status"' in html and 'id="f-article"' in html and 'id="f-severity"' in html
    assert "By ISO/IEC 27001:2022 Annex A control" in html
    sarif = json.loads((out / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"]
    junit = ET.fromstring((out / "junit.xml").read_bytes())
    report = json.loads((out / "report.json").read_text())
    assert int(junit.get("tests", "0")) == len(report["findings"])
    assert "# GDPR audit report" in (out / "report.md").read_text()


def test_reports_show_how_much_of_each_provision_a_rule_covers(dev_reports) -> None:
    _, out = dev_reports
    report = json.loads((out / "report.json").read_text())
    for finding in report["findings"]:
        if finding["rule_id"].startswith("CV-"):
            ids = {*finding["gdpr"], *finding["iso27001"]}
            assert set(finding["mapping"]) == ids, finding
            assert set(finding["mapping"].values()) <= {"full", "partial"}, finding
    assert "Art. 32(1)(a) (partial)" in (out / "report.html").read_text()
    markdown = (out / "report.md").read_text()
    assert "## Rules and what they cover" in markdown
    assert "| CV-EAR-001 | Art. 32(1)(a) (partial)" in markdown
    sarif = json.loads((out / "report.sarif").read_text())
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["properties"]["mapping"] for r in rules if r["id"].startswith("CV-"))


def _mutated_facts(dev_config, dev_resources) -> Facts:
    resources = []
    for declared in dev_resources:
        if not declared.custom:
            continue
        props = copy.deepcopy({**declared.inputs, **declared.outputs})
        if declared.name == "callvault-dev-recordings-sse":
            props["rules"][0]["applyServerSideEncryptionByDefault"] = {"sseAlgorithm": "AES256"}
        if declared.name == "callvault-dev-recordings-key":
            props["enableKeyRotation"] = False
        if declared.name == "callvault-dev-media-sg":
            props["ingress"].append(
                {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}
            )
        if declared.name == "callvault-dev-turn-secret":
            props["type"] = "String"  # the TURN secret as plain text
            del props["keyId"]
        resources.append(
            PulumiResource(
                declared.urn, declared.type, declared.id, props, declared.urn, "eu-central-1"
            )
        )
    facts = facts_from_pulumi_resources(resources) + stack_facts(dev_config, "Pulumi.dev.yaml")
    return complete_facts(Facts("mutated dev plan", context_from_stack(dev_config), tuple(facts)))


def test_mutated_plan_fails_the_right_rules_on_the_right_resources(
    dev_config, dev_resources, library, engine
) -> None:
    evaluation = evaluate(_mutated_facts(dev_config, dev_resources), library, engine)
    failing = {
        (f.rule_id, f.resource_kind, f.resource_id)
        for f in evaluation.findings
        if f.status == "fail"
    }
    key_id = next(r.id for r in dev_resources if r.name == "callvault-dev-recordings-key")
    sg_id = next(r.id for r in dev_resources if r.name == "callvault-dev-media-sg")
    assert failing == {
        ("CV-EAR-001", "bucket", "callvault-dev-recordings"),
        ("CV-KEY-001", "kms_key", key_id),
        ("CV-NET-001", "security_group", sg_id),
        ("CV-EAR-007", "ssm_parameter", "/callvault-dev/turn/static-auth-secret"),
    }
    assert not [f for f in evaluation.findings if f.status == "error"]


def test_dev_plan_has_a_dpo_role_that_passes_and_a_node_role_that_cannot_read(dev_reports) -> None:
    _, out = dev_reports
    report = json.loads((out / "report.json").read_text())
    dpo = [f for f in report["findings"] if f["rule_id"] == "CV-IAM-005"]
    assert [(f["resource"]["id"], f["status"]) for f in dpo] == [("callvault-dev-dpo", "pass")]
    node = [f for f in report["findings"] if f["rule_id"] == "CV-IAM-001"]
    assert node and {f["status"] for f in node} == {"pass"}
