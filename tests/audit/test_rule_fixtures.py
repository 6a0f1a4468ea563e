"""Every rule against its own fixtures: the pass fixture passes, the fail fixture fails (not
errors), and a fact stripped of its properties never passes (fail closed)."""

from __future__ import annotations

import json

import pytest

from audit.catalogue import POLICY_ROOT, Library, load_library
from audit.engines.base import PolicyEngine
from audit.evaluate import evaluate
from audit.facts import Fact, Facts

from .conftest import load_fixture

RULES = load_library().rules


def _findings(engine: PolicyEngine, library: Library, facts: Facts, rule_id: str) -> list[str]:
    evaluation = evaluate(facts, library, engine, only_rules=[rule_id])
    return [f.status for f in evaluation.findings if f.rule_id == rule_id]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_pass_fixture_passes(rule, engine, library) -> None:
    fixture = library.root / rule.path.replace(".rego", ".pass.json")
    statuses = _findings(engine, library, load_fixture(fixture), rule.id)
    assert statuses, f"{rule.id}: no fact in {fixture.name} is applicable"
    assert set(statuses) == {"pass"}, f"{rule.id} on {fixture.name}: {statuses}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_fail_fixture_fails_without_errors(rule, engine, library) -> None:
    fixture = library.root / rule.path.replace(".rego", ".fail.json")
    statuses = _findings(engine, library, load_fixture(fixture), rule.id)
    assert "fail" in statuses, f"{rule.id} on {fixture.name}: {statuses}"
    assert "error" not in statuses, f"{rule.id} on {fixture.name}: {statuses}"


def _hole_fixtures() -> list[tuple[str, str]]:
    """``<rule>.<hole>.fail.json`` beside a rule: one reproduced hole; every fact of the rule's
    kinds must fail (facts of other kinds give the context, e.g. the recording buckets)."""
    cases = []
    for rule in RULES:
        rego = POLICY_ROOT / rule.path
        for path in sorted(rego.parent.glob(f"{rego.stem}.*.fail.json")):
            cases.append((rule.id, str(path.relative_to(POLICY_ROOT))))
    return cases


HOLES = _hole_fixtures()


@pytest.mark.parametrize(("rule_id", "fixture"), HOLES, ids=[f for _, f in HOLES])
def test_hole_fixture_fails_every_fact(rule_id, fixture, engine, library) -> None:
    facts = load_fixture(POLICY_ROOT / fixture)
    evaluation = evaluate(facts, library, engine, only_rules=[rule_id])
    statuses = {f.resource_id: f.status for f in evaluation.findings if f.rule_id == rule_id}
    kinds = next(r.applies_to for r in RULES if r.id == rule_id)
    expected = {fact.id: "fail" for fact in facts.facts if fact.kind in kinds}
    assert statuses == expected, f"{rule_id} on {fixture}: {statuses}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_fact_with_unknown_properties_never_passes(rule, engine, library) -> None:
    fixture = load_fixture(POLICY_ROOT / rule.path.replace(".rego", ".pass.json"))
    # Keep only what selects the fact (kind, purpose, workload, mode ...), drop the evidence.
    selectors: tuple[str, ...] = ("purpose", "workload", "mode", "legal_basis")
    if rule.id == "CV-SCP-003":  # judges the selectors themselves
        selectors = ()
    if rule.id == "CV-EAR-002":  # applies to SSE-KMS buckets only: the algorithm selects
        selectors += ("encryption",)
    stripped = []
    for fact in fixture.facts:
        keep = {k: v for k, v in fact.properties.items() if k in selectors}
        if "encryption" in keep:
            keep["encryption"] = {"algorithm": keep["encryption"].get("algorithm")}
        stripped.append(
            Fact(
                fact.kind,
                fact.id,
                None if rule.id in ("CV-RES-001", "CV-COV-002") else fact.region,
                fact.source,
                keep,
            )
        )
    facts = Facts(fixture.source_description, fixture.context, tuple(stripped))
    statuses = _findings(engine, library, facts, rule.id)
    assert "error" not in statuses, f"{rule.id}: {statuses}"
    assert "pass" not in statuses, f"{rule.id} passed a fact with unknown properties"


def test_every_rule_has_both_fixtures() -> None:
    for rule in RULES:
        for kind in ("pass", "fail"):
            path = POLICY_ROOT / rule.path.replace(".rego", f".{kind}.json")
            assert path.is_file(), f"{rule.id}: {path} missing"
            document = json.loads(path.read_text())
            assert document["facts"], f"{path} has no facts"


# A fact stripped of what decides a rule's scope must not drop out of the audit unnoticed:
# either the rule still judges it (and does not pass it), or a scope guard fails it.
_SCOPED_KINDS = ("kms_key", "iam_role", "instance", "launch_template", "security_group")
SCOPE_GUARDS: dict[str, tuple[str, ...]] = {
    # A bucket whose contents were not derived fails CV-SCP-001/002 ("was not derived"), and
    # any fact without its scope properties fails CV-SCP-003.
    "bucket": ("CV-SCP-001", "CV-SCP-002", "CV-SCP-003"),
    "meeting_type": ("CV-SCP-003",),
    **{kind: ("CV-SCP-003",) for kind in _SCOPED_KINDS},
}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_fact_stripped_of_its_scope_is_not_dropped(rule, engine, library) -> None:
    fixture = load_fixture(POLICY_ROOT / rule.path.replace(".rego", ".pass.json"))
    stripped = tuple(
        Fact(f.kind, f.id, None, f.source, {})
        for f in fixture.facts
        if f.kind in rule.applies_to
    )
    facts = Facts(fixture.source_description, fixture.context, stripped)
    guards = sorted({g for f in stripped for g in SCOPE_GUARDS.get(f.kind, ())})
    evaluation = evaluate(facts, library, engine, only_rules=[rule.id, *guards])
    for fact in stripped:
        own = [
            x.status
            for x in evaluation.findings
            if x.rule_id == rule.id and x.resource_id == fact.id
        ]
        guarded = [
            x.status
            for x in evaluation.findings
            if x.rule_id in SCOPE_GUARDS.get(fact.kind, ()) and x.resource_id == fact.id
        ]
        assert "pass" not in own, f"{rule.id} passed {fact.kind} {fact.id} stripped of its scope"
        assert own or "fail" in guarded, (
            f"{rule.id} went quiet on {fact.kind} {fact.id} stripped of its scope, and no "
            "scope guard failed it"
        )
