"""Malformed input exits 2 with one line naming the file (and the JSON pointer), never a
traceback, a hang, or a report written through a planted symlink."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from audit.cli import main

ROOT = Path(__file__).resolve().parents[2]
BUCKET_URN = "urn:pulumi:dev::callvault::aws:s3/bucket:Bucket::rec"


def _state(*extra: dict[str, Any], bucket_outputs: Any = None) -> dict[str, Any]:
    bucket = {
        "urn": BUCKET_URN,
        "type": "aws:s3/bucket:Bucket",
        "custom": True,
        "id": "rec",
        "outputs": bucket_outputs if bucket_outputs is not None else {"bucket": "rec"},
    }
    return {"version": 3, "deployment": {"resources": [bucket, *extra]}}


def _attached(type_: str, name: str, **outputs: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:dev::callvault::{type_}::{name}",
        "type": type_,
        "custom": True,
        "id": name,
        "outputs": {"bucket": "rec", **outputs},
    }


def _run(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err.splitlines()


def _write(path: Path, text: str | bytes) -> Path:
    """``text`` (UTF-8) or ``bytes`` as they are, at ``path``."""
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _bad_state(tmp_path: Path, text: str | bytes) -> str:
    return str(_write(tmp_path / "stack.json", text))


CASES: dict[str, tuple[str, str]] = {
    "nested": (
        json.dumps(_state(bucket_outputs={"bucket": "rec", "x": "@@"})).replace(
            '"@@"', "[" * 50_000 + "]" * 50_000
        ),
        "#/deployment/resources/0/outputs/x/0/0",
    ),
    "big-int": (
        json.dumps(_state(bucket_outputs={"bucket": "rec", "n": "@@"})).replace('"@@"', "9" * 5000),
        "#/deployment/resources/0/outputs/n",
    ),
    "inputs-list": (
        json.dumps(_state({**_attached("aws:kms/key:Key", "k"), "inputs": ["enableKeyRotation"]})),
        "#/deployment/resources/1/inputs",
    ),
    "sse-string": (
        json.dumps(
            _state(
                _attached(
                    "aws:s3/bucketServerSideEncryptionConfiguration:"
                    "BucketServerSideEncryptionConfiguration",
                    "sse",
                    rules="aws:kms",
                )
            )
        ),
        "#/deployment/resources/0",
    ),
    "condition-string": (
        json.dumps(
            _state(
                _attached(
                    "aws:s3/bucketPolicy:BucketPolicy",
                    "policy",
                    policy=json.dumps(
                        {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": "*",
                                    "Action": "s3:GetObject",
                                    "Resource": "*",
                                    "Condition": "aws:SecureTransport",
                                }
                            ]
                        }
                    ),
                )
            )
        ),
        "#/deployment/resources/0",
    ),
    "lone-surrogate": (
        json.dumps(_state(bucket_outputs={"bucket": "rec", "tags": {"owner": "\ud800"}})),
        "#/deployment/resources/0/outputs/tags/owner",
    ),
    "no-resources": (
        json.dumps({"version": 3, "deployment": {"resources": []}}),
        "#/deployment/resources",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_state_exits_2_with_file_and_pointer(case, tmp_path, capsys) -> None:
    text, pointer = CASES[case]
    path = _bad_state(tmp_path, text)
    code, lines = _run(capsys, "state", path, "--out", str(tmp_path / "out"))
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"gdpr-audit: {path}") or lines[0].startswith(
        "gdpr-audit: stack.json"
    ), lines
    assert pointer in lines[0], lines
    assert not (tmp_path / "out").exists()


def _write_stack(tmp_path: Path, text: str | bytes) -> Path:
    return _write(tmp_path / "Pulumi.bad.yaml", text)


DEV = (ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8")
BOMB = (
    "config:\n  aws:a: &a [x,x,x,x,x,x,x,x,x]\n"
    + "".join(
        f"  aws:{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8)
    )
    + "  callvault:logRetentionDays: *i\n"
)

STACK_CASES: dict[str, tuple[str | bytes, str]] = {
    "non-utf8": (DEV.encode() + b"\n# caf\xe9\n", "not UTF-8"),
    "duplicate-key": (DEV + "  callvault:logRetentionDays: 9999\n", "duplicate key"),
    "alias-bomb": (BOMB, "alias"),
}


@pytest.mark.parametrize("case", sorted(STACK_CASES))
@pytest.mark.parametrize("command", ["plan", "state"])
def test_malformed_stack_file_exits_2(case, command, tmp_path, capsys) -> None:
    text, words = STACK_CASES[case]
    stack = _write_stack(tmp_path, text)
    if command == "plan":
        argv = ["plan", "--config-file", str(stack)]
    else:
        argv = ["state", _bad_state(tmp_path, json.dumps(_state())), "--stack-config", str(stack)]
    started = time.monotonic()
    code, lines = _run(capsys, *argv)
    assert time.monotonic() - started < 20, "the loader must not hang"
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert str(stack) in lines[0] and words in lines[0], lines
    assert len(lines[0]) < 400, lines


def test_infra_config_error_message_is_bounded(tmp_path) -> None:
    """A huge (but alias-free) value in an error message is shortened, not printed whole."""
    from infra.config import ConfigError, load_stack_file

    huge = "[" + ",".join(["[1,2,3,4,5,6,7,8,9]"] * 5_000) + "]"
    stack = _write_stack(
        tmp_path, DEV.replace("logRetentionDays: 365", f"logRetentionDays: {huge}")
    )
    with pytest.raises(ConfigError) as error:
        load_stack_file(stack)
    assert "logRetentionDays" in str(error.value)
    assert len(str(error.value)) < 400


@pytest.mark.parametrize("kind", ["waivers", "attestations"])
def test_duplicate_yaml_keys_in_waivers_and_attestations_are_refused(
    kind, tmp_path, capsys
) -> None:
    if kind == "waivers":
        text = (
            "waivers:\n  - rule: CV-RSL-001\n    resource: 'scratch-*'\n"
            "    justification: scratch\n    approver: ciso@example.eu\n"
            "    expires: 2020-01-01\n    expires: 2099-01-01\n"
        )
    else:
        text = (
            "attestations:\n  - control: A.5.23\n    attested_by: CISO\n"
            "    attested_on: 2026-01-01\n    evidence: DMS-1\n"
            "    valid_until: 2020-01-01\n    valid_until: 2099-01-01\n"
        )
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text)
    state = _bad_state(tmp_path, json.dumps(_state()))
    code, lines = _run(capsys, "state", state, f"--{kind}", str(path))
    assert code == 2, lines
    assert len(lines) == 1 and str(path) in lines[0] and "duplicate key" in lines[0], lines


@pytest.mark.parametrize("planted", ["dir", "file"])
def test_out_refuses_symlinks(planted, tmp_path, capsys) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    out = tmp_path / "out"
    if planted == "dir":
        out.symlink_to(victim, target_is_directory=True)
    else:
        out.mkdir()
        (out / "report.html").symlink_to(victim / "keep.txt")
    state = _bad_state(tmp_path, json.dumps(_state()))
    code, lines = _run(capsys, "state", state, "--out", str(out))
    assert code == 2, lines
    assert len(lines) == 1 and "symlink" in lines[0], lines
    assert (victim / "keep.txt").read_text() == "precious"
    assert sorted(os.listdir(victim)) == ["keep.txt"]


def test_out_writes_reports_into_a_fresh_directory(tmp_path, capsys) -> None:
    out = tmp_path / "reports" / "today"
    state = _bad_state(tmp_path, json.dumps(_state()))
    code, _ = _run(capsys, "state", state, "--out", str(out), "--fail-on", "none")
    assert code == 0
    assert sorted(os.listdir(out)) == sorted(
        ["report.json", "report.html", "report.md", "report.sarif", "junit.xml"]
    )
    shutil.rmtree(out)


def test_a_closed_stdout_pipe_is_not_a_traceback(tmp_path) -> None:
    # `gdpr-audit plan ... | head -3` closes the pipe while the summary is still printed.
    import subprocess
    import sys

    result = subprocess.run(
        f"{sys.executable} -m audit.cli controls | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
