"""The wheel the nodes install holds the whole media node: every module of every subpackage
(media_node.vault, media_node.rights) and the UI assets, as the checkout has them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from infra.node_wheel import REPO_ROOT, node_wheel


def _shipped(root: Path) -> set[str]:
    return {
        str(path.relative_to(REPO_ROOT))
        for path in root.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix in {".py", ".html", ".js", ".css"}
    }


def test_the_node_wheel_holds_every_media_node_module_and_asset() -> None:
    expected = _shipped(REPO_ROOT / "media_node")
    assert {
        "media_node/vault/__init__.py",
        "media_node/vault/envelope.py",
        "media_node/vault/cli.py",
        "media_node/rights/erase.py",
        "media_node/ui/join.html",
    } <= expected
    with zipfile.ZipFile(node_wheel()) as wheel:
        names = set(wheel.namelist())
        for name in sorted(expected & names):
            assert wheel.read(name) == (REPO_ROOT / name).read_bytes(), f"{name} is stale"
    missing = sorted(expected - names)
    assert not missing, f"the node wheel lacks {missing}"
