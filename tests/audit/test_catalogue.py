"""The catalogue as data: ids, mappings and manual controls are consistent (prowler's mapping
files drifted because nothing checked this)."""

from __future__ import annotations

import json
import re

import pytest

from audit.catalogue import TOPICS, load_library, parse_rule_file
from audit.cli import main
from audit.errors import RuleFileError


def test_library_size_and_coverage(library) -> None:
    assert len(library.rules) >= 30
    assert {r.topic for r in library.rules} == set(TOPICS), "every topic has a rule"
    articles = {g.split("(")[0].strip() for r in library.rules for g in r.gdpr}
    assert {"Art. 5", "Art. 28", "Art. 32", "Art. 44"} <= articles


def test_ids_unique_and_mappings_exist(library) -> None:
    ids = [r.id for r in library.rules]
    assert len(ids) == len(set(ids))
    for rule in library.rules:
        assert rule.gdpr and rule.iso27001, rule.id
        for provision in rule.gdpr:
            assert provision in library.gdpr, f"{rule.id}: unknown GDPR provision {provision}"
        for control in rule.iso27001:
            assert control in library.controls, f"{rule.id}: unknown ISO control {control}"


def test_every_mapping_is_marked_full_or_partial(library) -> None:
    for rule in library.rules:
        assert set(rule.mapping) == {*rule.gdpr, *rule.iso27001}, rule.id
        assert set(rule.mapping.values()) <= {"full", "partial"}, rule.id


def test_mappings_an_auditor_would_reject_are_gone(library) -> None:
    by_id = {r.id: r for r in library.rules}
    assert "Art. 28(3)(b)" not in by_id["CV-IAM-001"].gdpr  # confidentiality of staff, not IAM
    for rule in library.rules:
        tags_rule = rule.package in ("purpose_controller_tags", "meeting_type_tag")
        if tags_rule:  # a tag is neither a processing instruction nor a record of processing
            assert not {"Art. 28(3)(a)", "Art. 30(1)"} & set(rule.gdpr), rule.id
        if rule.topic == "logging":  # logging is not "regularly testing" the measures
            assert "Art. 32(1)(d)" not in rule.gdpr, rule.id
        if rule.package == "bucket_versioning":  # versioning is not redundant facilities
            assert "A.8.14" not in rule.iso27001
        if rule.topic == "public-access":  # not accessible to anyone by default
            assert "Art. 25(2)" in rule.gdpr, rule.id


@pytest.mark.parametrize(
    ("mapping", "problem"),
    [
        ("", "custom.mapping must map"),
        ('#   mapping: {"Art. 5(2)": "partial"}\n', "missing ['A.8.15']"),
        ('#   mapping: {"Art. 5(2)": "partial", "A.8.15": "most"}\n', "full or partial"),
        (
            '#   mapping: {"Art. 5(2)": "full", "A.8.15": "full", "A.8.16": "full"}\n',
            "not mapped ['A.8.16']",
        ),
    ],
)
def test_rule_without_a_proper_mapping_is_refused(mapping, problem) -> None:
    text = (
        "# METADATA\n# title: t\n# custom:\n#   id: X\n#   severity: low\n#   topic: logging\n"
        '#   gdpr: ["Art. 5(2)"]\n#   iso27001: ["A.8.15"]\n'
        + mapping
        + '#   applies_to: ["trail"]\n#   remediation: r\npackage callvault.rules.x\n'
    )
    with pytest.raises(RuleFileError, match=re.escape(problem)):
        parse_rule_file(text, "x.rego")


def test_controls_without_rules_are_manual_with_evidence(library) -> None:
    checked = {c for r in library.rules for c in r.iso27001}
    for control in library.controls.values():
        if control.id not in checked:
            assert control.manual, f"{control.id} has no rule and is not marked manual"
        if control.manual:
            assert control.evidence, f"{control.id} is manual but says no evidence source"
            assert control.gdpr, f"{control.id} maps to no GDPR provision"
            for provision in control.gdpr:
                assert provision in library.gdpr


def test_a523_and_a534_are_manual(library) -> None:
    assert library.controls["A.5.23"].manual and library.controls["A.5.34"].manual


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("package callvault.rules.x\n", "no '# METADATA' block"),
        ("# METADATA\n# title: t\n# custom:\n#   id: X\npackage callvault.rules.x\n", "severity"),
        (
            "# METADATA\n# title: t\n# custom:\n#   id: X\n#   severity: huge\n#   topic: network\n"
            "#   remediation: r\npackage callvault.rules.x\n",
            "severity must be in",
        ),
        (
            "# METADATA\n# title: t\n# custom:\n#   id: X\n#   severity: low\n#   topic: network\n"
            "#   remediation: r\n#   gdpr: [a]\n#   iso27001: [b]\n#   applies_to: [dragon]\n"
            "package callvault.rules.x\n",
            "unknown fact kinds",
        ),
    ],
)
def test_bad_metadata_is_refused_with_the_field(text: str, problem: str) -> None:
    with pytest.raises(RuleFileError, match=problem):
        parse_rule_file(text, "bad.rego")


def test_controls_command_lists_the_catalogue(capsys) -> None:
    assert main(["controls", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert len(document["rules"]) == len(load_library().rules)
    manual = {c["id"] for c in document["iso27001"] if c["manual"]}
    assert {"A.5.23", "A.5.34"} <= manual


def test_catalogue_agrees_with_opa_metadata(library) -> None:
    """What Python reads from each ``# METADATA`` block is what OPA's annotation parser reads
    (``rego.metadata.chain()`` in a probe module of the rule's package)."""
    from audit.engines.opa_embedded import new_engine

    probes = [
        (
            f"probe/{rule.package}.rego",
            f"package callvault.rules.{rule.package}\n\n"
            "import rego.v1\n\n__metadata := rego.metadata.chain()\n",
        )
        for rule in library.rules
    ]
    modules = [*library.helper_modules, *[(r.path, r.text) for r in library.rules], *probes]
    engine = new_engine(modules)
    try:
        chains = engine.eval_query(
            "x := {p: data.callvault.rules[p].__metadata | some p, _ in data.callvault.rules}"
        )[0]["x"]
    finally:
        engine.close()
    for rule in library.rules:
        package_entries = [
            e["annotations"]
            for e in chains[rule.package]
            if e.get("annotations", {}).get("scope") == "package"
        ]
        assert len(package_entries) == 1, f"{rule.path}: OPA sees {len(package_entries)} blocks"
        opa = package_entries[0]
        custom = opa.get("custom", {})
        applies_to = custom.get("applies_to")
        seen_by_opa = {
            "id": custom.get("id"),
            "title": opa.get("title"),
            "severity": custom.get("severity"),
            "topic": custom.get("topic"),
            "gdpr": custom.get("gdpr"),
            "iso27001": custom.get("iso27001"),
            "mapping": custom.get("mapping"),
            "applies_to": [applies_to] if isinstance(applies_to, str) else applies_to,
            "remediation": custom.get("remediation"),
        }
        seen_by_python = {k: v for k, v in rule.to_json().items() if k != "file"}
        assert seen_by_opa == seen_by_python, rule.path


def test_libyaml_reads_the_library_as_pyyaml_does(library, monkeypatch) -> None:
    """The catalogue reads METADATA with libyaml's loader for speed; PyYAML's own reads the
    same rules and framework data."""
    import yaml

    import audit.catalogue

    assert audit.catalogue._YAML_LOADER is yaml.CSafeLoader, "libyaml is in the pinned PyYAML"
    monkeypatch.setattr(audit.catalogue, "_YAML_LOADER", yaml.SafeLoader)
    assert load_library() == library
