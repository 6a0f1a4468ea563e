"""The token secret: at least 32 bytes, from a 0600 file or the environment, created atomically;
anything else stops the node with one line (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from media_node.auth import TokenError, issue_token, verify_token
from media_node.node_config import NodeConfigError, load_node_config

STRONG = "k" * 40


def _config(tmp_path: Path, repo_root: Path, extra: str = "") -> Path:
    path = tmp_path / "node.yaml"
    path.write_text(
        f"state_dir: {tmp_path / 'state'}\nstack_file: {repo_root / 'Pulumi.dev.yaml'}\n{extra}"
    )
    return path


def _secret_file(tmp_path: Path, content: str, mode: int = 0o600) -> Path:
    path = tmp_path / "token.secret"
    path.write_text(content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        ("", 0o600, "at least 32 bytes"),
        ("\n", 0o600, "at least 32 bytes"),
        ("short-secret", 0o600, "at least 32 bytes"),
        (STRONG, 0o644, "readable by group or others"),
    ],
)
def test_a_weak_or_exposed_token_secret_file_stops_the_node(
    tmp_path: Path, repo_root: Path, content: str, mode: int, message: str
) -> None:
    secret = _secret_file(tmp_path, content, mode)
    config = _config(tmp_path, repo_root, f"token_secret: {{file: {secret}}}\n")
    with pytest.raises(NodeConfigError, match=message) as caught:
        load_node_config(config)
    assert "\n" not in str(caught.value)


def test_a_strong_0600_secret_file_is_used(tmp_path: Path, repo_root: Path) -> None:
    secret = _secret_file(tmp_path, STRONG + "\n")
    config = load_node_config(_config(tmp_path, repo_root, f"token_secret: {{file: {secret}}}\n"))
    assert config.token_secret == STRONG.encode()


def test_a_short_secret_from_the_environment_stops_the_node(
    tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CV_TEST_TOKEN_SECRET", "too-short")
    config = _config(tmp_path, repo_root, "token_secret: {env: CV_TEST_TOKEN_SECRET}\n")
    with pytest.raises(NodeConfigError, match="at least 32 bytes"):
        load_node_config(config)
    monkeypatch.setenv("CV_TEST_TOKEN_SECRET", STRONG)
    assert load_node_config(config).token_secret == STRONG.encode()


def test_an_empty_generated_secret_left_by_a_crash_stops_the_node(
    tmp_path: Path, repo_root: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "token.secret").touch(mode=0o600)  # created, crashed before the write
    with pytest.raises(NodeConfigError, match="at least 32 bytes"):
        load_node_config(_config(tmp_path, repo_root))


def test_the_generated_secret_is_strong_private_and_written_whole(
    tmp_path: Path, repo_root: Path
) -> None:
    config = load_node_config(_config(tmp_path, repo_root))
    path = tmp_path / "state" / "token.secret"
    assert len(config.token_secret) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["token.secret"]  # no temp file
    assert load_node_config(_config(tmp_path, repo_root)).token_secret == config.token_secret


def test_tokens_refuse_an_empty_or_short_key() -> None:
    with pytest.raises(TokenError, match="32 bytes"):
        issue_token(b"", "agent", "agent-0001")
    forged = issue_token(b"s" * 32, "agent", "agent-0001")
    with pytest.raises(TokenError, match="32 bytes"):
        verify_token(b"", forged)


def test_token_without_config_writes_no_secret_into_the_working_directory(
    tmp_path: Path,
) -> None:
    binary = Path(sys.executable).with_name("media-node")
    result = subprocess.run(
        [str(binary), "token", "--role", "agent", "--subject", "agent-0001"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "CALLVAULT_TOKEN_SECRET": ""},
    )
    assert result.returncode == 2, result
    assert "media-node serve" in result.stderr and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == [], "a secret was written into the working directory"


def test_the_state_directory_is_ignored_by_git(repo_root: Path) -> None:
    ignored = (repo_root / ".gitignore").read_text().splitlines()
    assert ".callvault-node/" in ignored
