"""``Finding.build``, the evaluator's cheap constructor, makes exactly what ``Finding(...)``
makes and refuses what it refuses."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from audit.findings import Finding


def _values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "rule_id": "CV-KEY-001",
        "title": "KMS keys should rotate",
        "status": "fail",
        "severity": "high",
        "topic": "key-management",
        "gdpr": ("Art. 32(1)(a)",),
        "iso27001": ("A.8.24",),
        "resource_kind": "kms_key",
        "resource_id": "k",
        "resource_region": "eu-central-1",
        "resource_source": "urn:k",
        "message": "rotation is off",
        "remediation": "turn it on",
        "mapping": {"A.8.24": "partial"},
    }
    values.update(changes)
    return values


def test_build_makes_what_the_constructor_makes() -> None:
    built, made = Finding.build(_values()), Finding(**_values())
    assert built == made and built.to_json() == made.to_json()
    assert [getattr(built, f.name) for f in dataclasses.fields(Finding)] == [
        getattr(made, f.name) for f in dataclasses.fields(Finding)
    ]
    assert pickle.loads(pickle.dumps(built)) == made
    assert dataclasses.replace(built, status="waived").status == "waived"
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.status = "pass"  # type: ignore[misc]


def test_build_refuses_an_unknown_status() -> None:
    with pytest.raises(ValueError, match="'status' must be in"):
        Finding.build(_values(status="ok"))


def test_build_with_other_fields_takes_the_ordinary_path() -> None:
    values = _values()
    del values["mapping"]
    assert Finding.build(values).mapping == {}, "the default applies"
    with pytest.raises(TypeError):
        Finding.build(_values(colour="red"))
