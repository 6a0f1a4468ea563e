"""MediaNode: the recorder fleet, a launch template and an auto-scaling group across AZs."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.cloud_init import NodeArtifact, media_node_user_data
from infra.config import MediaNodeSizing
from infra.node_requirements import load_node_requirements
from infra.node_settings import NodeSettings, SecretSource
from infra.policy_documents import Document, assume_role_policy, media_node_role_policy, to_json
from infra.turn_server import instance_metadata_options

__all__ = [
    "MediaNode",
    "MediaNodeArgs",
    "media_node_boot_policy",
    "media_node_role_name",
    "node_settings",
    "token_secret_parameter",
    "turn_secret_parameter",
]


def turn_secret_parameter(name_prefix: str) -> str:
    """The TURN shared secret's SSM SecureString (declared by TurnServer)."""
    return f"/{name_prefix}/turn/static-auth-secret"


def token_secret_parameter(name_prefix: str) -> str:
    """The API token secret's SSM SecureString. The operator creates it (kept out of Pulumi's
    state): aws ssm put-parameter --type SecureString --key-id <platform key> --name ..."""
    return f"/{name_prefix}/media-node/token-secret"


def node_settings(
    region: str, name_prefix: str, turn_realm: str, bucket: str, key_arn: str
) -> NodeSettings:
    """The node's config from the stack's outputs: what cloud-init writes and the node loads."""
    return NodeSettings(
        region=region,
        recording_key_arn=key_arn,
        recording_bucket=bucket,
        turn_urls=(f"turns:{turn_realm}:5349?transport=tcp",),
        turn_secret=SecretSource("ssm", turn_secret_parameter(name_prefix)),
        token_secret=SecretSource("ssm", token_secret_parameter(name_prefix)),
        tls_cert="/var/lib/callvault-media-node/tls/cert.pem",
        tls_key="/var/lib/callvault-media-node/tls/key.pem",
        access_log_anchor="/var/lib/callvault-media-node/anchors/access.log.anchors",
    )


def media_node_boot_policy(
    region: str,
    account_id: str,
    name_prefix: str,
    platform_key_arn: str,
    artifacts_bucket_arn: str,
    wheel_key: str,
) -> Document:
    """What a node needs at boot: its two secrets from SSM (decrypted with the platform key
    through SSM only) and the one wheel object (through S3 only)."""
    parameter = f"arn:aws:ssm:{region}:{account_id}:parameter"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadNodeSecrets",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": [
                    parameter + turn_secret_parameter(name_prefix),
                    parameter + token_secret_parameter(name_prefix),
                ],
            },
            {
                "Sid": "DecryptSecretsAndWheel",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": platform_key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [
                            f"ssm.{region}.amazonaws.com",
                            f"s3.{region}.amazonaws.com",
                        ]
                    }
                },
            },
            {
                "Sid": "ReadNodeWheel",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": f"{artifacts_bucket_arn}/{wheel_key}",
            },
        ],
    }


def media_node_role_name(name_prefix: str) -> str:
    """Fixed role name, so the recording key's policy can name the role before it exists."""
    return f"{name_prefix}-media-node"


@dataclass(frozen=True)
class MediaNodeArgs:
    region: str
    account_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets in at least two AZs."""
    turn_security_group_id: pulumi.Input[str]
    """Media reaches the node only from the TURN relays."""
    sizing: MediaNodeSizing
    recording_bucket: pulumi.Input[str]
    recording_bucket_arn: pulumi.Input[str]
    recording_key_arn: pulumi.Input[str]
    """Key for envelope encryption and SSE-KMS of recordings."""
    ebs_key_arn: pulumi.Input[str]
    """The platform key: EBS, SSM SecureStrings and the artifacts bucket."""
    artifacts_bucket: pulumi.Input[str]
    artifacts_bucket_arn: pulumi.Input[str]
    wheel_key: str
    wheel_sha256: str
    wheel_filename: str
    turn_realm: str
    """DNS name of the TURN relays (participants and nodes use ``turns:<realm>:5349``)."""
    name_prefix: str
    stack_config: str
    """The stack's meeting types etc., as YAML, written to the nodes."""
    tags: Mapping[str, str]


class MediaNode(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: MediaNodeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:MediaNode", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=media_node_role_name(args.name_prefix),
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: to_json(assume_role_policy("ec2.amazonaws.com", account))
            ),
            max_session_duration=3600,
            tags=tags,
            opts=child,
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=pulumi.Output.all(args.recording_bucket_arn, args.recording_key_arn).apply(
                lambda values: to_json(media_node_role_policy(values[0], values[1], args.region))
            ),
            opts=child,
        )
        profile = aws.iam.InstanceProfile(
            f"{name}-profile", role=self.role.name, tags=tags, opts=child
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            region=args.region,
            vpc_id=args.vpc_id,
            description="Signalling from inside the VPC, media from the TURN relays only",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 8443,
                    "to_port": 8443,
                    "cidr_blocks": [args.vpc_cidr],
                    "description": "HTTPS signalling (the node's TLS) from the VPC",
                },
                {
                    "protocol": "udp",
                    "from_port": args.sizing.media_port_min,
                    "to_port": args.sizing.media_port_max,
                    "security_groups": [args.turn_security_group_id],
                    "description": "Relayed media from TURN",
                },
            ],
            egress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": ["0.0.0.0/0"],
                    "description": "AWS APIs and packages over HTTPS",
                },
                {
                    "protocol": "udp",
                    "from_port": 3478,
                    "to_port": 3478,
                    "cidr_blocks": [args.vpc_cidr],
                    "description": "TURN allocations",
                },
                {
                    "protocol": "tcp",
                    "from_port": 5349,
                    "to_port": 5349,
                    "cidr_blocks": [args.vpc_cidr],
                    "description": "TURN over TLS",
                },
            ],
            tags=tags,
            opts=child,
        )
        self.boot_policy = aws.iam.RolePolicy(
            f"{name}-boot-policy",
            role=self.role.id,
            policy=pulumi.Output.all(
                args.account_id, args.ebs_key_arn, args.artifacts_bucket_arn
            ).apply(
                lambda values: to_json(
                    media_node_boot_policy(
                        args.region,
                        values[0],
                        args.name_prefix,
                        values[1],
                        values[2],
                        args.wheel_key,
                    )
                )
            ),
            opts=child,
        )
        requirements = load_node_requirements()
        user_data = pulumi.Output.all(
            args.recording_bucket, args.recording_key_arn, args.artifacts_bucket
        ).apply(
            lambda values: base64.b64encode(
                media_node_user_data(
                    node_settings(
                        args.region, args.name_prefix, args.turn_realm, values[0], values[1]
                    ),
                    args.stack_config,
                    NodeArtifact(values[2], args.wheel_key, args.wheel_sha256, args.wheel_filename),
                    requirements,
                ).encode()
            ).decode()
        )
        self.launch_template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            region=args.region,
            image_id=args.sizing.ami,
            instance_type=args.sizing.instance_type,
            iam_instance_profile={"arn": profile.arn},
            metadata_options=instance_metadata_options(),
            vpc_security_group_ids=[self.security_group.id],
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "encrypted": "true",
                        "kms_key_id": args.ebs_key_arn,
                        "volume_type": "gp3",
                        "volume_size": 32,
                        "delete_on_termination": "true",
                    },
                }
            ],
            user_data=user_data,
            update_default_version=True,
            tag_specifications=[
                {"resource_type": "instance", "tags": tags},
                {"resource_type": "volume", "tags": tags},
            ],
            tags=tags,
            opts=child,
        )
        self.group = aws.autoscaling.Group(
            f"{name}-asg",
            region=args.region,
            vpc_zone_identifiers=list(args.subnet_ids),
            min_size=args.sizing.min_size,
            max_size=args.sizing.max_size,
            desired_capacity=args.sizing.min_size,
            health_check_type="EC2",
            launch_template={"id": self.launch_template.id, "version": "$Latest"},
            tags=[
                {"key": key, "value": value, "propagate_at_launch": True}
                for key, value in sorted(tags.items())
            ],
            opts=child,
        )
        self.register_outputs(
            {
                "role_arn": self.role.arn,
                "security_group_id": self.security_group.id,
                "asg": self.group.name,
            }
        )
