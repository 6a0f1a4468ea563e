"""The wheel the nodes install holds the whole media node: every module of every subpackage
(media_node.vault, media_node.rights) and the UI assets, as the checkout has them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from infra.node_wheel import REPO_ROOT, build_wheel, node_wheel


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


def test_a_module_left_in_an_old_build_directory_never_ships(tmp_path: Path) -> None:
    """setuptools packs whatever sits in an in-tree build/lib: a checkout that built a wheel
    before media_node/envelope.py moved to media_node/vault/ would ship both, stale beside new."""
    checkout = tmp_path / "checkout"
    for name in ("pyproject.toml", "README.md"):
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_bytes((REPO_ROOT / name).read_bytes())
    for top in ("infra", "media_node", "audit", "policies"):
        for path in (REPO_ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                target = checkout / path.relative_to(REPO_ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    stale = checkout / "build" / "lib" / "media_node" / "envelope.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("# the module before it moved\n")
    wheel = build_wheel(checkout, tmp_path / "wheels")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "media_node/vault/envelope.py" in names
    assert "media_node/envelope.py" not in names, "a stale build/lib module shipped"
    assert stale.exists(), "the checkout's own files are left alone"
