"""The session's real servers, shared by tests/ and features/ (registered once by the root
conftest.py): coturn with the project's rendered config, and moto's server. Each starts on
first use, once per session, and is stopped (terminated and reaped) at the session's end."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.servers import (
    RunningMotoServer,
    RunningTurnServer,
    running_coturn,
    running_moto_server,
    servers_started,
)


def _coturn(
    factory: pytest.TempPathFactory, directory: str, *, allow_loopback_peer: bool
) -> Iterator[RunningTurnServer]:
    with running_coturn(
        factory.mktemp(directory),
        secret=secrets.token_urlsafe(24),
        allow_loopback_peer=allow_loopback_peer,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTurnServer]:
    """The real coturn with the project's rendered config (test variant: loopback peer allowed)."""
    yield from _coturn(tmp_path_factory, "coturn", allow_loopback_peer=True)


@pytest.fixture(scope="session")
def coturn_production_peers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningTurnServer]:
    """coturn with the production peer rules: loopback and private peers denied."""
    yield from _coturn(tmp_path_factory, "coturn-prod", allow_loopback_peer=False)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[RunningMotoServer]:
    """moto's real server mode (KMS, S3 ...), started once per session."""
    with running_moto_server() as server:
        yield server


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line naming the real servers this session started and how often (one each, where
    the session shares them)."""
    started = servers_started()
    if started:
        listed = ", ".join(f"{name} x{count}" for name, count in sorted(started.items()))
        terminalreporter.write_line(f"real servers started: {listed}")
