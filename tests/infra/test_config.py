"""Config validation: every bad input is one clear line naming the key and the allowed values."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config import (
    ConfigError,
    load_stack_file,
    split_stack_file,
    stack_config_from_values,
    to_stack_document,
)

ROOT = Path(__file__).resolve().parents[2]


def dev_values() -> tuple[dict[str, Any], str | None]:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    return split_stack_file(document, "Pulumi.dev.yaml")


def validate(values: dict[str, Any], region: str | None = "eu-central-1") -> None:
    stack_config_from_values(values, stack="dev", region=region)


def test_dev_stack_is_valid_and_has_the_four_meeting_types() -> None:
    config = load_stack_file(ROOT / "Pulumi.dev.yaml")
    assert config.region == "eu-central-1"
    by_name = {m.name: m for m in config.meeting_types}
    assert by_name["financial-advice"].retention_days == 1825
    assert by_name["customer-support"].legal_basis == "consent"
    assert by_name["customer-support"].mode == "audio"
    assert by_name["medical-consultation"].recording == "forbidden"
    assert all(p.dpa_reference for p in config.processors)


def test_round_trip_through_the_stack_document() -> None:
    config = load_stack_file(ROOT / "Pulumi.dev.yaml")
    values, region = split_stack_file(to_stack_document(config), "round-trip")
    assert stack_config_from_values(values, stack="dev", region=region) == config


def mutated(change: Any) -> dict[str, Any]:
    values, _ = dev_values()
    values = copy.deepcopy(values)
    change(values)
    return values


@pytest.mark.parametrize(
    ("change", "region", "key", "fragment"),
    [
        (lambda v: None, "us-east-1", "aws:region", "allowed: eu-central-1, eu-west-1"),
        (lambda v: None, "eu-west-2", "aws:region", "not an allowed EU region"),
        (
            lambda v: v.__setitem__("allowedRegions", ["eu-central-1", "us-west-2"]),
            "eu-central-1",
            "callvault:allowedRegions",
            "'us-west-2' is not an EU region",
        ),
        (
            lambda v: v["meetingTypes"][0].__setitem__("recording", "sometimes"),
            "eu-central-1",
            "callvault:meetingTypes[0].recording",
            "'sometimes' is not one of required, optional, forbidden",
        ),
        (
            lambda v: v["meetingTypes"][2].__setitem__("retentionDays", 0),
            "eu-central-1",
            "callvault:meetingTypes[2].retentionDays",
            "at least 1",
        ),
        (
            lambda v: v["meetingTypes"][2].__setitem__("retentionDays", -5),
            "eu-central-1",
            "callvault:meetingTypes[2].retentionDays",
            "(got -5)",
        ),
        (
            lambda v: v["meetingTypes"][1].pop("legalBasis"),
            "eu-central-1",
            "callvault:meetingTypes[1].legalBasis",
            "has no legal basis",
        ),
        (
            lambda v: v["meetingTypes"][2].__setitem__("recording", "required"),
            "eu-central-1",
            "callvault:meetingTypes[2].recording",
            "contradicts legalBasis 'consent'",
        ),
        (
            lambda v: v["processors"][0].pop("dpaReference"),
            "eu-central-1",
            "callvault:processors[0].dpaReference",
            "no DPA reference",
        ),
        (
            lambda v: v["meetingTypes"][0].__setitem__("colour", "blue"),
            "eu-central-1",
            "callvault:meetingTypes[0].colour",
            "not a known field",
        ),
        (
            lambda v: v["meetingTypes"][0].__setitem__("mode", "video"),
            "eu-central-1",
            "callvault:meetingTypes[0].mode",
            "one of audio, audio+video",
        ),
        (
            lambda v: v["meetingTypes"][0].__setitem__("accessRoles", ["janitor"]),
            "eu-central-1",
            "callvault:meetingTypes[0].accessRoles",
            "'janitor' is not one of",
        ),
        (
            lambda v: v["processors"][0].__setitem__("regions", ["us-east-1"]),
            "eu-central-1",
            "callvault:processors[0].regions",
            "not an allowed region",
        ),
        (
            lambda v: v["meetingTypes"].append(dict(v["meetingTypes"][0])),
            "eu-central-1",
            "callvault:meetingTypes",
            "declared twice",
        ),
        (
            lambda v: v["network"].__setitem__("cidr", "8.8.0.0/16"),
            "eu-central-1",
            "callvault:network.cidr",
            "private range",
        ),
    ],
    ids=[
        "non-eu-region",
        "uk-region",
        "non-eu-allowed-region",
        "unknown-recording-policy",
        "retention-zero",
        "retention-negative",
        "no-legal-basis",
        "required-with-consent",
        "processor-without-dpa",
        "unknown-meeting-type-field",
        "unknown-mode",
        "unknown-role",
        "processor-outside-allowed-regions",
        "duplicate-meeting-type",
        "public-cidr",
    ],
)
def test_bad_config_is_one_line_naming_the_key(change, region, key, fragment) -> None:
    with pytest.raises(ConfigError) as caught:
        validate(mutated(change), region)
    message = str(caught.value)
    assert caught.value.key == key
    assert message.startswith(f"{key}: ")
    assert fragment in message
    assert "\n" not in message


def test_forbidden_meeting_type_may_not_declare_a_retention() -> None:
    def change(values: dict[str, Any]) -> None:
        values["meetingTypes"][3]["retentionDays"] = 30

    with pytest.raises(ConfigError, match=r"meetingTypes\[3\]\.retentionDays"):
        validate(mutated(change))


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_stack_file(tmp_path / "Pulumi.missing.yaml")
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_stack_file(broken)
    empty = tmp_path / "Pulumi.empty.yaml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="no top-level 'config' mapping"):
        load_stack_file(empty)
