from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit.catalogue import Library, load_library
from audit.engines.opa_embedded import OpaEmbeddedEngine
from audit.engines.regopy_engine import RegopyEngine
from audit.facts import AuditContext, Fact, Facts

REAL_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "pulumi-real"


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


@pytest.fixture(scope="session")
def engine() -> Iterator[OpaEmbeddedEngine]:
    """One embedded OPA engine (and worker pool) for the whole session: the default engine."""
    engine = OpaEmbeddedEngine(workers=2)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def regopy_engine() -> Iterator[RegopyEngine]:
    """regopy, the second implementation the differential tests compare OPA with."""
    engine = RegopyEngine(workers=2)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def real_fixtures() -> Path:
    if not REAL_FIXTURES.is_dir():
        pytest.fail(f"{REAL_FIXTURES} is missing: CI checks out ../shared beside the repo")
    return REAL_FIXTURES


def facts_from_fixture(document: dict[str, Any], name: str) -> Facts:
    """A rule fixture (``{"context", "facts"}``) as :class:`Facts`."""
    context = document["context"]
    facts = []
    for raw in document["facts"]:
        properties = {
            k: v for k, v in raw.items() if k not in ("kind", "id", "region", "source", "ref")
        }
        facts.append(
            Fact(raw["kind"], raw["id"], raw.get("region"), raw.get("source", name), properties)
        )
    return Facts(
        source_description=name,
        context=AuditContext(
            allowed_regions=tuple(context["allowed_regions"]),
            meeting_types=context["meeting_types"],
            max_log_retention_days=context["max_log_retention_days"],
            stack=context.get("stack"),
        ),
        facts=tuple(facts),
    )


def load_fixture(path: Path) -> Facts:
    return facts_from_fixture(json.loads(path.read_text()), path.name)
