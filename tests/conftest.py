"""Session-wide fixtures: the synthesized dev stack (Pulumi mocks), real servers elsewhere."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.config import StackConfig, load_stack_file
from infra.synth import DeclaredResource, synthesize
from tests.servers import (
    RunningMotoServer,
    RunningTurnServer,
    running_coturn,
    running_moto_server,
)

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


@pytest.fixture(scope="session")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTurnServer]:
    """The real coturn with the project's rendered config (test variant: loopback peer allowed)."""
    with running_coturn(
        tmp_path_factory.mktemp("coturn"),
        secret=secrets.token_urlsafe(24),
        allow_loopback_peer=True,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def coturn_production_peers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningTurnServer]:
    """coturn with the production peer rules: loopback and private peers denied."""
    with running_coturn(
        tmp_path_factory.mktemp("coturn-prod"),
        secret=secrets.token_urlsafe(24),
        allow_loopback_peer=False,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def moto_server() -> Iterator[RunningMotoServer]:
    """moto's real server mode (KMS, S3 ...), started once per session."""
    with running_moto_server() as server:
        yield server
