"""Controls that must exist: removing one from the dev stack fails, naming what is missing.
Scope from the facts: a recording bucket stripped of its labels is still judged as one."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audit.cli import main

Mutation = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def _export(dev_resources, mutate: Mutation) -> dict[str, Any]:
    """The synthesized dev stack as a ``pulumi stack export`` (what `pulumi up` would leave)."""
    states = [
        {
            "urn": r.urn,
            "type": r.type,
            "id": r.id,
            "custom": True,
            "inputs": copy.deepcopy(r.inputs),
            "outputs": copy.deepcopy(r.outputs),
        }
        for r in dev_resources
        if r.custom
    ]
    return {"version": 3, "deployment": {"resources": mutate(states)}}


def _run(
    tmp_path: Path, repo_root: Path, document: dict[str, Any], *extra: str
) -> tuple[int, list[dict[str, Any]]]:
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(document))
    out = tmp_path / "out"
    code = main(
        [
            "state",
            str(path),
            "--stack-config",
            str(repo_root / "Pulumi.dev.yaml"),
            "--out",
            str(out),
            *extra,
        ]
    )
    return code, json.loads((out / "report.json").read_text())["findings"]


def _failing(findings: list[dict[str, Any]]) -> dict[str, str]:
    return {f["rule_id"]: f["message"] for f in findings if f["status"] == "fail"}


def _without_type(type_: str) -> Mutation:
    return lambda states: [s for s in states if s["type"] != type_]


def _without_turn_config(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for state in states:
        if state["type"] == "aws:ec2/instance:Instance":
            for props in (state["inputs"], state["outputs"]):
                props.pop("userData", None)
                props.pop("userDataBase64", None)
    return states


def test_the_unmutated_dev_export_passes(dev_resources, tmp_path, repo_root) -> None:
    code, findings = _run(tmp_path, repo_root, _export(dev_resources, lambda s: s))
    assert _failing(findings) == {}
    assert code == 0
    stack = [f for f in findings if f["resource"]["kind"] == "stack"]
    assert {f["rule_id"] for f in stack} >= {"CV-REQ-001", "CV-REQ-002", "CV-REQ-003", "CV-REQ-004"}


@pytest.mark.parametrize(
    ("mutation", "rule_id", "named"),
    [
        (
            _without_type("aws:cloudtrail/trail:Trail"),
            "CV-REQ-001",
            "no multi-region CloudTrail trail",
        ),
        (_without_type("aws:ec2/flowLog:FlowLog"), "CV-REQ-002", "no flow log capturing ALL"),
        (_without_turn_config, "CV-REQ-003", "no readable /etc/turnserver.conf"),
    ],
    ids=["trail", "flow-logs", "turn-config"],
)
def test_removing_a_required_control_fails_naming_it(
    mutation, rule_id, named, dev_resources, tmp_path, repo_root
) -> None:
    code, findings = _run(tmp_path, repo_root, _export(dev_resources, mutation))
    failing = _failing(findings)
    assert code == 1
    assert named in failing[rule_id], failing


def test_no_processors_or_meeting_types_fails(dev_resources, tmp_path) -> None:
    """Without a stack config there are no processors or meeting types: the stack fails."""
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(_export(dev_resources, lambda s: s)))
    out = tmp_path / "out"
    assert main(["state", str(path), "--out", str(out)]) == 1
    findings = json.loads((out / "report.json").read_text())["findings"]
    message = _failing(findings)["CV-REQ-004"]
    assert "declares no processors" in message and "declares no meeting types" in message


def _disguise_recordings_bucket(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Strip purpose from the recordings bucket, drop its lifecycle rules, enable object lock."""
    result = []
    for state in states:
        if state["type"] == "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration" and (
            state["inputs"].get("bucket") == "callvault-dev-recordings"
        ):
            continue
        if state["type"] == "aws:s3/bucket:Bucket" and state["id"] == "callvault-dev-recordings":
            for props in (state["inputs"], state["outputs"]):
                for key in ("tags", "tagsAll"):
                    if isinstance(props.get(key), dict):
                        props[key] = {k: v for k, v in props[key].items() if k != "purpose"}
                props["objectLockEnabled"] = True
        result.append(state)
    return result


def test_recording_bucket_without_its_labels_fails_at_medium(
    dev_resources, tmp_path, repo_root
) -> None:
    code, findings = _run(
        tmp_path,
        repo_root,
        _export(dev_resources, _disguise_recordings_bucket),
        "--fail-on",
        "medium",
    )
    failing = {
        (f["rule_id"], f["severity"])
        for f in findings
        if f["status"] == "fail" and f["resource"]["id"] == "callvault-dev-recordings"
    }
    assert ("CV-SCP-002", "high") in failing, failing
    assert {"CV-RET-001", "CV-RET-004"} <= {rule for rule, _ in failing}, failing
    assert code == 1


def test_a_tag_contradicting_the_facts_fails(dev_resources, tmp_path, repo_root) -> None:
    def relabel(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for state in states:
            if (
                state["type"] == "aws:s3/bucket:Bucket"
                and state["id"] == "callvault-dev-recordings"
            ):
                for props in (state["inputs"], state["outputs"]):
                    if isinstance(props.get("tags"), dict):
                        props["tags"]["purpose"] = "access-logs"
        return states

    _, findings = _run(tmp_path, repo_root, _export(dev_resources, relabel))
    message = _failing(
        [f for f in findings if f["resource"]["id"] == "callvault-dev-recordings"]
    ).get("CV-SCP-001", "")
    assert "tagged purpose=access-logs but holds recordings" in message
