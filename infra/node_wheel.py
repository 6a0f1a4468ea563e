"""The wheel of this project that `pulumi up` uploads for the media nodes.

``CALLVAULT_NODE_WHEEL`` names a wheel built elsewhere (CI); otherwise the program builds one
from this checkout into ``build/node-wheel/`` (``pip wheel --no-deps``; the build backend
setuptools comes from the index, pinned by pyproject's build-system), once per run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

__all__ = ["REPO_ROOT", "node_wheel"]

REPO_ROOT = Path(__file__).resolve().parent.parent


@cache
def node_wheel() -> Path:
    given = os.environ.get("CALLVAULT_NODE_WHEEL")
    if given:
        path = Path(given)
        if not path.is_file() or path.suffix != ".whl":
            raise ValueError(f"CALLVAULT_NODE_WHEEL={given} is not a wheel file")
        return path
    out = REPO_ROOT / "build" / "node-wheel"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.whl"):
        old.unlink()
    subprocess.run(  # noqa: S603 - this interpreter's pip, fixed arguments
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(out),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
        # Reproducible: zip timestamps fixed, so the same checkout gives the same sha256.
        env={**os.environ, "SOURCE_DATE_EPOCH": "315532800"},
    )
    (wheel,) = out.glob("callvault-*.whl")
    return wheel
