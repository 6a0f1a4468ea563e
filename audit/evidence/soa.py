"""The ISO/IEC 27001:2022 Statement of Applicability: all 93 Annex A controls, each applicable
or not with a reason, what implements it (rules, scenarios, attestations), its status and the
evidence references. A control nothing automated covers stays ``open`` until attested."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .model import AnnexControl, EvidenceInput

__all__ = ["SOA_STATUSES", "SoaRow", "render_json", "render_markdown", "statement_of_applicability"]

SOA_STATUSES: tuple[str, ...] = (
    "failing",
    "error",
    "open",
    "not-assessed",
    "attested",
    "implemented",
    "not-applicable",
)
"""Worst first."""


@dataclass(frozen=True)
class SoaRow:
    control: AnnexControl
    applicable: bool
    justification: str
    rules: tuple[str, ...]
    scenarios: tuple[str, ...]
    attestations: tuple[str, ...]
    status: str
    evidence: tuple[str, ...]
    detail: str
    """The failing findings or scenarios, or what evidence is still needed."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.control.id,
            "title": self.control.title,
            "theme": self.control.theme,
            "applicable": self.applicable,
            "justification": self.justification,
            "implemented_by": {
                "rules": list(self.rules),
                "scenarios": list(self.scenarios),
                "attestations": list(self.attestations),
            },
            "status": self.status,
            "evidence": list(self.evidence),
            "detail": self.detail,
        }


def _row(control: AnnexControl, data: EvidenceInput) -> SoaRow:
    manual = data.library.controls.get(control.id)
    rules = tuple(r.id for r in data.library.rules if control.id in r.iso27001)
    findings = [
        f for f in data.findings if control.id in f.iso27001 and not f.rule_id.startswith("ISO-")
    ]
    scenarios = [s for s in data.scenarios if control.id in s.iso27001]
    covering = [a for a in data.attestations if a.control == control.id]
    valid = [a for a in covering if a.attested_on <= data.today <= a.valid_until]
    attestations = tuple(
        f"{a.evidence} (by {a.attested_by} on {a.attested_on}, valid until {a.valid_until})"
        for a in valid
    )
    evidence: list[str] = []
    for rule_id in rules:
        counts = Counter(f.status for f in findings if f.rule_id == rule_id)
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no resources"
        evidence.append(f"report.json: {rule_id} ({summary})")
    evidence += [f"cucumber.json: {s.test_id} ({s.status})" for s in scenarios]
    evidence += [f"attestation: {a}" for a in attestations]
    failing = [f"{f.rule_id} {f.resource_id}: {f.message}" for f in findings if f.status == "fail"]
    failing += [
        f"scenario '{s.title}' failed: {s.error}" for s in scenarios if s.status == "failed"
    ]
    errors = [f"{f.rule_id} {f.resource_id}: {f.message}" for f in findings if f.status == "error"]
    if not control.applicable:
        status, justification = "not-applicable", control.reason
        detail = ""
    else:
        if manual is not None and manual.manual:
            justification = (
                f"Applicable; evidence comes from outside the configuration: {manual.evidence}"
            )
        elif rules or scenarios:
            justification = (
                f"Applicable: CallVault's infrastructure implements it; {len(rules)} rule(s) and "
                f"{len(scenarios)} scenario(s) check it on every run"
            )
        elif control.inherited:
            justification = f"Applicable; operated by {control.inherited}"
        else:
            justification = (
                "Applicable: an organisational control of the controller's ISMS, not verifiable "
                "from the configuration"
            )
        passed = any(f.status in ("pass", "waived") for f in findings) or any(
            s.status == "passed" for s in scenarios
        )
        if errors:
            status, detail = "error", "; ".join(errors)
        elif failing:
            status, detail = "failing", "; ".join(failing)
        elif manual is not None and manual.manual:
            status = "attested" if valid else "open"
            detail = "" if valid else f"Attest it (--attestations): {manual.evidence}"
        elif passed:
            status, detail = "implemented", ""
        elif valid:
            status, detail = "attested", ""
        elif rules:
            status, detail = "not-assessed", "Its rules found no resources to judge in this run"
        else:
            status, detail = "open", "No automated evidence: record an attestation"
    return SoaRow(
        control=control,
        applicable=control.applicable,
        justification=justification,
        rules=rules,
        scenarios=tuple(s.test_id for s in scenarios),
        attestations=attestations,
        status=status,
        evidence=tuple(evidence),
        detail=detail,
    )


def statement_of_applicability(data: EvidenceInput) -> tuple[SoaRow, ...]:
    return tuple(_row(control, data) for control in data.annex)


def by_theme(rows: tuple[SoaRow, ...]) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for row in rows:
        table.setdefault(row.control.theme, Counter())[row.status] += 1
    return {theme: {s: c.get(s, 0) for s in SOA_STATUSES} for theme, c in table.items()}


def render_json(rows: tuple[SoaRow, ...]) -> bytes:
    document = {
        "framework": "ISO/IEC 27001:2022 Annex A",
        "controls": [r.to_json() for r in rows],
        "summary": {
            "by_status": dict(sorted(Counter(r.status for r in rows).items())),
            "by_theme": by_theme(rows),
        },
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rows: tuple[SoaRow, ...], themes: dict[str, str]) -> bytes:
    counts = Counter(r.status for r in rows)
    lines = [
        "# Statement of Applicability — ISO/IEC 27001:2022 Annex A",
        "",
        f"{len(rows)} controls: "
        + ", ".join(f"{counts[s]} {s}" for s in SOA_STATUSES if counts[s]),
        "",
    ]
    for theme, title in themes.items():
        lines += [
            f"## {title}",
            "",
            "| control | applicable | justification | implemented by | status | evidence |",
            "|---|---|---|---|---|---|",
        ]
        for row in (r for r in rows if r.control.theme == theme):
            implemented = ", ".join([*row.rules, *row.scenarios, *row.attestations]) or "—"
            evidence = "; ".join(row.evidence) or "—"
            status = row.status + (f": {row.detail}" if row.detail else "")
            lines.append(
                f"| {row.control.id} {_cell(row.control.title)} | "
                f"{'yes' if row.applicable else 'no'} | {_cell(row.justification)} | "
                f"{_cell(implemented)} | {_cell(status)} | {_cell(evidence)} |"
            )
        lines.append("")
    return "\n".join(lines).encode()
