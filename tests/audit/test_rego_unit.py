"""The rules' Rego unit tests (``policies/**/<rule>_test.rego``), one pytest item per Rego
test, run through the embedded OPA exactly as ``opa test policies/`` would: a test passes
when its rule evaluates to ``true``; undefined, false or an evaluation error fails it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opa_bindings import OpaError

from audit.catalogue import POLICY_ROOT, load_library
from audit.engines.opa_embedded import new_engine

from . import test_rule_fixtures as fixture_tests

_PACKAGE = re.compile(r"^package\s+([A-Za-z0-9_.]+)\s*$", re.MULTILINE)
_TEST = re.compile(r"^(test_[A-Za-z0-9_]+)\s+if\b", re.MULTILINE)


def rego_tests(root: Path) -> list[tuple[str, str, str]]:
    """(test file relative to root, package, test name) for every Rego test under root."""
    found = []
    for file in sorted(root.rglob("*_test.rego")):
        text = file.read_text(encoding="utf-8")
        package = _PACKAGE.search(text)
        assert package, f"{file}: no package"
        for name in _TEST.findall(text):
            found.append((file.relative_to(root).as_posix(), package.group(1), name))
    return found


def modules_of(root: Path) -> list[tuple[str, str]]:
    """Every .rego file under root (rules, helpers and tests), as OPA's loader sees them."""
    return [
        (f.relative_to(root).as_posix(), f.read_text(encoding="utf-8"))
        for f in sorted(root.rglob("*.rego"))
    ]


class RegoTestRun:
    """Every test of a library evaluated in one query (one compile); only when that query
    fails (a test that errors) is each test evaluated on its own, as ``opa test`` does."""

    def __init__(self, root: Path) -> None:
        self.engine = new_engine(modules_of(root))
        try:
            rows = self.engine.eval_query("x := data")
            self.document: dict[str, Any] | None = rows[0]["x"]
        except OpaError:
            self.document = None

    def failure(self, package: str, name: str) -> str | None:
        """None when the test passes, else why it failed (undefined, a value, an error)."""
        if self.document is not None:
            value: Any = self.document
            for part in package.split("."):
                value = value.get(part, {}) if isinstance(value, dict) else {}
            if isinstance(value, dict) and value.get(name) is True:
                return None
        return run_rego_test(self.engine, package, name)

    def close(self) -> None:
        self.engine.close()


def run_rego_test(engine: Any, package: str, name: str) -> str | None:
    """None when the test passes, else why it failed (undefined, a value, an error)."""
    try:
        rows = engine.eval_query(f"x := data.{package}.{name}")
    except OpaError as error:
        return f"error: {error}"
    if not rows:
        return "undefined (a condition did not hold)"
    if rows[0].get("x") is not True:
        return f"evaluated to {rows[0].get('x')!r}"
    return None


TESTS = rego_tests(POLICY_ROOT)


@pytest.fixture(scope="module")
def opa() -> Iterator[RegoTestRun]:
    run = RegoTestRun(POLICY_ROOT)
    yield run
    run.close()


@pytest.mark.parametrize(("path", "package", "name"), TESTS, ids=[f"{p}::{n}" for p, _, n in TESTS])
def test_rego(opa, path: str, package: str, name: str) -> None:
    failure = opa.failure(package, name)
    assert failure is None, f"Rego test {package}.{name} ({path}) failed: {failure}"


def test_every_rule_has_rego_tests_that_deny_unknowns() -> None:
    by_file: dict[str, list[str]] = {}
    for path, _, name in TESTS:
        by_file.setdefault(path, []).append(name)
    for rule in load_library().rules:
        names = by_file.get(rule.path.replace(".rego", "_test.rego"), [])
        assert any(n.startswith("test_allows_") for n in names), f"{rule.id}: no allow test"
        assert any(n.startswith("test_denies_") for n in names), f"{rule.id}: no deny test"
        assert any(n.endswith("_is_not_allowed") or "_is_not_allowed_" in n for n in names), (
            f"{rule.id}: no test that a missing or unknown value does not allow"
        )


def test_a_broken_rule_fails_its_rego_tests_and_its_fixture_test(tmp_path, engine) -> None:
    """Break the rule in a copy of the library (a KMS key is 'aws:kms' no more): its Rego
    tests and the audit of its fail fixture both notice."""
    policies = tmp_path / "policies"
    shutil.copytree(POLICY_ROOT, policies, ignore=shutil.ignore_patterns("__pycache__"))
    rule = policies / "encryption_at_rest" / "bucket_cmk.rego"
    text = rule.read_text()
    assert "not uses_cmk(f)" in text
    rule.write_text(text.replace("not uses_cmk(f)", "not true", 1))

    run = RegoTestRun(policies)
    try:
        failing = {
            name
            for path, package, name in rego_tests(policies)
            if run.failure(package, name) is not None
        }
    finally:
        run.close()
    assert failing, "no Rego test noticed the broken rule"
    assert {n for n in failing if n.startswith("test_denies_")}, failing
    broken_file_tests = {
        n for p, _, n in rego_tests(policies) if p == "encryption_at_rest/bucket_cmk_test.rego"
    }
    assert failing <= broken_file_tests, "only the broken rule's tests fail"

    # The fixture test, on the same copy: the fail fixture no longer fails.
    fixture = policies / "encryption_at_rest" / "bucket_cmk.fail.json"
    with pytest.raises(AssertionError, match="CV-EAR-001 on bucket_cmk.fail.json"):
        fixture_tests.test_fail_fixture_fails_without_errors(
            load_library(policies).rule("CV-EAR-001"), engine, load_library(policies)
        )
    assert fixture.is_file()
