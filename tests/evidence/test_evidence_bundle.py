"""``gdpr-audit evidence`` end to end (configuration scenarios; the runtime ones run in
features/): the dev stack gives a signed bundle that verifies and is reproducible; a
misconfigured stack still gives a signed bundle whose scenarios, SoA and DPIA annex show the
failing measures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit.cli import main
from audit.evidence.verify import verify_bundle

from .conftest import T1, T2

BUNDLE_FILES = {
    "art30-record.md", "cucumber.json", "dpia-annex.html", "dpia-annex.md", "facts.json",
    "index.html", "junit-scenarios.xml", "junit.xml", "report.html", "report.json", "report.md",
    "report.sarif", "scenarios.html", "soa.html", "soa.json", "soa.md",
}  # fmt: skip


def test_dev_bundle_has_every_file_and_verifies(dev_bundles, key: Path) -> None:
    first, _ = dev_bundles
    manifest = json.loads((first / "manifest.json").read_text())
    assert {f["path"] for f in manifest["files"]} == BUNDLE_FILES
    run = manifest["run"]
    assert run["declared_time"] == T1 and run["stack"] == "dev" and run["tool_version"]
    assert run["engine"] and run["engine_version"] != "unknown" and run["policies_commit"]
    assert (
        run["inputs"][0]["name"].endswith("Pulumi.dev.yaml")
        and len(run["inputs"][0]["sha256"]) == 64
    )
    assert manifest["criteria"]["allowed_regions"] == ["eu-central-1", "eu-west-1"]
    assert manifest["criteria"]["retention_days_per_meeting_type"]["customer-support"] == 30
    assert manifest["criteria"]["max_log_retention_days"] == 365
    assert main(["verify", str(first), "--public-key", f"{key}.pub"]) == 0
    cucumber = json.loads((first / "cucumber.json").read_text())
    assert len(cucumber) == 9  # one feature per area
    soa = json.loads((first / "soa.json").read_text())
    assert len(soa["controls"]) == 93
    assert soa["summary"]["by_status"].get("failing", 0) == 0
    a_8_10 = next(c for c in soa["controls"] if c["id"] == "A.8.10")
    assert a_8_10["status"] == "implemented" and "CV-RET-001" in a_8_10["implemented_by"]["rules"]
    assert any("retention" in s for s in a_8_10["implemented_by"]["scenarios"])
    a_5_1 = next(c for c in soa["controls"] if c["id"] == "A.5.1")
    assert a_5_1["status"] == "open"  # manual until attested
    dpia = (first / "dpia-annex.md").read_text()
    for name in (
        "claims-inspection",
        "financial-advice",
        "customer-support",
        "medical-consultation",
    ):
        assert f"## {name}" in dpia
    assert "Health data (Art. 9(1))" in dpia and "FAILING" not in dpia
    art30 = (first / "art30-record.md").read_text()
    for part in ("(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)"):
        assert f"## {part}" in art30


def test_every_byte_flip_in_the_real_bundle_is_named(
    dev_bundles, key: Path, tmp_path: Path
) -> None:
    import shutil

    first, _ = dev_bundles
    public = Path(f"{key}.pub").read_text()
    for name in sorted([*BUNDLE_FILES, "manifest.json", "manifest.sig.json"]):
        copy = tmp_path / name
        shutil.copytree(first, copy)
        data = bytearray((copy / name).read_bytes())
        data[len(data) // 2] ^= 0x20
        (copy / name).write_bytes(bytes(data))
        result = verify_bundle(copy, public_key_pem=public)
        assert not result.ok, name
        assert any(
            p.startswith(name if name != "manifest.sig.json" else "manifest")
            for p in result.problems
        ), (
            name,
            result.problems,
        )


def test_same_inputs_give_the_same_bundle_apart_from_time_and_signature(dev_bundles) -> None:
    first, second = dev_bundles
    for name in sorted(BUNDLE_FILES):
        a = (first / name).read_bytes()
        b = (second / name).read_bytes().replace(T2.encode(), T1.encode())
        assert a == b, f"{name} differs beyond the declared time"

    # The manifests differ in the time and in the hashes of files that contain it (each hash
    # is checked against its file by verify), nothing else.
    def manifest(bundle: Path) -> dict[str, Any]:
        document = json.loads((bundle / "manifest.json").read_text().replace(T2, T1))
        for entry in document["files"]:
            entry.pop("sha256")
        return dict(document)

    assert manifest(first) == manifest(second)
    assert (first / "manifest.sig.json").read_bytes() != (second / "manifest.sig.json").read_bytes()


def test_misconfigured_stack_fails_the_matching_scenarios_and_still_signs(
    bad_bundle, key: Path
) -> None:
    bundle, output = bad_bundle
    assert output.endswith("exit 1"), output
    assert main(["verify", str(bundle), "--public-key", f"{key}.pub"]) == 0
    cucumber = json.loads((bundle / "cucumber.json").read_text())
    statuses = {
        element["id"]: (
            "failed"
            if any(s["result"]["status"] == "failed" for s in element["steps"])
            else "passed"
        )
        for feature in cucumber
        for element in feature["elements"]
    }
    assert statuses["test_every_resource_runs_in_an_allowed_eu_region"] == "failed"
    retention = "test_recordings_of_a_meeting_type_are_deleted_when_its_retention_ends"
    assert statuses[f"{retention}[customer-support]"] == "failed"
    assert statuses[f"{retention}[claims-inspection]"] == "passed"
    assert statuses[f"{retention}[financial-advice]"] == "passed"
    assert statuses["test_keys_rotate_automatically"] == "passed"
    soa = {c["id"]: c for c in json.loads((bundle / "soa.json").read_text())["controls"]}
    assert soa["A.8.10"]["status"] == "failing" and "customer-support" in soa["A.8.10"]["detail"]
    assert soa["A.5.14"]["status"] == "failing"
    dpia = (bundle / "dpia-annex.md").read_text()
    support = dpia.split("## customer-support")[1].split("## ")[0]
    assert "FAILING: M-01, M-06" in support, support
    claims = dpia.split("## claims-inspection")[1].split("## ")[0]
    assert "FAILING: M-01" in claims and "M-06" not in claims.split("FAILING:")[1].splitlines()[0]
    index = (bundle / "index.html").read_text()
    assert "NOT COMPLIANT" in index and "us-east-1" in index
    assert 'id="chart-gdpr"' in index and 'id="chart-themes"' in index
    html = (bundle / "dpia-annex.html").read_text()
    assert "failing" in html


def test_the_bundles_report_is_the_audits_report(dev_bundles) -> None:
    """The bundle's report.json says what `gdpr-audit plan` says: the engine's version and what
    was not assessed (the dev stack has unread types), never a smaller report."""
    first, _ = dev_bundles
    report = json.loads((first / "report.json").read_text())
    assert report["tool"]["engine_version"], "the engine's version is missing"
    assert report["coverage"]["unassessed_types"], "the unread types are missing"
    assert report["coverage"]["idle_rules"], "the rules that applied to nothing are missing"
