"""CloudTrail trails homed in one region (a multi-region trail is read once, at home), with
status and event selectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...facts import Fact
from ...pulumi_facts import _s3_data_selectors
from .client import Api, Unavailable
from .props import LiveProps, tags_of
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect", "facts"]


def collect(api: Api, region: str) -> tuple[list[LiveRecord], list[Unlisted]]:
    described = api.call("cloudtrail", region, "describe_trails", includeShadowTrails=False)
    if isinstance(described, Unavailable):
        return [], [Unlisted("trail", region, described)]
    records = []
    for trail in described.get("trailList") or []:
        arn = str(trail["TrailARN"])
        data: dict[str, Any] = {"trail": trail}
        data["status"] = api.call("cloudtrail", region, "get_trail_status", Name=arn)
        data["selectors"] = api.call("cloudtrail", region, "get_event_selectors", TrailName=arn)
        tags = api.call("cloudtrail", region, "list_tags", ResourceIdList=[arn])
        data["tags"] = (
            tags
            if isinstance(tags, Unavailable)
            else ((tags.get("ResourceTagList") or [{}])[0].get("TagsList") or [])
        )
        records.append(LiveRecord("trail", str(trail["Name"]), region, arn, data))
    return records, []


def _camel(value: Any) -> Any:
    """boto3's PascalCase keys as pulumi-aws's camelCase, to share one selector reading."""
    if isinstance(value, Mapping):
        return {str(k)[:1].lower() + str(k)[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _trail_fact(record: LiveRecord, recording_buckets: Sequence[str] | None) -> Fact:
    trail = record.data["trail"]
    props = LiveProps()
    tags_of(props, record.data["tags"])
    status = record.data["status"]
    props.read("logging_enabled", status, lambda r: bool(r.get("IsLogging")), False)
    props.set("log_file_validation", bool(trail.get("LogFileValidationEnabled")))
    props.set("multi_region", bool(trail.get("IsMultiRegionTrail")))
    props.set("kms_key_id", trail.get("KmsKeyId"))
    props.set("s3_bucket", trail.get("S3BucketName"))
    selectors = record.data["selectors"]
    if isinstance(selectors, Unavailable):
        props.unknown_because("s3_data_events", selectors)
        props.unknown_because("s3_data_selectors", selectors)
    else:
        read = _s3_data_selectors(_camel(selectors))
        props.set("s3_data_events", bool(read))
        props.set("s3_data_selectors", read)
    if recording_buckets is None:
        props.values["recording_buckets"] = None
        props.unknown["recording_buckets"] = "a bucket's purpose could not be read"
    else:
        props.set("recording_buckets", sorted(recording_buckets))
    return Fact("trail", record.id, record.region, record.arn, props.to_dict())


def facts(records: Sequence[LiveRecord], recording_buckets: Sequence[str] | None) -> list[Fact]:
    return [_trail_fact(r, recording_buckets) for r in records if r.kind == "trail"]
