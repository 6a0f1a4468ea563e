"""Strict, bounded loading of the JSON and YAML files people and tools hand us.

What the standard loaders let through, and these refuse with a one-line
:class:`UnsafeDocumentError` (``.pointer`` is the JSON pointer of the offending value, ``""``
for the whole document):

* bytes that are not UTF-8, and strings holding lone surrogates (``"\\ud800"``), which no
  encoder downstream can write;
* JSON nested deeper than :data:`MAX_DEPTH`, integers longer than :data:`MAX_INT_DIGITS`
  digits, and ``NaN``/``Infinity`` (not JSON);
* YAML mappings with a duplicate key (the later value would silently win: a waiver with two
  ``expires:`` keys), and alias graphs that expand to more than :data:`MAX_YAML_NODES` nodes
  (a 2.7 KB "billion laughs" document would otherwise hang whatever walks or prints it).

Pure functions on text; callers add the file name to the message.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_YAML_NODES",
    "UnsafeDocumentError",
    "decode_utf8",
    "load_json",
    "load_yaml",
    "pointer_token",
]

MAX_DEPTH = 200
"""Deepest nesting accepted (Pulumi state is ~10 levels deep)."""
MAX_INT_DIGITS = 100
"""Longest integer literal accepted (ports, days and sizes need far fewer)."""
MAX_YAML_NODES = 100_000
"""Most YAML nodes a document may expand to once aliases are followed."""


class UnsafeDocumentError(ValueError):
    """A document the loaders refuse; ``str()`` is one line."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"#{pointer}: {message}" if pointer else message)
        self.pointer = pointer
        self.reason = message

    def located(self, file: object) -> str:
        """``<file>#<pointer>: <reason>`` (or ``<file>: <reason>`` for the whole document)."""
        return f"{file}#{self.pointer}: {self.reason}" if self.pointer else f"{file}: {self.reason}"


def pointer_token(key: object) -> str:
    """One RFC 6901 reference token."""
    return str(key).replace("~", "~0").replace("/", "~1")


def decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnsafeDocumentError(
            "", f"not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


class _Refused:
    """A value the JSON parser saw but we refuse, kept so the walk can name its pointer."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _parse_int(text: str) -> int | _Refused:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        return _Refused(f"integer of {len(digits)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _parse_constant(name: str) -> _Refused:
    return _Refused(f"{name} is not JSON")


_Path = tuple[Any, Any] | None
"""Where a value sits: ``(parent path, key or index)``, built as the walk goes; the JSON
pointer is spelled out only for an offender (formatting one per value cost more than the walk)."""


def _pointer(path: _Path) -> str:
    tokens: list[str] = []
    while path is not None:
        path, key = path
        tokens.append(pointer_token(key))
    return "".join(f"/{t}" for t in reversed(tokens))


def _check_tree(document: Any, *, strings: bool = True) -> None:
    """Depth, refused values and (when ``strings``) lone surrogates, with the pointer of the
    first offender."""
    stack: list[tuple[Any, _Path, int]] = [(document, None, 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeDocumentError(_pointer(path), f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, _Refused):
            raise UnsafeDocumentError(_pointer(path), value.reason)
        if isinstance(value, str):
            if strings:
                _check_text(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                if strings:
                    _check_text(str(key), path, key=True)
                stack.append((item, (path, key), depth + 1))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                stack.append((item, (path, index), depth + 1))


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _may_hold_surrogates(text: str) -> bool:
    """A lone surrogate can only come from the text itself or a ``\\uD800``-``\\uDFFF``
    escape; one scan of the whole text spares checking every string of a large document."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return _SURROGATE_ESCAPE.search(text) is not None


def _check_text(text: str, path: _Path, *, key: bool = False) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        what = "key" if key else "string"
        raise UnsafeDocumentError(
            _pointer(path), f"{what} holds a lone surrogate (\\u{ord(text[error.start]):04x})"
        ) from None


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"\s*:|"(?:[^"\\]|\\.)*"|[\[\]{},]')


def _deep_pointer(text: str) -> str:
    """The pointer where ``text`` first nests deeper than :data:`MAX_DEPTH` (for documents the
    parser itself cannot hold)."""
    stack: list[list[Any]] = []
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            if len(stack) >= MAX_DEPTH:
                break
            stack.append([token, 0 if token == "[" else ""])
        elif token in "]}":
            if stack:
                stack.pop()
        elif token == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
        elif token.endswith(":") and stack:
            stack[-1][1] = json.loads(token[:-1].rstrip())
    return "".join(f"/{pointer_token(key)}" for _, key in stack)


def load_json(text: str) -> Any:
    """``json.loads`` that refuses what :mod:`infra.safe_load` lists (raises
    :class:`UnsafeDocumentError`; plain ``json.JSONDecodeError`` for invalid syntax)."""
    try:
        document = json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)
    except RecursionError:
        raise UnsafeDocumentError(
            _deep_pointer(text), f"nested deeper than {MAX_DEPTH} levels"
        ) from None
    _check_tree(document, strings=_may_hold_surrogates(text))
    return document


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader refusing duplicate keys."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                continue  # unhashable keys: SafeConstructor reports them
            if key in seen:
                line = key_node.start_mark.line + 1
                raise UnsafeDocumentError("", f"line {line}: duplicate key {str(key)[:60]!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: Node) -> int:
    """Nodes in the tree once every alias is expanded (shared nodes counted per use), capped
    at ``MAX_YAML_NODES + 1``; a recursive alias counts as too many."""
    too_many = MAX_YAML_NODES + 1
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:  # post-order without recursion
        node, children_done = stack.pop()
        if children_done:
            total = 1 + sum(sizes.get(id(c), too_many) for c in _children(node))
            sizes[id(node)] = min(total, too_many)
            open_nodes.discard(id(node))
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            return too_many
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` refusing duplicate keys and alias bombs (raises
    :class:`UnsafeDocumentError`, or ``yaml.YAMLError`` for invalid syntax)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if not isinstance(node, ScalarNode) and _expanded_size(node) > MAX_YAML_NODES:
            raise UnsafeDocumentError(
                "", f"aliases expand to more than {MAX_YAML_NODES} nodes (an alias bomb?)"
            )
        document = loader.construct_document(node)
    finally:
        loader.dispose()
    _check_tree(document)
    return document
