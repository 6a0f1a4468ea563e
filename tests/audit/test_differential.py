"""OPA and regopy, two independent Rego implementations, give identical findings (status and
message) on every rule fixture, the dev plan, a mutated dev plan and the real state files."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.catalogue import POLICY_ROOT
from audit.context import context_from_stack, stack_facts
from audit.evaluate import evaluate
from audit.facts import Facts
from audit.pulumi_facts import PulumiResource, facts_from_pulumi_resources
from audit.sources.state import facts_from_state_file

from .conftest import load_fixture

FIXTURES = sorted(POLICY_ROOT.rglob("*.pass.json")) + sorted(POLICY_ROOT.rglob("*.fail.json"))


def _findings(facts: Facts, library, engine) -> list[tuple[str, ...]]:
    evaluation = evaluate(facts, library, engine)
    return [
        (f.rule_id, f.resource_kind, f.resource_id, f.status, f.message)
        for f in evaluation.findings
    ]


def _same(facts: Facts, library, engine, regopy_engine) -> None:
    opa = _findings(facts, library, engine)
    regopy = _findings(facts, library, regopy_engine)
    assert [f for f in opa if f[3] == "error"] == []
    assert opa == regopy


@pytest.mark.parametrize(
    "fixture", FIXTURES, ids=[p.relative_to(POLICY_ROOT).as_posix() for p in FIXTURES]
)
def test_fixture_findings_identical(fixture: Path, library, engine, regopy_engine) -> None:
    _same(load_fixture(fixture), library, engine, regopy_engine)


def _dev_plan(dev_config, dev_resources) -> Facts:
    resources = [
        PulumiResource(d.urn, d.type, d.id, {**d.inputs, **d.outputs}, d.urn, "eu-central-1")
        for d in dev_resources
        if d.custom
    ]
    facts = facts_from_pulumi_resources(resources) + stack_facts(dev_config, "Pulumi.dev.yaml")
    return Facts("dev plan", context_from_stack(dev_config), tuple(facts))


def test_dev_plan_findings_identical(
    dev_config, dev_resources, library, engine, regopy_engine
) -> None:
    facts = _dev_plan(dev_config, dev_resources)
    assert len(facts.facts) > 20
    _same(facts, library, engine, regopy_engine)


@pytest.mark.parametrize(
    "name",
    [
        "pulumi-aws-bucket-5.42.0-stack.json",
        "pulumi-aws-kms-key-5.42.0-stack.json",
        "stratify-sample-export.json",
        "stratify-sample-preview-creates.json",
    ],
)
def test_real_state_findings_identical(name, real_fixtures, library, engine, regopy_engine):
    facts = facts_from_state_file(str(real_fixtures / name), None)
    _same(facts, library, engine, regopy_engine)
