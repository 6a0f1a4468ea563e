"""`media-node serve` and `media-node token` as an operator runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.servers import free_port, stop_process

pytestmark = pytest.mark.integration


def _request(url: str, token: str | None = None, body: object = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_on_embedded_defaults_and_tokens_from_the_cli(
    tmp_path: Path, repo_root: Path
) -> None:
    config = tmp_path / "node.yaml"
    config.write_text(
        f"state_dir: {tmp_path / 'state'}\nstack_file: {repo_root / 'Pulumi.dev.yaml'}\n"
    )
    port = free_port()
    binary = Path(sys.executable).with_name("media-node")
    process = subprocess.Popen(
        [str(binary), "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, health = _request(f"http://127.0.0.1:{port}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(
                        f"media-node did not start: {process.stdout and process.stdout.read()}"
                    ) from None
                time.sleep(0.2)
        assert status == 200 and health["status"] == "ok"
        token = subprocess.run(
            [
                str(binary),
                "token",
                "--role",
                "agent",
                "--subject",
                "agent-cli-01",
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status, created = _request(
            f"http://127.0.0.1:{port}/v1/sessions",
            token,
            {
                "meeting_type": "customer-support",
                "participants": [{"id": "agent-cli-01", "role": "agent"}],
            },
        )
        assert status == 201 and created["recording"]["policy"] == "optional"
        assert (tmp_path / "state" / "vault.key").stat().st_mode & 0o077 == 0
        assert (tmp_path / "state" / "token.secret").stat().st_mode & 0o077 == 0
        bad = subprocess.run(
            [
                str(binary),
                "token",
                "--role",
                "agent",
                "--subject",
                "jane@example.com",
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
        )
        assert bad.returncode == 2 and "pseudonymous" in bad.stderr and bad.stderr.count("\n") == 1
    finally:
        stop_process(process)
    output = process.stdout.read() if process.stdout else ""
    assert "customer-support (optional, audio)" in output
    assert "development only" in output, "the node warns that ICE is not relay-only"


def test_serve_refuses_a_bad_config_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "node.yaml"
    config.write_text("ice: {transport_policy: relay}\n")
    binary = Path(sys.executable).with_name("media-node")
    result = subprocess.run(
        [str(binary), "serve", "--config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "needs ice.turn_urls" in result.stderr and result.stderr.count("\n") == 1
