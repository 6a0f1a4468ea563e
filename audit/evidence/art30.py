"""The record of processing activities extract the configuration can show (GDPR Art. 30(1))."""

from __future__ import annotations

from collections.abc import Sequence

from infra.config import StackConfig

from .dpia import ProcessingAnnex, transfers

__all__ = ["render_markdown"]


def render_markdown(stack: StackConfig, annexes: Sequence[ProcessingAnnex]) -> bytes:
    c = stack.controller
    lines = [
        "# Record of processing activities (GDPR Art. 30(1)) — extract from the configuration",
        "",
        f"Stack `{stack.stack}`. Entries the configuration cannot show (e.g. joint controllers, "
        "a representative) must be completed by the controller.",
        "",
        "## (a) Controller and data protection officer",
        "",
        f"{c.name} (id `{c.id}`); DPO contact: {c.dpo_contact}",
        "",
        "## (b) Purposes of the processing",
        "",
    ]
    lines += [
        f"* {a.meeting_type.name}: {a.meeting_type.purpose} (legal basis: "
        f"{a.meeting_type.legal_basis}; recording {a.meeting_type.recording})"
        for a in annexes
    ]
    lines += [
        "",
        "## (c) Categories of data subjects and of personal data",
        "",
        "Data subjects: customers taking part in calls; the controller's agents and supervisors.",
        "",
    ]
    for a in annexes:
        special = (
            f" Special categories: {'; '.join(a.special_categories)}."
            if a.special_categories
            else ""
        )
        lines.append(f"* {a.meeting_type.name}: {'; '.join(a.data_categories)}.{special}")
    lines += ["", "## (d) Recipients", ""]
    lines += [
        f"* {a.meeting_type.name}: roles {', '.join(a.meeting_type.access_roles)}" for a in annexes
    ]
    lines += [
        f"* Processor {p.name} ({p.role}): {', '.join(p.services)}; DPA: {p.dpa_reference}"
        for p in stack.processors
    ]
    lines += [
        "",
        "## (e) Transfers to third countries",
        "",
        transfers(stack),
        "",
        "## (f) Time limits for erasure",
        "",
    ]
    lines += [
        f"* {a.meeting_type.name}: "
        + (f"{a.meeting_type.retention_days} days" if a.meeting_type.records else "not stored")
        for a in annexes
    ]
    lines += [
        f"* Logs: at most {stack.log_retention_days} days; VPC flow logs "
        f"{stack.network.flow_log_retention_days} days",
        "",
        "## (g) Technical and organisational security measures (Art. 32(1))",
        "",
    ]
    if annexes:
        for m in annexes[0].measures:
            worst = (
                "failing"
                if any(
                    x.measure.id == m.measure.id and x.status == "failing"
                    for a in annexes
                    for x in a.measures
                )
                else m.status
            )
            lines.append(f"* {m.measure.id} {m.measure.title} — {worst} (see dpia-annex.md)")
    lines.append("")
    return "\n".join(lines).encode()
