"""SSM Parameter Store parameters of one region: name, type and key, never the value.

Only ``DescribeParameters`` and ``ListTagsForResource`` are called; ``GetParameter*`` is
neither called nor in the read-only policy, so the scan cannot read a secret.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...facts import Fact
from ...pulumi_facts import SSM_DEFAULT_KEY
from .client import Api, Unavailable
from .props import LiveProps, tags_of
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect", "facts"]


def collect(api: Api, region: str, account: str) -> tuple[list[LiveRecord], list[Unlisted]]:
    parameters = api.pages("ssm", region, "describe_parameters", "Parameters")
    if isinstance(parameters, Unavailable):
        return [], [Unlisted("ssm_parameter", region, parameters)]
    records = []
    for parameter in parameters:
        name = str(parameter["Name"])
        tags = api.call(
            "ssm", region, "list_tags_for_resource", ResourceType="Parameter", ResourceId=name
        )
        path = name if name.startswith("/") else f"/{name}"
        arn = str(parameter.get("ARN") or f"arn:aws:ssm:{region}:{account}:parameter{path}")
        records.append(
            LiveRecord("ssm_parameter", name, region, arn, {"parameter": parameter, "tags": tags})
        )
    return records, []


def _fact(record: LiveRecord) -> Fact:
    parameter = record.data["parameter"]
    props = LiveProps()
    tags_of(props, record.data["tags"], "TagList")
    props.set("name", record.id)
    type_ = str(parameter.get("Type") or "")
    props.set("type", type_ or None)
    if type_ == "SecureString":
        key = parameter.get("KeyId")
        props.set("kms_key_id", str(key or SSM_DEFAULT_KEY), default=not key)
    else:
        props.set("kms_key_id", None)
    return Fact("ssm_parameter", record.id, record.region, record.arn, props.to_dict())


def facts(records: Sequence[LiveRecord]) -> list[Fact]:
    return [_fact(r) for r in records if r.kind == "ssm_parameter"]
