"""Estates an adversarial review found passing; each must fail (exit 1) or error (exit 3).

Every case mutates the synthesized dev stack written out as a stack export, so the rest of the
estate is known-good and a pass could only come from the mutation being missed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audit.cli import main
from audit.unknowns import UNKNOWN

from .stack_export import stack_export

State = dict[str, Any]
SECRET = {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    "ciphertext": "v1:AAAA==",
}
WORLD_IN_HALVES = ["0.0.0.0/1", "128.0.0.0/1"]
SG = "aws:ec2/securityGroup:SecurityGroup"


def _each(states: list[State], type_: str, urn_part: str, change: Callable[[dict[str, Any]], None]):
    hit = [s for s in states if s["type"] == type_ and urn_part in s["urn"]]
    assert hit, f"no {type_} with {urn_part} in the dev stack"
    for state in hit:
        for side in ("inputs", "outputs"):
            change(state[side])
    return states


def _ssh_from(cidrs: list[str]) -> Callable[[dict[str, Any]], None]:
    def change(props: dict[str, Any]) -> None:
        rule = {"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": cidrs}
        props["ingress"] = [*(props.get("ingress") or []), rule]

    return change


def _role_statement(statement: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(props: dict[str, Any]) -> None:
        policy = json.loads(props["policy"])
        policy["Statement"] = [*policy["Statement"], statement]
        props["policy"] = json.dumps(policy)

    return change


def _secret_ingress(props: dict[str, Any]) -> None:
    _ssh_from(["0.0.0.0/0"])(props)
    props["ingress"] = SECRET


def _unknown_region(props: dict[str, Any]) -> None:
    for key in ("region", "arn", "bucketRegionalDomainName", "bucketDomainName"):
        props[key] = UNKNOWN


def _in_us_east_1(props: dict[str, Any]) -> None:
    props["region"] = "us-east-1"
    props["arn"] = str(props.get("arn", "")).replace("eu-central-1", "us-east-1")


def _sg_rule_of_unknown_type(states: list[State]) -> list[State]:
    group = next(
        s
        for s in states
        if s["type"] == "aws:ec2/securityGroup:SecurityGroup" and "turn" in s["urn"]
    )
    rule = {
        "type": UNKNOWN,
        "securityGroupId": group["id"],
        "protocol": "tcp",
        "fromPort": 22,
        "toPort": 22,
        "cidrBlocks": ["0.0.0.0/0"],
    }
    urn = "urn:pulumi:dev::callvault::aws:ec2/securityGroupRule:SecurityGroupRule::ssh"
    return [
        *states,
        {
            "urn": urn,
            "type": "aws:ec2/securityGroupRule:SecurityGroupRule",
            "id": "sgr-1",
            "custom": True,
            "inputs": rule,
            "outputs": rule,
        },
    ]


def _attached_to_turn_role(policy_arn: str, document: dict[str, Any] | None):
    """A managed policy (declared in the stack when ``document`` is given) attached to the
    TURN role: its statements are the role's permissions as much as an inline policy's."""

    def mutate(states: list[State]) -> list[State]:
        role = next(s for s in states if s["type"] == "aws:iam/role:Role" and "turn" in s["urn"])
        added = []
        if document is not None:
            policy = {"name": "wide", "arn": policy_arn, "policy": json.dumps(document)}
            added.append(
                {
                    "urn": "urn:pulumi:dev::callvault::aws:iam/policy:Policy::wide",
                    "type": "aws:iam/policy:Policy",
                    "id": policy_arn,
                    "custom": True,
                    "inputs": policy,
                    "outputs": policy,
                }
            )
        attachment = {"role": role["id"], "policyArn": policy_arn}
        added.append(
            {
                "urn": "urn:pulumi:dev::callvault::"
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment::wide",
                "type": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "id": f"{role['id']}-wide",
                "custom": True,
                "inputs": attachment,
                "outputs": attachment,
            }
        )
        return [*states, *added]

    return mutate


ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
CASES: dict[str, tuple[Callable[[list[State]], list[State]], str]] = {
    "secret-ingress": (lambda s: _each(s, SG, "turn", _secret_ingress), "turn"),
    "ssh-from-two-halves": (lambda s: _each(s, SG, "turn", _ssh_from(WORLD_IN_HALVES)), "turn"),
    "passrole-question-mark": (
        lambda s: _each(
            s,
            ROLE_POLICY,
            "turn-role-policy",
            _role_statement({"Effect": "Allow", "Action": "iam:PassRol?", "Resource": "*"}),
        ),
        "turn",
    ),
    "read-with-not-resource": (
        lambda s: _each(
            s,
            ROLE_POLICY,
            "turn-role-policy",
            _role_statement(
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "kms:Decrypt"],
                    "NotResource": "arn:aws:s3:::x",
                }
            ),
        ),
        "turn",
    ),
    "sg-rule-of-unknown-type": (_sg_rule_of_unknown_type, "turn"),
    "secret-parameter-outside-the-eu": (
        lambda s: _each(s, "aws:ssm/parameter:Parameter", "turn", _in_us_east_1),
        "turn",
    ),
    "admin-in-an-attached-policy-of-the-stack": (
        _attached_to_turn_role("arn:aws:iam::123456789012:policy/wide", ADMIN),
        "turn",
    ),
    "attached-policy-the-stack-does-not-show": (
        _attached_to_turn_role("arn:aws:iam::123456789012:policy/made-elsewhere", None),
        "turn",
    ),
    "bucket-region-unknown": (
        lambda s: _each(s, "aws:s3/bucket:Bucket", "recordings", _unknown_region),
        "recordings",
    ),
    "public-policy-narrowed-to-two-halves": (
        lambda s: _each(
            s,
            "aws:s3/bucketPolicy:BucketPolicy",
            "recordings-policy",
            _role_statement(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::callvault-dev-recordings/*",
                    "Condition": {"IpAddress": {"aws:SourceIp": WORLD_IN_HALVES}},
                }
            ),
        ),
        "recordings",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_mutated_estate_does_not_pass(case, dev_resources, tmp_path: Path, repo_root) -> None:
    mutate, resource = CASES[case]
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(stack_export(dev_resources, mutate)))
    out = tmp_path / "out"
    config = str(repo_root / "Pulumi.dev.yaml")
    code = main(["state", str(path), "--stack-config", config, "--out", str(out)])
    findings = json.loads((out / "report.json").read_text())["findings"]
    bad = [
        f
        for f in findings
        if f["status"] in ("fail", "error")
        and (resource in f["resource"]["id"] or resource in f["resource"].get("source", ""))
    ]
    assert code in (1, 3), f"{case}: exit {code}"
    assert bad, f"{case}: nothing failed or errored on a {resource} resource"
