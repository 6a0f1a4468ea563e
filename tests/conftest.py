"""Session-wide fixtures: the synthesized dev stack (Pulumi mocks). The real servers (coturn,
moto) are tests/server_fixtures.py, shared with features/ through the root conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import StackConfig, load_stack_file
from infra.synth import DeclaredResource, synthesize

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def dev_config() -> StackConfig:
    return load_stack_file(REPO_ROOT / "Pulumi.dev.yaml")


@pytest.fixture(scope="session")
def dev_resources(dev_config: StackConfig) -> list[DeclaredResource]:
    return synthesize(dev_config)
