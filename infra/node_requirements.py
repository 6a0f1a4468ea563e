"""The media node's dependencies pinned by hash (infra/data/node-requirements.txt).

``python -m infra.node_requirements`` regenerates the file: it downloads the wheels of
callvault[node]'s dependency closure for CPython 3.11 on manylinux x86_64 at the versions in
.ci/constraints.txt and writes one ``name==version --hash=sha256:...`` entry per wheel.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["NODE_REQUIREMENTS", "load_node_requirements", "render_requirements"]

NODE_REQUIREMENTS = Path(__file__).resolve().parent / "data" / "node-requirements.txt"
_ROOTS = ("aiortc", "aioice", "aiohttp", "boto3", "cryptography", "pyyaml")
_HEADER = """\
# The media node's runtime dependencies (callvault[node]) for CPython 3.11 on manylinux x86_64,
# each pinned to the version in .ci/constraints.txt and to its wheel's sha256. cloud-init installs
# them with `pip install --require-hashes --only-binary=:all:` next to the project's own wheel.
# Regenerate with: python -m infra.node_requirements (downloads the wheels, writes this file).
"""


def load_node_requirements() -> str:
    return NODE_REQUIREMENTS.read_text()


def render_requirements(wheels: list[tuple[str, str, str]]) -> str:
    """(name, version, sha256) per wheel -> the requirements file. Pure."""
    entries = [
        f"{name}=={version} \\\n    --hash=sha256:{sha}" for name, version, sha in sorted(wheels)
    ]
    return _HEADER + "\n".join(entries) + "\n"


def main() -> None:
    repo = NODE_REQUIREMENTS.parent.parent.parent
    with tempfile.TemporaryDirectory() as directory:
        subprocess.run(  # noqa: S603 - this interpreter's pip, fixed arguments
            [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:"]
            + ["--python-version", "3.11", "--implementation", "cp"]
            + ["--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64"]
            + ["--platform", "manylinux_2_17_x86_64", "--dest", directory]
            + ["-c", str(repo / ".ci" / "constraints.txt"), *_ROOTS],
            check=True,
        )
        wheels = []
        for wheel in Path(directory).glob("*.whl"):
            name, version = wheel.name.split("-")[:2]
            sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
            wheels.append((name.replace("_", "-").lower(), version, sha))
    NODE_REQUIREMENTS.write_text(render_requirements(wheels))
    print(f"wrote {NODE_REQUIREMENTS} ({len(wheels)} wheels)")


if __name__ == "__main__":
    main()
