"""Entry point for `pulumi up`: read and validate config, then declare the stack."""

from __future__ import annotations

import pulumi

from infra.config import PROJECT, ConfigError, stack_config_from_values
from infra.program import declare_stack

_KEYS = (
    "allowedRegions",
    "controller",
    "meetingTypes",
    "processors",
    "network",
    "turn",
    "mediaNode",
    "logRetentionDays",
)


def main() -> None:
    config = pulumi.Config(PROJECT)
    values = {key: config.get_object(key) for key in _KEYS}
    values = {key: value for key, value in values.items() if value is not None}
    try:
        stack_config = stack_config_from_values(
            values, stack=pulumi.get_stack(), region=pulumi.Config("aws").get("region")
        )
    except ConfigError as err:
        # One line that names the key; Pulumi prints it without a Python traceback.
        raise pulumi.RunError(f"invalid stack config: {err}") from None
    declare_stack(stack_config, config.require_secret("turnSharedSecret"))


main()
