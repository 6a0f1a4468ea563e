"""Wall time to synthesize the dev stack under Pulumi's mocks (target: under 5 s).

    .venv/bin/python bench/synth.py [--runs 5]

Measures the whole command as DevOps and CI run it (`python -m infra.synth --stack dev`,
interpreter start-up included) and, separately, the synthesis alone inside one process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    command = [sys.executable, "-m", "infra.synth", "--stack", "dev"]
    walls = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)

    from infra.config import load_stack_file
    from infra.synth import synthesize

    config = load_stack_file(ROOT / "Pulumi.dev.yaml")
    synthesize(config)  # warm imports
    inner = []
    for _ in range(args.runs):
        start = time.perf_counter()
        resources = synthesize(config)
        inner.append(time.perf_counter() - start)

    print(f"synth dev stack: {len(resources)} resources")
    print(
        f"  command wall time  median {statistics.median(walls):.2f} s "
        f"(min {min(walls):.2f}, max {max(walls):.2f}, {args.runs} runs)"
    )
    print(f"  in-process         median {statistics.median(inner):.3f} s")
    print(f"  target < 5 s: {'met' if statistics.median(walls) < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
