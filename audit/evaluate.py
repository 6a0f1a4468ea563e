"""Facts -> Rego -> findings. Every applicable fact gets one result per rule; nothing that
could not be evaluated becomes a pass."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .catalogue import Control, Library, Rule
from .coverage import check_answer
from .engines.base import Batch, BatchResult, PackageError, PolicyEngine
from .exceptions_files import Attestation, Waiver
from .facts import Fact, Facts
from .findings import Finding

__all__ = ["UNDECIDED_PREFIX", "Evaluation", "evaluate", "paused_gc"]

UNDECIDED_PREFIX = "cannot be decided:"
"""How ``lib.undecided`` (policies/lib) starts a denial that rests on an unknown value; the
evaluator words it for the fact's source (:func:`_undecided_wording`)."""


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while facts and findings are built: they are tens of
    thousands of acyclic objects, and the collector's passes over them cost ~25% of reading a
    10,000-resource state (bench/policy_eval.py). Reference counting still frees memory."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...]
    rules_evaluated: int


def _refs(facts: Sequence[Fact]) -> list[tuple[str, Fact]]:
    seen: dict[str, int] = defaultdict(int)
    refs = []
    for fact in facts:
        ref = f"{fact.kind}:{fact.id}"
        seen[ref] += 1
        if seen[ref] > 1:
            ref = f"{ref}#{seen[ref]}"
        refs.append((ref, fact))
    return refs


def _finding(rule: Rule, fact: Fact | None, status: str, message: str) -> Finding:
    return Finding.build(
        {
            "rule_id": rule.id,
            "title": rule.title,
            "status": status,
            "severity": rule.severity,
            "topic": rule.topic,
            "gdpr": rule.gdpr,
            "iso27001": rule.iso27001,
            "resource_kind": fact.kind if fact else "policy",
            "resource_id": fact.id if fact else f"policies/{rule.path}",
            "resource_region": fact.region if fact else None,
            "resource_source": fact.source if fact else f"policies/{rule.path}",
            "message": message,
            "remediation": rule.remediation,
            "mapping": rule.mapping,
        }
    )


def _undecided_wording(fact: Fact, message: str) -> str:
    """A live fact (its ``source`` is an ARN) is unknown because the account did not answer;
    a plan's or a state's because the value exists only after deploy (or is a hidden secret)."""
    where = "in the live account" if fact.source.startswith("arn:") else "before deploy"
    return message.replace(UNDECIDED_PREFIX, f"cannot be decided {where}:")


def _unknown_reasons(fact: Fact, message: str) -> str:
    """Why the properties a message names are unknown, where the source says (a live scan's
    refused call and the IAM permission it needed)."""
    reasons = fact.properties.get("unknown_reasons") or {}
    named = sorted((p, why) for p, why in reasons.items() if f"{p} is unknown" in message)
    if not named:
        return ""
    return " (" + "; ".join(f"{p}: {why}" for p, why in named) + ")"


def _document(ref: str, fact: Fact) -> dict[str, Any]:
    document = fact.to_json()  # a fresh dict: adding the ref needs no second copy
    document["ref"] = ref
    return document


def _batches(
    refs: list[tuple[str, Fact]], rules: Sequence[Rule], chunk_size: int
) -> list[tuple[Batch, list[tuple[str, Fact]]]]:
    by_kind: dict[str, list[tuple[str, Fact]]] = defaultdict(list)
    for ref, fact in refs:
        by_kind[fact.kind].append((ref, fact))
    batches = []
    for kind in sorted(by_kind):
        packages = tuple(r.package for r in rules if kind in r.applies_to)
        if not packages:
            continue
        items = by_kind[kind]
        for start in range(0, len(items), chunk_size):
            chunk = items[start : start + chunk_size]
            documents = [_document(ref, fact) for ref, fact in chunk]
            batches.append((Batch(documents, packages), chunk))
    return batches


def _rule_findings(rule: Rule, result: BatchResult, chunk: list[tuple[str, Fact]]) -> list[Finding]:
    outcome = result.get(rule.package)
    if outcome is None:
        outcome = PackageError(f"package {rule.package} returned no result")
    outcome = check_answer(rule.package, outcome, [ref for ref, _ in chunk])
    findings = []
    holds = rule.title.replace(" should ", " ")
    for ref, fact in chunk:
        if fact.kind not in rule.applies_to:
            continue
        if isinstance(outcome, PackageError):
            findings.append(
                _finding(rule, fact, "error", f"Rule could not be evaluated: {outcome.message}")
            )
            continue
        messages = outcome.deny.get(ref)
        if messages:
            # A denial that rests on an unknown value is an error: the rule cannot decide.
            undecided = any(m.startswith(UNDECIDED_PREFIX) for m in messages)
            message = "; ".join(messages)
            if undecided:
                message = _undecided_wording(fact, message) + _unknown_reasons(fact, message)
            findings.append(_finding(rule, fact, "error" if undecided else "fail", message))
        elif ref in outcome.applicable and fact.properties.get("unlisted"):
            # A live listing AWS refused: nothing about these resources is known.
            why = sorted(set((fact.properties.get("unknown_reasons") or {}).values()))
            findings.append(
                _finding(
                    rule,
                    fact,
                    "error",
                    f"Cannot be evaluated: the {fact.kind} resources here could not be listed "
                    f"({'; '.join(why)})",
                )
            )
        elif ref in outcome.applicable:
            findings.append(
                _finding(
                    rule,
                    fact,
                    "pass",
                    f"{holds}: holds for {fact.kind} {fact.id}",
                )
            )
    return findings


def _apply_waivers(
    findings: list[Finding], waivers: Sequence[Waiver], today: dt.date
) -> list[Finding]:
    if not waivers:
        return findings
    result = []
    for finding in findings:
        if finding.status == "fail":
            matching = [
                w
                for w in waivers
                if w.matches(finding.rule_id, finding.resource_id, finding.resource_source)
            ]
            valid = [w for w in matching if w.expires >= today]
            if valid:
                waiver = valid[0]
                finding = _replace(
                    finding,
                    "waived",
                    f"{finding.message} [waived until {waiver.expires} by {waiver.approver}: "
                    f"{waiver.justification}]",
                )
            elif matching:
                expired = max(w.expires for w in matching)
                finding = _replace(
                    finding, "fail", f"{finding.message} [waiver expired on {expired}]"
                )
        result.append(finding)
    return result


def _replace(finding: Finding, status: str, message: str) -> Finding:
    return dataclasses.replace(finding, status=status, message=message)


def _manual_findings(
    controls: dict[str, Control],
    attestations: Sequence[Attestation],
    today: dt.date,
) -> list[Finding]:
    findings = []
    for control in controls.values():
        if not control.manual:
            continue
        covering = [a for a in attestations if a.control == control.id]
        valid = [a for a in covering if a.attested_on <= today <= a.valid_until]
        if valid:
            att = valid[0]
            status = "pass"
            message = (
                f"Attested by {att.attested_by} on {att.attested_on}, valid until "
                f"{att.valid_until}; evidence: {att.evidence}"
            )
        else:
            status = "manual"
            message = f"Not verifiable from configuration; provide evidence: {control.evidence}"
            if covering:
                message += f" (attestation expired on {max(a.valid_until for a in covering)})"
        findings.append(
            Finding(
                rule_id=f"ISO-{control.id}",
                title=f"{control.id} {control.title}",
                status=status,
                severity="medium",
                topic="processors" if "28" in " ".join(control.gdpr) else "access-control",
                gdpr=control.gdpr,
                iso27001=(control.id,),
                resource_kind="control",
                resource_id=control.id,
                resource_region=None,
                resource_source="policies/frameworks/iso27001.yaml",
                message=message,
                remediation=f"Record an attestation for {control.id} (--attestations FILE).",
            )
        )
    return findings


def evaluate(
    facts: Facts,
    library: Library,
    engine: PolicyEngine,
    *,
    waivers: Sequence[Waiver] = (),
    attestations: Sequence[Attestation] = (),
    today: dt.date | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    only_rules: Sequence[str] | None = None,
) -> Evaluation:
    """Evaluate every rule of ``library`` (or only the ids in ``only_rules``) on ``facts``,
    in batches of ``chunk_size`` facts (default: the engine's own)."""
    today = today or dt.datetime.now(dt.UTC).date()
    broken = engine.load(library.modules)
    selected = [r for r in library.rules if only_rules is None or r.id in only_rules]
    working = [r for r in selected if r.path not in broken]
    refs = _refs(facts.facts)
    findings: list[Finding] = []
    for rule in selected:
        if rule.path in broken:
            reason = f"Rule file does not compile: {broken[rule.path]}"
            targets = [f for _, f in refs if f.kind in rule.applies_to]
            findings += [_finding(rule, f, "error", reason) for f in targets] or [
                _finding(rule, None, "error", reason)
            ]
    planned = _batches(refs, working, chunk_size or engine.chunk_size)
    context = facts.context.to_json()
    by_package = {r.package: r for r in working}
    # One parallel map keeps every worker busy, and findings are built from each batch's
    # result as it arrives, while the workers evaluate the next ones. With progress, five
    # maps report between them.
    group_size = max(1, len(planned) // 5 if progress else len(planned))
    for start in range(0, len(planned), group_size):
        group = planned[start : start + group_size]
        results = engine.evaluate([batch for batch, _ in group], context)
        for (batch, chunk), result in zip(group, results, strict=True):
            for package in batch.packages:
                findings += _rule_findings(by_package[package], result, chunk)
        if progress:
            progress(start + len(group), len(planned))
    findings = _apply_waivers(findings, waivers, today)
    if only_rules is None:
        findings += _manual_findings(library.controls, attestations, today)
    findings.sort(key=operator.attrgetter("rule_id", "resource_kind", "resource_id"))
    evaluated = len({f.rule_id for f in findings if not f.rule_id.startswith("ISO-")})
    return Evaluation(tuple(findings), evaluated)
