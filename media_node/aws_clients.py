"""How the media node talks to AWS (KMS, S3, SSM): one botocore configuration for every client."""

from __future__ import annotations

from typing import Any

__all__ = ["aws_client_config"]


def aws_client_config() -> Any:
    """Standard retry mode (bounded, with backoff) and timeouts short enough that a KMS or S3
    outage is an error within seconds, not a request hanging for minutes."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10
    )
