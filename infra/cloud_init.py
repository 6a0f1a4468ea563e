"""cloud-init user data for the TURN servers and media nodes, as pure functions.

Secrets are never in user data (it is readable through the EC2 API and IMDS): instances fetch
them from SSM Parameter Store at boot, through their instance role.
"""

from __future__ import annotations

import shlex

import yaml

__all__ = ["SECRET_PLACEHOLDER", "media_node_user_data", "turn_user_data"]

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


def media_node_user_data(media_node_config: dict[str, object], stack_config: str) -> str:
    """Install the media node service with its config and the stack's meeting types."""
    document = {
        "package_update": True,
        "packages": ["python3-venv"],
        "write_files": [
            {
                "path": "/etc/callvault/media-node.yaml",
                "permissions": "0640",
                "content": yaml.safe_dump(media_node_config, sort_keys=True),
            },
            {"path": "/etc/callvault/stack.yaml", "permissions": "0644", "content": stack_config},
            {
                "path": "/etc/systemd/system/callvault-media-node.service",
                "content": "[Unit]\nDescription=CallVault media node\nAfter=network-online.target\n"
                "[Service]\nExecStart=/opt/callvault/bin/media-node serve "
                "--config /etc/callvault/media-node.yaml\nDynamicUser=yes\nRestart=on-failure\n"
                "NoNewPrivileges=yes\nProtectSystem=strict\nPrivateTmp=yes\n"
                "[Install]\nWantedBy=multi-user.target\n",
            },
        ],
        "runcmd": [
            ["python3", "-m", "venv", "/opt/callvault"],
            ["/opt/callvault/bin/pip", "install", "callvault"],
            ["systemctl", "enable", "--now", "callvault-media-node"],
        ],
    }
    return "#cloud-config\n" + yaml.safe_dump(document, sort_keys=True)
