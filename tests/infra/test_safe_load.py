"""The strict loaders accept ordinary documents and refuse the unsafe ones in bounded time."""

from __future__ import annotations

import time

import pytest

from infra.safe_load import UnsafeDocumentError, load_json, load_yaml


def test_ordinary_yaml_with_anchors_and_merge_keys_loads() -> None:
    text = "base: &base {a: 1, b: 2}\nderived:\n  <<: *base\n  b: 3\nlist: [*base, *base]\n"
    assert load_yaml(text) == {
        "base": {"a": 1, "b": 2},
        "derived": {"a": 1, "b": 3},
        "list": [{"a": 1, "b": 2}, {"a": 1, "b": 2}],
    }


@pytest.mark.parametrize(
    "text",
    ["a: 1\nb: 2\na: 3\n", "outer:\n  k: 1\n  k: 1\n", "- {x: 1, x: 2}\n"],
)
def test_duplicate_yaml_keys_are_refused(text: str) -> None:
    with pytest.raises(UnsafeDocumentError, match="duplicate key"):
        load_yaml(text)


def test_yaml_alias_bomb_and_recursive_alias_are_refused_quickly() -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8)
    )
    started = time.monotonic()
    for text in (bomb, "a: &a [*a]\n"):
        with pytest.raises(UnsafeDocumentError, match="alias"):
            load_yaml(text)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ('{"a": [1, ' + "9" * 200 + "]}", "/a/1"),
        ('{"a": {"b~/c": "\\udc00"}}', "/a/b~0~1c"),
        ('{"a": NaN}', "/a"),
        ('{"a": ' + "[" * 300 + "]" * 300 + "}", "/a" + "/0" * 199),
    ],
)
def test_unsafe_json_names_its_pointer(text: str, pointer: str) -> None:
    with pytest.raises(UnsafeDocumentError) as error:
        load_json(text)
    assert error.value.pointer.startswith(pointer)
