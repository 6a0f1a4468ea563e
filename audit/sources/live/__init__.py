"""``live``: a boto3 scan of an AWS account into the shared facts model (docs/facts.md).

Fetching (:func:`scan`, through a :class:`ClientFactory`) is separate from the pure
:func:`facts_from_live`. One collector module per service: s3, kms, ec2 (security groups,
instances, launch templates, VPCs and flow logs), autoscaling, iam, cloudtrail, logs, ssm
(parameter types, never values) and detective (GuardDuty, Security Hub, Config, Access Analyzer).
"""

from __future__ import annotations

from .client import ABSENT, Api, Boto3ClientFactory, CallLog, ClientFactory, Unavailable
from .facts import facts_from_live
from .scan import enabled_regions, scan, tty_progress
from .snapshot import LiveRecord, Snapshot, Unlisted

__all__ = [
    "ABSENT",
    "Api",
    "Boto3ClientFactory",
    "CallLog",
    "ClientFactory",
    "LiveRecord",
    "Snapshot",
    "Unavailable",
    "Unlisted",
    "enabled_regions",
    "facts_from_live",
    "scan",
    "tty_progress",
]
