"""The wheel of this project that `pulumi up` uploads for the media nodes.

``CALLVAULT_NODE_WHEEL`` names a wheel built elsewhere (CI); otherwise the program builds one
from a clean copy of this checkout's sources into ``build/node-wheel/<digest of the sources>/``
(reused while the sources are unchanged; ``pip wheel --no-deps``, the build backend setuptools
from the index as pyproject's build-system pins it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

__all__ = ["REPO_ROOT", "build_wheel", "node_wheel"]

REPO_ROOT = Path(__file__).resolve().parent.parent


_SOURCES = ("infra", "media_node", "audit", "policies")


def _source_digest() -> str:
    """Digest of what goes into the wheel: the same sources reuse the wheel built for them."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "README.md"):  # README.md is the wheel's long description
        digest.update((REPO_ROOT / name).read_bytes())
    for top in _SOURCES:
        for path in sorted((REPO_ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def node_wheel() -> Path:
    given = os.environ.get("CALLVAULT_NODE_WHEEL")
    if given:
        path = Path(given)
        if not path.is_file() or path.suffix != ".whl":
            raise ValueError(f"CALLVAULT_NODE_WHEEL={given} is not a wheel file")
        return path
    out = REPO_ROOT / "build" / "node-wheel" / _source_digest()
    cached = sorted(out.glob("callvault-*.whl"))
    if cached:
        return cached[0]
    building = out.with_name(f"{out.name}.{os.getpid()}.partial")
    build_wheel(REPO_ROOT, building)
    try:
        building.rename(out)  # whole or not at all: a concurrent build's result is kept
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
    (wheel,) = out.glob("callvault-*.whl")
    return wheel


def build_wheel(source: Path, wheel_dir: Path) -> Path:
    """``pip wheel --no-deps`` of a clean copy of the project at ``source`` into ``wheel_dir``.

    A copy of exactly the files the digest covers, never the checkout itself: setuptools packs
    whatever sits in an in-tree ``build/lib``, so a module moved or deleted since a checkout's
    last build would otherwise ship on beside its replacement."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="callvault-wheel-") as temp:
        clean = Path(temp) / "callvault"
        clean.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copyfile(source / name, clean / name)
        for top in _SOURCES:
            shutil.copytree(source / top, clean / top, ignore=shutil.ignore_patterns("__pycache__"))
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
                str(wheel_dir),
                str(clean),
            ],
            check=True,
            capture_output=True,
            # Reproducible: zip timestamps fixed, so the same checkout gives the same sha256.
            env={**os.environ, "SOURCE_DATE_EPOCH": "315532800"},
        )
    (wheel,) = wheel_dir.glob("callvault-*.whl")
    return wheel
