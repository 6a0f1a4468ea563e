"""How the embedded OPA's workers are shaped for speed (bench/policy_eval.py) without changing
what they answer: one prepared query for every batch, and a less eager Go garbage collector."""

from __future__ import annotations

import os

import pytest

from audit.engines.base import Batch, PackageError, PackageResult
from audit.engines.opa_embedded import WORKER_GO_ENVIRONMENT, OpaEmbeddedEngine, _Evaluator


def _worker_environment(engine: OpaEmbeddedEngine, modules: list[tuple[str, str]]) -> set[str]:
    engine.load(modules)
    pool = engine._pool
    assert pool is not None
    return {pool.submit(os.getenv, key, "").result() + f"@{key}" for key in WORKER_GO_ENVIRONMENT}


def test_workers_start_with_the_go_collector_settings(library, monkeypatch) -> None:
    for key in WORKER_GO_ENVIRONMENT:
        monkeypatch.delenv(key, raising=False)
    engine = OpaEmbeddedEngine(workers=1)
    try:
        seen = _worker_environment(engine, library.modules)
    finally:
        engine.close()
    assert seen == {f"{v}@{k}" for k, v in WORKER_GO_ENVIRONMENT.items()}
    assert not {k for k in WORKER_GO_ENVIRONMENT if k in os.environ}, "the parent is untouched"


def test_the_users_go_settings_win(library, monkeypatch) -> None:
    monkeypatch.setenv("GOGC", "150")
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    engine = OpaEmbeddedEngine(workers=1)
    try:
        seen = _worker_environment(engine, library.modules)
    finally:
        engine.close()
    assert seen == {"150@GOGC", f"{WORKER_GO_ENVIRONMENT['GOMEMLIMIT']}@GOMEMLIMIT"}
    assert os.environ["GOGC"] == "150"


@pytest.fixture(scope="module")
def evaluator(library) -> _Evaluator:
    evaluator = _Evaluator(library.modules)
    evaluator.prepare()
    return evaluator


def test_one_query_answers_exactly_the_packages_asked_for(evaluator) -> None:
    facts = [
        {"kind": "kms_key", "id": "k", "ref": "kms_key:k", "rotation_enabled": False},
        {"kind": "kms_key", "id": "j", "ref": "kms_key:j", "rotation_enabled": True},
    ]
    result = evaluator.evaluate(Batch(facts, ("kms_rotation",)), {})
    assert set(result) == {"kms_rotation"}
    rotation = result["kms_rotation"]
    assert isinstance(rotation, PackageResult)
    assert rotation.applicable == {"kms_key:k", "kms_key:j"}
    assert set(rotation.deny) == {"kms_key:k"}


def test_a_package_the_library_lacks_is_an_error_not_a_pass(evaluator) -> None:
    facts = [{"kind": "kms_key", "id": "k", "ref": "kms_key:k", "rotation_enabled": True}]
    result = evaluator.evaluate(Batch(facts, ("kms_rotation", "no_such_rule")), {})
    assert isinstance(result["kms_rotation"], PackageResult)
    missing = result["no_such_rule"]
    assert isinstance(missing, PackageError) and "no_such_rule" in missing.message
