"""TLS for the node's API: tokens never cross plain HTTP beyond loopback (issue 11)."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from media_node.tls import plain_http_refusal, write_self_signed
from tests.servers import free_port, stop_process, write_self_signed_cert

pytestmark = pytest.mark.integration

BINARY = Path(sys.executable).with_name("media-node")


def _config(tmp_path: Path, repo_root: Path, extra: str = "") -> Path:
    path = tmp_path / "node.yaml"
    path.write_text(
        f"state_dir: {tmp_path / 'state'}\nstack_file: {repo_root / 'Pulumi.dev.yaml'}\n{extra}"
    )
    return path


def test_plain_http_is_refused_beyond_loopback() -> None:
    assert plain_http_refusal("127.0.0.1", tls=False, behind_terminator=False) is None
    assert plain_http_refusal("::1", tls=False, behind_terminator=False) is None
    assert plain_http_refusal("0.0.0.0", tls=True, behind_terminator=False) is None
    assert plain_http_refusal("10.0.0.5", tls=False, behind_terminator=True) is None
    refusal = plain_http_refusal("0.0.0.0", tls=False, behind_terminator=False)
    assert refusal and "--behind-tls-terminator" in refusal


def test_serve_refuses_a_public_listen_address_without_tls(tmp_path: Path, repo_root: Path) -> None:
    config = _config(tmp_path, repo_root)
    try:
        result = subprocess.run(
            [
                str(BINARY),
                "serve",
                "--config",
                str(config),
                "--host",
                "0.0.0.0",
                "--port",
                str(free_port()),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("serve started on 0.0.0.0 over plain HTTP") from None
    assert result.returncode == 2, result
    assert "plain HTTP" in result.stderr and result.stderr.count("\n") == 1


def test_serve_with_a_certificate_speaks_tls_only(tmp_path: Path, repo_root: Path) -> None:
    cert, key = write_self_signed_cert(tmp_path)
    port = free_port()
    config = _config(tmp_path, repo_root, f"tls: {{cert_file: {cert}, key_file: {key}}}\n")
    process = subprocess.Popen(
        [str(BINARY), "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"https://127.0.0.1:{port}/healthz", context=context, timeout=5
                ) as response:
                    assert json.loads(response.read())["status"] == "ok"
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("the node did not serve TLS") from None
                time.sleep(0.2)
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        stop_process(process)


def test_a_world_readable_tls_key_stops_serve(tmp_path: Path, repo_root: Path) -> None:
    cert, key = write_self_signed_cert(tmp_path)
    key.chmod(0o644)
    config = _config(tmp_path, repo_root, f"tls: {{cert_file: {cert}, key_file: {key}}}\n")
    result = subprocess.run(
        [str(BINARY), "serve", "--config", str(config), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "chmod 600" in result.stderr, result


def test_the_boot_certificate_is_private_and_kept(tmp_path: Path) -> None:
    cert, key = write_self_signed(tmp_path / "tls", "node-1.internal")
    assert key.stat().st_mode & 0o777 == 0o600
    before = cert.read_bytes()
    assert write_self_signed(tmp_path / "tls", "node-1.internal")[0].read_bytes() == before
