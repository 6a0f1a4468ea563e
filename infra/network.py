"""Network: a VPC across two AZs with flow logs to a KMS-encrypted, bounded log group."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.policy_documents import assume_role_policy, to_json

__all__ = ["Network", "NetworkArgs", "subnet_cidrs"]

AVAILABILITY_ZONE_SUFFIXES = ("a", "b")


@dataclass(frozen=True)
class NetworkArgs:
    region: str
    cidr: str
    """VPC CIDR, split into /20-ish public and private subnets per AZ."""
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    """Key for the flow-log group."""
    flow_log_retention_days: int
    tags: Mapping[str, str]


def subnet_cidrs(cidr: str) -> tuple[list[str], list[str]]:
    """(public, private) subnet CIDRs, one each per AZ, carved from ``cidr`` in order."""
    network = ipaddress.IPv4Network(cidr)
    subnets = [str(s) for s in network.subnets(prefixlen_diff=2)]
    count = len(AVAILABILITY_ZONE_SUFFIXES)
    return subnets[:count], subnets[count : 2 * count]


class Network(pulumi.ComponentResource):
    """Public subnets for the TURN servers, private ones for media nodes (reaching S3 and KMS
    through VPC endpoints), a locked default security group, and VPC flow logs."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("callvault:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        region = args.region
        tags = dict(args.tags)
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            region=region,
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=tags,
            opts=child,
        )
        # No rules: nothing can use the default security group by accident.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", region=region, vpc_id=self.vpc.id, tags=tags, opts=child
        )
        public_cidrs, private_cidrs = subnet_cidrs(args.cidr)
        zones = [f"{region}{suffix}" for suffix in AVAILABILITY_ZONE_SUFFIXES]
        self.public_subnets = [
            aws.ec2.Subnet(
                f"{name}-public-{zone[-1]}",
                region=region,
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={**tags, "tier": "public"},
                opts=child,
            )
            for zone, cidr in zip(zones, public_cidrs, strict=True)
        ]
        self.private_subnets = [
            aws.ec2.Subnet(
                f"{name}-private-{zone[-1]}",
                region=region,
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={**tags, "tier": "private"},
                opts=child,
            )
            for zone, cidr in zip(zones, private_cidrs, strict=True)
        ]
        self.private_cidrs = private_cidrs
        self._create_routing(name, region, tags)
        self._create_flow_logs(name, args, tags)
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "public_subnet_ids": [s.id for s in self.public_subnets],
                "private_subnet_ids": [s.id for s in self.private_subnets],
            }
        )

    def _create_routing(self, name: str, region: str, tags: dict[str, str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        gateway = aws.ec2.InternetGateway(
            f"{name}-igw", region=region, vpc_id=self.vpc.id, tags=tags, opts=child
        )
        public_routes = aws.ec2.RouteTable(
            f"{name}-public-rt",
            region=region,
            vpc_id=self.vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            tags=tags,
            opts=child,
        )
        nat_ip = aws.ec2.Eip(f"{name}-nat-ip", region=region, domain="vpc", tags=tags, opts=child)
        nat = aws.ec2.NatGateway(
            f"{name}-nat",
            region=region,
            subnet_id=self.public_subnets[0].id,
            allocation_id=nat_ip.id,
            tags=tags,
            opts=child,
        )
        private_routes = aws.ec2.RouteTable(
            f"{name}-private-rt",
            region=region,
            vpc_id=self.vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
            tags=tags,
            opts=child,
        )
        for tier, subnets, table in (
            ("public", self.public_subnets, public_routes),
            ("private", self.private_subnets, private_routes),
        ):
            for suffix, subnet in zip(AVAILABILITY_ZONE_SUFFIXES, subnets, strict=True):
                aws.ec2.RouteTableAssociation(
                    f"{name}-{tier}-{suffix}-rta",
                    region=region,
                    subnet_id=subnet.id,
                    route_table_id=table.id,
                    opts=child,
                )
        # Recordings and key requests stay on the AWS network, inside the region.
        aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint",
            region=region,
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[private_routes.id],
            tags=tags,
            opts=child,
        )
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            region=region,
            vpc_id=self.vpc.id,
            description="HTTPS from inside the VPC to interface endpoints",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": [self.vpc.cidr_block],
                    "description": "HTTPS from the VPC",
                }
            ],
            egress=[],
            tags=tags,
            opts=child,
        )
        aws.ec2.VpcEndpoint(
            f"{name}-kms-endpoint",
            region=region,
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.kms",
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=[s.id for s in self.private_subnets],
            security_group_ids=[endpoint_sg.id],
            tags=tags,
            opts=child,
        )

    def _create_flow_logs(self, name: str, args: NetworkArgs, tags: dict[str, str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            region=args.region,
            name=f"/callvault/{name}/vpc-flow-logs",
            retention_in_days=args.flow_log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags=tags,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: to_json(assume_role_policy("vpc-flow-logs.amazonaws.com", account))
            ),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs-policy",
            role=role.id,
            policy=log_group.arn.apply(
                lambda arn: to_json(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [arn, f"{arn}:*"],
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        self.flow_log = aws.ec2.FlowLog(
            f"{name}-flow-log",
            region=args.region,
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=tags,
            opts=child,
        )
        self.flow_log_group = log_group
