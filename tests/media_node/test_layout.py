"""The media node's package layout: no import cycles between its modules, and the vault
(format, keys, stores, manifests, the vault CLI) depends on nothing of the call service.

The graph is read with ``ast`` from the sources, so it counts every import: module level,
inside functions (lazy) and under ``if TYPE_CHECKING:`` alike. A type-only or lazy import is
still a dependency a reader has to follow, and the cycle it closes is the one that was broken.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "media_node"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    # A module's relative imports are relative to its package; a package's to itself.
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the media_node modules it imports (submodules named in ``from x import y``
    count when ``x.y`` is a module)."""
    sources = {_module_name(root, p): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in sources.items():
        targets: set[str] = set()
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(name, path.name == "__init__.py", node)
                targets.add(module)
                targets.update(f"{module}.{alias.name}" for alias in node.names)
        graph[name] = {t for t in targets if t in sources and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_media_node_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "media_node.session" in graph and "media_node.node" in graph
    assert "media_node.session" in graph["media_node.node"], "the node holds the sessions"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_check_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    """The check itself can fail: the shape of the old node <-> session cycle is found."""
    package = tmp_path / "media_node"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "node.py").write_text("from .session import Session\n")
    (package / "session.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .node import Node\n"
    )
    (package / "config.py").write_text("def f():\n    from . import node\n")
    graph = import_graph(package)
    assert graph["media_node.config"] == {"media_node", "media_node.node"}
    assert find_cycle(graph) == ["media_node.node", "media_node.session", "media_node.node"]


def test_the_vault_depends_on_nothing_of_the_call_service() -> None:
    graph = import_graph()
    vault = {m for m in graph if m.startswith("media_node.vault")}
    assert {
        "media_node.vault.envelope",
        "media_node.vault.keys",
        "media_node.vault.store",
        "media_node.vault.manifest",
        "media_node.vault.cli",
    } <= vault
    for module in sorted(vault):
        outside = sorted(t for t in graph[module] if not t.startswith("media_node.vault"))
        assert not outside, f"{module} imports {outside}"
