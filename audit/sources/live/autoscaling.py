"""Auto Scaling groups of one region: which launch template runs in which subnets (the
media-node subnets a TURN relay may reach)."""

from __future__ import annotations

from .client import Api, Unavailable
from .snapshot import LiveRecord, Unlisted

__all__ = ["collect"]


def collect(api: Api, region: str) -> tuple[list[LiveRecord], list[Unlisted]]:
    groups = api.pages("autoscaling", region, "describe_auto_scaling_groups", "AutoScalingGroups")
    if isinstance(groups, Unavailable):
        # Without the groups the media-node subnets are unknown: the TURN peer rule errors.
        return [], []
    return [
        LiveRecord(
            "autoscaling_group",
            str(g["AutoScalingGroupName"]),
            region,
            str(g.get("AutoScalingGroupARN") or g["AutoScalingGroupName"]),
            {"group": g},
        )
        for g in groups
    ], []
