"""The account's detective controls in one region: GuardDuty, Security Hub, the AWS Config
recorder and IAM Access Analyzer. One ``detective_controls`` fact per region."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...facts import Fact
from .client import ABSENT, Api, Unavailable
from .props import LiveProps
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect", "facts"]


def collect(api: Api, region: str, account: str) -> tuple[list[LiveRecord], list[Unlisted]]:
    data: dict[str, Any] = {}
    detectors = api.pages("guardduty", region, "list_detectors", "DetectorIds")
    data["guardduty"] = (
        detectors
        if isinstance(detectors, Unavailable)
        else [api.call("guardduty", region, "get_detector", DetectorId=d) for d in detectors]
    )
    data["securityhub"] = api.call("securityhub", region, "describe_hub")
    data["config"] = api.call("config", region, "describe_configuration_recorder_status")
    data["access_analyzer"] = api.pages("accessanalyzer", region, "list_analyzers", "analyzers")
    arn = f"arn:aws:iam::{account}:root#{region}"
    return [LiveRecord("detective_controls", region, region, arn, data)], []


def _guardduty(response: Any) -> Any:
    if isinstance(response, Unavailable):
        return response
    failed = next((d for d in response if isinstance(d, Unavailable)), None)
    return failed or any(isinstance(d, Mapping) and d.get("Status") == "ENABLED" for d in response)


def _fact(record: LiveRecord) -> Fact:
    data = record.data
    props = LiveProps()
    guardduty = _guardduty(data["guardduty"])
    if isinstance(guardduty, Unavailable):
        props.unknown_because("guardduty_enabled", guardduty)
    else:
        props.set("guardduty_enabled", bool(guardduty))
    hub = data["securityhub"]
    if isinstance(hub, Unavailable):
        props.unknown_because("securityhub_enabled", hub)
    else:
        props.set("securityhub_enabled", hub is not ABSENT and bool(hub.get("HubArn")))
    config = data["config"]
    if isinstance(config, Unavailable):
        props.unknown_because("config_recording", config)
    else:
        statuses = [] if config is ABSENT else config.get("ConfigurationRecordersStatus") or []
        props.set("config_recording", any(s.get("recording") for s in statuses))
    analyzers = data["access_analyzer"]
    if isinstance(analyzers, Unavailable):
        props.unknown_because("access_analyzer_active", analyzers)
    else:
        props.set("access_analyzer_active", any(a.get("status") == "ACTIVE" for a in analyzers))
    return Fact("detective_controls", record.id, record.region, record.arn, props.to_dict())


def facts(records: Sequence[LiveRecord]) -> list[Fact]:
    return [_fact(r) for r in records if r.kind == "detective_controls"]
