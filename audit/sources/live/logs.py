"""CloudWatch Logs log groups of one region: retention and KMS key."""

from __future__ import annotations

from collections.abc import Sequence

from ...facts import Fact
from .client import Api, Unavailable
from .props import LiveProps, tags_of
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect", "facts"]


def collect(api: Api, region: str) -> tuple[list[LiveRecord], list[Unlisted]]:
    groups = api.pages("logs", region, "describe_log_groups", "logGroups")
    if isinstance(groups, Unavailable):
        return [], [Unlisted("log_group", region, groups)]
    records = []
    for group in groups:
        name = str(group["logGroupName"])
        tags = api.call("logs", region, "list_tags_log_group", logGroupName=name)
        arn = str(group.get("arn") or name).removesuffix(":*")
        records.append(LiveRecord("log_group", name, region, arn, {"group": group, "tags": tags}))
    return records, []


def _fact(record: LiveRecord) -> Fact:
    group = record.data["group"]
    props = LiveProps()
    tags = record.data["tags"]
    tags_of(
        props,
        tags
        if isinstance(tags, Unavailable)
        else [{"Key": k, "Value": v} for k, v in (tags.get("tags") or {}).items()],
    )
    retention = group.get("retentionInDays")
    # Absent: CloudWatch keeps log events forever (0 here).
    props.set("retention_days", int(retention) if retention else 0, default=not retention)
    props.set("kms_key_id", group.get("kmsKeyId"), default=not group.get("kmsKeyId"))
    return Fact("log_group", record.id, record.region, record.arn, props.to_dict())


def facts(records: Sequence[LiveRecord]) -> list[Fact]:
    return [_fact(r) for r in records if r.kind == "log_group"]
