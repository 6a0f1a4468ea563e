"""Synthesize a stack without the Pulumi CLI or AWS: run the program under Pulumi's mocks.

    python -m infra.synth --stack dev [--config-file PATH] [--summary]

Prints a JSON array of every declared resource (urn, type, name, parent, inputs as Pulumi sends
them, camelCase, and region). Invalid config exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import SETTINGS, set_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra.config import PROJECT, ConfigError, StackConfig, load_stack_file
from infra.program import declare_stack

__all__ = ["DeclaredResource", "main", "synthesize"]

MOCK_ACCOUNT_ID = "123456789012"
# The TURN secret is a Pulumi secret that synth cannot decrypt; a placeholder stands in.
SYNTH_TURN_SECRET = "synth-placeholder-not-a-secret"


@dataclass(frozen=True)
class DeclaredResource:
    urn: str
    type: str
    name: str
    parent: str | None
    inputs: dict[str, Any]
    region: str | None
    custom: bool
    id: str | None = None
    """The id the mocks gave the resource (bucket name, ``sg-...``), as AWS would."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """The mocked state: the inputs plus the ids and ARNs AWS would compute."""

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "id": self.id,
            "parent": self.parent,
            "custom": self.custom,
            "region": self.region,
            "inputs": self.inputs,
        }


def _short_id(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:17]


def _mock_state(
    type_: str, name: str, inputs: dict[str, Any], region: str
) -> tuple[str, dict[str, Any]]:
    """Deterministic ids and ARNs shaped like AWS's, so joins in the auditor behave as live."""
    account = MOCK_ACCOUNT_ID
    region = inputs.get("region") or region
    state = dict(inputs)
    token = type_.split(":")
    service = token[1].split("/")[0] if len(token) > 1 else "unknown"
    if type_ == "aws:s3/bucket:Bucket":
        bucket = inputs.get("bucket") or name
        return bucket, {**state, "bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}
    if type_ == "aws:kms/key:Key":
        key_id = f"{_short_id(name)[:8]}-0000-4000-8000-{_short_id('k', name)[:12]}"
        return key_id, {
            **state,
            "keyId": key_id,
            "arn": f"arn:aws:kms:{region}:{account}:key/{key_id}",
        }
    if type_ in ("aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile"):
        role_name = inputs.get("name") or f"{name}-{_short_id(name)[:7]}"
        kind = "role" if type_.endswith("Role") else "instance-profile"
        return role_name, {
            **state,
            "name": role_name,
            "arn": f"arn:aws:iam::{account}:{kind}/{role_name}",
        }
    if type_ == "aws:iam/policy:Policy":
        policy_name = inputs.get("name") or f"{name}-{_short_id(name)[:7]}"
        arn = f"arn:aws:iam::{account}:policy/{policy_name}"
        return arn, {**state, "name": policy_name, "arn": arn}
    if type_ == "aws:cloudwatch/logGroup:LogGroup":
        group = inputs.get("name") or name
        return group, {**state, "arn": f"arn:aws:logs:{region}:{account}:log-group:{group}"}
    if type_ == "aws:cloudtrail/trail:Trail":
        trail = inputs.get("name") or name
        return trail, {**state, "arn": f"arn:aws:cloudtrail:{region}:{account}:trail/{trail}"}
    if type_ == "aws:ssm/parameter:Parameter":
        param = inputs.get("name") or name
        return param, {**state, "arn": f"arn:aws:ssm:{region}:{account}:parameter{param}"}
    prefixes = {
        "aws:ec2/vpc:Vpc": "vpc",
        "aws:ec2/subnet:Subnet": "subnet",
        "aws:ec2/securityGroup:SecurityGroup": "sg",
        "aws:ec2/instance:Instance": "i",
        "aws:ec2/launchTemplate:LaunchTemplate": "lt",
        "aws:ec2/eip:Eip": "eipalloc",
        "aws:ec2/natGateway:NatGateway": "nat",
        "aws:ec2/internetGateway:InternetGateway": "igw",
        "aws:ec2/routeTable:RouteTable": "rtb",
        "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
        "aws:ec2/flowLog:FlowLog": "fl",
    }
    resource_id = f"{prefixes[type_]}-{_short_id(name)}" if type_ in prefixes else f"{name}-id"
    extra: dict[str, Any] = {"arn": f"arn:aws:{service}:{region}:{account}:{name}"}
    if type_ == "aws:ec2/instance:Instance":
        extra["publicIp"] = "198.51.100.10"  # documentation range
        extra["privateIp"] = "10.40.0.10"
    if type_ == "aws:ec2/vpc:Vpc":
        extra["cidrBlock"] = inputs.get("cidrBlock")
    if type_ == "aws:autoscaling/group:Group":
        resource_id = inputs.get("name") or name
        extra["name"] = resource_id
    return resource_id, {**state, **extra}


def synthesize(config: StackConfig) -> list[DeclaredResource]:
    """Run the program for ``config`` under mocks; returns the declared resources by URN."""
    declared: list[DeclaredResource] = []

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(
            self, args: pulumi.runtime.MockResourceArgs
        ) -> tuple[str | None, dict[str, Any]]:
            return _mock_state(args.typ, args.name, args.inputs, config.region)

        def call(
            self, args: pulumi.runtime.MockCallArgs
        ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
            if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    "accountId": MOCK_ACCOUNT_ID,
                    "arn": f"arn:aws:iam::{MOCK_ACCOUNT_ID}:user/synth",
                    "userId": "AIDASYNTH",
                    "id": MOCK_ACCOUNT_ID,
                }, []
            raise ValueError(f"synth has no mock for the invoke {args.token!r}")

    class RecordingMonitor(pulumi_mocks.MockMonitor):
        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
            if request.type != "pulumi:pulumi:Stack":
                inputs = rpc.deserialize_properties(request.object)
                declared.append(
                    DeclaredResource(
                        urn=response.urn,
                        type=request.type,
                        name=request.name,
                        parent=request.parent or None,
                        inputs=_plain(inputs),
                        region=inputs.get("region") if isinstance(inputs, dict) else None,
                        custom=bool(request.custom),
                        id=response.id or None,
                        outputs=_plain(rpc.deserialize_properties(response.object)),
                    )
                )
            return response

    set_root_resource(None)  # type: ignore[arg-type]  # a fresh Stack for every synthesis
    pulumi.runtime.set_mocks(
        Mocks(),
        project=PROJECT,
        stack=config.stack,
        preview=False,
        monitor=RecordingMonitor(Mocks()),
    )
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()

    def program() -> None:
        declare_stack(config, SYNTH_TURN_SECRET)

    _sync_await(run_pulumi_func(program))
    # Registration order depends on thread scheduling; URN order does not.
    return sorted(declared, key=lambda r: r.urn)


def _plain(value: Any) -> Any:
    """Deserialized inputs as plain JSON values: secrets unwrapped, whole floats as ints."""
    if isinstance(value, dict):
        if value.get("4dabf18193072939515e22adb298388d") == "1b47061264138c4ac30d75fd1eb44270":
            return _plain(value.get("value"))
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the Pulumi wire format has only floats; ports and days are whole
    return value


def summary_lines(resources: Sequence[DeclaredResource]) -> list[str]:
    counts = Counter(r.type for r in resources)
    regions = sorted({r.region for r in resources if r.region})
    lines = [f"{len(resources)} resources in region(s) {', '.join(regions)}"]
    lines += [f"{count:4d}  {type_}" for type_, count in sorted(counts.items())]
    return lines


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m infra.synth",
        description="Synthesize a CallVault stack under Pulumi's mocks (no Pulumi CLI, no AWS) "
        "and print every declared resource as JSON.",
    )
    parser.add_argument("--stack", default="dev", help="stack name (default: dev)")
    parser.add_argument(
        "--config-file",
        type=Path,
        help="stack config file (default: Pulumi.<stack>.yaml beside Pulumi.yaml)",
    )
    parser.add_argument(
        "--summary", action="store_true", help="print a count per resource type instead of JSON"
    )
    return parser.parse_args(argv)


def _default_config_file(stack: str) -> Path:
    root = Path(__file__).resolve().parent.parent
    return root / f"Pulumi.{stack}.yaml"


def _json_default(value: Any) -> Any:
    """File assets (the node's wheel) print as their path."""
    if isinstance(value, pulumi.FileAsset):
        return {"file_asset": str(value.path)}
    raise TypeError(f"cannot print {type(value).__name__}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    config_file = args.config_file or _default_config_file(args.stack)
    try:
        config = load_stack_file(config_file, stack=args.stack)
    except ConfigError as err:
        print(f"infra.synth: invalid stack config: {err}", file=sys.stderr)
        return 2
    resources = synthesize(config)
    if args.summary:
        print("\n".join(summary_lines(resources)))
    else:
        json.dump(
            [r.to_json() for r in resources],
            sys.stdout,
            indent=1,
            sort_keys=True,
            default=_json_default,
        )
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
