"""The embedded OPA fails closed: a type error, a recursion error, a conflict, an ``OpaError``
from the bindings (the way a recovered Go panic arrives) and a dead worker each become
``error`` findings naming the rule and exit 3, never a pass; the other rules still run."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

from audit.catalogue import POLICY_ROOT, load_library
from audit.cli import _exit_code, main
from audit.engines.base import Batch, PackageError
from audit.engines.opa_embedded import OpaEmbeddedEngine, _Evaluator
from audit.evaluate import evaluate

from .conftest import load_fixture

HEADER = """\
# METADATA
# title: A rule that should not evaluate
# custom:
#   id: CV-TST-{n}
#   severity: low
#   topic: key-management
#   gdpr: ["Art. 32(1)(a)"]
#   iso27001: ["A.8.24"]
#   mapping: {{"Art. 32(1)(a)": "partial", "A.8.24": "partial"}}
#   applies_to: [kms_key]
#   remediation: none
package callvault.rules.broken_{n}

import rego.v1

applicable contains f.ref if {{
\tsome f in input.facts
\tf.kind == "kms_key"
}}

"""

BODIES = {
    "type_error": 'deny contains {"ref": f.ref, "msg": "x"} if {\n'
    "\tsome f in input.facts\n\tcount(1) > 0\n}\n",
    "recursion": 'deny contains {"ref": f.ref, "msg": "x"} if {\n'
    "\tsome f in input.facts\n\tsome d in deny\n\td.ref == f.ref\n}\n",
    "conflict": 'verdict := "a" if {\n\tsome f in input.facts\n\tf.kind == "kms_key"\n}\n\n'
    'verdict := "b" if {\n\tsome f in input.facts\n\tf.kind == "kms_key"\n}\n\n'
    'deny contains {"ref": f.ref, "msg": verdict} if {\n'
    '\tsome f in input.facts\n\tverdict == "c"\n}\n',
}


def _report(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "report.json").read_text())
    return document


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_rule_opa_cannot_evaluate_is_error_and_exit_3(kind: str, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(POLICY_ROOT, policies, ignore=shutil.ignore_patterns("*.json", "*_test.rego"))
    n = {"conflict": "901", "recursion": "902", "type_error": "903"}[kind]
    (policies / "key_management" / f"broken_{n}.rego").write_text(HEADER.format(n=n) + BODIES[kind])
    out = tmp_path / "out"
    assert main(["plan", "--policies", str(policies), "--out", str(out)]) == 3
    report = _report(out)
    broken = [f for f in report["findings"] if f["rule_id"] == f"CV-TST-{n}"]
    assert len(broken) == 2 and {f["status"] for f in broken} == {"error"}, broken
    assert all(f"broken_{n}" in f["message"] for f in broken), broken[0]["message"]
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert {f["rule_id"] for f in errors} == {f"CV-TST-{n}"}, "only the broken rule errors"
    rotation = [f for f in report["findings"] if f["rule_id"] == "CV-KEY-001"]
    assert rotation and {f["status"] for f in rotation} == {"pass"}, "the others still run"


def test_opa_error_from_the_bindings_is_an_error_result(library) -> None:
    """Any ``OpaError`` (a recovered Go panic arrives as one) pins an error on the package."""
    modules = [*library.helper_modules, *[(r.path, r.text) for r in library.rules]]
    evaluator = _Evaluator(modules)
    evaluator.close()  # the bindings now raise OpaError('closed', ...) on every call
    facts = [{"kind": "kms_key", "id": "k", "ref": "kms_key:k"}]
    result = evaluator.evaluate(Batch(facts, ("kms_rotation", "kms_single_region")), {})
    assert set(result) == {"kms_rotation", "kms_single_region"}
    for package, outcome in result.items():
        assert isinstance(outcome, PackageError)
        assert outcome.message.startswith(f"package {package}: closed")


def test_dead_worker_is_error_findings_and_exit_3(library) -> None:
    facts = load_fixture(POLICY_ROOT / "key_management" / "kms_rotation.pass.json")
    engine = OpaEmbeddedEngine(workers=1)
    try:
        first = evaluate(facts, library, engine)
        assert {f.status for f in first.findings if f.rule_id == "CV-KEY-001"} == {"pass"}
        pool = engine._pool
        assert pool is not None
        for pid in list(pool._processes):  # the Go runtime dies: SIGKILL, no cleanup
            os.kill(pid, signal.SIGKILL)
        second = evaluate(facts, library, engine)
        rule_findings = [f for f in second.findings if not f.rule_id.startswith("ISO-")]
        assert rule_findings and {f.status for f in rule_findings} == {"error"}
        assert all("worker process died" in f.message for f in rule_findings)
        rotation = next(f for f in rule_findings if f.rule_id == "CV-KEY-001")
        assert "package kms_rotation:" in rotation.message, "the message names the rule"
        assert _exit_code(second.findings, "none") == 3
        third = evaluate(facts, library, engine)  # a fresh pool: the next audit works again
        assert {f.status for f in third.findings if f.rule_id == "CV-KEY-001"} == {"pass"}
    finally:
        engine.close()


def test_catalogue_ignores_rego_unit_tests() -> None:
    assert not [r for r in load_library().rules if r.path.endswith("_test.rego")]
