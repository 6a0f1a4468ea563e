"""An access log an auditor can trust (issue 11): every decision is in it, a torn tail is
repaired with a logged event, and `media-node audit-log verify` catches truncation and a
rewritten chain against the anchored heads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from infra.config import StackConfig
from media_node.access_log import AccessLog, verify_chain

from .call_helpers import Api, RunningNode, node_config, running_node

pytestmark = pytest.mark.integration

AGENT, CUSTOMER = "agent-log-01", "cust-log-01"


def _entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_decision_is_logged_and_authorization_comes_before_404(
    tmp_path: Path, dev_config: StackConfig
) -> None:
    import asyncio

    config = node_config(tmp_path / "node", dev_config, None)

    async def scenario() -> dict[str, Any]:
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            out: dict[str, Any] = {"node": node}
            anonymous = Api(http, node.url, "")
            customer = Api(http, node.url, node.token("customer", CUSTOMER))
            supervisor = Api(http, node.url, node.token("supervisor", "sup-log-01"))
            out["anon"] = (await anonymous.call("GET", "/v1/sessions/ses-unknown00000"))[0]
            out["create_403"] = (
                await customer.call(
                    "POST",
                    "/v1/sessions",
                    {"meeting_type": "customer-support", "participants": []},
                )
            )[0]
            out["session_404"] = (await supervisor.call("GET", "/v1/sessions/ses-unknown00000"))[0]
            out["customer_unknown_media"] = (
                await customer.call("GET", "/v1/recordings/rec-unknown00000/media")
            )[0]
            out["supervisor_unknown_media"] = (
                await supervisor.call("GET", "/v1/recordings/rec-unknown00000/media")
            )[0]
            return out

    out = asyncio.run(scenario())
    node: RunningNode = out["node"]
    assert out["anon"] == 401 and out["create_403"] == 403 and out["session_404"] == 404
    assert out["customer_unknown_media"] == 403, "a role that may never play learns nothing"
    assert out["supervisor_unknown_media"] == 404
    entries = _entries(node.node.config.state_dir / "access.log")
    decisions = [(e["actor"], e["action"], e["target"]) for e in entries]
    assert ("anonymous", "session.read.denied-401", "ses-unknown00000") in decisions, decisions
    assert (CUSTOMER, "session.create.denied-403", "") in decisions, decisions
    assert ("sup-log-01", "session.read.denied-404", "ses-unknown00000") in decisions
    assert (CUSTOMER, "media.denied", "rec-unknown00000") in decisions
    assert ("sup-log-01", "media.read.denied-404", "rec-unknown00000") in decisions
    assert verify_chain(node.node.config.state_dir / "access.log") == len(entries)


def test_a_torn_tail_is_repaired_with_a_logged_event(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    log = AccessLog(path)
    for action in ("media.read", "manifest.read"):
        log.record("sup-0001", "supervisor", action, "rec-00000001")
    with path.open("a") as handle:
        handle.write('{"action": "media.read", "actor": "sup-00')  # power cut mid-write
    repaired = AccessLog(path)
    repaired.record("sup-0001", "supervisor", "media.read", "rec-00000002")
    entries = _entries(path)
    assert [e["action"] for e in entries] == [
        "media.read",
        "manifest.read",
        "access-log.repaired",
        "media.read",
    ]
    assert "41 bytes" in entries[2]["target"]
    assert verify_chain(path) == 4


def _verify(log: Path, anchors: Path) -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).with_name("media-node")
    return subprocess.run(
        [str(binary), "audit-log", "verify", str(log), "--anchors", str(anchors)],
        capture_output=True,
        text=True,
    )


def test_audit_log_verify_catches_truncation_and_rewrite(tmp_path: Path) -> None:
    path, anchors = tmp_path / "access.log", tmp_path / "anchors" / "access.log.anchors"
    log = AccessLog(path, anchor_path=anchors)
    for index in range(5):
        log.record("sup-0001", "supervisor", "media.read", f"rec-0000000{index}")
    intact = _verify(path, anchors)
    assert intact.returncode == 0 and "5 entries" in intact.stdout, intact
    original = path.read_text()

    lines = original.splitlines()
    path.write_text("\n".join(lines[:3]) + "\n")  # the last two decisions removed
    truncated = _verify(path, anchors)
    assert truncated.returncode == 1 and "truncated" in truncated.stderr, truncated
    assert verify_chain(path) == 3, "the chain alone cannot tell"

    path.unlink()
    rewritten = AccessLog(path)  # an attacker rebuilds a clean chain without one entry
    for index in (0, 1, 3, 4):
        rewritten.record("sup-0001", "supervisor", "media.read", f"rec-0000000{index}")
    rewritten.record("sup-0001", "supervisor", "media.read", "rec-00000009")
    forged = _verify(path, anchors)
    assert forged.returncode == 1 and "anchor" in forged.stderr, forged
    assert forged.stderr.count("\n") == 1
