"""cloud-init user data for the TURN servers and media nodes, as pure functions.

Secrets are never in user data (it is readable through the EC2 API and IMDS): instances fetch
them from SSM Parameter Store at boot, through their instance role.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import yaml

from infra.node_settings import NodeSettings

__all__ = [
    "SECRET_PLACEHOLDER",
    "SYSTEMD_UNIT",
    "NodeArtifact",
    "media_node_user_data",
    "turn_user_data",
]

SECRET_PLACEHOLDER = "__TURN_SECRET_FROM_SSM_AT_BOOT__"

_IMDS_V2 = """TOKEN=$(curl -sf -X PUT http://169.254.169.254/latest/api/token \\
  -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
imds() { curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" \\
  "http://169.254.169.254/latest/meta-data/$1"; }"""


def turn_user_data(turnserver_conf: str, secret_parameter: str, region: str) -> str:
    """Install coturn, fill in the shared secret and the instance's addresses, start it, and
    keep the session log (it holds client addresses) for one day only."""
    if SECRET_PLACEHOLDER not in turnserver_conf:
        raise ValueError("turnserver.conf must carry the secret placeholder, not the secret")
    script = f"""#!/bin/bash
set -euo pipefail
{_IMDS_V2}
SECRET=$(aws ssm get-parameter --region {shlex.quote(region)} --with-decryption \\
  --name {shlex.quote(secret_parameter)} --query Parameter.Value --output text)
sed -i "s|{SECRET_PLACEHOLDER}|$SECRET|" /etc/turnserver.conf
echo "external-ip=$(imds public-ipv4)/$(imds local-ipv4)" >> /etc/turnserver.conf
unset SECRET
chmod 0640 /etc/turnserver.conf && chown root:turnserver /etc/turnserver.conf
systemctl enable --now coturn
"""
    document = {
        "package_update": True,
        "packages": ["coturn", "awscli"],
        "write_files": [
            {"path": "/etc/turnserver.conf", "permissions": "0600", "content": turnserver_conf},
            {"path": "/etc/default/coturn", "content": "TURNSERVER_ENABLED=1\n"},
        ],
        # No log directory or rotation: turnserver.conf sends the session log to /dev/null.
        "runcmd": [["bash", "-c", script]],
    }
    return "#cloud-config\n" + yaml.safe_dump(document, sort_keys=True)


@dataclass(frozen=True)
class NodeArtifact:
    """The wheel of this project that the nodes install: an object in the artifacts bucket."""

    bucket: str
    key: str
    sha256: str
    """Hex sha256 of the wheel; cloud-init refuses a download that does not match."""
    filename: str
    """The wheel's file name (pip needs the name to read its version and tags)."""


SERVICE = "callvault-media-node"
CONFIG_DIR = "/etc/callvault"

SYSTEMD_UNIT = f"""[Unit]
Description=CallVault media node
After=network-online.target
Wants=network-online.target

[Service]
ExecStartPre=/opt/callvault/bin/media-node tls-selfsigned --dir ${{STATE_DIRECTORY}}/tls
ExecStart=/opt/callvault/bin/media-node serve --config {CONFIG_DIR}/media-node.yaml
DynamicUser=yes
StateDirectory={SERVICE}
StateDirectoryMode=0700
UMask=0077
LimitNOFILE=65536
Restart=on-failure
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
CapabilityBoundingSet=

[Install]
WantedBy=multi-user.target
"""
"""``StateDirectory=`` gives the dynamic user a writable /var/lib/callvault-media-node (state
dir, spool, access log); ``LimitNOFILE=`` covers peers, recordings and sockets at the caps."""


def _install_script(artifact: NodeArtifact, region: str) -> str:
    wheel = f"/opt/callvault-dist/{artifact.filename}"
    source = f"s3://{artifact.bucket}/{artifact.key}"
    return f"""#!/bin/bash
set -euo pipefail
mkdir -p /opt/callvault-dist
aws s3 cp --region {shlex.quote(region)} {shlex.quote(source)} {shlex.quote(wheel)}
echo {shlex.quote(artifact.sha256 + "  " + wheel)} | sha256sum --check --strict
python3.11 -m venv /opt/callvault
# The wheel by its hash, its dependencies by theirs: nothing is resolved by name from an index.
echo "callvault[node] @ file://{wheel} --hash=sha256:{artifact.sha256}" \
  >> {CONFIG_DIR}/requirements.txt
/opt/callvault/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: \
  -r {CONFIG_DIR}/requirements.txt
systemctl daemon-reload
systemctl enable --now {SERVICE}
"""


def media_node_user_data(
    settings: NodeSettings,
    stack_config: str,
    artifact: NodeArtifact,
    requirements: str,
) -> str:
    """Install the media node from the pinned wheel, with its config and the stack's meeting
    types. ``requirements`` are the node's dependencies pinned with ``--hash`` lines."""
    document = {
        "package_update": True,
        "packages": ["python3.11", "awscli"],
        "write_files": [
            {
                "path": f"{CONFIG_DIR}/media-node.yaml",
                # No secret in it (SSM sources), so the service's dynamic user may read it.
                "permissions": "0644",
                "content": yaml.safe_dump(settings.to_document(), sort_keys=True),
            },
            {"path": f"{CONFIG_DIR}/stack.yaml", "permissions": "0644", "content": stack_config},
            {
                "path": f"{CONFIG_DIR}/requirements.txt",
                "permissions": "0644",
                "content": requirements,
            },
            {"path": f"/etc/systemd/system/{SERVICE}.service", "content": SYSTEMD_UNIT},
        ],
        "runcmd": [["bash", "-c", _install_script(artifact, settings.region)]],
    }
    return "#cloud-config\n" + yaml.safe_dump(document, sort_keys=True)
