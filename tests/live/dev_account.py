"""Build an AWS account on moto from the dev stack's plan: every modelled resource the Pulumi
program declares (``python -m infra.synth --stack dev``), created with boto3 as ``pulumi up``
would, the plan's placeholder ids and account replaced by the real ones as they appear."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLAN_ACCOUNT = "123456789012"


@dataclass
class Account:
    session: Any
    endpoint_url: str
    account_id: str
    region: str
    ids: dict[str, str] = field(default_factory=dict)
    """Plan id (or ARN) -> the real one."""

    def client(self, service: str, region: str | None = None) -> Any:
        return self.session.client(
            service, region_name=region or self.region, endpoint_url=self.endpoint_url
        )

    def real(self, value: Any) -> Any:
        """``value`` with the plan's ids and account replaced by the real ones."""
        text = json.dumps(value)
        for planned, live in sorted(self.ids.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(planned, live)
        return json.loads(text.replace(PLAN_ACCOUNT, self.account_id))


def _tags(
    inputs: Mapping[str, Any], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in (inputs.get("tags") or {}).items()]


@dataclass(frozen=True)
class Declared:
    type: str
    id: str
    name: str
    inputs: dict[str, Any]


def declared(stack: str = "dev") -> list[Declared]:
    """What ``python -m infra.synth --stack dev`` prints (run apart: Pulumi's mocks want an
    event loop of their own)."""
    printed = subprocess.run(
        [sys.executable, "-m", "infra.synth", "--stack", stack],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    return [
        Declared(r["type"], str(r["id"]), r["name"], r.get("inputs") or {})
        for r in json.loads(printed)
        if r.get("custom")
    ]


def _by_type(resources: list[Any], type_: str) -> list[Any]:
    return [r for r in resources if r.type == type_]


def _remove_default_vpc(account: Account, region: str) -> None:
    """A hardened account has no default VPC (it would have no flow logs)."""
    ec2 = account.client("ec2", region)
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
            "Subnets"
        ]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        ec2.delete_vpc(VpcId=vpc["VpcId"])


def _keys(account: Account, resources: list[Any]) -> None:
    kms = account.client("kms")
    for key in _by_type(resources, "aws:kms/key:Key"):
        inputs = key.inputs
        meta = kms.create_key(
            Description=inputs.get("description", key.name),
            KeyUsage=inputs.get("keyUsage", "ENCRYPT_DECRYPT"),
            Tags=_tags(inputs, "TagKey", "TagValue"),
        )["KeyMetadata"]
        account.ids[str(key.id)] = meta["KeyId"]
        if inputs.get("enableKeyRotation"):
            kms.enable_key_rotation(KeyId=meta["KeyId"])
    for key in _by_type(resources, "aws:kms/key:Key"):
        if key.inputs.get("policy"):
            kms.put_key_policy(
                KeyId=account.ids[str(key.id)],
                PolicyName="default",
                Policy=account.real(key.inputs["policy"]),
            )
    for alias in _by_type(resources, "aws:kms/alias:Alias"):
        kms.create_alias(
            AliasName=alias.inputs["name"],
            TargetKeyId=account.real(alias.inputs["targetKeyId"]),
        )


def _roles(account: Account, resources: list[Any]) -> None:
    iam = account.client("iam")
    for role in _by_type(resources, "aws:iam/role:Role"):
        iam.create_role(
            RoleName=str(role.id),
            AssumeRolePolicyDocument=account.real(role.inputs["assumeRolePolicy"]),
            Tags=_tags(role.inputs),
        )
    for profile in _by_type(resources, "aws:iam/instanceProfile:InstanceProfile"):
        iam.create_instance_profile(InstanceProfileName=str(profile.id))
        iam.add_role_to_instance_profile(
            InstanceProfileName=str(profile.id), RoleName=profile.inputs["role"]
        )


def _role_policies(account: Account, resources: list[Any]) -> None:
    """After the keys: the policies name them."""
    iam = account.client("iam")
    for policy in _by_type(resources, "aws:iam/rolePolicy:RolePolicy"):
        iam.put_role_policy(
            RoleName=policy.inputs["role"],
            PolicyName=policy.name,
            PolicyDocument=account.real(policy.inputs["policy"]),
        )
    for attachment in _by_type(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        iam.attach_role_policy(
            RoleName=attachment.inputs["role"], PolicyArn=attachment.inputs["policyArn"]
        )


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "ID": rule["id"],
        "Status": rule["status"],
        "Filter": {"Prefix": (rule.get("filter") or {}).get("prefix", "")},
    }
    if "expiration" in rule:
        converted["Expiration"] = {"Days": rule["expiration"]["days"]}
    if "noncurrentVersionExpiration" in rule:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": rule["noncurrentVersionExpiration"]["noncurrentDays"]
        }
    if "abortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"]
        }
    return converted


def _attached(resources: list[Any], type_: str, bucket: str) -> list[Any]:
    return [r for r in _by_type(resources, type_) if r.inputs.get("bucket") == bucket]


def _buckets(account: Account, resources: list[Any]) -> None:
    s3 = account.client("s3")
    for bucket in _by_type(resources, "aws:s3/bucket:Bucket"):
        name = str(bucket.id)
        region = bucket.inputs.get("region", account.region)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(bucket.inputs)})
        prefix = "aws:s3/"
        for sse in _attached(
            resources,
            prefix + "bucketServerSideEncryptionConfiguration:"
            "BucketServerSideEncryptionConfiguration",
            name,
        ):
            rule = account.real(sse.inputs["rules"][0])
            default = rule["applyServerSideEncryptionByDefault"]
            by_default = {"SSEAlgorithm": default["sseAlgorithm"]}
            if default.get("kmsMasterKeyId"):
                by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": by_default,
                            "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled")),
                        }
                    ]
                },
            )
        for block in _attached(
            resources, prefix + "bucketPublicAccessBlock:BucketPublicAccessBlock", name
        ):
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    k[0].upper() + k[1:]: bool(block.inputs.get(k))
                    for k in (
                        "blockPublicAcls",
                        "blockPublicPolicy",
                        "ignorePublicAcls",
                        "restrictPublicBuckets",
                    )
                },
            )
        for controls in _attached(
            resources, prefix + "bucketOwnershipControls:BucketOwnershipControls", name
        ):
            s3.put_bucket_ownership_controls(
                Bucket=name,
                OwnershipControls={
                    "Rules": [{"ObjectOwnership": controls.inputs["rule"]["objectOwnership"]}]
                },
            )
        for versioning in _attached(resources, prefix + "bucketVersioning:BucketVersioning", name):
            status = versioning.inputs["versioningConfiguration"]["status"]
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
        for lifecycle in _attached(
            resources, prefix + "bucketLifecycleConfiguration:BucketLifecycleConfiguration", name
        ):
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={
                    "Rules": [_lifecycle_rule(r) for r in lifecycle.inputs["rules"]]
                },
            )
    for bucket in _by_type(resources, "aws:s3/bucket:Bucket"):
        for logging in _attached(resources, "aws:s3/bucketLogging:BucketLogging", str(bucket.id)):
            # moto checks log delivery may write; the plan's own policy replaces this below.
            s3.put_bucket_policy(
                Bucket=logging.inputs["targetBucket"],
                Policy=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "logging.s3.amazonaws.com"},
                                "Action": "s3:PutObject",
                                "Resource": f"arn:aws:s3:::{logging.inputs['targetBucket']}/*",
                            }
                        ],
                    }
                ),
            )
            s3.put_bucket_logging(
                Bucket=str(bucket.id),
                BucketLoggingStatus={
                    "LoggingEnabled": {
                        "TargetBucket": logging.inputs["targetBucket"],
                        "TargetPrefix": logging.inputs.get("targetPrefix", ""),
                    }
                },
            )
    # After logging: moto 5.2.5 cannot read a target's policy whose Principal is "*".
    for bucket in _by_type(resources, "aws:s3/bucket:Bucket"):
        for policy in _attached(resources, "aws:s3/bucketPolicy:BucketPolicy", str(bucket.id)):
            s3.put_bucket_policy(
                Bucket=str(bucket.id), Policy=account.real(policy.inputs["policy"])
            )


def _network(account: Account, resources: list[Any]) -> None:
    ec2 = account.client("ec2")
    logs = account.client("logs")
    for group in _by_type(resources, "aws:cloudwatch/logGroup:LogGroup"):
        inputs = account.real(group.inputs)
        logs.create_log_group(
            logGroupName=inputs["name"], kmsKeyId=inputs["kmsKeyId"], tags=inputs.get("tags", {})
        )
        logs.put_retention_policy(
            logGroupName=inputs["name"], retentionInDays=inputs["retentionInDays"]
        )
    for vpc in _by_type(resources, "aws:ec2/vpc:Vpc"):
        created = ec2.create_vpc(
            CidrBlock=vpc.inputs["cidrBlock"],
            TagSpecifications=[{"ResourceType": "vpc", "Tags": _tags(vpc.inputs)}],
        )["Vpc"]
        account.ids[str(vpc.id)] = created["VpcId"]
    for subnet in _by_type(resources, "aws:ec2/subnet:Subnet"):
        created = ec2.create_subnet(
            VpcId=account.real(subnet.inputs["vpcId"]),
            CidrBlock=subnet.inputs["cidrBlock"],
            AvailabilityZone=subnet.inputs["availabilityZone"],
            TagSpecifications=[{"ResourceType": "subnet", "Tags": _tags(subnet.inputs)}],
        )["Subnet"]
        account.ids[str(subnet.id)] = created["SubnetId"]
    for flow_log in _by_type(resources, "aws:ec2/flowLog:FlowLog"):
        inputs = account.real(flow_log.inputs)
        ec2.create_flow_logs(
            ResourceIds=[inputs["vpcId"]],
            ResourceType="VPC",
            TrafficType=inputs["trafficType"],
            LogDestinationType=inputs["logDestinationType"],
            LogDestination=inputs["logDestination"],
            DeliverLogsPermissionArn=inputs["iamRoleArn"],
        )
    for group in _by_type(resources, "aws:ec2/securityGroup:SecurityGroup"):
        inputs = account.real(group.inputs)
        created = ec2.create_security_group(
            GroupName=f"{group.name}-a1b2c3d",  # Pulumi's auto-name suffix
            Description=inputs.get("description") or group.name,
            VpcId=inputs["vpcId"],
            TagSpecifications=[{"ResourceType": "security-group", "Tags": _tags(inputs)}],
        )
        account.ids[str(group.id)] = created["GroupId"]
    for group in _by_type(resources, "aws:ec2/securityGroup:SecurityGroup"):
        inputs = account.real(group.inputs)
        permissions = []
        for rule in inputs.get("ingress") or []:
            permission: dict[str, Any] = {
                "IpProtocol": rule["protocol"],
                "FromPort": rule["fromPort"],
                "ToPort": rule["toPort"],
                "IpRanges": [
                    {"CidrIp": c, "Description": rule.get("description", "")}
                    for c in rule.get("cidrBlocks") or []
                ],
            }
            if rule.get("securityGroups"):
                permission["UserIdGroupPairs"] = [
                    {"GroupId": g, "Description": rule.get("description", "")}
                    for g in rule["securityGroups"]
                ]
            permissions.append(permission)
        if permissions:
            ec2.authorize_security_group_ingress(
                GroupId=account.ids[str(group.id)], IpPermissions=permissions
            )
    for default in _by_type(resources, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"):
        vpc_id = account.real(default.inputs["vpcId"])
        group = ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]
        if group.get("IpPermissions"):
            ec2.revoke_security_group_ingress(
                GroupId=group["GroupId"], IpPermissions=group["IpPermissions"]
            )
        ec2.create_tags(Resources=[group["GroupId"]], Tags=_tags(default.inputs))
        account.ids[str(default.id)] = group["GroupId"]


def _user_data(inputs: Mapping[str, Any]) -> str:
    if inputs.get("userDataBase64"):
        return str(inputs["userDataBase64"])
    return base64.b64encode(str(inputs.get("userData", "")).encode()).decode()


def _profile(inputs: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The host's instance profile as EC2 takes it (a launch template: ``{Arn}``, an instance
    here: ``{Name}``), so the auditor can find the role a media node runs under."""
    profile = inputs.get("iamInstanceProfile")
    if not profile:
        return {}
    value = profile.get(key.lower()) if isinstance(profile, Mapping) else profile
    return {"IamInstanceProfile": {key: value}}


def _hosts(account: Account, resources: list[Any]) -> None:
    ec2 = account.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    for template in _by_type(resources, "aws:ec2/launchTemplate:LaunchTemplate"):
        inputs = account.real(template.inputs)
        metadata = inputs.get("metadataOptions") or {}
        created = ec2.create_launch_template(
            LaunchTemplateName=template.name,
            LaunchTemplateData={
                "ImageId": image,
                "InstanceType": inputs.get("instanceType", "c6i.large"),
                "MetadataOptions": {
                    "HttpTokens": metadata.get("httpTokens", "optional"),
                    "HttpEndpoint": metadata.get("httpEndpoint", "enabled"),
                },
                "BlockDeviceMappings": [
                    {
                        "DeviceName": m["deviceName"],
                        "Ebs": {
                            "Encrypted": str(m["ebs"].get("encrypted")).lower() == "true",
                            "VolumeSize": m["ebs"].get("volumeSize", 8),
                        },
                    }
                    for m in inputs.get("blockDeviceMappings") or []
                ],
                "UserData": inputs["userData"],  # a launch template's user data is base64
                **_profile(inputs, "Arn"),
            },
            TagSpecifications=[{"ResourceType": "launch-template", "Tags": _tags(inputs)}],
        )["LaunchTemplate"]
        account.ids[str(template.id)] = created["LaunchTemplateId"]
    for group in _by_type(resources, "aws:autoscaling/group:Group"):
        inputs = account.real(group.inputs)
        account.client("autoscaling").create_auto_scaling_group(
            AutoScalingGroupName=group.name,
            LaunchTemplate={
                "LaunchTemplateId": inputs["launchTemplate"]["id"],
                "Version": "$Latest",
            },
            MinSize=0,
            MaxSize=inputs["maxSize"],
            DesiredCapacity=0,  # instances of the group are not modelled by the plan
            VPCZoneIdentifier=",".join(inputs["vpcZoneIdentifiers"]),
        )
    for instance in _by_type(resources, "aws:ec2/instance:Instance"):
        inputs = account.real(instance.inputs)
        root = inputs.get("rootBlockDevice") or {}
        metadata = inputs.get("metadataOptions") or {}
        created = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType=inputs.get("instanceType", "c6i.large"),
            NetworkInterfaces=[
                {
                    "DeviceIndex": 0,
                    "SubnetId": inputs["subnetId"],
                    "Groups": inputs.get("vpcSecurityGroupIds") or [],
                    "AssociatePublicIpAddress": bool(inputs.get("associatePublicIpAddress")),
                }
            ],
            MetadataOptions={
                "HttpTokens": metadata.get("httpTokens", "optional"),
                "HttpEndpoint": metadata.get("httpEndpoint", "enabled"),
            },
            BlockDeviceMappings=[
                {
                    "DeviceName": "/dev/xvda",
                    "Ebs": {"Encrypted": bool(root.get("encrypted")), "VolumeSize": 8},
                }
            ],
            UserData=base64.b64decode(_user_data(inputs)).decode(),
            **_profile(inputs, "Name"),
            TagSpecifications=[
                {
                    "ResourceType": "instance",
                    "Tags": [*_tags(inputs), {"Key": "Name", "Value": instance.name}],
                }
            ],
        )["Instances"][0]
        account.ids[str(instance.id)] = created["InstanceId"]


def _parameters(account: Account, resources: list[Any]) -> None:
    """The plan's parameters with a stand-in value (the scan never reads values)."""
    for parameter in _by_type(resources, "aws:ssm/parameter:Parameter"):
        inputs = account.real(parameter.inputs)
        extra = {"KeyId": inputs["keyId"]} if inputs.get("keyId") else {}
        account.client("ssm", inputs.get("region")).put_parameter(
            Name=inputs["name"],
            Type=inputs["type"],
            Value="moto-stand-in",
            Tags=_tags(inputs),
            **extra,
        )


def _trail(account: Account, resources: list[Any]) -> None:
    cloudtrail = account.client("cloudtrail")
    for trail in _by_type(resources, "aws:cloudtrail/trail:Trail"):
        inputs = account.real(trail.inputs)
        created = cloudtrail.create_trail(
            Name=inputs["name"],
            S3BucketName=inputs["s3BucketName"],
            IsMultiRegionTrail=bool(inputs.get("isMultiRegionTrail")),
            EnableLogFileValidation=bool(inputs.get("enableLogFileValidation")),
            KmsKeyId=inputs["kmsKeyId"],
            IncludeGlobalServiceEvents=bool(inputs.get("includeGlobalServiceEvents")),
            TagsList=_tags(inputs),
        )
        cloudtrail.put_event_selectors(
            TrailName=created["TrailARN"],
            EventSelectors=[
                {
                    "ReadWriteType": s["readWriteType"],
                    "IncludeManagementEvents": s["includeManagementEvents"],
                    "DataResources": [
                        {"Type": d["type"], "Values": d["values"]} for d in s["dataResources"]
                    ],
                }
                for s in inputs.get("eventSelectors") or []
            ],
        )
        if inputs.get("enableLogging", True):
            cloudtrail.start_logging(Name=created["TrailARN"])


def enable_detective_controls(account: Account, region: str) -> None:
    """GuardDuty, Security Hub and a Config recorder (moto has no Access Analyzer)."""
    account.client("guardduty", region).create_detector(Enable=True)
    account.client("securityhub", region).enable_security_hub()
    config = account.client("config", region)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account.account_id}:role/aws-config",
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": "callvault-dev-audit-logs"}
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")


def build_dev_account(account: Account, regions: tuple[str, ...]) -> list[Any]:
    """The dev stack as ``pulumi up`` would leave it, in an account hardened in ``regions``
    (no default VPC, detective controls on); returns the declared resources."""
    resources = declared("dev")
    for region in regions:
        _remove_default_vpc(account, region)
    _roles(account, resources)
    _keys(account, resources)
    _role_policies(account, resources)
    _buckets(account, resources)
    _network(account, resources)
    _hosts(account, resources)
    _parameters(account, resources)
    _trail(account, resources)
    for region in regions:
        enable_detective_controls(account, region)
    return resources
