"""The media node's cloud-init for the dev stack (Pulumi mocks), loaded by the node's own loader
with its secrets read from SSM (moto's server), and the pinned install (issue 11)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from infra.config import StackConfig
from infra.synth import DeclaredResource
from media_node.node_config import load_node_config
from tests.servers import RunningMotoServer

Resources = list[DeclaredResource]


def _user_data(resources: Resources) -> dict[str, Any]:
    (template,) = [r for r in resources if r.type == "aws:ec2/launchTemplate:LaunchTemplate"]
    document = yaml.safe_load(base64.b64decode(template.inputs["userData"]).decode())
    assert isinstance(document, dict)
    return document


def _files(resources: Resources) -> dict[str, str]:
    return {f["path"]: f["content"] for f in _user_data(resources)["write_files"]}


def _one(resources: Resources, type_: str, name_part: str) -> DeclaredResource:
    found = [r for r in resources if r.type == type_ and name_part in r.name]
    assert len(found) == 1, [r.name for r in found]
    return found[0]


@pytest.mark.integration
def test_the_rendered_node_config_loads_with_the_nodes_loader(
    tmp_path: Path,
    dev_resources: Resources,
    dev_config: StackConfig,
    moto_server: RunningMotoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = _files(dev_resources)
    (tmp_path / "media-node.yaml").write_text(files["/etc/callvault/media-node.yaml"])
    (tmp_path / "stack.yaml").write_text(files["/etc/callvault/stack.yaml"])
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    ssm = boto3.client("ssm", region_name="eu-central-1", endpoint_url=moto_server.endpoint_url)
    prefix = dev_config.name_prefix
    token = "t" * 48
    ssm.put_parameter(
        Name=f"/{prefix}/media-node/token-secret", Value=token, Type="SecureString", Overwrite=True
    )
    ssm.put_parameter(
        Name=f"/{prefix}/turn/static-auth-secret",
        Value="turn-s3cret",
        Type="SecureString",
        Overwrite=True,
    )

    config = load_node_config(tmp_path / "media-node.yaml")

    key = _one(dev_resources, "aws:kms/key:Key", "recordings")
    bucket = _one(dev_resources, "aws:s3/bucket:Bucket", "recordings")
    assert config.token_secret == token.encode() and config.ice.turn_secret == "turn-s3cret"
    assert config.ice.transport_policy == "relay"
    assert config.ice.turn_urls == (f"turns:{dev_config.turn.realm}:5349?transport=tcp",)
    assert config.key_provider["type"] == "kms" and config.key_provider["region"] == "eu-central-1"
    assert config.key_provider["key_id"].startswith("arn:aws:kms:eu-central-1:"), key.urn
    assert config.store["type"] == "s3" and config.store["bucket"].startswith(prefix), bucket.urn
    assert config.state_dir == Path("/var/lib/callvault-media-node")
    assert config.tls_cert is not None and config.tls_key is not None
    assert [m.name for m in config.stack.meeting_types] == [
        m.name for m in dev_config.meeting_types
    ]


def test_the_node_config_holds_no_secret(dev_resources: Resources) -> None:
    text = _files(dev_resources)["/etc/callvault/media-node.yaml"]
    document = yaml.safe_load(text)
    assert document["token_secret"] == {"ssm": "/callvault-dev/media-node/token-secret"}
    assert document["ice"]["turn_secret"] == {"ssm": "/callvault-dev/turn/static-auth-secret"}
    assert "synth-placeholder" not in text


def test_the_unit_has_a_state_directory_a_file_limit_and_its_hardening(
    dev_resources: Resources,
) -> None:
    unit = _files(dev_resources)["/etc/systemd/system/callvault-media-node.service"]
    for line in (
        "DynamicUser=yes",
        "StateDirectory=callvault-media-node",
        "LimitNOFILE=65536",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
    ):
        assert line in unit.splitlines(), f"the unit lacks {line}"


def test_nodes_install_the_uploaded_wheel_by_hash_never_a_name_from_an_index(
    dev_resources: Resources,
) -> None:
    user_data = _user_data(dev_resources)
    script = " ".join(" ".join(command) for command in user_data["runcmd"])
    assert "pip install callvault" not in script and "--require-hashes" in script
    wheel = _one(dev_resources, "aws:s3/bucketObjectv2:BucketObjectv2", "artifacts-wheel")
    match = re.search(r"wheels/([0-9a-f]{64})/(callvault-[^ ]+\.whl)", wheel.inputs["key"])
    assert match, wheel.inputs["key"]
    sha = match.group(1)
    assert f"{sha}  /opt/callvault-dist/{match.group(2)}" in script
    assert f"--hash=sha256:{sha}" in script and "sha256sum --check" in script
    requirements = _files(dev_resources)["/etc/callvault/requirements.txt"]
    entries = [e for e in requirements.replace("\\\n", " ").splitlines() if e and e[0] != "#"]
    assert entries and all(re.search(r"==\S+ +--hash=sha256:[0-9a-f]{64}$", e) for e in entries)
    names = {e.split("==")[0] for e in entries}
    assert {"aiortc", "aiohttp", "boto3", "cryptography"} <= names
    assert not {"pulumi", "pulumi-aws", "regopy"} & names, "nodes install only [node]"
    assert wheel.inputs["serverSideEncryption"] == "aws:kms"


def test_the_artifacts_bucket_is_hardened_and_in_the_eu(dev_resources: Resources) -> None:
    bucket = _one(dev_resources, "aws:s3/bucket:Bucket", "artifacts")
    assert bucket.inputs["region"] == "eu-central-1", bucket.urn
    block = _one(
        dev_resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "artifacts"
    )
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.inputs[flag] is True, f"{block.urn} must set {flag}"
    policy = json.loads(
        _one(dev_resources, "aws:s3/bucketPolicy:BucketPolicy", "artifacts").inputs["policy"]
    )
    assert any(
        s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for s in policy["Statement"]
    ), "TLS-only policy"
    boot = _one(dev_resources, "aws:iam/rolePolicy:RolePolicy", "media-boot-policy")
    statements = {s["Sid"]: s for s in json.loads(boot.inputs["policy"])["Statement"]}
    assert statements["ReadNodeWheel"]["Action"] == ["s3:GetObject"]
    assert statements["ReadNodeWheel"]["Resource"].endswith(".whl")
