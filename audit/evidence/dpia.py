"""The DPIA annex (GDPR Art. 35(7)): per meeting type, the processing (purpose, legal basis,
data categories, recipients and processors, transfers, retention, recording mode) and the
technical measures with the findings and scenarios that evidence each (Art. 35(7)(d))."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.config import MeetingType, StackConfig

from ..findings import Finding
from .model import EvidenceInput, Measure
from .scenarios import ScenarioResult
from .scoping import relevant_to_meeting_type

__all__ = [
    "MeasureEvidence",
    "ProcessingAnnex",
    "data_categories",
    "dpia_annex",
    "render_markdown",
    "transfers",
]


@dataclass(frozen=True)
class MeasureEvidence:
    measure: Measure
    status: str
    """``holds``, ``failing`` or ``not evidenced``."""
    findings: tuple[Finding, ...]
    scenarios: tuple[ScenarioResult, ...]

    def failures(self) -> list[str]:
        out = [
            f"{f.status.upper()} {f.rule_id} on {f.resource_kind} {f.resource_id}: {f.message} "
            f"— fix: {f.remediation}"
            for f in self.findings
            if f.status in ("fail", "error")
        ]
        out += [
            f"scenario '{s.title}' failed at '{s.failed_step}': {s.error}"
            for s in self.scenarios
            if s.status == "failed"
        ]
        return out


@dataclass(frozen=True)
class ProcessingAnnex:
    meeting_type: MeetingType
    data_categories: tuple[str, ...]
    special_categories: tuple[str, ...]
    recipients: tuple[str, ...]
    transfers: str
    measures: tuple[MeasureEvidence, ...]


def data_categories(mt: MeetingType) -> tuple[str, ...]:
    if not mt.records:
        return (
            "Pseudonymous participant ids and session metadata only: the call is relayed, "
            "never recorded",
        )
    categories = ["Voice of every participant (audio recording)"]
    if mt.mode == "audio+video":
        categories.append("Image of every participant (video recording)")
    categories += [
        f"Content of the conversation ({mt.purpose})",
        "Pseudonymous participant ids and roles; consent records (who, when, notice version)",
        "Access-log entries (pseudonymous actor, role, action, time)",
    ]
    return tuple(categories)


def _special(mt: MeetingType, rules: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    text = f"{mt.name} {mt.purpose}".lower()
    return tuple(
        f"{category} — inferred from the purpose; confirm and name the Art. 9(2) condition"
        for category, words in rules
        if any(word in text for word in words)
    )


def transfers(stack: StackConfig) -> str:
    outside = sorted(
        {r for p in stack.processors for r in p.regions if r not in stack.allowed_regions}
    )
    declared = ", ".join(stack.allowed_regions)
    if outside:
        return (
            f"Processor regions outside the allowed EU regions ({declared}): "
            f"{', '.join(outside)} — a Chapter V transfer that needs a legal basis"
        )
    return f"None: processing only in the allowed EU regions {declared} (checked by M-01)"


def _measure(measure: Measure, mt: MeetingType, data: EvidenceInput) -> MeasureEvidence:
    prefixes = data.prefixes()
    findings = tuple(
        f
        for f in data.findings
        if f.topic in measure.topics
        and not f.rule_id.startswith("ISO-")
        and relevant_to_meeting_type(
            {"resource": {"kind": f.resource_kind, "id": f.resource_id}, "message": f.message},
            mt.name,
            prefixes,
        )
    )
    scenarios = tuple(
        s
        for s in data.scenarios
        if s.feature_file.rsplit("/", 1)[-1] in measure.features
        and s.meeting_type in (None, mt.name)
    )
    if any(f.status in ("fail", "error") for f in findings) or any(
        s.status == "failed" for s in scenarios
    ):
        status = "failing"
    elif any(f.status in ("pass", "waived") for f in findings) or any(
        s.status == "passed" for s in scenarios
    ):
        status = "holds"
    else:
        status = "not evidenced"
    return MeasureEvidence(measure, status, findings, scenarios)


def dpia_annex(data: EvidenceInput) -> tuple[ProcessingAnnex, ...]:
    annexes = []
    for mt in data.stack.meeting_types:
        recipients = [f"Internal roles with access to recordings: {', '.join(mt.access_roles)}"]
        recipients += [
            f"{p.name} ({p.role}; {', '.join(p.services)} in {', '.join(p.regions)}; "
            f"DPA: {p.dpa_reference})"
            for p in data.stack.processors
        ]
        annexes.append(
            ProcessingAnnex(
                meeting_type=mt,
                data_categories=data_categories(mt),
                special_categories=_special(mt, data.special_categories),
                recipients=tuple(recipients),
                transfers=transfers(data.stack),
                measures=tuple(_measure(m, mt, data) for m in data.measures),
            )
        )
    return tuple(annexes)


def _retention(mt: MeetingType) -> str:
    if not mt.records:
        return "Nothing is stored (recording forbidden)"
    return f"{mt.retention_days} days, then deleted by the bucket lifecycle rule for {mt.prefix}"


def render_markdown(annexes: Sequence[ProcessingAnnex], stack: StackConfig) -> bytes:
    lines = [
        "# DPIA annex — processing and technical measures per meeting type",
        "",
        f"Controller: {stack.controller.name} (DPO: {stack.controller.dpo_contact}); stack "
        f"`{stack.stack}`. Art. 35(7)(a) description of the processing and (d) the measures "
        "envisaged, each with the findings and scenarios of this run that evidence it.",
        "",
    ]
    for annex in annexes:
        mt = annex.meeting_type
        failing = [m for m in annex.measures if m.status == "failing"]
        lines += [
            f"## {mt.name}",
            "",
            f"* **Purpose:** {mt.purpose}",
            f"* **Legal basis:** {mt.legal_basis}",
            f"* **Recording:** {mt.recording}, mode {mt.mode}"
            + (f"; notice: “{mt.notice}”" if mt.notice else ""),
            f"* **Data categories:** {'; '.join(annex.data_categories)}",
            "* **Special categories:** "
            + ("; ".join(annex.special_categories) or "none indicated by the purpose"),
            f"* **Recipients and processors:** {'; '.join(annex.recipients)}",
            f"* **Transfers outside the EU:** {annex.transfers}",
            f"* **Retention:** {_retention(mt)}",
            f"* **Measures:** {len(annex.measures) - len(failing)} of {len(annex.measures)} "
            f"without failures"
            + (f"; FAILING: {', '.join(m.measure.id for m in failing)}" if failing else ""),
            "",
            "| measure | GDPR | status | evidence |",
            "|---|---|---|---|",
        ]
        for m in annex.measures:
            passes = sum(1 for f in m.findings if f.status == "pass")
            scen = ", ".join(f"{s.title} ({s.status})" for s in m.scenarios) or "—"
            evidence = f"{passes} passing findings; scenarios: {scen}"
            problems = m.failures()
            if problems:
                evidence = "**" + " / ".join(problems) + "** — " + evidence
            lines.append(
                f"| {m.measure.id} {m.measure.title} | {', '.join(m.measure.gdpr)} | "
                f"{m.status} | {evidence.replace('|', '/')} |"
            )
        lines.append("")
    return "\n".join(lines).encode()
