"""Estates an adversarial review found passing; each must fail (exit 1) or error (exit 3).

Every case mutates the synthesized dev stack written out as a stack export, so the rest of the
estate is known-good and a pass could only come from the mutation being missed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

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


# Workloads by behaviour, never by name: a renamed role is judged as what it is and does.
MEDIA_NODE_ROLE = "callvault-dev-media-node"
DPO_ROLE = "callvault-dev-dpo"
RECORDINGS = "arn:aws:s3:::callvault-dev-recordings"


def _renamed(old: str, new: str) -> Callable[[list[State]], list[State]]:
    """Every mention of a role's name replaced (policies, key policy, profile), its
    ``workload`` tag dropped: nothing left that names what it is."""

    def mutate(states: list[State]) -> list[State]:
        states = cast(list[State], json.loads(json.dumps(states).replace(old, new)))
        for state in states:
            for side in ("inputs", "outputs"):
                for key in ("tags", "tagsAll"):
                    if isinstance(state[side].get(key), dict):
                        state[side][key].pop("workload", None)
        return states

    return mutate


def _then(*mutations: Callable[[list[State]], list[State]]) -> Callable[[list[State]], list[State]]:
    def mutate(states: list[State]) -> list[State]:
        for mutation in mutations:
            states = mutation(states)
        return states

    return mutate


def _grant(urn_part: str, statement: dict[str, Any]) -> Callable[[list[State]], list[State]]:
    return lambda s: _each(s, ROLE_POLICY, urn_part, _role_statement(statement))


def _audit(dev_resources, repo_root, tmp_path: Path, mutate, name: str) -> tuple[int, list[Any]]:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(stack_export(dev_resources, mutate)))
    out = tmp_path / name
    config = str(repo_root / "Pulumi.dev.yaml")
    code = main(["state", str(path), "--stack-config", config, "--out", str(out)])
    return code, json.loads((out / "report.json").read_text())["findings"]


def _statuses(findings: list[Any], rule_id: str) -> dict[str, str]:
    return {f["resource"]["id"]: f["status"] for f in findings if f["rule_id"] == rule_id}


def _failing(findings: list[Any]) -> set[str]:
    return {f["rule_id"] for f in findings if f["status"] == "fail"}


MEDIA_NODE_READS = _grant(
    "media-role-policy",
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{RECORDINGS}/*"},
)
DPO_WILDCARD = _grant(
    "dpo-role-policy", {"Effect": "Allow", "Action": "s3:*", "Resource": f"{RECORDINGS}/*"}
)


@pytest.mark.parametrize(
    ("old", "new", "rule_id", "broaden"),
    [
        (MEDIA_NODE_ROLE, "callvault-dev-encoder", "CV-IAM-001", MEDIA_NODE_READS),
        (DPO_ROLE, "callvault-dev-privacy", "CV-IAM-005", DPO_WILDCARD),
    ],
    ids=["media-node", "dpo"],
)
def test_a_renamed_role_is_judged_by_what_it_does(
    old, new, rule_id, broaden, dev_resources, repo_root, tmp_path: Path
) -> None:
    code, findings = _audit(dev_resources, repo_root, tmp_path, _renamed(old, new), "renamed")
    assert code == 0, [f for f in findings if f["status"] != "pass"]
    assert _statuses(findings, rule_id) == {new: "pass"}
    _, named = _audit(dev_resources, repo_root, tmp_path, broaden, "broadened")
    code, renamed = _audit(
        dev_resources, repo_root, tmp_path, _then(broaden, _renamed(old, new)), "both"
    )
    assert code == 1
    assert _statuses(renamed, rule_id) == {new: "fail"}
    assert _failing(renamed) == _failing(named) != set()


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{RECORDINGS}/recordings/*"},
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::callvault-*"},
        {"Effect": "Allow", "Action": "s3:DeleteObjectVersion", "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
    ],
    ids=["get-object", "get-star-on-a-name-pattern", "delete-versions", "decrypt-anything"],
)
def test_any_role_that_can_reach_the_recordings_is_held_to_the_dpo_rule(
    statement, dev_resources, repo_root, tmp_path: Path
) -> None:
    mutate = _grant("flow-logs-policy", statement)
    code, findings = _audit(dev_resources, repo_root, tmp_path, mutate, "reader")
    statuses = _statuses(findings, "CV-IAM-005")
    readers = {role for role, status in statuses.items() if status == "fail"}
    assert code == 1
    assert len(readers) == 1 and "flow-logs" in next(iter(readers)), statuses


def _without_profile(states: list[State]) -> list[State]:
    _each(
        states,
        "aws:ec2/launchTemplate:LaunchTemplate",
        "media-lt",
        lambda props: props.pop("iamInstanceProfile", None),
    )
    return states


def _without_profile_resource(states: list[State]) -> list[State]:
    profile = "aws:iam/instanceProfile:InstanceProfile"
    return [s for s in states if not (s["type"] == profile and "media-profile" in s["urn"])]


@pytest.mark.parametrize("mutate", [_without_profile, _without_profile_resource])
def test_media_nodes_whose_role_cannot_be_found_fail_closed(
    mutate, dev_resources, repo_root, tmp_path: Path
) -> None:
    code, findings = _audit(dev_resources, repo_root, tmp_path, mutate, "orphan")
    required = [f for f in findings if f["rule_id"] == "CV-REQ-005"]
    assert code == 1
    assert [f["status"] for f in required] == ["fail"]
    assert "media-node host" in required[0]["message"]
