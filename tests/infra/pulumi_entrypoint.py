"""Run infra/__main__.py (the `pulumi up` entry point) under Pulumi's mocks.

Config arrives as the Pulumi CLI passes it: PULUMI_CONFIG, a JSON object whose structured values
are JSON strings. Prints the declared resource types, or the error, as JSON.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

types: list[str] = []


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        types.append(args.typ)
        return f"{args.name}-id", {**args.inputs, "arn": f"arn:aws:mock:::{args.name}"}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {"accountId": "123456789012"}, []


pulumi.runtime.set_mocks(Mocks(), project="callvault", stack="dev", preview=False)
SETTINGS.rpc_manager.clear()
main = Path(__file__).resolve().parents[2] / "infra" / "__main__.py"


def program() -> None:
    runpy.run_path(str(main), run_name="__main__")


try:
    _sync_await(run_pulumi_func(program))
except Exception as err:  # noqa: BLE001 - reported to the test as data
    print(json.dumps({"error": str(err)}))
    sys.exit(0)
print(json.dumps({"types": types}))
