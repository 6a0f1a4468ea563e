"""Evidence bundles built once per session by the real CLI: the dev stack at two declared
times, and a misconfigured stack export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from audit.cli import main
from infra.config import load_stack_file
from infra.synth import synthesize

REPO = Path(__file__).resolve().parents[2]
T1, T2 = "2026-11-23T22:00:00Z", "2026-12-01T08:30:00Z"


def _evidence(
    out: Path, key: Path, *extra: str, time: str = T1
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audit.cli", "evidence", "--stack", "dev", "--out", str(out)]
        + ["--key", str(key), "--time", time, *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "evidence.key"
    assert main(["keygen", str(path)]) == 0
    return path


@pytest.fixture(scope="session")
def dev_bundles(tmp_path_factory: pytest.TempPathFactory, key: Path) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("dev")
    first, second = base / "first", base / "second"
    for out, time in ((first, T1), (second, T2)):
        result = _evidence(out, key, time=time)
        assert result.returncode == 0, result.stdout + result.stderr
    return first, second


def _misconfigured_state(path: Path) -> Path:
    """The dev stack as a stack export, with the access-log bucket in us-east-1 and the
    recording bucket's lifecycle rule for customer-support removed."""
    resources = []
    for r in synthesize(load_stack_file(REPO / "Pulumi.dev.yaml")):
        # default=str: a Pulumi asset (FileAsset) is not JSON; a string stands in for it here.
        inputs: dict[str, Any] = json.loads(json.dumps(r.inputs, default=str))
        if r.name == "callvault-dev-access-logs":
            inputs["region"] = "us-east-1"
        if r.name == "callvault-dev-recordings-lifecycle":
            inputs["rules"] = [x for x in inputs["rules"] if "customer-support" not in x["id"]]
        resources.append(
            {
                "urn": r.urn,
                "type": r.type,
                "id": r.id,
                "custom": r.custom,
                "inputs": inputs,
                "outputs": {**r.outputs, **inputs},
            }  # fmt: skip
        )
    document = {"version": 3, "deployment": {"resources": resources}}
    path.write_text(json.dumps(document, default=str))
    return path


@pytest.fixture(scope="session")
def bad_bundle(tmp_path_factory: pytest.TempPathFactory, key: Path) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("bad")
    state = _misconfigured_state(base / "stack.json")
    result = _evidence(base / "bundle", key, "--state", str(state))
    return base / "bundle", result.stdout + result.stderr + f"\nexit {result.returncode}"
