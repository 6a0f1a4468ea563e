"""The rule catalogue, parsed from the ``# METADATA`` blocks of the .rego files, and the
framework data (GDPR provisions, ISO 27001:2022 Annex A controls) in policies/frameworks/.

Python reads the same OPA-standard comment block that OPA reads (``rego.metadata.chain()``);
tests/audit/test_catalogue.py checks that both views agree. ``*_test.rego`` files are Rego
unit tests, not rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import RuleFileError
from .facts import FACT_KINDS

__all__ = [
    "POLICY_ROOT",
    "SEVERITIES",
    "TOPICS",
    "Control",
    "Library",
    "Rule",
    "load_library",
    "parse_rule_file",
]

POLICY_ROOT = Path(__file__).resolve().parents[1] / "policies"
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
TOPICS: tuple[str, ...] = (
    "residency",
    "encryption-at-rest",
    "encryption-in-transit",
    "key-management",
    "public-access",
    "access-control",
    "logging",
    "retention",
    "minimisation",
    "processors",
    "resilience",
    "network",
)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it: the library's 66 YAML blocks in 7 ms instead of
44 ms, before any worker can start evaluating (same documents: tests/audit/test_catalogue.py)."""
_PACKAGE = re.compile(r"^package\s+([A-Za-z0-9_.]+)\s*$", re.MULTILINE)
_RULE_PREFIX = "callvault.rules."


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    topic: str
    gdpr: tuple[str, ...]
    iso27001: tuple[str, ...]
    applies_to: tuple[str, ...]
    remediation: str
    package: str
    """Last segment of ``callvault.rules.<package>``."""
    path: str
    """Relative to the policy root, e.g. ``residency/region_allowed.rego``."""
    text: str
    mapping: Mapping[str, str] = field(default_factory=dict)
    """Each GDPR provision and ISO control -> ``full`` (the rule checks everything the
    provision asks of this resource's configuration) or ``partial`` (one part of it)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "topic": self.topic,
            "gdpr": list(self.gdpr),
            "iso27001": list(self.iso27001),
            "mapping": dict(self.mapping),
            "applies_to": list(self.applies_to),
            "remediation": self.remediation,
            "file": f"policies/{self.path}",
        }


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    manual: bool
    gdpr: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class Library:
    root: Path
    rules: tuple[Rule, ...]
    helper_modules: tuple[tuple[str, str], ...]
    """(relative path, text) of modules that are not rules (policies/lib)."""
    gdpr: dict[str, str]
    controls: dict[str, Control]

    @property
    def modules(self) -> list[tuple[str, str]]:
        """(path, text) of every module an engine loads: the helpers, then the rules."""
        return [*self.helper_modules, *[(rule.path, rule.text) for rule in self.rules]]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def _metadata_block(text: str, path: str) -> dict[str, Any]:
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "# METADATA")
    except StopIteration:
        raise RuleFileError(f"{path}: no '# METADATA' block") from None
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("#"):
            break
        body.append(line[2:] if line.startswith("# ") else line[1:])
    try:
        metadata = yaml.load("\n".join(body), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise RuleFileError(f"{path}: METADATA is not YAML ({error})".replace("\n", " ")) from None
    if not isinstance(metadata, dict):
        raise RuleFileError(f"{path}: METADATA must be a mapping")
    return metadata


def _string_list(value: Any, field: str, path: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RuleFileError(f"{path}: custom.{field} must be a non-empty list of strings")
    return tuple(value)


MAPPING_STRENGTHS = ("full", "partial")


def _mapping(value: Any, ids: tuple[str, ...], path: str) -> dict[str, str]:
    """``custom.mapping``: exactly the rule's provisions and controls, each full or partial."""
    if not isinstance(value, dict):
        raise RuleFileError(
            f"{path}: custom.mapping must map each gdpr and iso27001 id to full or partial"
        )
    missing = [i for i in ids if i not in value]
    extra = [str(k) for k in value if k not in ids]
    if missing or extra:
        raise RuleFileError(
            f"{path}: custom.mapping must name exactly the rule's gdpr and iso27001 ids "
            f"(missing {missing}, not mapped {extra})"
        )
    wrong = {k: v for k, v in value.items() if v not in MAPPING_STRENGTHS}
    if wrong:
        raise RuleFileError(f"{path}: custom.mapping values must be full or partial (got {wrong})")
    return {str(k): str(v) for k, v in value.items()}


def parse_rule_file(text: str, path: str) -> Rule:
    """One .rego rule file -> :class:`Rule`. Raises :class:`RuleFileError` with the field."""
    metadata = _metadata_block(text, path)
    custom = metadata.get("custom")
    if not isinstance(custom, dict):
        raise RuleFileError(f"{path}: METADATA needs a 'custom' mapping")
    for name in ("id", "severity", "topic", "remediation"):
        if not isinstance(custom.get(name), str) or not custom[name].strip():
            raise RuleFileError(f"{path}: custom.{name} is missing")
    if not isinstance(metadata.get("title"), str):
        raise RuleFileError(f"{path}: METADATA title is missing")
    if custom["severity"] not in SEVERITIES:
        raise RuleFileError(
            f"{path}: severity must be in {list(SEVERITIES)} (got '{custom['severity']}')"
        )
    if custom["topic"] not in TOPICS:
        raise RuleFileError(f"{path}: topic must be in {list(TOPICS)} (got '{custom['topic']}')")
    applies_to = custom.get("applies_to")
    kinds = (
        (applies_to,)
        if isinstance(applies_to, str)
        else _string_list(applies_to, "applies_to", path)
    )
    unknown = [k for k in kinds if k not in FACT_KINDS]
    if unknown:
        raise RuleFileError(f"{path}: applies_to names unknown fact kinds {unknown}")
    gdpr = _string_list(custom.get("gdpr"), "gdpr", path)
    iso27001 = _string_list(custom.get("iso27001"), "iso27001", path)
    mapping = _mapping(custom.get("mapping"), (*gdpr, *iso27001), path)
    match = _PACKAGE.search(text)
    if not match or not match.group(1).startswith(_RULE_PREFIX):
        raise RuleFileError(f"{path}: package must be '{_RULE_PREFIX}<name>'")
    if "." in match.group(1)[len(_RULE_PREFIX) :]:  # the engine looks up rules[<name>]
        raise RuleFileError(f"{path}: package must be '{_RULE_PREFIX}<name>' (one segment)")
    return Rule(
        id=custom["id"],
        title=metadata["title"],
        severity=custom["severity"],
        topic=custom["topic"],
        gdpr=gdpr,
        iso27001=iso27001,
        mapping=mapping,
        applies_to=kinds,
        remediation=custom["remediation"],
        package=match.group(1)[len(_RULE_PREFIX) :],
        path=path,
        text=text,
    )


def _framework(root: Path) -> tuple[dict[str, str], dict[str, Control]]:
    try:
        gdpr_doc = yaml.load((root / "frameworks" / "gdpr.yaml").read_text(), Loader=_YAML_LOADER)
        iso_doc = yaml.load(
            (root / "frameworks" / "iso27001.yaml").read_text(), Loader=_YAML_LOADER
        )
        gdpr = {p["id"]: p["title"] for p in gdpr_doc["provisions"]}
        controls = {
            c["id"]: Control(
                id=c["id"],
                title=c["title"],
                manual=bool(c.get("manual", False)),
                gdpr=tuple(c.get("gdpr", ())),
                evidence=str(c.get("evidence", "")),
            )
            for c in iso_doc["controls"]
        }
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise RuleFileError(f"{root}/frameworks: unreadable framework data ({error})") from None
    return gdpr, controls


def load_library(root: Path = POLICY_ROOT) -> Library:
    """Every rule under ``root`` (sorted by path), the helper modules and the frameworks."""
    if not root.is_dir():
        raise RuleFileError(f"policy directory {root} does not exist")
    rules: list[Rule] = []
    helpers: list[tuple[str, str]] = []
    for file in sorted(root.rglob("*.rego")):
        if file.name.endswith("_test.rego"):  # Rego unit tests (tests/audit/test_rego_unit.py)
            continue
        relative = file.relative_to(root).as_posix()
        text = file.read_text(encoding="utf-8")
        if relative.startswith("lib/"):
            helpers.append((relative, text))
        else:
            rules.append(parse_rule_file(text, relative))
    seen: dict[str, str] = {}
    for rule in rules:
        for key in (rule.id, rule.package):
            if key in seen:
                raise RuleFileError(f"{rule.path}: '{key}' is also used by {seen[key]}")
            seen[key] = rule.path
    gdpr, controls = _framework(root)
    return Library(root, tuple(rules), tuple(helpers), gdpr, controls)
