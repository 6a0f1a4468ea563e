"""TurnServer: hardened coturn on EC2 in the public subnets."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.cloud_init import SECRET_PLACEHOLDER, turn_user_data
from infra.config import TurnSizing
from infra.policy_documents import assume_role_policy, to_json, turn_role_policy
from infra.turn_config import TurnServerSettings, render_turnserver_conf

__all__ = ["TurnServer", "TurnServerArgs", "instance_metadata_options", "turn_ingress_rules"]

_WORLD = ["0.0.0.0/0"]


@dataclass(frozen=True)
class TurnServerArgs:
    region: str
    account_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Public subnets, one instance per subnet in turn."""
    media_node_cidrs: Sequence[str]
    """Subnets of the media nodes: the only private peers a relay may reach."""
    sizing: TurnSizing
    shared_secret: pulumi.Input[str]
    """coturn ``static-auth-secret``; stored as an SSM SecureString, never in user data."""
    kms_key_arn: pulumi.Input[str]
    """Key for the SSM parameter and the EBS volumes."""
    name_prefix: str
    tags: Mapping[str, str]


def turn_ingress_rules(sizing: TurnSizing) -> list[aws.ec2.SecurityGroupIngressArgsDict]:
    """Only the TURN ports: STUN/TURN 3478 (UDP, TCP), TURN over TLS 5349, the relay range."""
    return [
        {
            "protocol": "udp",
            "from_port": 3478,
            "to_port": 3478,
            "cidr_blocks": _WORLD,
            "description": "TURN over UDP",
        },
        {
            "protocol": "tcp",
            "from_port": 3478,
            "to_port": 3478,
            "cidr_blocks": _WORLD,
            "description": "TURN over TCP",
        },
        {
            "protocol": "tcp",
            "from_port": 5349,
            "to_port": 5349,
            "cidr_blocks": _WORLD,
            "description": "TURN over TLS",
        },
        {
            "protocol": "udp",
            "from_port": sizing.relay_port_min,
            "to_port": sizing.relay_port_max,
            "cidr_blocks": _WORLD,
            "description": "TURN relay ports",
        },
    ]


def instance_metadata_options() -> aws.ec2.InstanceMetadataOptionsArgsDict:
    """IMDSv2 only, one hop: a relayed or proxied request cannot reach instance credentials."""
    return {
        "http_endpoint": "enabled",
        "http_tokens": "required",
        "http_put_response_hop_limit": 1,
        "instance_metadata_tags": "disabled",
    }


class TurnServer(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: TurnServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:TurnServer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        parameter_name = f"/{args.name_prefix}/turn/static-auth-secret"
        self.secret = aws.ssm.Parameter(
            f"{name}-secret",
            region=args.region,
            name=parameter_name,
            type="SecureString",
            key_id=args.kms_key_arn,
            value=pulumi.Output.secret(args.shared_secret),
            tags=tags,
            opts=child,
        )
        profile = self._create_instance_profile(name, args, tags)
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            region=args.region,
            vpc_id=args.vpc_id,
            description="TURN ports only; no SSH",
            ingress=turn_ingress_rules(args.sizing),
            egress=[
                {
                    "protocol": "udp",
                    "from_port": 1024,
                    "to_port": 65535,
                    "cidr_blocks": _WORLD,
                    "description": "Relayed media to peers",
                },
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": _WORLD,
                    "description": "Package updates and AWS APIs over HTTPS",
                },
            ],
            tags=tags,
            opts=child,
        )
        settings = TurnServerSettings(
            realm=args.sizing.realm,
            static_auth_secret=SECRET_PLACEHOLDER,
            relay_port_min=args.sizing.relay_port_min,
            relay_port_max=args.sizing.relay_port_max,
            allowed_peer_ips=tuple(_cidr_range(c) for c in args.media_node_cidrs),
        )
        user_data = turn_user_data(render_turnserver_conf(settings), parameter_name, args.region)
        self.instances = [
            aws.ec2.Instance(
                f"{name}-{index}",
                region=args.region,
                ami=args.sizing.ami,
                instance_type=args.sizing.instance_type,
                subnet_id=args.subnet_ids[index % len(args.subnet_ids)],
                vpc_security_group_ids=[self.security_group.id],
                associate_public_ip_address=True,
                iam_instance_profile=profile.name,
                metadata_options=instance_metadata_options(),
                root_block_device={
                    "encrypted": True,
                    "kms_key_id": args.kms_key_arn,
                    "volume_type": "gp3",
                    "volume_size": 16,
                    "delete_on_termination": True,
                },
                monitoring=True,
                user_data_base64=base64.b64encode(user_data.encode()).decode(),
                tags={**tags, "Name": f"{name}-{index}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret]),
            )
            for index in range(args.sizing.count)
        ]
        self.register_outputs(
            {
                "security_group_id": self.security_group.id,
                "public_ips": [i.public_ip for i in self.instances],
            }
        )

    def _create_instance_profile(
        self, name: str, args: TurnServerArgs, tags: dict[str, str]
    ) -> aws.iam.InstanceProfile:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: to_json(assume_role_policy("ec2.amazonaws.com", account))
            ),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=role.id,
            policy=pulumi.Output.all(self.secret.arn, args.kms_key_arn).apply(
                lambda values: to_json(turn_role_policy(values[0], values[1], args.region))
            ),
            opts=child,
        )
        return aws.iam.InstanceProfile(f"{name}-profile", role=role.name, tags=tags, opts=child)


def _cidr_range(cidr: str) -> str:
    """coturn wants 'first-last' ranges, not CIDR notation."""
    import ipaddress

    network = ipaddress.IPv4Network(cidr)
    return f"{network.network_address}-{network.broadcast_address}"
