"""The Gherkin suite's wiring: tags must name real GDPR provisions / Annex A controls, and the
meeting-type rows come from the stack config (a new meeting type is covered unedited)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from features.tags import gdpr_marker, iso_marker, marker_lines

REPO = Path(__file__).resolve().parents[2]


def _collect(features: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(features),
            "--collect-only",
            "-q",
            "--strict-markers",
            "-p",
            "no:cacheprovider",
        ],
        cwd=features.parent,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": str(REPO),
            "CALLVAULT_STACK_CONFIG": str(REPO / "Pulumi.dev.yaml"),
            **(env or {}),
        },
        timeout=120,
    )


def test_marker_names_follow_the_provisions_and_controls() -> None:
    assert gdpr_marker("Art. 5(1)(e)") == "gdpr_art5_1_e"
    assert gdpr_marker("Art. 44") == "gdpr_art44"
    assert iso_marker("A.8.10") == "iso27001_a_8_10"
    names = {line.split(":")[0] for line in marker_lines()}
    assert {"gdpr_art5_1_e", "gdpr_art32", "iso27001_a_5_1", "iso27001_a_8_34"} <= names


def test_a_mistyped_tag_fails_collection(tmp_path: Path) -> None:
    copy = tmp_path / "features"
    shutil.copytree(REPO / "features", copy, ignore=shutil.ignore_patterns("__pycache__"))
    feature = copy / "retention.feature"
    feature.write_text(feature.read_text().replace("@gdpr_art5_1_e", "@gdpr_art5_1_x", 1))
    result = _collect(copy)
    assert result.returncode != 0
    assert "gdpr_art5_1_x" in result.stdout + result.stderr
    feature.write_text(feature.read_text().replace("@gdpr_art5_1_x", "@gdpr_art5_1_e", 1))
    assert _collect(copy).returncode == 0


def test_a_new_meeting_type_gets_its_rows_without_editing_features(tmp_path: Path) -> None:
    document = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    document["config"]["callvault:meetingTypes"].append(
        {
            "name": "second-opinion",
            "purpose": "Second medical opinion on a claim",
            "legalBasis": "consent",
            "recording": "optional",
            "mode": "audio",
            "retentionDays": 14,
            "accessRoles": ["supervisor", "dpo"],
            "notice": "With your consent we record the audio of this call for 14 days.",
        }
    )
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text(yaml.safe_dump(document))
    result = _collect(REPO / "features", {"CALLVAULT_STACK_CONFIG": str(stack)})
    assert result.returncode == 0, result.stdout + result.stderr
    ids = result.stdout
    assert (
        "test_recordings_of_a_meeting_type_are_deleted_when_its_retention_ends[second-opinion]"
        in ids
    )
    assert "test_an_audioonly_meeting_type_stores_no_video[second-opinion]" in ids
    assert "test_an_audioonly_meeting_type_stores_no_video[customer-support]" in ids
    assert "never_records[second-opinion]" not in ids  # it may record: not a forbidden row
    baseline = _collect(REPO / "features")
    assert "second-opinion" not in baseline.stdout


def test_every_rule_a_scenario_names_exists_with_that_title() -> None:
    import re

    from audit.catalogue import load_library

    library = load_library()
    titles = {rule.id: rule.title for rule in library.rules}
    pairs = [
        match
        for feature in sorted((REPO / "features").glob("*.feature"))
        for match in re.findall(
            r'it is checked that "([^"]*)" \(([A-Z0-9-]+)\)', feature.read_text()
        )
    ]
    assert len(pairs) >= 40
    for text, rule_id in pairs:
        assert rule_id in titles, f"features name unknown rule {rule_id}"
        assert text == titles[rule_id], f"{rule_id} is now titled {titles[rule_id]!r}, not {text!r}"
