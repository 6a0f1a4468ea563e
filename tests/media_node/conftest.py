"""A node configuration per test: with a local key and store in the test's own directory, and
ICE either direct (no TURN) or relay-only through the session's coturn."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import StackConfig
from media_node.node_config import NodeConfig
from tests.servers import RunningTurnServer

from .call_helpers import node_config


@pytest.fixture
def local_node_config(tmp_path: Path, dev_config: StackConfig) -> NodeConfig:
    """The dev stack, no TURN: the participants connect directly over loopback."""
    return node_config(tmp_path / "node", dev_config, None)


@pytest.fixture
def relay_node_config(
    tmp_path: Path, dev_config: StackConfig, coturn: RunningTurnServer
) -> NodeConfig:
    """The dev stack, relay-only ICE through the session's coturn."""
    return node_config(tmp_path / "node", dev_config, coturn)
