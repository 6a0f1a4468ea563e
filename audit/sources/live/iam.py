"""IAM roles (global) with inline and attached policies, trust and tags. The documents of the
account's own attached policies join the role's statements; AWS-managed ones are judged by
name. Service-linked and
SSO-reserved roles (paths ``/aws-service-role/``, ``/aws-reserved/``) are AWS's, not ours."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ...facts import Fact
from ...policy_analysis import allows_public_access, normalize_statements, parse_policy
from ...pulumi_facts import AWS_MANAGED_POLICY
from ...workloads import workload_hint
from .client import ABSENT, Api, Unavailable
from .props import LiveProps, tags_of
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect", "facts"]

HOME_REGION = "us-east-1"
_AWS_PATHS = ("/aws-service-role/", "/aws-reserved/")


def _role(api: Api, role: dict[str, Any]) -> LiveRecord:
    name = str(role["RoleName"])
    data: dict[str, Any] = {"role": role}
    inline = api.pages("iam", HOME_REGION, "list_role_policies", "PolicyNames", RoleName=name)
    data["inline"] = (
        inline
        if isinstance(inline, Unavailable)
        else [
            api.call("iam", HOME_REGION, "get_role_policy", RoleName=name, PolicyName=p)
            for p in inline
        ]
    )
    data["attached"] = api.pages(
        "iam", HOME_REGION, "list_attached_role_policies", "AttachedPolicies", RoleName=name
    )
    data["tags"] = api.pages("iam", HOME_REGION, "list_role_tags", "Tags", RoleName=name)
    data["profiles"] = api.pages(
        "iam",
        HOME_REGION,
        "list_instance_profiles_for_role",
        "InstanceProfiles",
        RoleName=name,
    )
    return LiveRecord("iam_role", name, None, str(role["Arn"]), data)


def _customer_managed(record: LiveRecord) -> list[str]:
    attached = record.data["attached"]
    if isinstance(attached, Unavailable):
        return []
    arns = (str(p["PolicyArn"]) for p in attached)
    return [a for a in arns if not AWS_MANAGED_POLICY.match(a)]


def _document(api: Api, arn: str) -> Any:
    """The default version's document of one of the account's own managed policies."""
    policy = api.call("iam", HOME_REGION, "get_policy", PolicyArn=arn)
    if policy is ABSENT:  # detached and deleted while we read: its grant is not known
        return Unavailable("iam:GetPolicy", "NoSuchEntity")
    if isinstance(policy, Unavailable):
        return policy
    version = str(policy["Policy"]["DefaultVersionId"])
    document = api.call("iam", HOME_REGION, "get_policy_version", PolicyArn=arn, VersionId=version)
    return Unavailable("iam:GetPolicyVersion", "NoSuchEntity") if document is ABSENT else document


def collect(api: Api, workers: int = 8) -> tuple[list[LiveRecord], list[Unlisted]]:
    roles = api.pages("iam", HOME_REGION, "list_roles", "Roles")
    if isinstance(roles, Unavailable):
        return [], [Unlisted("iam_role", None, roles)]
    ours = [r for r in roles if not str(r.get("Path", "/")).startswith(_AWS_PATHS)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        records = list(pool.map(lambda r: _role(api, r), ours))
        # Each of the account's own policies once, however many roles attach it.
        arns = sorted({a for r in records for a in _customer_managed(r)})
        documents = dict(zip(arns, pool.map(lambda a: _document(api, a), arns), strict=True))
    return [
        LiveRecord(
            r.kind,
            r.id,
            r.region,
            r.arn,
            {**r.data, "documents": {a: documents[a] for a in _customer_managed(r)}},
        )
        for r in records
    ], []


def _role_fact(record: LiveRecord) -> Fact:
    data = record.data
    props = LiveProps()
    tags = tags_of(props, data["tags"])
    # The name and tag are a hint for the report; audit/workloads.py decides by behaviour.
    props.set("workload_hint", workload_hint(record.id, tags))
    profiles = data["profiles"]
    if isinstance(profiles, Unavailable):
        props.unknown_because("instance_profiles", profiles)
    else:
        props.set("instance_profiles", sorted({str(p["InstanceProfileName"]) for p in profiles}))
    inline = data["inline"]
    failed = (
        inline
        if isinstance(inline, Unavailable)
        else next((p for p in inline if isinstance(p, Unavailable)), None)
    )
    readable = True
    if failed is not None:
        props.unknown_because("statements", failed)
    else:
        statements: list[dict[str, Any]] = []
        for response in inline:
            try:
                policy = parse_policy(response.get("PolicyDocument"))
            except ValueError:
                readable = False
                continue
            statements += normalize_statements(policy)
        for response in data.get("documents", {}).values():
            if isinstance(response, Unavailable):
                props.unknown_because("statements", response)
                break
            try:
                policy = parse_policy(response["PolicyVersion"].get("Document"))
            except ValueError:
                readable = False
                continue
            statements += normalize_statements(policy)
        else:
            props.set("statements", statements)
    attached = data["attached"]
    if isinstance(attached, Unavailable):
        props.unknown_because("managed_policy_arns", attached)
    else:
        props.set("managed_policy_arns", sorted({str(p["PolicyArn"]) for p in attached}))
    try:
        trust = parse_policy(data["role"].get("AssumeRolePolicyDocument"))
    except ValueError:
        trust, readable = None, False
    props.set("trust_public", allows_public_access(trust))
    props.set("policies_readable", readable)
    return Fact("iam_role", record.id, None, record.arn, props.to_dict())


def facts(records: Sequence[LiveRecord]) -> list[Fact]:
    return [_role_fact(r) for r in records if r.kind == "iam_role"]
