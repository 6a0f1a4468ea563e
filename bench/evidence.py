"""Wall time of the whole ``gdpr-audit evidence --stack dev --runtime`` (issue target: < 3 min
on 2 cores), plus the same without runtime scenarios, each a fresh process."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(out: Path, key: Path, *extra: str) -> float:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "audit.cli", "evidence", "--stack", "dev", "--key", str(key)]
        + ["--out", str(out), *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - start
    if result.returncode not in (0, 1):
        sys.exit(f"evidence failed ({result.returncode}): {result.stderr[-2000:]}")
    print(result.stdout.strip().splitlines()[1])
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "bench.key"
        subprocess.run(
            [sys.executable, "-m", "audit.cli", "keygen", str(key)], cwd=REPO, check=True
        )
        config_only = run(Path(tmp) / "config", key)
        runtime = run(Path(tmp) / "runtime", key, "--runtime")
    print(f"gdpr-audit evidence --stack dev:           {config_only:6.1f} s")
    print(f"gdpr-audit evidence --stack dev --runtime: {runtime:6.1f} s (target < 180 s)")


if __name__ == "__main__":
    main()
