"""The seam between the live collectors and AWS: a client factory (a Protocol, so tests and
benches pass their own) and :class:`Api`, which turns every call into data.

A call returns its response, :data:`ABSENT` when AWS says the configuration does not exist
(no bucket policy, no lifecycle ...: the property then stands for its AWS default), or an
:class:`Unavailable` naming the IAM permission when AWS refused it (AccessDenied, throttled out
after retries, any other error). Collectors never raise for a single call: fail closed is
decided later, in the facts, where an :class:`Unavailable` makes its property unknown.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "ABSENT",
    "Api",
    "Boto3ClientFactory",
    "CallLog",
    "ClientFactory",
    "Unavailable",
    "permission_for",
]

# IAM prefixes of boto3 service names that differ, and actions named unlike their operation.
_PREFIX = {"accessanalyzer": "access-analyzer", "s3control": "s3"}
_ACTION = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls": "s3:GetBucketOwnershipControls",
    "s3:GetBucketAcl": "s3:GetBucketAcl",
    "s3:GetBucketLogging": "s3:GetBucketLogging",
    "s3:GetBucketTagging": "s3:GetBucketTagging",
    "s3:GetBucketVersioning": "s3:GetBucketVersioning",
}
_ACCOUNT_PAB = "s3:GetAccountPublicAccessBlock"

# AWS answers these when a configuration was never set: the property is absent (AWS default).
_NOT_CONFIGURED = frozenset(
    {
        "NoSuchBucketPolicy",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchLifecycleConfiguration",
        "NoSuchPublicAccessBlockConfiguration",
        "ReplicationConfigurationNotFoundError",
        "ObjectLockConfigurationNotFoundError",
        "OwnershipControlsNotFoundError",
        "NoSuchTagSet",
        "NoSuchEntity",
        "BadRequestException",  # Security Hub: the hub is not enabled in this region
        "InvalidAccessException",  # Security Hub: account not subscribed
    }
)


def permission_for(service: str, operation: str) -> str:
    """The IAM action an API operation needs (``s3``, ``GetBucketEncryption`` ->
    ``s3:GetEncryptionConfiguration``)."""
    if service == "s3control" and operation == "GetPublicAccessBlock":
        return _ACCOUNT_PAB
    action = f"{_PREFIX.get(service, service)}:{operation}"
    return _ACTION.get(action, action)


@dataclass(frozen=True)
class Unavailable:
    """A call AWS refused or that failed: the data it would have given is unknown."""

    permission: str
    """The IAM action, e.g. ``s3:GetBucketPolicy``."""
    error: str
    """AWS's error code (``AccessDenied``, ``ThrottlingException`` ...) or the exception."""

    @property
    def reason(self) -> str:
        return f"{self.error} on {self.permission}"


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""AWS says the configuration does not exist: the property stands for its AWS default."""


class ClientFactory(Protocol):
    """Creates (or returns a cached) boto3-compatible client for a service in a region."""

    def client(self, service: str, region: str) -> Any: ...


class CallLog:
    """Thread-safe count of API calls by IAM action (filled through botocore's event hooks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def record(self, service: str, operation: str) -> None:
        with self._lock:
            self.counts[permission_for(service, operation)] += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.counts.values())


class Boto3ClientFactory:
    """boto3 clients with standard/adaptive retries and timeouts, one per (service, region),
    optionally through an assumed role and a custom endpoint (moto, LocalStack)."""

    def __init__(
        self,
        *,
        profile: str | None = None,
        role_arn: str | None = None,
        endpoint_url: str | None = None,
        call_log: CallLog | None = None,
        max_attempts: int = 5,
        pool_size: int = 16,
        home_region: str = "eu-central-1",
    ) -> None:
        import boto3
        from botocore.config import Config

        self._session = boto3.Session(profile_name=profile)
        self._endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self.call_log = call_log if call_log is not None else CallLog()
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            connect_timeout=10,
            read_timeout=30,
            max_pool_connections=pool_size,
        )
        if role_arn:
            self._session = self._assume(role_arn, home_region)

    def _assume(self, role_arn: str, region: str) -> Any:
        import boto3

        sts = self._session.client(
            "sts", region_name=region, endpoint_url=self._endpoint_url, config=self._config
        )
        credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="gdpr-audit-live")[
            "Credentials"
        ]
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    def client(self, service: str, region: str) -> Any:
        with self._lock:  # boto3 sessions are not thread-safe; clients are
            key = (service, region)
            if key not in self._clients:
                client = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self._endpoint_url,
                    config=self._config,
                )
                log = self.call_log

                def _count(model: Any, **_: Any) -> None:
                    log.record(service, model.name)

                client.meta.events.register("before-call", _count)
                if service == "s3control" and self._endpoint_url:
                    client.meta.events.register("before-sign", _no_account_host)
                self._clients[key] = client
            return self._clients[key]


_ACCOUNT_HOST = re.compile(r"^(https?://)\d{12}\.")


def _no_account_host(request: Any, **_: Any) -> None:
    """S3 Control prefixes the account id to the host; a local endpoint (moto) has no such
    host name."""
    request.url = _ACCOUNT_HOST.sub(r"\1", request.url)


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code") or "")
        if code in ("403", "401"):
            return f"AccessDenied (HTTP {code})"
        if code:
            return code
    return type(error).__name__


class Api:
    """Calls through a :class:`ClientFactory`; every outcome is data (see the module doc)."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory

    def call(self, service: str, region: str, operation: str, **kwargs: Any) -> Any:
        """``operation`` is boto3's snake_case method name."""
        client = self.factory.client(service, region)
        try:
            return getattr(client, operation)(**kwargs)
        except Exception as error:  # noqa: BLE001 - every failure becomes an Unavailable
            code = _error_code(error)
            if code in _NOT_CONFIGURED:
                return ABSENT
            return Unavailable(permission_for(service, _camel(operation)), code)

    def pages(
        self, service: str, region: str, operation: str, key: str, **kwargs: Any
    ) -> list[Any] | Unavailable:
        """Every item under ``key`` across all pages, or the refusal of the listing itself."""
        client = self.factory.client(service, region)
        items: list[Any] = []
        try:
            for page in _paginate(client, operation, kwargs):
                items += page.get(key) or []
        except Exception as error:  # noqa: BLE001
            return Unavailable(permission_for(service, _camel(operation)), _error_code(error))
        return items


def _paginate(client: Any, operation: str, kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if client.can_paginate(operation):
        yield from client.get_paginator(operation).paginate(**kwargs)
    else:
        yield getattr(client, operation)(**kwargs)


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))
