"""The `pulumi up` entry point reads config through pulumi.Config, as the CLI provides it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def run_entrypoint(config: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    env["PULUMI_CONFIG"] = json.dumps(
        {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in config.items()
        }
    )
    env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(["callvault:turnSharedSecret"])
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "infra" / "pulumi_entrypoint.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def dev_config() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    config = dict(document["config"])
    config["callvault:turnSharedSecret"] = "entrypoint-test-secret-value"
    return config


def test_pulumi_up_entrypoint_declares_the_stack_from_cli_config() -> None:
    outcome = run_entrypoint(dev_config())
    assert "error" not in outcome, outcome
    assert {
        "callvault:index:RecordingBucket",
        "aws:cloudtrail/trail:Trail",
        "aws:autoscaling/group:Group",
    } <= set(outcome["types"])


def test_pulumi_up_entrypoint_refuses_invalid_config_before_declaring() -> None:
    config = dev_config()
    config["aws:region"] = "us-east-1"
    outcome = run_entrypoint(config)
    assert "invalid stack config: aws:region" in outcome["error"]


def test_pulumi_up_entrypoint_requires_the_turn_secret() -> None:
    config = dev_config()
    del config["callvault:turnSharedSecret"]
    outcome = run_entrypoint(config)
    assert "turnSharedSecret" in outcome["error"]
